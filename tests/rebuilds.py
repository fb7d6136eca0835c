"""What the rebuild tests share: a history written to the query tables by
`tables.write_all` (as a rebuild does: forced, given what replays or a timeline), and
the tables read back in write order."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from orgchart.adapters.readmodel import tables
from orgchart.adapters.store import StoredHistory
from orgchart.domain.knowledge import known_at
from orgchart.domain.rules import Timeline, replay


def replayed(h: StoredHistory) -> Timeline:
    return replay(known_at(h.facts, None))


def write(db: sqlite_utils.Database, h: StoredHistory,
          tl: Timeline | Callable[[], Timeline]) -> None:
    tables.write_all(db, h.facts, tl, h.people, h.sources, h.title, h.version, force=True,
                     horizon=h.horizon, head=h.head)


def in_order(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in the order they were written, and the tables and indexes
    there are."""
    out = {name: db.execute(f"select * from {tables.P}{name} order by rowid").fetchall()
           for name in (*tables.TABLES, *tables.OVERLAYS)}
    for kind in ("index", "table"):
        out[kind] = sorted(db.execute("select name, tbl_name, sql from sqlite_master "
                                      "where type = ?", [kind]).fetchall())
    return out


def fresh(path: Path) -> sqlite_utils.Database:
    return sqlite_utils.Database(sqlite3.connect(path))


def refused(db: sqlite_utils.Database, h: StoredHistory, tl: Callable[[], Timeline],
            error: type[BaseException], match: str) -> None:
    """Writing `h` with what replays by `tl` raises `error` (its message matching
    `match`) and leaves the tables as they were."""
    import pytest

    before = in_order(db)
    with pytest.raises(error, match=match):
        write(db, h, tl)
    assert in_order(db) == before


def failing_event_indexes(monkeypatch: Any) -> None:
    """Building the events' indexes fails (as on a disk I/O error); the others build."""
    real = tables._create_indexes

    def failing(db: sqlite_utils.Database, only: Any = None, but: Any = ()) -> None:
        if only is not None and "events" in only:
            raise sqlite3.OperationalError("disk I/O error")
        real(db, only, but)
    monkeypatch.setattr(tables, "_create_indexes", failing)
