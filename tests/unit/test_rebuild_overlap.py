"""`tables.write_all` given what replays (a rebuild) writes what it writes given the
timeline itself, row for row and in the same order, although it then replays in a thread
of its own while SQLite builds the events' indexes; an error in either thread is raised,
and leaves the tables as they were."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from orgchart.adapters.readmodel import tables
from orgchart.adapters.store import EventStore, StoredHistory
from orgchart.domain.knowledge import known_at
from orgchart.domain.rules import Timeline, replay


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> StoredHistory:
    from click.testing import CliRunner

    from orgchart.cli.main import cli
    from tests.bench.generate import generate, plans

    work = tmp_path_factory.mktemp("overlap")
    _, large = plans(800, seed=3)
    path = generate(large, work).path
    db = str(work / "store.db")
    result = CliRunner().invoke(cli, ["--db", db, "load", str(path)], obj={})
    assert result.exit_code == 0, result.output
    store = EventStore(db)
    try:
        return store.read()
    finally:
        store.close()


def replayed(h: StoredHistory) -> Timeline:
    return replay(known_at(h.facts, None))


def write(db: sqlite_utils.Database, h: StoredHistory,
          tl: Timeline | Callable[[], Timeline]) -> None:
    tables.write_all(db, h.facts, tl, h.people, h.sources, h.title, h.version, force=True,
                     horizon=h.horizon, head=h.head)


def in_order(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in the order they were written, and the indexes there are."""
    out = {name: db.execute(f"select * from {tables.P}{name} order by rowid").fetchall()
           for name in (*tables.TABLES, *tables.OVERLAYS)}
    out["indexes"] = sorted(db.execute("select name, tbl_name, sql from sqlite_master "
                                       "where type = 'index'").fetchall())
    return out


def fresh(path: Path) -> sqlite_utils.Database:
    return sqlite_utils.Database(sqlite3.connect(path))


def test_the_overlapped_rebuild_writes_what_the_plain_one_writes(
        history: StoredHistory, tmp_path: Path) -> None:
    plain, overlapped = fresh(tmp_path / "plain.db"), fresh(tmp_path / "overlapped.db")
    write(plain, history, replayed(history))
    write(overlapped, history, partial(replayed, history))
    assert history.people and len(history.facts) > 500
    assert in_order(overlapped) == in_order(plain)
    assert tables.dump(overlapped) == tables.dump(plain)


def test_an_error_in_the_replay_is_raised_and_writes_nothing(
        history: StoredHistory, tmp_path: Path) -> None:
    db = fresh(tmp_path / "tables.db")
    write(db, history, replayed(history))
    before = in_order(db)

    def failing() -> Timeline:
        raise RuntimeError("the replay failed")
    with pytest.raises(RuntimeError, match="replay failed"):
        write(db, history, failing)
    assert in_order(db) == before


def test_an_error_building_the_indexes_is_raised_and_writes_nothing(
        history: StoredHistory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised once the replay is over (no thread left running on the history)."""
    db = fresh(tmp_path / "tables.db")
    write(db, history, replayed(history))
    before = in_order(db)
    real = tables._create_indexes
    replays: list[str] = []

    def replaying() -> Timeline:  # outlasts the failing index build
        tl = replayed(history)
        time.sleep(0.3)
        replays.append("done")
        return tl

    def failing(db: sqlite_utils.Database, only: Any = None, but: Any = ()) -> None:
        if only is not None and "events" in only:
            raise sqlite3.OperationalError("disk I/O error")
        real(db, only, but)
    monkeypatch.setattr(tables, "_create_indexes", failing)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        write(db, history, replaying)
    assert replays == ["done"]
    assert in_order(db) == before
