"""Queries on the query tables for drawing: a chart's sources, lineage links, lifespans."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from orgchart.adapters.readmodel.connection import QueryDB, named
from orgchart.adapters.readmodel.tables import P


def links_between(db: QueryDB, start: date, end: date) -> list[dict[str, Any]]:
    """Split, merge and transfer links with effective days in (min, max] of the two dates
    (a transfer's with `what`, the function that moved; a spin-off's, a split that kept its
    unit, with `keep`)."""
    from orgchart.adapters.readmodel.explain import event_details, link_extras

    lo, hi = sorted((start, end))
    found = [dict(r) for r in named(db.execute(
        f"select source, target, how, event, date from {P}links "
        f"where day > ? and day <= ? order by day, source, target",
        [lo.isoformat(), hi.isoformat()])).fetchall()]
    told = [k for k in found if k["how"] in ("transfer", "split")]
    if told:
        events = event_details(db, [k["event"] for k in told])
        for k in told:
            k.update(link_extras(k["how"], events[k["event"]]))
    return found


def lives(db: QueryDB, units: Collection[str]) -> dict[str, dict[str, Any]]:
    """When each of `units` began and ended, and how."""
    if not units:
        return {}
    marks = ", ".join("?" for _ in units)
    return {r["unit"]: {"began": r["began"], "began_how": r["began_how"], "ended": r["ended"],
                        "ended_how": r["ended_how"]}
            for r in named(db.execute(
                f"select unit, began, began_how, ended, ended_how from {P}lives "
                f"where unit in ({marks})", sorted(units))).fetchall()}
