"""Keeping the query tables up to date without replaying the whole history.

New events change the timeline only from their earliest effective date `d0`
on (or, for a retraction, from the retracted event's date). So the replay
starts from the state at the end of the day before `d0`, read from the
tables (a `Seed`: the units alive then, their roles), and covers only the
counted events effective on or after `d0`. Its cost depends on the size of
the chart and the number of events in that window, not on the length of the
history. The same window replay validates new events before they are
appended (`check_window`) and then writes them (`apply_events`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import sqlite_utils

from orgchart.adapters.readmodel import tables
from orgchart.adapters.readmodel.connection import QueryDB
from orgchart.adapters.readmodel.intervals import (
    LIFE,
    LINK,
    TENURE,
    TRANSIENT,
    VERSION,
    alive_rows,
    began_before,
    begins_from,
    day_before,
    ends_from,
)
from orgchart.adapters.readmodel.tables import (
    FACT_COLUMNS,
    P,
    counted_facts,
    fact_from_row,
    facts_from_tables,
)
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import RuleViolation
from orgchart.domain.facts import Fact, Retract
from orgchart.domain.knowledge import Breach, blame, check_append, check_retractions_with
from orgchart.domain.rules import Seed, Tenure, Timeline, UnitLife, UnitVersion, replay

#: The tables of valid-time rows a window replay says again, with their spans.
_SPANS = {"versions": VERSION, "transient": TRANSIENT, "lives": LIFE, "tenures": TENURE,
          "links": LINK}


def window_start(db: QueryDB, new: Sequence[Fact]) -> date | None:
    """The earliest effective date the new events change (None: they change no timeline)."""
    days = [f.day for f in new if not isinstance(f, Retract)]
    targets = [f.event for f in new if isinstance(f, Retract)]
    new_days = {f.id: f.day for f in new if not isinstance(f, Retract)}
    for t in targets:
        if t in new_days:
            days.append(new_days[t])
            continue
        row = db.execute(f"select day from {P}events where id = ?", [t]).fetchone()
        if row is not None and row[0] is not None:
            days.append(date.fromisoformat(row[0]))
    return min(days) if days else None


def _eff(text: str | None) -> EffDate | None:
    return EffDate.parse(text) if text else None


def load_seed(db: QueryDB, d0: date) -> Seed:
    """The state at the end of the day before `d0`, from the tables."""
    before = day_before(d0)
    # alive then: two index range scans, as in `queries`
    versions = [
        UnitVersion(r[1], date.fromisoformat(r[2]), None, r[3], r[4], r[5], r[6], r[7], rowid=r[0])
        for r in db.execute(alive_rows(
            f"select rowid, unit, valid_from, name, name_en, kind, parent, event "
            f"from {P}versions", VERSION), [before] * 3).fetchall()]
    alive = {v.unit for v in versions}
    # alive the day before the window: any end they have is re-derived by the replay
    lives = [replace(_life(r), ended=None, ended_event=None, ended_how=None)
             for r in _rows_for(db, f"select rowid, * from {P}lives where unit in ", alive)]
    tenures = [
        Tenure(r[1], r[2], r[3], r[4], EffDate.parse(r[5]), r[6], rowid=r[0])
        for r in db.execute(alive_rows(
            f"select rowid, unit, role, person, title, start, start_event from {P}tenures",
            TENURE), [before] * 3).fetchall()]

    # units that began before the window; those from the window on are replayed again
    def id_used(unit: str) -> bool:
        return db.execute(f"select 1 from {P}lives where unit = ? and {began_before(LIFE)}",
                          [unit, d0.isoformat()]).fetchone() is not None

    def life_of(unit: str) -> UnitLife | None:
        rows = db.execute(f"select rowid, * from {P}lives where unit = ? "
                          f"and {began_before(LIFE)}", [unit, d0.isoformat()]).fetchall()
        return _life(rows[0]) if rows else None

    return Seed(versions, lives, tenures, id_used, life_of)


def _rows_for(db: QueryDB, sql: str, keys: set[str]) -> list[Any]:
    out: list[Any] = []
    items = sorted(keys)
    for i in range(0, len(items), 500):
        chunk = items[i:i + 500]
        out.extend(db.execute(sql + f"({', '.join('?' for _ in chunk)})", chunk).fetchall())
    return out


def _life(r: Any) -> UnitLife:
    # rowid, unit, began, began_day, began_event, began_how, ended, ended_day, ended_event,
    # ended_how
    return UnitLife(r[1], EffDate.parse(r[2]), r[4], r[5], _eff(r[6]), r[8], r[9], rowid=r[0])


def window_facts(db: QueryDB, d0: date, dropped: set[str]) -> list[Fact]:
    """The stored events that count now and take effect on or after `d0`."""
    return [f for f in counted_facts(db, d0) if f.id not in dropped]


def replay_window(db: sqlite_utils.Database, new: Sequence[Fact]) -> tuple[date, Timeline,
                                                                            list[Fact]] | None:
    """Replay the window the new events change; None when they change no timeline.

    Returns the window's first day, its timeline, and the events replayed.
    Raises RuleViolation for the first event (stored or new) that breaks a rule.
    """
    d0 = window_start(db, new)
    if d0 is None:
        return None
    dropped = {f.event for f in new if isinstance(f, Retract)}
    facts = window_facts(db, d0, dropped)
    facts += [f for f in new if not isinstance(f, Retract) and f.id not in dropped]
    return d0, replay(facts, load_seed(db, d0)), facts


def apply_events(db: sqlite_utils.Database, after: int, new: Sequence[Fact],
                 people: Mapping[str, Mapping[str, str]],
                 sources: Mapping[str, Mapping[str, str]], title: str | None,
                 version: int) -> bool:
    """Apply the log entries `after`+1 .. `version` (their events `new`) in one transaction.

    Returns False (and writes nothing) if the tables are no longer at
    position `after` (another process caught them up first).
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if tables.position(db) != after:
            db.conn.rollback()
            return False
        result = replay_window(db, new)
        ev_rows, unit_rows = tables.event_rows(new)
        tables.insert_rows(db, "events", ev_rows)
        tables.insert_rows(db, "event_units", unit_rows)
        for f in new:
            if isinstance(f, Retract):
                db.execute(f"update {P}events set retracted_by = ?, retracted_day = ? "
                           f"where id = ?", [f.id, f.recorded_day.isoformat(), f.event])
        if result is not None:
            d0, tl, _ = result
            _reset_from(db, d0)
            _write_window(db, tl)
        for pid, fields in people.items():
            db.table(P + "people").upsert({"id": pid, **fields}, pk="id", alter=False)
        for sid, fields in sources.items():
            db.table(P + "sources").upsert({"id": sid, **fields}, pk="id", alter=False)
        if title is not None:
            db.table(P + "meta").upsert({"key": "title", "value": title}, pk="key")
        db.table(P + "meta").upsert({"key": "position", "value": str(version)}, pk="key")
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


