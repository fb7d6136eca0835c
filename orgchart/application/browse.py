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
        if unit is not None and browse.unit_on(db, day.day, unit) is None:
            raise UnknownUnit(queries.unit_absence(db, unit, day.day))
        return {"date": str(day), "known_at": str(known) if known else None, "unit": unit,
                "units": browse.children_on(db, day.day, unit)}


def parents(svc: OrgChartService, day: EffDate, unit: str,
            known: EffDate | None = None) -> dict[str, Any]:
    """The ids above `unit` on `day`, from its top-level unit down to its parent."""
    with svc.view(known) as db:
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


def person(svc: OrgChartService, person_id: str) -> dict[str, Any]:
    """Every role `person_id` held (unit, role, title, from, to), in the order they began."""
    with svc.query_db() as db:
        found = browse.person_roles(db, person_id)
        if found is None:
            raise UnknownPerson(f"unknown person '{person_id}'"
                                f"{did_you_mean(person_id, browse.people_ids(db))}")
        return found


def span(svc: OrgChartService) -> dict[str, str | None]:
    """The first and last effective days of the recorded events, and the store's title."""
    from orgchart.adapters.readmodel import tables

    with svc.query_db() as db:
        first, last = browse.span(db)
        return {"first": first, "last": last, "title": tables.meta(db, "title")}
