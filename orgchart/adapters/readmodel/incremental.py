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
from orgchart.adapters.readmodel.connection import named
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
from orgchart.domain.facts import Fact, Rename, Retract
from orgchart.domain.rules import Names, Timeline, UnitVersion, renamed
from orgchart.domain.validation import (
    LocalMove,
    UnitWindow,
    local_move,
    own_state_only,
    replay_unit_window,
    replay_window,
    unit_windows,
    window_stored,
)

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
        # people first: the tenures written below keep their names
        for pid, fields in people.items():
            db.table(P + "people").upsert({"id": pid, **fields}, pk="id", alter=False)
        tables.renamed_people(db, people)
        window = None
        move = None if own_state_only(new) else local_move(StoredState(db), new)
        if own_state_only(new):  # no replay: each unit's own rows are said again
            _apply_own_state(db, new)
        elif move is not None and move.timeline is not None:  # the moved unit's rows
            _write_move(db, move, new)
        else:
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
            _write_window(db, window.timeline, new)
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


def _write_window(db: sqlite_utils.Database, tl: Timeline, new: Sequence[Fact]) -> None:
    rows = tables.timeline_rows(tl, tables.stored_cited(db, tl, new))
    fresh: dict[str, list[tables.Row]] = {"versions": [], "lives": [], "tenures": []}
    groups: list[tuple[str, Sequence[Any]]] = [
        ("versions", tl.versions), ("lives", list(tl.lives.values())), ("tenures", tl.tenures)]
    for name, items in groups:
        cols = {"versions": ("valid_to",),
                "lives": ("ended", "ended_day", "ended_event", "ended_how"),
                "tenures": ("end", "end_day", "end_event")}[name]
        at = [tables.COLUMNS[name].index(c) for c in cols]
        ends: dict[int, tuple[Any, ...]] = {}
        for item, row in zip(items, rows[name], strict=True):
            if item.rowid is None:
                fresh[name].append(row)
            else:
                ends[item.rowid] = tuple(row[i] for i in at)
        # only the rows whose end changed: a head append's window holds every unit alive,
        # nearly all of them still open (an update each rewrote their index entries)
        stored = _stored_ends(db, name, cols, list(ends))
        for rowid, end in ends.items():
            if stored.get(rowid) != end:
                db.execute(f"update {P}{name} set {', '.join(c + ' = ?' for c in cols)} "
                           f"where rowid = ?", [*end, rowid])
    for name, new_rows in fresh.items():
        tables.insert_rows(db, name, new_rows)
    tables.insert_rows(db, "transient", rows["transient"])
    tables.insert_rows(db, "links", rows["links"])
    tables.insert_rows(db, "aliases", rows["aliases"])


def _stored_ends(db: sqlite_utils.Database, name: str, cols: Sequence[str],
                 rowids: list[int]) -> dict[int, tuple[Any, ...]]:
    """The columns `cols` of these rows of table `name` as it holds them, by rowid."""
    out: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(rowids), 500):
        chunk = rowids[i:i + 500]
        for rowid, *values in db.execute(
                f"select rowid, {', '.join(cols)} from {P}{name} "
                f"where rowid in ({', '.join('?' for _ in chunk)})", chunk).fetchall():
            out[rowid] = tuple(values)
    return out


# -- events that change only their unit's own state (`validation.OWN_STATE`) -------------

def _apply_own_state(db: sqlite_utils.Database, new: Sequence[Fact]) -> None:
    """Say again the rows of each unit the new events change, from their window on: its
    leaders' tenures, or (for a rename) its version that day and the names of its later
    versions. Run before the new events are in `events` (the windows read the stored ones)."""
    state = StoredState(db)
    for w in unit_windows(new):  # each window reads the rows the previous ones wrote
        tl = replay_unit_window(state, w, window_stored(state, w))
        if w.leaders:
            _write_leaders(db, w, tl, new)
        else:
            _write_rename(db, w, tl, new)


def _write_leaders(db: sqlite_utils.Database, w: UnitWindow, tl: Timeline,
                   new: Sequence[Fact]) -> None:
    """The unit's tenures held at the end of `w.start` or begun later, as replayed."""
    db.execute(f"delete from {P}tenures where unit = ? and (end_day is null or end_day > ?)",
               [w.unit, w.start.isoformat()])
    tables.insert_rows(db, "tenures",
                       tables.timeline_rows(tl, tables.stored_cited(db, tl, new))["tenures"])


def _write_rename(db: sqlite_utils.Database, w: UnitWindow, tl: Timeline,
                  new: Sequence[Fact]) -> None:
    """The renamed unit's new version (`_split_version`), and its names carried on into
    the later versions up to the next rename of each field."""
    made, old = _split_version(db, tl, w.unit, new)
    _carry_names(db, made, (old.name, old.name_en, old.kind))


