"""A rebuild that replays in forked processes (`tables.FORK_AT` events or more, where
the process can fork) writes what the rebuild in one process writes, row for row and in
the same order; when they fail, it replays in its own process; what fails there is
raised and leaves the tables as they were; no process and no file is left behind."""

from __future__ import annotations

import os
import signal
import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from orgchart.adapters import forked
from orgchart.adapters.readmodel import aside, tables
from orgchart.adapters.store import EventStore, StoredHistory
from orgchart.cli.main import cli
from orgchart.domain.facts import Fact
from orgchart.domain.knowledge import known_at
from orgchart.domain.rules import Timeline, replay
from tests.rebuilds import (
    failing_event_indexes,
    fresh,
    in_order,
    refused,
    replayed,
    write,
)
from tests.unit.test_backdated_fast_paths import NAMES, valid_histories

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform cannot fork")

SEED = Path(__file__).resolve().parents[2] / "seeds"


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, *args], obj={})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module", params=["generated", "seed", "aliases"])
def history(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> StoredHistory:
    """A generated history of 800 events, the seed, or a small one with aliases: each
    table of the replay has rows in one of them."""
    work = tmp_path_factory.mktemp("forked")
    db = str(work / "store.db")
    if request.param == "generated":
        from tests.bench.generate import generate, plans

        _, large = plans(800, seed=5)
        files = [str(generate(large, work).path)]
    elif request.param == "seed":
        files = sorted(str(p) for p in SEED.glob("*.yaml"))
    else:
        from tests.e2e.test_aliases_cli import UK

        # renamed on the day it was made: a version replaced that day (`transient`)
        same_day = ('  - {type: rename, date: 2016-07-14, unit: beis, name: "Department for '
                    'Business and Energy", aliases: [DBE]}\n')
        (work / "uk.yaml").write_text(UK + same_day, encoding="utf-8")
        files = [str(work / "uk.yaml")]
    run(db, "load", *files)
    store = EventStore(db)
    try:
        return store.read()
    finally:
        store.close()


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[aside.AsideFiles[Any]]:
    """Every rebuild forks (whatever its size and the test process's threads); the
    scratch files go to a directory of the test's own; returns the files made."""
    made: list[aside.AsideFiles[Any]] = []
    real = aside.AsideFiles.__init__

    def spied(self: aside.AsideFiles[Any], *args: Any) -> None:
        real(self, *args)
        made.append(self)
    monkeypatch.setattr(tables, "FORK_AT", 0)
    monkeypatch.setattr(forked, "can_fork", lambda room=0.0: True)
    monkeypatch.setattr(aside.AsideFiles, "__init__", spied)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    return made


def left_behind(tmp_path: Path) -> list[str]:
    return sorted(os.listdir(tmp_path / "scratch"))


#: The replay's tables each history fills: together, all of them.
FILLED = {"generated": {"versions", "lives", "tenures", "links"},
          "seed": {"versions", "lives", "tenures", "links"},
          "aliases": {"aliases", "transient"}}


def test_the_forked_rebuild_writes_what_the_plain_one_writes(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]],
        request: pytest.FixtureRequest) -> None:
    assert set().union(*FILLED.values()) == set(tables.TIMELINE_TABLES)
    plain, split = fresh(tmp_path / "plain.db"), fresh(tmp_path / "forked.db")
    write(plain, history, replayed(history))  # a timeline given: never forks
    assert forking == []
    write(split, history, partial(replayed, history))
    assert len(forking) == 1
    assert in_order(split) == in_order(plain)
    assert tables.dump(split) == tables.dump(plain)
    filled = {name for name in tables.TIMELINE_TABLES if in_order(plain)[name]}
    assert filled >= FILLED[request.node.callspec.params["history"]]
    assert left_behind(tmp_path) == []
    assert split.execute("pragma database_list").fetchall()[-1][1] == "main"  # detached


def test_it_rebuilds_over_tables_there_and_over_none(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]]) -> None:
    """Over none: the first statements must not find the scratch file's tables of the
    same names (SQLite looks for a name without a schema in every attached file)."""
    plain, split = fresh(tmp_path / "plain.db"), fresh(tmp_path / "forked.db")
    write(plain, history, replayed(history))
    write(split, history, partial(replayed, history))
    write(split, history, partial(replayed, history))
    assert len(forking) == 2
    assert in_order(split) == in_order(plain)


