"""`--known-at`: the history as it was known on a day, answered from indexed tables.

The query tables hold the latest knowledge state. The state known at the end
of day K differs from it only from `d0` on: the earliest effective date of an
event recorded after K or retracted after K. Before `d0` both states replay
the same events, so they agree; from `d0` on, a window replay seeded from the
tables (as for an append, see `orgchart.domain.validation`) gives state K's timeline.

That window is kept as an overlay in the `oc_k_*` tables, keyed by the state's
recorded day and computed on first use; an append moves the log on and the
next query computes it again. A read connection then sees state K through
temporary views named like the tables (SQLite looks in `temp` first): the
latest rows that end before `d0`, plus the overlay, and only the events
recorded by K. Every query runs unchanged on that connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from orgchart.adapters.readmodel import tables
from orgchart.adapters.readmodel.connection import QueryDB, ReadDB, named
from orgchart.adapters.readmodel.intervals import (
    ALIAS,
    LIFE,
    LINK,
    TENURE,
    TRANSIENT,
    VERSION,
    ended_before,
    recorded_after,
    recorded_by,
    retracted_after,
    retracted_by_day,
)
from orgchart.adapters.readmodel.state import load_seed
from orgchart.adapters.readmodel.tables import P, counted_facts
from orgchart.domain.rules import replay

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True)
class State:
    """An earlier knowledge state: its day K, its recorded day, where it departs."""

    known: date  # as asked
    key: str  # the last recorded day on or before `known` ("" if none)
    #: the first effective day where it differs from the latest state; None: its
    #: timeline is the latest one, only its events differ (annotations, or retractions
    #: of them, recorded after K change no chart)
    d0: date | None


def departure(db: QueryDB, known: date) -> State | None:
    """How the state known on `known` differs from the latest (None: it does not)."""
    k = known.isoformat()
    row = db.execute(
        f"select min(day) from (select min(day) as day from {P}events "
        f"where {recorded_after()} and type != 'retract' "
        f"union all select min(day) from {P}events where {retracted_after()})",
        [k, k]).fetchone()
    d0 = row[0] if row is not None else None
    if d0 is None and db.execute(f"select 1 from {P}events where {recorded_after()} "
                                 f"or {retracted_after()} limit 1", [k, k]).fetchone() is None:
        return None
    last = db.execute(f"select max(recorded_day) from {P}events where {recorded_by()}",
                      [k]).fetchone()
    key = (last[0] if last else None) or ""
    return State(known, key, date.fromisoformat(d0) if d0 is not None else None)


def ensure_overlay(db: sqlite_utils.Database, state: State) -> None:
    """Compute and store `state`'s overlay unless it is there for the current log position
    (a state whose timeline is the latest one needs none)."""
    if state.d0 is None:
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        position = tables.position(db)
        row = named(db.execute(f"select d0, position from {P}k_states where known = ?",
                               [state.key])).fetchone()
        if row is not None and (row["d0"], row["position"]) == (state.d0.isoformat(), position):
            db.conn.rollback()
            return
        stale = [r[0] for r in db.execute(
            f"select known from {P}k_states where position != ? or known = ?",
            [position, state.key]).fetchall()]
        for name in tables.OVERLAYS:
            db.conn.executemany(f"delete from {P}{name} where known = ?", [[k] for k in stale])
        facts = counted_facts(db, state.d0, known=state.known)
        tl = replay(facts, load_seed(db, state.d0))
        for name, rows in tables.timeline_rows(tl, tables.stored_cited(db, tl)).items():
            tables.insert_rows(db, "k_" + name, [(state.key, *r) for r in rows])
        tables.insert_rows(db, "k_states", [(state.key, state.d0.isoformat(), position)])
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise


def open_view(path: str, state: State) -> ReadDB:
    """A read connection to the tables at `path` that sees `state` instead of the latest."""
    db = ReadDB(path)
    # literals, not parameters (views cannot take them): ISO dates made here, never user text
    k, key = state.known.isoformat(), state.key
    assert all(c.isdigit() or c == "-" for c in k + key)
    k = f"'{k}'"
    cols = tables.COLUMNS
    ev = [c for c in cols["events"] if c not in ("retracted_by", "retracted_day")]
    db.execute(
        f"create temp view {P}events as select {', '.join(ev)}, "
        f"case when {retracted_by_day(k)} then retracted_by end as retracted_by, "
        f"case when {retracted_by_day(k)} then retracted_day end as retracted_day "
        f"from main.{P}events where {recorded_by(k)}")
    db.execute(
        f"create temp view {P}event_units as select seq, unit from main.{P}event_units "
        f"where seq in (select seq from main.{P}events where {recorded_by(k)})")
    if state.d0 is None:
        return db
    d0 = state.d0.isoformat()
    assert all(c.isdigit() or c == "-" for c in d0)
    d0 = f"'{d0}'"
    kept = {"versions": ended_before(VERSION, d0), "transient": ended_before(TRANSIENT, d0),
            "lives": ended_before(LIFE, d0), "tenures": ended_before(TENURE, d0),
            "links": ended_before(LINK, d0), "aliases": ended_before(ALIAS, d0)}
    for name, before in kept.items():
        c = ", ".join(cols[name])
        db.execute(
            f"create temp view {P}{name} as select {c} from main.{P}{name} where {before} "
            f"union all select {c} from main.{P}k_{name} where known = '{key}'")
    return db
