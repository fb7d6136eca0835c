"""What each event did to each unit, and the context needed to explain it in words.

The query tables keep unit versions as valid-time intervals, and apart from
them the versions replaced on the day they were made (`transient`: a rename
and a move of one unit on one day leave one version in the chart). Together
they are every version each counted event made, so *which* event renamed or
moved a unit is read from the tables (`window_effects`, `unit_effects`): each
version's state after the event, and the unit's state just before it (its
previous version, or the version alive on the day before the window).

`context` gathers what a text form needs to name things rather than show ids:
the events' fields and sources, the names of the units they mention over time,
the people and the sources.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from orgchart.adapters.readmodel import corrections
from orgchart.adapters.readmodel.connection import QueryDB, named
from orgchart.adapters.readmodel.damage import damaged, stored_json
from orgchart.adapters.readmodel.intervals import VERSION, alive_on, day_before
from orgchart.adapters.readmodel.tables import P
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import FACT_TYPES, units_in

_CHUNK = 500  # SQLite host parameters per `in (...)` query


@dataclass(frozen=True)
class UnitState:
    """The fields of a unit version that a change can touch."""

    name: str
    name_en: str | None
    kind: str | None
    parent: str | None


@dataclass(frozen=True)
class Effect:
    """Event `event` (effective on `day`, append position `seq`) set `unit` to `after`.

    `before` is None when the event created the unit.
    """

    event: str
    type: str
    day: date
    seq: int
    unit: str
    before: UnitState | None
    after: UnitState

    @property
    def renames(self) -> bool:
        return self.before is not None and (self.before.name != self.after.name
                                            or self.before.name_en != self.after.name_en)

    @property
    def rekinds(self) -> bool:
        """The event changed the unit's kind (a `rename` with `kind`)."""
        return self.before is not None and self.before.kind != self.after.kind

    @property
    def moves(self) -> bool:
        return self.before is not None and self.before.parent != self.after.parent


#: Every version the counted events made (the chart's and the transient ones), with the
#: append position and type of the event that made it; a WHERE clause on `day` follows.
_MADE = (
    f"select * from (select v.unit, v.valid_from as day, v.name, v.name_en, v.kind, v.parent, "
    f"v.event, e.seq, e.type from {P}versions v join {P}events e on e.id = v.event "
    f"union all select t.unit, t.day, t.name, t.name_en, t.kind, t.parent, t.event, e.seq, "
    f"e.type from {P}transient t join {P}events e on e.id = t.event) ")


def _effects(rows: Iterable[sqlite3.Row], before: dict[str, UnitState]) -> list[Effect]:
    """Effects from version rows (as `_MADE` selects them), each unit's chain of states
    starting from `before` (a unit missing there began with its first effect)."""
    made = sorted(rows, key=lambda r: (r["day"], r["seq"], r["unit"]))  # effective order
    out: list[Effect] = []
    current = dict(before)
    for r in made:
        unit = r["unit"]
        state = UnitState(r["name"], r["name_en"], r["kind"], r["parent"])
        out.append(Effect(r["event"], r["type"], date.fromisoformat(r["day"]), r["seq"], unit,
                          current.get(unit), state))
        current[unit] = state
    return out


def window_effects(db: QueryDB, first: date, last: date) -> list[Effect]:
    """What the counted events effective from `first` to `last` did to units, in
    effective order (then by unit)."""
    if first > last:
        return []
    rows = named(db.execute(_MADE + "where day >= ? and day <= ?",
                            [first.isoformat(), last.isoformat()])).fetchall()
    units = sorted({r["unit"] for r in rows})
    before: dict[str, UnitState] = {}
    for chunk in _chunks(units):  # as they stood at the end of the day before the window
        marks = ", ".join("?" for _ in chunk)
        for unit, name, name_en, kind, parent in db.execute(
                f"select unit, name, name_en, kind, parent from {P}versions "
                f"where {alive_on(VERSION)} and unit in ({marks})",
                [day_before(first)] * 2 + list(chunk)).fetchall():
            before[unit] = UnitState(name, name_en, kind, parent)
    return _effects(rows, before)


def unit_effects(db: QueryDB, unit: str) -> list[Effect]:
    """Every change counted events made to `unit`, from its beginning, in effective order."""
    return _effects(named(db.execute(_MADE + "where unit = ?", [unit])).fetchall(), {})


