"""What validation and loading read from the history so far, looked up in the query tables.

`StoredState` is the tables' side of `orgchart.domain.validation.HistorySoFar`
(plus the lookups a load needs: people, sources, the title); every lookup is
by id or an index range scan, so its cost does not grow with the history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

import sqlite_utils

from orgchart.adapters.readmodel import tables
from orgchart.adapters.readmodel.connection import QueryDB, named
from orgchart.adapters.readmodel.intervals import (
    ALIAS,
    COUNTS,
    LIFE,
    TENURE,
    VERSION,
    alive_during,
    alive_on,
    alive_rows,
    began_after,
    began_before,
    counts_at,
    day_before,
    recorded_after,
    retracted_after,
)
from orgchart.adapters.readmodel.tables import (
    FACT_COLUMNS,
    P,
    counted_facts,
    fact_from_row,
    facts_from_tables,
)
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import Fact
from orgchart.domain.rules import Seed, Tenure, UnitEnd, UnitLife, UnitVersion


def load_seed(db: QueryDB, d0: date) -> Seed:
    """The state at the end of the day before `d0`, from the tables."""
    before = day_before(d0)
    # alive then: two index range scans, as in `queries`
    versions = [
        UnitVersion(unit=r["unit"], valid_from=date.fromisoformat(r["valid_from"]),
                    valid_to=None, name=r["name"], name_en=r["name_en"], kind=r["kind"],
                    parent=r["parent"], event=r["event"], rowid=r["rowid"],
                    order=r["display_order"])
        for r in named(db.execute(alive_rows(
            f"select rowid, unit, valid_from, name, name_en, kind, parent, event, display_order "
            f"from {P}versions", VERSION), [before] * 3)).fetchall()]
    alive = {v.unit for v in versions}
    # alive the day before the window: any end they have is re-derived by the replay
    lives = [replace(_life(r), ended=None, ended_event=None, ended_how=None)
             for r in _rows_for(db, f"select rowid, * from {P}lives where unit in ", alive)]
    tenures = [
        Tenure(unit=r["unit"], role=r["role"], person=r["person"], title=r["title"],
               start=EffDate.parse(r["start"]), start_event=r["start_event"], rowid=r["rowid"])
        for r in named(db.execute(alive_rows(
            f"select rowid, unit, role, person, title, start, start_event from {P}tenures",
            TENURE), [before] * 3)).fetchall()]

    # units that began before the window; those from the window on are replayed again
    def id_used(unit: str) -> bool:
        return db.execute(f"select 1 from {P}lives where unit = ? and {began_before(LIFE)}",
                          [unit, d0.isoformat()]).fetchone() is not None

    def life_of(unit: str) -> UnitLife | None:
        rows = named(db.execute(f"select rowid, * from {P}lives where unit = ? "
                                f"and {began_before(LIFE)}", [unit, d0.isoformat()])).fetchall()
        return _life(rows[0]) if rows else None

    def alias_owner(key: str) -> str | None:
        row = db.execute(f"select unit from {P}aliases where key = ? and {began_before(ALIAS)} "
                         f"limit 1", [key, d0.isoformat()]).fetchone()
        return str(row[0]) if row is not None else None

    return Seed(versions, lives, tenures, id_used, life_of, alias_owner)


def load_unit_seed(db: QueryDB, units: set[str], day: date) -> Seed:
    """These units alone as they stood at the end of `day`, from the tables (their
    versions and leaders then; their lives if they had begun, each end kept only if it
    came by then)."""
    d = day.isoformat()
    versions = [
        UnitVersion(unit=r["unit"], valid_from=date.fromisoformat(r["valid_from"]),
                    valid_to=None, name=r["name"], name_en=r["name_en"], kind=r["kind"],
                    parent=r["parent"], event=r["event"], rowid=r["rowid"],
                    order=r["display_order"])
        for u in sorted(units) for r in named(db.execute(
            f"select rowid, unit, valid_from, name, name_en, kind, parent, event, display_order "
            f"from {P}versions where unit = ? and {alive_on(VERSION)}", [u, d, d])).fetchall()]
    tenures = [
        Tenure(unit=r["unit"], role=r["role"], person=r["person"], title=r["title"],
               start=EffDate.parse(r["start"]), start_event=r["start_event"], rowid=r["rowid"])
        for u in sorted(units) for r in named(db.execute(
            f"select rowid, unit, role, person, title, start, start_event from {P}tenures "
            f"where unit = ? and {alive_on(TENURE)}", [u, d, d])).fetchall()]
    lives: dict[str, UnitLife] = {}
    for u in sorted(units):
        rows = named(db.execute(f"select rowid, * from {P}lives where unit = ? and "
                                f"not ({began_after(LIFE)})", [u, d])).fetchall()
        if rows:
            life = _life(rows[0])
            if life.ended is not None and life.ended.day > day:
                life = replace(life, ended=None, ended_event=None, ended_how=None)
            lives[u] = life

    def id_used(other: str) -> bool:
        return db.execute(f"select 1 from {P}lives where unit = ? and not ({began_after(LIFE)})",
                          [other, d]).fetchone() is not None

    return Seed(versions, list(lives.values()), tenures, id_used, lives.get)


def _parent_on(db: QueryDB, unit: str, day: str) -> str | None:
    row = db.execute(f"select parent from {P}versions where unit = ? and {alive_on(VERSION)}",
                     [unit, day, day]).fetchone()
    return row[0] if row else None


def _rows_for(db: QueryDB, sql: str, keys: set[str]) -> list[sqlite3.Row]:
    """The rows `sql` (ending in `... in `) finds for these keys, in batches, read by name."""
    out: list[sqlite3.Row] = []
    items = sorted(keys)
    for i in range(0, len(items), 500):
        chunk = items[i:i + 500]
        out.extend(named(db.execute(sql + f"({', '.join('?' for _ in chunk)})",
                                    chunk)).fetchall())
    return out


def _life(r: sqlite3.Row) -> UnitLife:
    ended = r["ended"]
    return UnitLife(unit=r["unit"], began=EffDate.parse(r["began"]),
                    began_event=r["began_event"], began_how=r["began_how"],
                    ended=EffDate.parse(ended) if ended else None,
                    ended_event=r["ended_event"], ended_how=r["ended_how"], rowid=r["rowid"])


class StoredState:
    """The history so far as the query tables hold it (their latest knowledge state)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.version = max(tables.position(db), 0)

    def fact(self, event_id: str) -> tuple[Fact, str | None] | None:
        """The stored event with this id, and the id of its retraction if any."""
        row = named(self.db.execute(f"select {FACT_COLUMNS}, retracted_by from {P}events "
                                    f"where id = ?", [event_id])).fetchone()
        return (fact_from_row(row), row["retracted_by"]) if row is not None else None

    def facts(self, ids: Sequence[str]) -> dict[str, Fact]:
        """The stored events among these ids (looked up in batches)."""
        return {row["id"]: fact_from_row(row) for row in _rows_for(
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
            rec = dict(zip(row.keys(), row, strict=True))
            out[rec.pop("id")] = {k: v for k, v in rec.items() if v is not None}
        return out

    def reference_ids(self, section: str, among: set[str] | None = None) -> set[str]:
        """The recorded people or sources ids (only those `among` these, when given)."""
        if among is None:
            return {i for (i,) in self.db.execute(f"select id from {P}{section}").fetchall()}
        return {r["id"] for r in _rows_for(self.db, f"select id from {P}{section} where id in ",
                                           among)}

    def unit_life(self, unit: str) -> UnitLife | None:
        """When the unit began and ended, if it is recorded."""
        rows = named(self.db.execute(f"select rowid, * from {P}lives where unit = ?",
                                     [unit])).fetchall()
        return _life(rows[0]) if rows else None

    def unit_words(self) -> tuple[list[str], list[tuple[str, str]]]:
        """What a "did you mean" for a unit looks among (`queries.unit_words`)."""
        from orgchart.adapters.readmodel.queries import unit_words

        return unit_words(self.db)

    def all_facts(self) -> list[Fact]:
        return facts_from_tables(self.db)

    def counted_from(self, d0: date) -> list[Fact]:
        return counted_facts(self.db, d0)

    def seed(self, d0: date) -> Seed:
        return load_seed(self.db, d0)

    def state_key(self) -> object | None:
        position, head = tables.built_from(self.db)
        rows = self.db.execute("pragma database_list").fetchall()
        path = next((r[2] for r in rows if r[1] == "main"), "")
        if not path or head is None:  # a database in memory, or no chain hash yet
            return None
        return (path, position, head)

    def unit_seed(self, unit: str, day: date) -> Seed:
        return load_unit_seed(self.db, {unit}, day)

    def units_seed(self, units: set[str], day: date) -> Seed:
        return load_unit_seed(self.db, units, day)

    def ancestors(self, unit: str, day: date) -> list[str]:
        out: list[str] = []
        cur = _parent_on(self.db, unit, day.isoformat())
        while cur is not None and cur not in out and cur != unit:
            out.append(cur)
            cur = _parent_on(self.db, cur, day.isoformat())
        return out

    def descendants(self, unit: str, day: date) -> set[str]:
        d = day.isoformat()
        return self._below(unit, f"select unit from {P}versions where parent = ? and "
                                 f"{alive_on(VERSION)}", lambda u: [u, d, d])

    def descendants_during(self, unit: str, day: date) -> set[str]:
        d = day.isoformat()
        return self._below(unit, f"select unit from {P}versions where parent = ? and "
                                 f"{alive_during(VERSION)} union select unit from "
                                 f"{P}transient where parent = ? and day = ?",
                           lambda u: [u, d, d, u, d])

    def _below(self, unit: str, children: str,
               binds: Callable[[str], list[str]]) -> set[str]:
        """The units below `unit` by the links `children` reads (bound by `binds`)."""
        out: set[str] = set()
        todo = [unit]
        while todo:
            for (k,) in self.db.execute(children, binds(todo.pop())).fetchall():
                if k not in out and k != unit:
                    out.add(k)
                    todo.append(k)
        return out

    def next_parent_change(self, unit: str, after: date) -> tuple[date, str, str] | None:
        a = after.isoformat()
        row = self.db.execute(
            f"select day, id, what from (select x.valid_from as day, e.seq, e.id, "
            f"'version ' || e.type as what from {P}versions x join {P}events e "
            f"on e.id = x.event where x.unit = ? and x.valid_from > ? and e.type != 'rename' "
            f"union all select x.day, e.seq, e.id, 'version ' || e.type from {P}transient x "
            f"join {P}events e on e.id = x.event where x.unit = ? and x.day > ? "
            f"and e.type != 'rename' union all select l.ended_day, e.seq, e.id, "
            f"'end ' || l.ended_how from {P}lives l join {P}events e on e.id = l.ended_event "
            f"where l.unit = ? and l.ended_day > ?) order by day, seq limit 1",
            [unit, a, unit, a, unit, a]).fetchone()
        return (date.fromisoformat(row[0]), row[1], row[2]) if row else None

    def made_on(self, unit: str, day: date) -> set[str]:
        d = day.isoformat()
        return {eid for (eid,) in self.db.execute(
            f"select event from {P}versions where unit = ? and valid_from = ? union "
            f"select event from {P}transient where unit = ? and day = ?", [unit, d, unit, d])}

    def structure_between(self, units: set[str], after: date,
                          until: date | None) -> list[Fact]:
        items = sorted(units)
        upto = "and day <= ? " if until is not None else ""
        out: dict[str, Fact] = {}
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            for row in named(self.db.execute(
                    f"select {FACT_COLUMNS} from {P}events where seq in (select seq from "
                    f"{P}event_units where unit in ({', '.join('?' for _ in chunk)})) and "
                    f"type not in ('rename', 'appoint', 'step_down') and day > ? {upto}"
                    f"and {COUNTS} order by day, seq",
                    [*chunk, after.isoformat(), *([until.isoformat()] if until else [])])
                    ).fetchall():
                out[row["id"]] = fact_from_row(row)
        return sorted(out.values(), key=lambda f: (f.day, f.seq))

    def placed_under_between(self, units: set[str], after: date,
                             until: date | None) -> set[str]:
        items = sorted(units)
        out: set[str] = set()
        for table, start in (("versions", "valid_from"), ("transient", "day")):
            upto = f"and x.{start} <= ? " if until is not None else ""
            for i in range(0, len(items), 500):
                chunk = items[i:i + 500]
                out.update(eid for (eid,) in self.db.execute(
                    f"select e.id from {P}{table} x join {P}events e on e.id = x.event "
                    f"where x.parent in ({', '.join('?' for _ in chunk)}) and "
                    f"x.{start} > ? {upto}and e.type not in ('rename', 'appoint', "
                    f"'step_down')",
                    [*chunk, after.isoformat(), *([until.isoformat()] if until else [])]))
        return out

    def unit_end(self, unit: str, after: date) -> UnitEnd | None:
        a = after.isoformat()
        row = self.db.execute(
            f"select l.ended, e.seq, l.ended_event, l.ended_how from {P}lives l "
            f"join {P}events e on e.id = l.ended_event where l.unit = ? and "
            f"{alive_on(LIFE.of('l'))}", [unit, a, a]).fetchone()
        return UnitEnd(EffDate.parse(row[0]), row[1], row[2], row[3]) if row else None

    def leader_events(self, unit: str, after: date) -> list[Fact]:
        return [fact_from_row(row) for row in named(self.db.execute(
            f"select {FACT_COLUMNS} from {P}events where seq in (select seq from "
            f"{P}event_units where unit = ?) and type in ('appoint', 'step_down') "
            f"and day > ? and {COUNTS} order by day, seq", [unit, after.isoformat()])).fetchall()]

    def recorded_days_from(self, first: date) -> list[date]:
        return [date.fromisoformat(d) for (d,) in self.db.execute(
            f"select distinct recorded_day from {P}events where recorded_day >= ?",
            [first.isoformat()]).fetchall()]

    def made_version(self, unit: str, event: str) -> tuple[str | None, bool] | None:
        row = self.db.execute(f"select parent from {P}versions where unit = ? and event = ?",
                              [unit, event]).fetchone()
        if row is not None:
            return row[0], True
        row = self.db.execute(f"select parent from {P}transient where unit = ? and event = ?",
                              [unit, event]).fetchone()
        return (row[0], False) if row is not None else None

    def leader_events_known(self, unit: str, k: date) -> list[Fact]:
        return [fact_from_row(row) for row in named(self.db.execute(
            f"select {FACT_COLUMNS} from {P}events where seq in (select seq from "
            f"{P}event_units where unit = ?) and type in ('appoint', 'step_down') "
            f"and {counts_at()} order by day, seq", [unit, k.isoformat(), k.isoformat()]))
            .fetchall()]

    def others_changed_after(self, units: set[str], k: date) -> bool:
        items = sorted(units)
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            if self.db.execute(
                    f"select 1 from {P}events where seq in (select seq from {P}event_units "
                    f"where unit in ({', '.join('?' for _ in chunk)})) and type not in "
                    f"('rename', 'appoint', 'step_down', 'retract') and "
                    f"({recorded_after()} or {retracted_after()}) limit 1",
                    [*chunk, k.isoformat(), k.isoformat()]).fetchone() is not None:
                return True
        return False

    def last_recorded_day(self) -> date | None:
        row = self.db.execute(f"select max(recorded_day) from {P}events").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def title(self) -> str | None:
        return tables.meta(self.db, "title") if self.version > 0 else None

    def horizon(self) -> str | None:
        """The latest `covers_to` recorded (date text), or None."""
        return tables.meta(self.db, "horizon") if self.version > 0 else None
