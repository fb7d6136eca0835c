"""Shared fixtures: a fresh store path, a CLI runner, the seed file."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import Phase, settings

from orgchart.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "alibaba-2026.yaml"


DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_MARK = "postgres"


@functools.cache
def postgres_for_tests() -> tuple[str | None, str]:
    """The PostgreSQL URL the tests use, or None and the one-line reason why not.

    `ORGCHART_TEST_POSTGRES` names it; without it, the default local URL is used
    when a server answers there, so `make test` runs the PostgreSQL tests on a
    machine that has one.
    """
    url = os.environ.get("ORGCHART_TEST_POSTGRES")
    where = url or DEFAULT_PG_URL
    try:
        import psycopg
    except ImportError:
        return None, ("psycopg is not installed (the `postgres` extra: "
                      "pip install -e '.[postgres]')")
    try:
        psycopg.connect(where, connect_timeout=3).close()
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        hint = "" if url else "; set ORGCHART_TEST_POSTGRES=postgresql://user@host:port/db"
        return None, f"no PostgreSQL answers at {where} ({first}){hint}"
    return where, f"{where} ({'ORGCHART_TEST_POSTGRES' if url else 'the default local URL'})"


def pytest_report_header(config: pytest.Config) -> str:
    url, reason = postgres_for_tests()
    return f"PostgreSQL tests: {'on ' + reason if url else 'skipped, ' + reason}"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    """One line saying why the PostgreSQL tests were skipped (else a silent `s` each)."""
    url, reason = postgres_for_tests()
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if PG_MARK in getattr(r, "keywords", {})]
    if url is None and skipped:
        terminalreporter.write_line(f"{len(skipped)} PostgreSQL tests skipped: {reason}")


def postgres_url() -> str:
    """The test server's URL, or skip (fail under ORGCHART_REQUIRE_POSTGRES) with the reason."""
    url, reason = postgres_for_tests()
    if url is None:
        if os.environ.get("ORGCHART_REQUIRE_POSTGRES"):
            pytest.fail(f"ORGCHART_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(f"PostgreSQL: {reason}")
    return url


# Hypothesis profiles, chosen with HYPOTHESIS_PROFILE. `default` (`make test`) leaves out the
# explain phase: it traces every shrink step, which on Python 3.11 made a found failure take
# minutes to report. `mutate` (`make mutate`) runs each property briefly and the same way for
# every mutant: fixed examples, no shrinking, no example database.
settings.register_profile("default", phases=[p for p in Phase if p is not Phase.explain])
settings.register_profile("mutate", max_examples=15, derandomize=True, database=None,
                          deadline=None, phases=[Phase.explicit, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _profile() -> settings:
    assert settings.default is not None  # a profile is loaded above
    return settings.default


def examples(n: int) -> int:
    """`n` examples, or fewer when the profile runs fewer (for tests that set their own)."""
    return min(n, _profile().max_examples)


def unshrunk() -> list[Phase]:
    """The profile's phases less shrinking, for a property whose every example is a long
    story: shrinking one took minutes. Its failure message shows the whole story; set
    HYPOTHESIS_SHRINK=1 to shrink it anyway."""
    if os.environ.get("HYPOTHESIS_SHRINK"):
        return list(_profile().phases)
    return [p for p in _profile().phases if p is not Phase.shrink]


PG_URL = os.environ.get("ORGCHART_TEST_POSTGRES")
PG_SKIP = "PostgreSQL tests need ORGCHART_TEST_POSTGRES=postgresql://user@host:port/db"


def pg_schema_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}schema={schema}"


def drop_pg_schema(base: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(base.split("?")[0], autocommit=True) as conn:
        conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty store URL: a SQLite file, and a PostgreSQL schema when configured.

    Each PostgreSQL test gets its own schema, dropped afterwards; its query-table
    cache lives in the test's tmp dir.
    """
    monkeypatch.setenv("ORGCHART_CACHE", str(tmp_path / "cache"))
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    with fresh_pg_schema() as url:
        yield url


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """The URL of a new PostgreSQL schema on the test server, dropped afterwards."""
    base = postgres_url()
    schema = f"orgchart_test_{uuid.uuid4().hex[:12]}"
    try:
        drop_pg_schema(base, schema)  # fails fast, with its reason, if the server is down
    except Exception as e:
        if os.environ.get("ORGCHART_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL at {base} is required but unreachable: {e}")
        pytest.skip(f"PostgreSQL at {base} is unreachable: {e}")
    try:
        yield pg_schema_url(base, schema)
    finally:
        drop_pg_schema(base, schema)


@pytest.fixture
def db_path(backend: str) -> str:
    """The store under test (both back-ends, see `backend`)."""
    return backend


Run = Callable[..., Result]


@pytest.fixture
def run(db_path: str) -> Run:
    """Invoke the CLI against the test store: run("at", "2026-04-01")."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", db_path, *args], input=input, obj={})

    return invoke


@pytest.fixture
def seeded(run: Run) -> Run:
    r = run("load", str(SEED))
    assert r.exit_code == 0, r.output
    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    """Write a file under the test's tmp dir and return its path."""

    def w(name: str, text: str) -> str:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return str(p)

    return w
