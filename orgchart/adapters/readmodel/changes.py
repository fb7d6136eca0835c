"""`diff`: what changed between the charts of two dates, and which events did it.

The two charts are compared unit by unit (SPEC §3 `diff --format json`). The
causing events of a change are the counted events effective in (earlier,
later] that produced it: the event that began or ended a unit (added,
removed), the events whose new version changed its parent (moved) or its
name (renamed), and the events that started or ended a tenure of the role
(leader). Only the dates matter, not their order, so `diff(b, a)` is
`diff(a, b)` with every change reversed and the same events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from orgchart.adapters.readmodel import queries
from orgchart.adapters.readmodel.connection import QueryDB
from orgchart.adapters.readmodel.explain import Effect, event_order, sort_events, window_effects
from orgchart.adapters.readmodel.tables import P
from orgchart.domain.errors import UnknownUnit

Change = dict[str, Any]
KIND_ORDER = ("added", "removed", "moved", "renamed", "leader", "transferred")


def subtree(units: dict[str, queries.Unit], root: str) -> set[str]:
    """`root` and every unit under it in one chart (empty when `root` is not in it)."""
    if root not in units:
        return set()
    kids: dict[str | None, list[str]] = {}
    for uid, u in units.items():
        kids.setdefault(u["parent"], []).append(uid)
    out, todo = set(), [root]
    while todo:
        uid = todo.pop()
        if uid not in out:  # inconsistent tables may hold a cycle: never walk it twice
            out.add(uid)
            todo.extend(kids.get(uid, []))
    return out


def scope(db: QueryDB, before: dict[str, queries.Unit],
          after: dict[str, queries.Unit], root: str | None, dates: tuple[str, str]) -> set[str]:
    """The units a diff looks at: all of them, or those under `root` on either date."""
    if root is None:
        return set(before) | set(after)
    if root not in before and root not in after:
        if not queries.unit_exists(db, root):
            raise UnknownUnit(queries.unit_absence(db, root, date.today()))
        raise UnknownUnit(f"unit '{root}' does not exist on {dates[0]} or on {dates[1]}")
    return subtree(before, root) | subtree(after, root)


def leaders_by_role(unit: queries.Unit) -> dict[str, str]:
    return {x["role"]: x["person"] for x in unit["leaders"]}


def role_order(roles: Iterable[str]) -> list[str]:
    """`head` first, then other roles by name (as in a chart's leaders)."""
    return sorted(set(roles), key=lambda r: (r != "head", r))


def diff(db: QueryDB, d1: date, d2: date, root: str | None = None,
         dates: tuple[str, str] | None = None) -> list[Change]:
    """The SPEC change entries from the chart on `d1` to the chart on `d2`.

    Ordered by unit id, then added, removed, moved, renamed, leader (leader
    entries `head` first, then by role). `dates` are the two dates as the user
    wrote them, for messages.
    """
    before, after = queries.units_on(db, d1), queries.units_on(db, d2)
    units = scope(db, before, after, root, dates or (d1.isoformat(), d2.isoformat()))
    lo, hi = (d1, d2) if d1 <= d2 else (d2, d1)
    span = (lo.isoformat(), hi.isoformat())
    changed = [u for u in units if u in before and u in after
               and _fields(before[u]) != _fields(after[u])]
    by_unit: dict[str, list[Effect]] = {}
    if changed:
        for e in window_effects(db, lo + timedelta(days=1), hi):
            by_unit.setdefault(e.unit, []).append(e)
    out: list[Change] = []
    for u in sorted(units):
        if u in before and u in after:
            out.extend(_kept(db, u, before[u], after[u], by_unit.get(u, []), span))
        elif u in after:
            out.append({"change": "added", "unit": u, "before": None,
                        "after": after[u]["name"], "events": _life_events(db, u, span)})
        else:
            out.append({"change": "removed", "unit": u, "before": before[u]["name"],
                        "after": None, "events": _life_events(db, u, span)})
    order = event_order(db, (e for c in out for e in c["events"]))
    for c in out:
        c["events"] = sort_events(c["events"], order)
    return out


def _fields(u: queries.Unit) -> tuple[Any, ...]:
    return u["name"], u["name_en"], u["kind"], u["parent"]


def _kept(db: QueryDB, u: str, a: queries.Unit, b: queries.Unit,
          effects: list[Effect], span: tuple[str, str]) -> list[Change]:
    """The changes of a unit present on both dates: moved, renamed, then leaders.

    Their `events` are distinct but not yet in effective order."""
    out: list[Change] = []
    if a["parent"] != b["parent"]:
        out.append({"change": "moved", "unit": u, "before": a["parent"], "after": b["parent"],
                    "events": _distinct(e.event for e in effects if e.moves)})
    name_differs, en_differs = a["name"] != b["name"], a["name_en"] != b["name_en"]
    kind_differs = a["kind"] != b["kind"]
    if name_differs or en_differs or kind_differs:
        why = [e.event for e in effects if e.before is not None and (
            (name_differs and e.before.name != e.after.name)
            or (en_differs and e.before.name_en != e.after.name_en)
            or (kind_differs and e.before.kind != e.after.kind))]
        change = {"change": "renamed", "unit": u, "before": a["name"], "after": b["name"],
                  "before_en": a["name_en"], "after_en": b["name_en"]}
        if kind_differs:  # a change of kind (the names may be equal)
            change |= {"before_kind": a["kind"], "after_kind": b["kind"]}
        out.append({**change, "events": _distinct(why)})
    held_a, held_b = leaders_by_role(a), leaders_by_role(b)
    for role in role_order([*held_a, *held_b]):
        if held_a.get(role) != held_b.get(role):
            out.append({"change": "leader", "unit": u, "role": role,
                        "before": held_a.get(role), "after": held_b.get(role),
                        "events": _tenure_events(db, u, role, span)})
    return out


def _distinct(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _life_events(db: QueryDB, unit: str, span: tuple[str, str]) -> list[str]:
    """The event that began or ended `unit` within (lo, hi]."""
    row = db.execute(f"select began_day, began_event, ended_day, ended_event from {P}lives "
                     f"where unit = ?", [unit]).fetchone()
    began_day, began_event, ended_day, ended_event = row
    ids = [began_event] if _within(began_day, span) else []
    if ended_event is not None and _within(ended_day, span):
        ids.append(ended_event)
    return ids


def _tenure_events(db: QueryDB, unit: str, role: str,
                   span: tuple[str, str]) -> list[str]:
    """The events that started or ended a tenure of `role` in `unit` within (lo, hi]."""
    ids: list[str] = []
    for start_day, start_event, end_day, end_event in db.execute(
            f"select start_day, start_event, end_day, end_event from {P}tenures "
            f"where unit = ? and role = ?", [unit, role]).fetchall():
        if _within(start_day, span):
            ids.append(start_event)
        if end_event is not None and _within(end_day, span):
            ids.append(end_event)
    return _distinct(ids)


def _within(day: str | None, span: tuple[str, str]) -> bool:
    return day is not None and span[0] < day <= span[1]


def related_events(db: QueryDB, changes: list[Change], d1: date,
                   d2: date) -> dict[str, list[str]]:
    """For each added or removed unit: its tenures' events within the span (not causes).

    These tell the rest of the story in the text form, e.g. that the head of
    a unit removed by a split stepped down that day.
    """
    lo, hi = (d1, d2) if d1 <= d2 else (d2, d1)
    span = (lo.isoformat(), hi.isoformat())
    found: dict[str, list[str]] = {}
    for c in changes:
        if c["change"] not in ("added", "removed"):
            continue
        ids: list[str] = []
        for start_day, start_event, end_day, end_event in db.execute(
                f"select start_day, start_event, end_day, end_event from {P}tenures "
                f"where unit = ?", [c["unit"]]).fetchall():
            if _within(start_day, span):
                ids.append(start_event)
            if end_event is not None and _within(end_day, span):
                ids.append(end_event)
        found[c["unit"]] = [e for e in _distinct(ids) if e not in c["events"]]
    order = event_order(db, (e for ids in found.values() for e in ids))
    return {u: sort_events(ids, order) for u, ids in found.items()}


# -- transfers of functions, and where removed units' successors went ------------------


def transferred(db: QueryDB, d1: date, d2: date, root: str | None = None) -> list[Change]:
    """The `transferred` entries: each transfer effective in (earlier, later], in effective
    order, `{"change": "transferred", "from", "to", "what", "function", "units",
    "events"}`; with `root`, those whose `from` or `to` is under it on either date.
    Going back in time (`d1` after `d2`) `from` and `to` trade places, as a diff's
    other changes are reversed."""
    from orgchart.adapters.readmodel.explain import event_details

    lo, hi = (d1, d2) if d1 <= d2 else (d2, d1)
    rows = db.execute(f"select source, target, event from {P}links where how = 'transfer' "
                      f"and day > ? and day <= ?", [lo.isoformat(), hi.isoformat()]).fetchall()
    if not rows:
        return []
    if root is not None:
        units = subtree(queries.units_on(db, d1), root) | subtree(queries.units_on(db, d2), root)
        rows = [r for r in rows if r[0] in units or r[1] in units]
    events = event_details(db, [r[2] for r in rows])
    rows.sort(key=lambda r: (events[r[2]]["day"], events[r[2]]["seq"]))
    out: list[Change] = []
    for source, target, event in rows:
        e = events[event]
        a, b = (source, target) if d1 <= d2 else (target, source)
        out.append({"change": "transferred", "from": a, "to": b, "what": e["what"],
                    "function": e.get("function"), "units": list(e.get("units") or []),
                    "events": [event]})
    return out


def successors(db: QueryDB, d1: date, d2: date,
               changes: list[Change]) -> dict[str, list[list[str]]]:
    """For each removed unit whose successors also ended by the later date: the chain of
    its successors, generation by generation (split, merge and transfer links effective
    in the span), down to the units alive on the later date. Only going forward."""
    if d1 >= d2:
        return {}
    span = (d1.isoformat(), d2.isoformat())

    def ended_by_then(unit: str) -> bool:
        row = db.execute(f"select ended_day from {P}lives where unit = ?", [unit]).fetchone()
        return row is not None and row[0] is not None and row[0] <= span[1]

    def onward(unit: str) -> list[str]:
        return _distinct(t for (t,) in db.execute(
            f"select target from {P}links where source = ? and day > ? and day <= ? "
            f"order by day, target", [unit, *span]).fetchall())

    out: dict[str, list[list[str]]] = {}
    for c in changes:
        if c["change"] != "removed":
            continue
        seen, chain, frontier = {c["unit"]}, [], [c["unit"]]
        while frontier:
            nxt = [t for u in frontier if ended_by_then(u) for t in onward(u) if t not in seen]
            nxt = _distinct(nxt)
            if not nxt:
                break
            seen.update(nxt)
            chain.append(nxt)
            frontier = nxt
        if len(chain) > 1:
            out[c["unit"]] = chain
    return out
