"""Keeping the query tables up to date without replaying the whole history.

New events change the timeline only from their earliest effective date `d0`
on (see `orgchart.domain.validation`): the window replay that validated them,
seeded from the tables, gives the timeline from `d0` on, and `apply_events`
writes it over what the tables said from `d0` on. Its cost depends on the size
of the chart and the number of events in that window, not on the length of
the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlite_utils

from orgchart.adapters.readmodel import tables
from orgchart.adapters.readmodel.intervals import (
    ALIAS,
    LIFE,
    LINK,
    TENURE,
    TRANSIENT,
    VERSION,
    begins_from,
    ends_from,
)
from orgchart.adapters.readmodel.state import StoredState
from orgchart.adapters.readmodel.tables import P
from orgchart.domain.facts import Fact, Retract
from orgchart.domain.rules import Timeline
from orgchart.domain.validation import replay_window

#: The tables of valid-time rows a window replay says again, with their spans.
_SPANS = {"versions": VERSION, "transient": TRANSIENT, "lives": LIFE, "tenures": TENURE,
          "links": LINK, "aliases": ALIAS}


def apply_events(db: sqlite_utils.Database, after: int, new: Sequence[Fact],
                 people: Mapping[str, Mapping[str, str]],
                 sources: Mapping[str, Mapping[str, str]], title: str | None,
                 version: int, horizon: str | None = None, head: str | None = None) -> bool:
    """Apply the log entries `after`+1 .. `version` (their events `new`) in one transaction;
    `head`: the chain hash of entry `version`, `horizon`: the data's horizon if it moved.

    Returns False (and writes nothing) if the tables are no longer at
    position `after` (another process caught them up first).
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if tables.position(db) != after:
            db.conn.rollback()
            return False
        window = replay_window(StoredState(db), new)
        ev_rows, unit_rows = tables.event_rows(new)
        tables.insert_rows(db, "events", ev_rows)
        tables.insert_rows(db, "event_units", unit_rows)
        for f in new:
            if isinstance(f, Retract):
                db.execute(f"update {P}events set retracted_by = ?, retracted_day = ? "
                           f"where id = ?", [f.id, f.recorded_day.isoformat(), f.event])
        if window is not None:
            _reset_from(db, window.start)
            _write_window(db, window.timeline)
        for pid, fields in people.items():
            db.table(P + "people").upsert({"id": pid, **fields}, pk="id", alter=False)
        for sid, fields in sources.items():
            db.table(P + "sources").upsert({"id": sid, **fields}, pk="id", alter=False)
        if title is not None:
            db.table(P + "meta").upsert({"key": "title", "value": title}, pk="key")
        if horizon is not None:
            db.table(P + "meta").upsert({"key": "horizon", "value": horizon}, pk="key")
        db.table(P + "meta").upsert({"key": "position", "value": str(version)}, pk="key")
        if head is not None:
            tables.set_chain_head(db, head)
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise
    return True


def _reset_from(db: sqlite_utils.Database, d0: date) -> None:
    """Forget what the tables say from `d0` on; the window replay says it again."""
    reopen = {"versions": "valid_to = null",
              "lives": "ended = null, ended_day = null, ended_event = null, ended_how = null",
              "tenures": "end = null, end_day = null, end_event = null"}
    for name, span in _SPANS.items():
        db.execute(f"delete from {P}{name} where {begins_from(span)}", [d0.isoformat()])
        if name in reopen:
            db.execute(f"update {P}{name} set {reopen[name]} where {ends_from(span)}",
                       [d0.isoformat()])


def _write_window(db: sqlite_utils.Database, tl: Timeline) -> None:
    rows = tables.timeline_rows(tl)
    fresh: dict[str, list[tables.Row]] = {"versions": [], "lives": [], "tenures": []}
    groups: list[tuple[str, Sequence[Any]]] = [
        ("versions", tl.versions), ("lives", list(tl.lives.values())), ("tenures", tl.tenures)]
    for name, items in groups:
        cols = {"versions": ("valid_to",),
                "lives": ("ended", "ended_day", "ended_event", "ended_how"),
                "tenures": ("end", "end_day", "end_event")}[name]
        at = [tables.COLUMNS[name].index(c) for c in cols]
        for item, row in zip(items, rows[name], strict=True):
            if item.rowid is None:
                fresh[name].append(row)
            else:
                db.execute(f"update {P}{name} set {', '.join(c + ' = ?' for c in cols)} "
                           f"where rowid = ?", [*(row[i] for i in at), item.rowid])
    for name, new_rows in fresh.items():
        tables.insert_rows(db, name, new_rows)
    tables.insert_rows(db, "transient", rows["transient"])
    tables.insert_rows(db, "links", rows["links"])
    tables.insert_rows(db, "aliases", rows["aliases"])