def test_the_rebuild_command_forks_and_verify_accepts_it(
        tmp_path: Path, forking: list[aside.AsideFiles[Any]]) -> None:
    db = str(tmp_path / "store.db")
    files = sorted(str(p) for p in SEED.glob("*.yaml"))
    run(db, "load", *files)
    loaded = in_order(tables.open_db(db))
    made = len(forking)
    run(db, "rebuild")
    assert len(forking) == made + 1
    assert in_order(tables.open_db(db)) == loaded
    assert run(db, "verify").startswith("ok: ")


def test_an_error_in_the_forked_replay_is_raised_and_writes_nothing(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]]) -> None:
    db = fresh(tmp_path / "tables.db")
    write(db, history, replayed(history))

    def failing() -> Timeline:
        raise ValueError("the replay failed")
    refused(db, history, failing, ValueError, "replay failed")
    assert len(forking) == 1
    assert left_behind(tmp_path) == []


def full_disk(monkeypatch: pytest.MonkeyPatch, table: str, aside_only: bool) -> None:
    """Writing `table`'s rows fails as on a full disk (only in a forked process, or in any)."""
    here = os.getpid()
    real = tables.insert_rows

    def failing(db: sqlite_utils.Database, name: str, rows: Any) -> None:
        if name == table and not (aside_only and os.getpid() == here):
            raise sqlite3.OperationalError("database or disk is full")
        real(db, name, rows)
    monkeypatch.setattr(tables, "insert_rows", failing)


@pytest.mark.parametrize("table", ["versions", "lives"])  # in the replaying child; in its own
def test_a_part_that_fails_aside_is_written_here_instead(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]],
        monkeypatch: pytest.MonkeyPatch, table: str) -> None:
    """A full temporary directory, say: the rebuild replays and writes those tables in
    its own process, as it does without the forked ones."""
    plain, db = fresh(tmp_path / "plain.db"), fresh(tmp_path / "tables.db")
    write(plain, history, replayed(history))
    full_disk(monkeypatch, table, aside_only=True)
    write(db, history, partial(replayed, history))
    assert len(forking) == 1
    assert in_order(db) == in_order(plain)
    assert left_behind(tmp_path) == []


