"""A deliberately naive reference replay of `orgchart/v1` events (SPEC §2, §3 `at`).

Written apart from `orgchart.domain.rules` and `orgchart.adapters.readmodel` so the
property tests can compare the two. It checks no rules: it is only fed valid
histories, and asserts only that its own result is a forest.

An event is a plain dict in the file form (`type`, `date`, the type's fields),
plus `id` and `recorded` (a day, or an ISO timestamp). The list is in append
order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

Event = Mapping[str, Any]
Units = dict[str, dict[str, Any]]  # id -> name, name_en, kind, parent, since
Roles = dict[tuple[str, str], dict[str, Any]]  # (unit, role) -> person, title, since


def first_day(text: str) -> date:
    """The first day of `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (or of an ISO timestamp)."""
    parts = [int(p) for p in str(text)[:10].split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def counted(events: Sequence[Event], known: date | None = None) -> list[Event]:
    """The non-retraction events that count at the end of day `known` (None: all)."""
    seen = [e for e in events if known is None or first_day(e["recorded"]) <= known]
    retracted = {e["event"] for e in seen if e["type"] == "retract"}
    return [e for e in seen if e["type"] != "retract" and e["id"] not in retracted]


def replay(events: Sequence[Event], day: date, known: date | None = None) -> tuple[Units, Roles]:
    """The units and roles on `day`, as known at the end of day `known`."""
    units: Units = {}
    roles: Roles = {}
    # sorted() is stable: events on the same day stay in append order
    for e in sorted(counted(events, known), key=lambda e: first_day(e["date"])):
        if first_day(e["date"]) > day:
            break
        _apply(units, roles, e)
    return units, roles


def _begin(units: Units, spec: Mapping[str, Any], parent: str | None, since: str) -> None:
    units[spec["unit"]] = {"name": spec["name"], "name_en": spec.get("name_en"),
                           "kind": spec.get("kind"), "parent": parent, "since": since}


def _end(units: Units, roles: Roles, unit: str) -> None:
    del units[unit]
    for key in [k for k in roles if k[0] == unit]:
        del roles[key]


def _apply(units: Units, roles: Roles, e: Event) -> None:
    t, d = e["type"], str(e["date"])
    if t == "establish":
        _begin(units, e, e.get("parent"), d)
    elif t == "rename":
        for f in ("name", "name_en", "kind"):
            if e.get(f) is not None:
                units[e["unit"]][f] = e[f]
    elif t == "move":
        units[e["unit"]]["parent"] = e["parent"]
    elif t == "split":
        src_parent = units[e["unit"]]["parent"]
        for part in e["into"]:
            parent = part.get("parent")
            _begin(units, part, parent if parent is not None else src_parent, d)
        for child, part_id in (e.get("children") or {}).items():
            units[child]["parent"] = part_id
        if not e.get("keep", False):
            _end(units, roles, e["unit"])
    elif t == "merge":
        ending = list(e["units"])
        into = e["into"]
        if isinstance(into, str):
            target = into
        else:
            target = into["unit"]
            parent = into.get("parent")
            if parent is None:  # the first listed unit's parent (the nearest that lives on)
                parent = units[ending[0]]["parent"]
                while parent is not None and _inside(units, parent, ending):
                    parent = units[parent]["parent"]
            _begin(units, into, parent, d)
        for u in units.values():
            if u["parent"] in ending:
                u["parent"] = target
        for unit in ending:
            _end(units, roles, unit)
    elif t == "dissolve":
        for u in units.values():
            if u["parent"] == e["unit"]:
                u["parent"] = e.get("children_to")
        _end(units, roles, e["unit"])
    elif t == "transfer":  # a function moves; both units continue, `units` move under `to`
        for unit in e.get("units") or []:
            units[unit]["parent"] = e["to"]
    elif t == "appoint":
        roles[(e["unit"], e.get("role", "head"))] = {
            "person": e["person"], "title": e.get("title"), "since": d}
    elif t == "step_down":
        role = e.get("role")
        if role is None:
            [role] = [r for (u, r), v in roles.items()
                      if u == e["unit"] and v["person"] == e["person"]]
        assert roles[(e["unit"], role)]["person"] == e["person"]
        del roles[(e["unit"], role)]
    else:
        raise AssertionError(f"unknown event type {t!r}")


def chart(events: Sequence[Event], people: Mapping[str, Mapping[str, Any]], day: date,
          known: date | None = None) -> list[dict[str, Any]]:
    """The `units` list of SPEC §3 `at --format json` on `day`, as known at `known`."""
    units, roles = replay(events, day, known)
    kids: dict[str | None, list[str]] = {}
    for uid in sorted(units):
        kids.setdefault(units[uid]["parent"], []).append(uid)
    out: list[dict[str, Any]] = []

    def walk(uid: str) -> None:
        held = sorted(((r, v) for (u, r), v in roles.items() if u == uid),
                      key=lambda rv: (rv[0] != "head", rv[0]))
        leaders = [{"person": v["person"], "name": people[v["person"]]["name"],
                    "name_en": people[v["person"]].get("name_en"), "role": r,
                    "title": v["title"], "since": v["since"]} for r, v in held]
        out.append({"id": uid, **units[uid], "leaders": leaders})
        for k in kids.get(uid, []):
            walk(k)

    for top in kids.get(None, []):
        walk(top)
    # fed a valid history, the units form a forest: every unit is reached exactly once
    assert sorted(u["id"] for u in out) == sorted(units), "the reference chart is not a forest"
    return out


def _inside(units: dict[str, Any], unit: str | None, ending: list[str]) -> bool:
    """`unit` is one of `ending` or sits somewhere under one of them."""
    while unit is not None:
        if unit in ending:
            return True
        unit = units[unit]["parent"]
    return False
