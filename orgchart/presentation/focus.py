"""The part of a chart a timeline step draws: what changed and its immediate context.

A step of `orgchart timeline` draws the changed units with their parents up to
the top (so the drawing stays one tree), their children, and the former parents
of units that moved or ended (so the ended units, drawn as ghosts, hang where
they were). Siblings are left out; the page says how many units are not drawn.
The drawing's cost then follows the step, not the size of the chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orgchart.presentation.graph import Delta

#: The whole chart is put in the page, drawn, only up to this many units.
FULL_CHART_MAX_UNITS = 200


@dataclass(frozen=True)
class Focus:
    """A step's chart cut down to its context."""

    chart: dict[str, Any]  # `chart` with only the units in context
    shown: int  # how many of the chart's units it draws
    total: int  # how many units the chart has

    @property
    def whole(self) -> bool:
        return self.shown == self.total


def focus(chart: Mapping[str, Any], delta: Delta) -> Focus:
    """`chart` with only the changed units and their context (see the module docstring)."""
    units: list[Mapping[str, Any]] = list(chart["units"])
    by_id = {u["id"]: u for u in units}
    before = {u["id"]: u for u in delta["before"]}
    children: dict[str, list[str]] = {}
    for u in units:
        children.setdefault(u["parent"], []).append(u["id"])

    changed = {c["unit"] for c in delta["changes"]}
    keep: set[str] = set()

    def with_ancestors(uid: str | None) -> None:
        while uid is not None and uid in by_id and uid not in keep:
            keep.add(uid)
            uid = by_id[uid]["parent"]

    for uid in changed:
        with_ancestors(uid)
        keep.update(children.get(uid, ()))
        with_ancestors((before.get(uid) or {}).get("parent"))  # where it was
    for c in delta["changes"]:
        if c["change"] == "moved":
            with_ancestors(c["before"])
    for link in delta["links"]:
        for end in (link.get("source"), link.get("target")):
            if end in changed:
                with_ancestors(link.get("source"))
                with_ancestors(link.get("target"))
    if not keep:  # nothing in the chart changed (only ended units): its top units
        keep = {u["id"] for u in units if u["parent"] not in by_id}
    shown = [u for u in units if u["id"] in keep]
    return Focus({**chart, "units": shown}, len(shown), len(units))