def _write_move(db: sqlite_utils.Database, move: LocalMove, new: Sequence[Fact]) -> None:
    """The moved unit's new version (`_split_version`), and its new parent carried on into
    its later versions up to its next change that is not a rename (`local_move`); then each
    unit a later merge placed elsewhere because of the move (`LocalMove.placed`): the
    merge's version of it, and the new parent carried on the same way; and each version a
    later merge or dissolve no longer makes (`LocalMove.unmade`): the version before it
    lasts in its stead, its parent carried on the same way. Each unit's changes come in
    effective order, so each one's carry starts from rows its earlier ones wrote."""
    assert move.timeline is not None
    made, _ = _split_version(db, move.timeline, move.fact.unit, new)
    _carry_parent(db, move.fact.unit, made.valid_from.isoformat(), move.fact.parent)
    for p in move.placed:
        db.execute(f"update {P}versions set parent = ? where unit = ? and event = ?",
                   [p.parent, p.unit, p.event])
        _carry_parent(db, p.unit, p.day.isoformat(), p.parent)
    for u in sorted(move.unmade, key=lambda u: u.day):
        day = u.day.isoformat()
        rowid, valid_to = db.execute(f"select rowid, valid_to from {P}versions where unit = ? "
                                     f"and event = ?", [u.unit, u.event]).fetchone()
        db.execute(f"update {P}versions set valid_to = ? where unit = ? and valid_to = ?",
                   [valid_to, u.unit, day])
        db.execute(f"delete from {P}versions where rowid = ?", [rowid])
        _carry_parent(db, u.unit, day, u.parent)


def _carry_parent(db: sqlite_utils.Database, unit: str, d: str, parent: str | None) -> None:
    """`parent` in the versions and transient versions of `unit` after day `d` made by
    renames, up to the first one made by another event."""
    rows = db.execute(
        f"select tbl, rid, type from (select 'versions' as tbl, x.rowid as rid, "
        f"x.valid_from as day, e.seq as seq, e.type as type from {P}versions x join {P}events e "
        f"on e.id = x.event where x.unit = ? and x.valid_from > ? union all "
        f"select 'transient', x.rowid, x.day, e.seq, e.type from {P}transient x join "
        f"{P}events e on e.id = x.event where x.unit = ? and x.day > ?) order by day, seq",
        [unit, d, unit, d]).fetchall()
    for table, rowid, kind in rows:
        if kind != Rename.TYPE:
            return
        db.execute(f"update {P}{table} set parent = ? where rowid = ?", [parent, rowid])


def _split_version(db: sqlite_utils.Database, tl: Timeline, unit: str,
                   new: Sequence[Fact]) -> tuple[UnitVersion, UnitVersion]:
    """Write a one-event replay on a seed (`tl`): `unit`'s version at the end of the
    event's day ends there (or, made that same day, becomes transient), and the event's
    version follows it up to where it ended (`new`: the events being applied, not yet in
    `events`). Returns the new version and the old one."""
    (old,) = [v for v in [*tl.versions, *tl.transient] if v.rowid is not None and v.unit == unit]
    (made,) = [v for v in tl.versions if v.rowid is None and v.unit == unit]
    valid_to, since, began_day, began_event = db.execute(
        f"select v.valid_to, v.since, l.began_day, l.began_event from {P}versions v "
        f"join {P}lives l on l.unit = v.unit where v.rowid = ?", [old.rowid]).fetchone()
    if old in tl.transient:
        db.execute(f"delete from {P}versions where rowid = ?", [old.rowid])
        tables.insert_rows(db, "transient", [(old.unit, old.valid_from.isoformat(), old.name,
                                              old.name_en, old.kind, old.parent, old.event)])
    else:
        db.execute(f"update {P}versions set valid_to = ? where rowid = ?",
                   [made.valid_from.isoformat(), old.rowid])
    notes = tables.stored_notes(db, [made.event, began_event], new)
    tables.insert_rows(db, "versions", [tables.version_row(
        made.unit, made.valid_from.isoformat(), valid_to, made.name, made.name_en, made.kind,
        made.parent, made.event, (since, began_day, began_event), made.order, notes)])
    return made, old


def _carry_names(db: sqlite_utils.Database, made: UnitVersion, was: Names) -> None:
    """Carry the names of version `made` (which had been `was`) into the unit's later
    versions and transient versions: each keeps its predecessor's names but for the fields
    its own rename gives. Stops where the names come out as they were."""
    from orgchart.adapters.readmodel.tables import fact_from_row

    d = made.valid_from.isoformat()
    rows = named(db.execute(
        f"select 'versions' as tbl, x.rowid as rid, x.valid_from as day, x.name as n, "
        f"x.name_en as n_en, x.kind as k, e.seq, e.id, e.type, e.date, e.recorded, "
        f"e.sources, e.note, e.body from {P}versions x join {P}events e on e.id = x.event "
        f"where x.unit = ? and x.valid_from > ? union all "
        f"select 'transient', x.rowid, x.day, x.name, x.name_en, x.kind, e.seq, e.id, "
        f"e.type, e.date, e.recorded, e.sources, e.note, e.body from {P}transient x "
        f"join {P}events e on e.id = x.event where x.unit = ? and x.day > ? "
        f"order by 3, 7", [made.unit, d, made.unit, d])).fetchall()
    before_old: Names = was
    before_new: Names = (made.name, made.name_en, made.kind)
    for r in rows:
        if before_old == before_new:
            return
        own: Names = (r["n"], r["n_en"], r["k"])
        fact = fact_from_row(r) if r["type"] == Rename.TYPE else None
        now = renamed(before_new, fact) if isinstance(fact, Rename) else before_new
        db.execute(f"update {P}{r['tbl']} set name = ?, name_en = ?, kind = ? where rowid = ?",
                   [*now, r["rid"]])
        before_old, before_new = own, now
