"""Events spoiled on purpose: a valid proposal changed to break one rule, most of the time.

Shared by the property tests that compare the engine with `tests/reference.py` (which
decides whether the spoiled event is in fact invalid: a spoiled event may still be valid).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tests import reference

Draw = Callable[[st.SearchStrategy[Any]], Any]  # data.draw
EventDict = dict[str, Any]
GHOST = "ghost"  # a unit id never used
ROLES = ("head", "deputy", "cto")
PEOPLE = ("ann", "bo", "chen-li", "dana")


def subtree(units: reference.Units, unit: str) -> set[str]:
    """`unit` and all its descendants."""
    return {u for u in units if reference.within(units, u, unit)}


def spoil(ev: EventDict, units: reference.Units, roles: reference.Roles, used: list[str],
          draw: Draw, fresh: Any) -> EventDict:
    """`ev` (valid on its date) changed to break one rule, most of the time."""
    gone = [u for u in used if u not in units] + [GHOST]
    t = ev["type"]
    how = draw(st.integers(0, 3))
    if how == 0 and "unit" in ev:  # a unit that does not exist on the date
        return {**ev, "unit": draw(st.sampled_from(gone))}
    if t in ("establish", "rename") and how == 3:
        return spoil_aliases(ev, used, draw)
    if t == "establish":
        if how == 1:
            return {**ev, "unit": draw(st.sampled_from(used or [ev["unit"]]))}
        return {**ev, "parent": draw(st.sampled_from(gone))}
    if t == "rename":
        return {k: v for k, v in ev.items() if k not in ("name", "name_en", "kind")}
    if t == "move":  # under one of its descendants, or itself
        below = sorted(subtree(units, ev["unit"]) - {ev["unit"]}) or [ev["unit"]]
        return {**ev, "parent": draw(st.sampled_from(below))}
    if t == "split":
        return spoil_split(ev, units, used, draw)
    if t == "merge":
        return spoil_merge(ev, units, used, draw, fresh)
    if t == "dissolve":
        if how == 1 and reference.children(units, ev["unit"]):
            return {k: v for k, v in ev.items() if k != "children_to"}
        return {**ev, "children_to": draw(st.sampled_from(sorted(subtree(units, ev["unit"]))))}
    if t == "appoint":
        held = roles.get((ev["unit"], ev.get("role", "head")))
        if held is None:
            return {**ev, "unit": draw(st.sampled_from(gone))}
        return {**ev, "person": held["person"]}
    if t == "transfer":
        if how == 1:  # to the unit it comes from
            return {**ev, "to": ev["from"]}
        if how == 2:  # a unit that is not a child of `from` goes with it
            return {**ev, "units": [*ev.get("units", []), draw(st.sampled_from([*gone, *units]))]}
        return {**ev, "from": draw(st.sampled_from(gone))}
    assert t == "step_down", t
    if how == 1:
        return {**ev, "role": draw(st.sampled_from(ROLES))}
    if how == 2:
        return {k: v for k, v in ev.items() if k != "role"}
    return {**ev, "person": draw(st.sampled_from(PEOPLE))}


def spoil_aliases(ev: EventDict, used: list[str], draw: Draw) -> EventDict:
    """An alias that is another unit's id (in capitals), or one that another unit may have
    been given already (the stateful test's aliases are `Alias N`; any case matches)."""
    if used and draw(st.booleans()):
        alias = draw(st.sampled_from(used)).upper()
    else:
        alias = f"{draw(st.sampled_from(['ALIAS', 'alias', 'Alias']))} {draw(st.integers(1, 40))}"
    given = ev.get("aliases", [])
    if alias in given:  # the same text twice in one list: the file format's rule (its
        return ev  # schema's), which the engine's own rules, tested here too, never see
    return {**ev, "aliases": [*given, alias]}


def spoil_split(ev: EventDict, units: reference.Units, used: list[str],
                draw: Draw) -> EventDict:
    source = ev["unit"]
    parts = [dict(p) for p in ev["into"]]
    ids = [p["unit"] for p in parts]
    mapping = dict(ev.get("children") or {})
    keep = ev.get("keep", False)
    kids = reference.children(units, source)
    how = draw(st.sampled_from(["under moving", "under moving", "under source", "unmapped",
                                "not a child", "not a part", "one part", "later part", "id used",
                                "twice", "alias used"]))
    part = draw(st.sampled_from(parts))
    if how == "under moving":  # under a unit that moves under a part
        with_kids = sorted({v["parent"] for v in units.values() if v["parent"] is not None})
        if with_kids:
            source = draw(st.sampled_from(with_kids))
            keep = draw(st.sampled_from([True, True, False]))  # (else under the source too)
            mapping = {c: draw(st.sampled_from(ids)) for c in reference.children(units, source)}
            part["parent"] = draw(st.sampled_from(sorted(subtree(units, draw(st.sampled_from(
                sorted(mapping)))))))
    elif how == "under source":
        part["parent"] = draw(st.sampled_from(sorted(subtree(units, source))))
    elif how == "unmapped" and mapping:
        del mapping[draw(st.sampled_from(sorted(mapping)))]
    elif how == "not a child":
        others = [u for u in sorted(units) if u not in kids]
        if others:
            mapping[draw(st.sampled_from(others))] = draw(st.sampled_from(ids))
    elif how == "not a part" and kids:
        mapping[draw(st.sampled_from(kids))] = draw(st.sampled_from(sorted(units)))
    elif how == "one part":
        parts = parts[:1]
        mapping = {c: parts[0]["unit"] for c in mapping}
    elif how == "later part":
        part["parent"] = ids[-1]
    elif how == "id used":
        part["unit"] = draw(st.sampled_from(used))
    elif how == "alias used":  # another unit's id (or another part's), in capitals
        part["aliases"] = [draw(st.sampled_from([*used, *ids])).upper()]
    else:
        parts.append(dict(parts[0]))
    return {**ev, "unit": source, "into": parts, "children": mapping, "keep": keep}


def spoil_merge(ev: EventDict, units: reference.Units, used: list[str], draw: Draw,
                fresh: Any) -> EventDict:
    merging = list(ev["units"])
    inside = sorted(set().union(*(subtree(units, m) for m in merging)))
    how = draw(st.sampled_from(["new under merging", "into merging", "listed twice", "id used",
                                "default place"]))
    if how == "new under merging":  # the new unit placed inside a merging unit
        into = {"unit": fresh("u"), "name": "N", "parent": draw(st.sampled_from(inside))}
        return {**ev, "into": into}
    if how == "into merging":
        return {**ev, "into": draw(st.sampled_from(inside))}
    if how == "listed twice":
        return {**ev, "units": [*merging, merging[0]]}
    if how == "id used":
        return {**ev, "into": {"unit": draw(st.sampled_from(used)), "name": "N"}}
    # valid: a new unit in its default place, from a deep unit and one of its ancestors
    deep = max(sorted(units), key=lambda u: len(ancestors(units, u)))
    line = ancestors(units, deep)
    pick = [deep, *([draw(st.sampled_from(line))] if line else [])]
    return {"type": "merge", "units": pick, "into": {"unit": fresh("u"), "name": "N"}}


def ancestors(units: reference.Units, unit: str) -> list[str]:
    out, cur = [], units[unit]["parent"]
    while cur is not None:
        out.append(cur)
        cur = units[cur]["parent"]
    return out
