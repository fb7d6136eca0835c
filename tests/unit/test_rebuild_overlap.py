"""`tables.write_all` given what replays (a rebuild) writes what it writes given the
timeline itself, row for row and in the same order, although it then replays in a thread
of its own while SQLite builds the events' indexes; an error in either thread is raised,
and leaves the tables as they were."""

from __future__ import annotations

import sqlite3
import time
from functools import partial
from pathlib import Path

import pytest

from orgchart.adapters.readmodel import tables
from orgchart.adapters.store import EventStore, StoredHistory
from orgchart.domain.rules import Timeline
from tests.rebuilds import (
    failing_event_indexes,
    fresh,
    in_order,
    refused,
    replayed,
    write,
)


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

    def failing() -> Timeline:
        raise RuntimeError("the replay failed")
    refused(db, history, failing, RuntimeError, "replay failed")


def test_an_error_building_the_indexes_is_raised_and_writes_nothing(
        history: StoredHistory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised once the replay is over (no thread left running on the history)."""
    db = fresh(tmp_path / "tables.db")
    write(db, history, replayed(history))
    before = in_order(db)
    replays: list[str] = []

    def replaying() -> Timeline:  # outlasts the failing index build
        tl = replayed(history)
        time.sleep(0.3)
        replays.append("done")
        return tl

    failing_event_indexes(monkeypatch)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        write(db, history, replaying)
    assert replays == ["done"]
    assert in_order(db) == before