def test_an_error_writing_the_tables_is_raised_and_writes_nothing(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Here as aside (a full disk): raised, the old tables kept."""
    db = fresh(tmp_path / "tables.db")
    write(db, history, replayed(history))
    before = in_order(db)
    full_disk(monkeypatch, "tenures", aside_only=False)
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        write(db, history, partial(replayed, history))
    assert in_order(db) == before
    assert left_behind(tmp_path) == []


def test_a_forked_process_killed_leaves_the_replay_to_this_one(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]]) -> None:
    plain, db = fresh(tmp_path / "plain.db"), fresh(tmp_path / "tables.db")
    write(plain, history, replayed(history))
    here = os.getpid()

    def killed_aside() -> Timeline:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return replayed(history)
    write(db, history, killed_aside)
    assert len(forking) == 1
    assert in_order(db) == in_order(plain)
    assert left_behind(tmp_path) == []


def test_an_error_beside_the_forked_process_stops_it_and_writes_nothing(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = fresh(tmp_path / "tables.db")
    write(db, history, replayed(history))
    before = in_order(db)
    finished = tmp_path / "finished"

    def slow() -> Timeline:
        import time
        time.sleep(30)
        finished.write_text("yes")
        return replayed(history)

    failing_event_indexes(monkeypatch)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        write(db, history, slow)
    assert not forking[0]._child._process.is_alive()  # type: ignore[union-attr]
    assert not finished.exists()
    assert in_order(db) == before
    assert left_behind(tmp_path) == []


def test_another_writer_waits_and_the_tables_it_wrote_are_kept(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]]) -> None:
    """Not forced: tables another process already built as new are left alone; the
    forked process is stopped."""
    db = fresh(tmp_path / "tables.db")
    write(db, history, replayed(history))
    before = in_order(db)
    written = tables.write_all(db, history.facts, partial(replayed, history), history.people,
                               history.sources, history.title, history.version)
    assert not written
    assert len(forking) == 1
    assert in_order(db) == before
    assert left_behind(tmp_path) == []


def test_a_writer_holding_the_lock_too_long_is_an_error_and_leaves_nothing(
        history: StoredHistory, tmp_path: Path, forking: list[aside.AsideFiles[Any]]) -> None:
    path = tmp_path / "tables.db"
    db = fresh(path)
    write(db, history, replayed(history))
    before = in_order(db)
    db.close()
    rival = sqlite3.connect(path, isolation_level=None)
    rival.execute("begin immediate")
    impatient = sqlite_utils.Database(sqlite3.connect(path, timeout=0.2))
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            write(impatient, history, partial(replayed, history))
        assert len(forking) == 1
        assert not forking[0]._child._process.is_alive()  # type: ignore[union-attr]
        assert impatient.execute("pragma database_list").fetchall()[-1][1] == "main"
        assert not impatient.conn.in_transaction  # rolled back: the next rebuild can begin
    finally:
        rival.execute("rollback")
    assert in_order(impatient) == before
    assert left_behind(tmp_path) == []


def test_begin_takes_the_main_write_lock_and_leaves_the_attached_file_free(
        tmp_path: Path) -> None:
    main, other = tmp_path / "main.db", tmp_path / "other.db"
    setup = sqlite3.connect(main)
    setup.execute("pragma journal_mode = wal")
    setup.close()
    sqlite3.connect(other, isolation_level=None).execute("create table t (x)")
    conn = sqlite3.connect(main, isolation_level=None)
    conn.execute("attach database ? as aside", [str(other)])
    aside.AsideFiles.begin(conn)
    try:
        rival = sqlite3.connect(main, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            rival.execute("begin immediate")
        writer = sqlite3.connect(other, timeout=0, isolation_level=None)
        writer.execute("insert into t values (1)")
        assert conn.execute("select count(*) from aside.t").fetchone() == (1,)
        assert conn.execute("select name from sqlite_master").fetchall() == []
    finally:
        conn.execute("rollback")


KILLED_MIDWAY = """
import os, signal, sys, tempfile
from functools import partial
import sqlite_utils, sqlite3
from orgchart.adapters import forked
from orgchart.adapters.readmodel import tables
from orgchart.adapters.store import EventStore
from orgchart.domain.knowledge import known_at
from orgchart.domain.rules import replay

tempfile.tempdir = sys.argv[2]
tables.FORK_AT = 0
forked.can_fork = lambda room=0.0: True
h = EventStore(sys.argv[1]).read()

def slow():
    import time
    time.sleep(1)
    return replay(known_at(h.facts, None))

def killed(db, only=None, but=()):
    os.kill(os.getpid(), signal.SIGKILL)
tables._create_indexes = killed
db = sqlite_utils.Database(sqlite3.connect(sys.argv[3]))
tables.write_all(db, h.facts, slow, h.people, h.sources, h.title, h.version, force=True)
"""


def test_a_caller_killed_midway_leaves_no_file_once_the_forked_process_is_done(
        tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    db = str(tmp_path / "store.db")
    run(db, "load", *sorted(str(p) for p in SEED.glob("*.yaml")))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = subprocess.run([sys.executable, "-c", KILLED_MIDWAY, db, str(scratch),
                           str(tmp_path / "tables.db")], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    deadline = time.monotonic() + 30
    while os.listdir(scratch) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert os.listdir(scratch) == []


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(facts=valid_histories())
def test_random_histories_forked_equal_one_process(
        facts: list[Fact], tmp_path: Path, forking: list[aside.AsideFiles[Any]]) -> None:
    """Random histories valid in every knowledge state (late-recorded units, notes,
    retractions): the forked rebuild writes what the one-process rebuild writes."""
    made = len(forking)
    tl = replay(known_at(facts, None))
    plain, split = (sqlite_utils.Database(memory=True) for _ in range(2))
    tables.write_all(plain, facts, tl, NAMES, {}, None, len(facts), force=True)
    tables.write_all(split, facts, lambda: replay(known_at(facts, None)), NAMES, {}, None,
                     len(facts), force=True)
    assert len(forking) == made + 1
    assert in_order(split) == in_order(plain)
    assert left_behind(tmp_path) == []
