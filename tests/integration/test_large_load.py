"""A large load into PostgreSQL completes, and a concurrent reader is answered meanwhile.

A load of ~18,000 events or more used to hang for ever in psycopg's pipeline
mode, holding the table lock, so every reader blocked behind it (issue 17).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEED, fresh_pg_schema

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EVENTS = 50_000
LOCK_WAIT = 30  # the store's bounded lock wait (dbconfig: POSTGRES_LOCK_TIMEOUT)
CATCH_UP = 90  # a reader's own work after the load: its cache catches up 50,000 events
LOAD_LIMIT = 300  # the load on a shared 2-core machine takes ~30 s


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.bench.generate import generate, plans

    _, large = plans(EVENTS)
    made = generate(large, tmp_path_factory.mktemp("large"))
    assert made.events == EVENTS
    return made.path


@pytest.fixture
def pg_db() -> Iterator[str]:
    with fresh_pg_schema() as url:
        yield url


def cli(db: str, cache: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "orgchart", "--db", db, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "ORGCHART_CACHE": str(cache)})


def inserting(db: str) -> bool:
    """True while the load's insert statement runs (it holds the lock readers wait for)."""
    import psycopg

    schema = db.rsplit("schema=", 1)[1]
    with psycopg.connect(db.split("?")[0], autocommit=True) as conn:
        row = conn.execute("select count(*) from pg_stat_activity where state = 'active' "
                           "and query ilike any(%s)",
                           [[f"%{schema}%insert_events%", f'%insert into "{schema}"%']]
                           ).fetchone()
    return bool(row and row[0])


def test_a_50000_event_load_completes_while_readers_are_answered(
        pg_db: str, large_file: str, tmp_path: Path) -> None:
    seed = cli(pg_db, tmp_path / "writer", "load", "-q", str(SEED))
    assert seed.communicate(timeout=60)[1] == "" and seed.returncode == 0
    reader_cache = tmp_path / "reader"
    first = cli(pg_db, reader_cache, "at", "2026-04-01", "--depth", "0")
    assert first.communicate(timeout=60)[0].startswith("Alibaba China e-commerce")

    started = time.monotonic()
    load = cli(pg_db, tmp_path / "writer", "load", "-q", large_file)
    readers: list[tuple[float, int, str, bool]] = []  # (seconds, exit code, stdout, during insert)
    try:
        while load.poll() is None and time.monotonic() - started < LOAD_LIMIT:
            during = inserting(pg_db)
            if not during and readers:
                time.sleep(0.2)
                continue
            t0 = time.monotonic()
            reader = cli(pg_db, reader_cache, "at", "2026-04-01", "--depth", "0")
            try:
                out, err = reader.communicate(timeout=LOCK_WAIT + CATCH_UP)
            except subprocess.TimeoutExpired:
                reader.kill()
                reader.communicate()
                pytest.fail(f"a reader started {'during' if during else 'before'} the insert "
                            f"was not answered within {LOCK_WAIT + CATCH_UP} s")
            readers.append((time.monotonic() - t0, reader.returncode, out + err, during))
            if during:
                break
        out, err = load.communicate(timeout=max(1.0, LOAD_LIMIT - (time.monotonic() - started)))
    finally:
        if load.poll() is None:
            load.kill()  # the hang this test is about: free the lock before the schema is dropped
            load.communicate()
    assert (load.returncode, err) == (0, ""), err
    assert out == f"{large_file}: {EVENTS} new events\n"
    assert readers, "no reader ran during the load"
    for seconds, code, text, _ in readers:
        assert code == 0 and text.startswith("Alibaba China e-commerce"), text
        assert seconds < LOCK_WAIT + CATCH_UP
