"""Browsing a chart piece by piece: the read queries behind `orgchart serve`.

Each function takes the application service and answers from its query tables
(`OrgChartService.query_db`, or the `--known-at` view), caught up with the log
first as every read command does; none of them writes the store. The answers
are plain data: a level of the chart (`children`), the parents above a unit
(`parents`), a search (`search`), a person's roles (`person`), the span of the
recorded dates (`span`). See `orgchart.adapters.readmodel.browse`.
"""

from __future__ import annotations

from typing import Any

from orgchart.adapters.readmodel import browse, queries
from orgchart.application.queries import resolve_root
from orgchart.application.service import OrgChartService
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import OrgchartError, UnknownUnit
from orgchart.domain.hints import did_you_mean

#: At most this many units and this many people in one search answer.
SEARCH_LIMIT = 20


class UnknownPerson(OrgchartError):
    """A request named a person the store does not know."""


def children(svc: OrgChartService, day: EffDate, unit: str | None = None,
             known: EffDate | None = None) -> dict[str, Any]:
    """The units directly under `unit` on `day` (the top-level units when None), each shaped
    like a unit of `at --format json` plus `children`: how many units are under it."""
    with svc.view(known) as db:
        unit = resolve_root(db, unit)
        if unit is not None and browse.unit_on(db, day.day, unit) is None:
            raise UnknownUnit(queries.unit_absence(db, unit, day.day))
        return {"date": str(day), "known_at": str(known) if known else None, "unit": unit,
                "units": browse.children_on(db, day.day, unit)}


def parents(svc: OrgChartService, day: EffDate, unit: str,
            known: EffDate | None = None) -> dict[str, Any]:
    """The ids above `unit` on `day`, from its top-level unit down to its parent."""
    with svc.view(known) as db:
        unit = queries.resolve_unit(db, unit)
        chain = browse.parents_on(db, day.day, unit)
        if chain is None:
            raise UnknownUnit(queries.unit_absence(db, unit, day.day))
        return {"date": str(day), "known_at": str(known) if known else None, "unit": unit,
                "parents": chain}


def search(svc: OrgChartService, text: str, day: EffDate,
           limit: int = SEARCH_LIMIT) -> dict[str, Any]:
    """Units (by id or any of their names) and people (by id or name) matching `text`."""
    with svc.query_db() as db:
        return {"query": text, "date": str(day), **browse.search(db, text, day.day, limit)}


def person(svc: OrgChartService, person_id: str,
           known: EffDate | None = None) -> dict[str, Any]:
    """Every role a person held (unit, role, title, from, to, and what became of the unit),
    in the order they began. `person_id` is an id, or a name or English name that only
    one person has; anything else is UnknownPerson with a "did you mean" hint."""
    with svc.view(known) as db:
        return _person(db, person_id, known)


def explain_person(svc: OrgChartService, person_id: str,
                   known: EffDate | None = None) -> dict[str, Any]:
    """`person` plus the names and sources its text form shows."""
    from orgchart.adapters.readmodel.explain import context

    with svc.view(known) as db:
        found = _person(db, person_id, known)
        roles = found["roles"]
        events = [e for r in roles for e in (r["event"], r["ended_by"], r["unit_ended_event"])
                  if e]
        units = {r["unit"] for r in roles} | {s["id"] for r in roles for s in r["successors"]}
        return {"person": found, "context": context(db, events, units, [found["person"]])}


def _person(db: Any, person_id: str, known: EffDate | None) -> dict[str, Any]:
    found = browse.person_roles(db, person_id)
    if found is None:
        found = browse.person_roles(db, _person_by_name(db, person_id))
    assert found is not None
    return {"person": found["person"], "known_at": str(known) if known else None,
            **{k: v for k, v in found.items() if k != "person"}}


def _person_by_name(db: Any, text: str) -> str:
    """The id of the one person named `text` (name or English name, any case)."""
    people = browse.people_names(db)
    wanted = text.strip().casefold()
    ids = [pid for pid, name, name_en in people
           if wanted in ((name or "").casefold(), (name_en or "").casefold())]
    if len(ids) == 1:
        return ids[0]
    if ids:
        raise UnknownPerson(f"'{text}' names {len(ids)} people: {', '.join(ids)}; "
                            f"give one of these ids")
    words = [w for pid, name, name_en in people for w in (pid, name, name_en) if w]
    raise UnknownPerson(f"unknown person '{text}'{did_you_mean(text, words)}")


def people(svc: OrgChartService, day: EffDate | None = None,
           known: EffDate | None = None) -> dict[str, Any]:
    """Every recorded person (id, name, name_en) by name; with `day`, the roles held that
    day instead (person, role, title, since, and the unit with its name that day)."""
    with svc.view(known) as db:
        head = {"date": str(day) if day else None, "known_at": str(known) if known else None}
        if day is None:
            return {**head, "people": [{"person": pid, "name": name, "name_en": name_en}
                                       for pid, name, name_en in browse.people_names(db)]}
        return {**head, "roles": browse.people_on(db, day.day)}


def span(svc: OrgChartService) -> dict[str, str | None]:
    """The first and last effective days of the recorded events, and the store's title."""
    from orgchart.adapters.readmodel import tables

    with svc.query_db() as db:
        first, last = browse.span(db)
        return {"first": first, "last": last, "title": tables.meta(db, "title")}