class StoredState:
    """What validation needs from the history so far, looked up in the tables by id."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.version = max(tables.position(db), 0)

    def fact(self, event_id: str) -> tuple[Fact, str | None] | None:
        """The stored event with this id, and the id of its retraction if any."""
        row = self.db.execute(f"select {FACT_COLUMNS}, retracted_by from {P}events "
                              f"where id = ?", [event_id]).fetchone()
        return (fact_from_row(row), row[8]) if row is not None else None

    def facts(self, ids: Sequence[str]) -> dict[str, Fact]:
        """The stored events among these ids (looked up in batches)."""
        return {row[1]: fact_from_row(row) for row in _rows_for(
            self.db, f"select {FACT_COLUMNS} from {P}events where id in ", set(ids))}

    def ids_like(self, event_id: str) -> list[str]:
        """Ids sharing a prefix with `event_id` (for "did you mean")."""
        return [r[0] for r in self.db.execute(
            f"select id from {P}events where id like ? limit 200",
            [event_id[:6].replace("%", "") + "%"]).fetchall()]

    def reference(self, section: str, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The recorded fields of these people or sources."""
        table = P + section
        out: dict[str, dict[str, str]] = {}
        for row in _rows_for(self.db, f"select * from {table} where id in ", set(ids)):
            cols = [c.name for c in self.db.table(table).columns]
            rec = dict(zip(cols, row, strict=True))
            out[rec.pop("id")] = {k: v for k, v in rec.items() if v is not None}
        return out

    def reference_ids(self, section: str, among: set[str] | None = None) -> set[str]:
        """The recorded people or sources ids (only those `among` these, when given)."""
        if among is None:
            return {r[0] for r in self.db.execute(f"select id from {P}{section}").fetchall()}
        return {r[0] for r in _rows_for(self.db, f"select id from {P}{section} where id in ",
                                        among)}

    def last_recorded_day(self) -> date | None:
        row = self.db.execute(f"select max(recorded_day) from {P}events").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def title(self) -> str | None:
        return tables.meta(self.db, "title") if self.version > 0 else None


def check_new(state: StoredState, new: Sequence[Fact]) -> Breach | None:
    """Would the history stay valid, in every knowledge state, with `new` appended?

    When the new events are recorded no earlier than anything stored (the
    usual case), only the latest knowledge state changes and a window replay
    from the tables decides. Otherwise (importing old reporting), every
    knowledge state from the earliest new recorded day on is replayed in full.
    """
    if not new:
        return None
    breach = check_retractions_with(state.fact, new)
    if breach is not None:
        return breach
    last = state.last_recorded_day()
    if last is not None and min(f.recorded_day for f in new) < last:
        return check_append(facts_from_tables(state.db), new)
    # the new events may span several recorded days: each is a knowledge state
    days = sorted({f.recorded_day for f in new})
    for k in [None, *reversed(days[:-1])]:
        subset = [f for f in new if k is None or f.recorded_day <= k]
        try:
            replay_window(state.db, subset)
        except RuleViolation as e:
            d0 = window_start(state.db, subset)
            dropped = {f.event for f in subset if isinstance(f, Retract)}
            counted = window_facts(state.db, d0, dropped) if d0 else []
            return blame([*counted, *(f for f in subset if f.id not in dropped)], subset, e, k)
    return None