def event_order(db: QueryDB, ids: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Event id -> (effective day, append position) for these ids, to sort them."""
    out: dict[str, tuple[str, int]] = {}
    for chunk in _chunks(sorted(set(ids))):
        marks = ", ".join("?" for _ in chunk)
        for eid, day, seq in db.execute(f"select id, day, seq from {P}events "
                                        f"where id in ({marks})", list(chunk)).fetchall():
            out[eid] = (day or "", seq)
    return out


def sort_events(ids: Iterable[str], order: dict[str, tuple[str, int]]) -> list[str]:
    """Distinct event ids in effective order."""
    return sorted(set(ids), key=lambda e: order.get(e, ("", 0)))


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def event_details(db: QueryDB, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each event's fields (`id`, `type`, `date`, `day`, `seq`, `sources`, `note`, own fields)."""
    wanted = sorted({i for i in ids if i})
    out: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(wanted):
        marks = ", ".join("?" for _ in chunk)
        for row in db.execute(f"select id, type, date, day, seq, sources, note, body "
                              f"from {P}events where id in ({marks})", list(chunk)).fetchall():
            eid, typ, d, day, seq, sources, note, body = row
            if typ not in FACT_TYPES:
                raise damaged(f"event '{eid}'", f"unknown event type {typ!r}")
            if d is not None and not _is_date(d):
                raise damaged(f"event '{eid}'", f"not a date: {d!r}")
            out[eid] = {"id": eid, "type": typ, "date": d, "day": day, "seq": seq,
                        "sources": stored_json(sources, f"event '{eid}'"), "note": note,
                        **stored_json(body, f"event '{eid}'")}
    for e in out.values():  # a step-down without `role`: the role it ended
        if e["type"] == "step_down" and e.get("role") is None:
            row = db.execute(f"select role from {P}tenures where end_event = ? and unit = ?",
                             [e["id"], e["unit"]]).fetchone()
            e["role"] = row[0] if row else None
    return out


def link_extras(how: str, event: dict[str, Any]) -> dict[str, Any]:
    """What a lineage link says beyond its ends, from its event's fields: a transfer's
    `what` (the function that moved), `keep` on a spin-off (a split that kept its unit)."""
    if how == "transfer":
        return {"what": event["what"]}
    if how == "split" and event.get("keep"):
        return {"keep": True}
    return {}


def _is_date(text: Any) -> bool:
    try:
        EffDate.parse(text)
    except (TypeError, ValueError):
        return False
    return True


def context(db: QueryDB, event_ids: Iterable[str],
            unit_ids: Iterable[str] = (), person_ids: Iterable[str] = ()) -> dict[str, Any]:
    """What a text form needs to explain these events and units in words.

    `units` maps each unit id to its versions `[{"from": day, "name", "name_en"}]`
    in valid-time order; `people` and `sources` hold the reference data used;
    `horizon` how far the recorded facts reach (the latest `covers_to`, or None);
    `annotations` the annotations of these events that count (see
    `corrections.by_event`), whose own events are in `events` too (to cite them).
    """
    ids = list(event_ids)
    notes = corrections.by_event(db, ids)
    events = event_details(db, [*ids, *(a["id"] for found in notes.values() for a in found)])
    units = set(unit_ids)
    people = set(person_ids)
    for e in events.values():
        units.update(units_in(e["type"], e))
        if isinstance(e.get("person"), str):
            people.add(e["person"])
    names: dict[str, list[dict[str, Any]]] = {u: [] for u in units}
    for chunk in _chunks(sorted(units)):
        marks = ", ".join("?" for _ in chunk)
        for u, valid_from, name, name_en in db.execute(
                f"select unit, valid_from, name, name_en from {P}versions "
                f"where unit in ({marks}) order by unit, valid_from", list(chunk)).fetchall():
            names[u].append({"from": valid_from, "name": name, "name_en": name_en})
    who: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(sorted(people)):
        marks = ", ".join("?" for _ in chunk)
        for pid, name, name_en in db.execute(
                f"select id, name, name_en from {P}people where id in ({marks})",
                list(chunk)).fetchall():
            who[pid] = {"name": name, "name_en": name_en}
    source_ids = sorted({s for e in events.values() for s in e["sources"]})
    sources: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(source_ids):
        marks = ", ".join("?" for _ in chunk)
        for sid, title, publisher, d, url in db.execute(
                f"select id, title, publisher, date, url from {P}sources where id in ({marks})",
                list(chunk)).fetchall():
            sources[sid] = {"title": title, "publisher": publisher, "date": d, "url": url}
    title_row = db.execute(f"select value from {P}meta where key = 'title'").fetchone()
    horizon = db.execute(f"select value from {P}meta where key = 'horizon'").fetchone()
    return {"title": title_row[0] if title_row else None, "events": events,
            "annotations": notes, "units": names,
            "people": who, "sources": sources, "horizon": horizon[0] if horizon else None}
