"""What validation and loading read from the history so far, looked up in the query tables.

`StoredState` is the tables' side of `orgchart.domain.validation.HistorySoFar`
(plus the lookups a load needs: people, sources, the title); every lookup is
by id or an index range scan, so its cost does not grow with the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import sqlite_utils

from orgchart.adapters.readmodel import tables
from orgchart.adapters.readmodel.connection import QueryDB
from orgchart.adapters.readmodel.intervals import (
    LIFE,
    TENURE,
    VERSION,
    alive_rows,
    began_before,
    day_before,
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
from orgchart.domain.rules import Seed, Tenure, UnitLife, UnitVersion


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


class StoredState:
    """The history so far as the query tables hold it (their latest knowledge state)."""

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

    def all_facts(self) -> list[Fact]:
        return facts_from_tables(self.db)

    def counted_from(self, d0: date) -> list[Fact]:
        return counted_facts(self.db, d0)

    def seed(self, d0: date) -> Seed:
        return load_seed(self.db, d0)

    def last_recorded_day(self) -> date | None:
        row = self.db.execute(f"select max(recorded_day) from {P}events").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def title(self) -> str | None:
        return tables.meta(self.db, "title") if self.version > 0 else None
