"""A deliberately naive reference replay of `orgchart/v1` events (events/README.md).

Written apart from `orgchart` (it imports nothing from it) so the property
tests can compare the two: it decides on its own whether a history is valid
(every rule of each event type, every knowledge state, the rules of
`retract` and `annotate`) and what the chart is on a day as known on a day. It favours
plain code over speed: each question is answered by scanning the units.

An event is a plain dict in the file form (`type`, `date`, the type's fields),
plus `id` and `recorded` (a day, or an ISO timestamp). A list of events is in
append order. Person ids are not checked here (the event file's parser does).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

Event = Mapping[str, Any]
Units = dict[str, dict[str, Any]]  # id -> name, name_en, kind, parent, since, order
Roles = dict[tuple[str, str], dict[str, Any]]  # (unit, role) -> person, title, since


class Invalid(Exception):
    """A history breaks a rule: `event` is the event to blame, `state` the knowledge day
    whose replay failed (None: the latest state, or a rule of `retract`)."""

    def __init__(self, event: str, rule: str, state: date | None = None) -> None:
        super().__init__(f"{event}: {rule}" + (f" (known at {state})" if state else ""))
        self.event, self.rule, self.state = event, rule, state


def first_day(text: str) -> date:
    """The first day of `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (or of an ISO timestamp)."""
    parts = [int(p) for p in str(text)[:10].split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


#: The event types without an effective date: they change no chart.
UNDATED = ("retract", "annotate")


def counted(events: Sequence[Event], known: date | None = None) -> list[Event]:
    """The dated events that count at the end of day `known` (None: all).

    A retraction counts from the end of the day it is recorded on, like any event.
    """
    seen = [e for e in events if known is None or first_day(e["recorded"]) <= known]
    retracted = {e["event"] for e in seen if e["type"] == "retract"}
    return [e for e in seen if e["type"] not in UNDATED and e["id"] not in retracted]


def annotated(events: Sequence[Event], known: date | None = None) -> dict[str, list[str]]:
    """The ids of the annotations that count at the end of day `known` (None: all), by the
    id of the event each annotates, in append order. An annotation counts like any event:
    recorded by then and not retracted by then."""
    seen = [e for e in events if known is None or first_day(e["recorded"]) <= known]
    retracted = {e["event"] for e in seen if e["type"] == "retract"}
    out: dict[str, list[str]] = {}
    for e in seen:
        if e["type"] == "annotate" and e["id"] not in retracted:
            out.setdefault(e["event"], []).append(e["id"])
    return out


def in_effective_order(events: Sequence[Event]) -> list[Event]:
    """By effective date; sorted() is stable, so events on the same day stay in append order."""
    return sorted(events, key=lambda e: first_day(e["date"]))


@dataclass
class World:
    """The state of a replay: units and roles alive now, and what happened so far.

    `versions`, `tenures`, `lives` and `links` are the history as valid-time
    intervals (dates as written; an interval is [from, to), `to` None while it
    runs), the form the engine's query tables hold.
    """

    units: Units = field(default_factory=dict)
    roles: Roles = field(default_factory=dict)  # the running tenures
    used: set[str] = field(default_factory=set)  # every unit id ever begun
    aliases: dict[str, str] = field(default_factory=dict)  # alias, lower-cased -> its unit
    given: list[tuple[str, str, str, str]] = field(default_factory=list)  # unit, alias, event,
    # date: every alias as given
    # unit, valid_from, valid_to (days), name, name_en, kind, parent, event
    versions: list[dict[str, Any]] = field(default_factory=list)
    current: dict[str, dict[str, Any]] = field(default_factory=dict)  # unit -> its open version
    # unit, role, person, title, since, start_event, end, end_event
    tenures: list[dict[str, Any]] = field(default_factory=list)
    # unit -> began, began_event, began_how, ended, ended_event, ended_how
    lives: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # source, target,
    # how, event, date

    def intervals(self) -> dict[str, list[tuple[Any, ...]]]:
        """Versions, tenures, lives and links as sorted tuples; an interval that ends on
        the day it begins (two changes on one day) never held, and is left out."""

        def held(start: str, end: str | None) -> bool:
            return end is None or first_day(end) > first_day(start)

        return {
            "versions": sorted(tuple(v.values()) for v in self.versions
                               if held(v["valid_from"], v["valid_to"])),
            "tenures": sorted(tuple(t.values()) for t in self.tenures
                              if held(t["since"], t["end"])),
            "lives": sorted((u, *life.values()) for u, life in self.lives.items()),
            "links": sorted(self.links),
            "aliases": sorted(self.given),
        }


def replay(events: Sequence[Event], day: date, known: date | None = None) -> tuple[Units, Roles]:
    """The units and roles on `day`, as known at the end of day `known`.

    Raises Invalid for the first event (up to `day`) that breaks a rule.
    """
    world = World()
    for e in in_effective_order(counted(events, known)):
        if first_day(e["date"]) > day:
            break
        apply(world, e)
    return world.units, world.roles


def days(events: Sequence[Event], known: date | None = None) -> Iterator[tuple[date, World]]:
    """Each effective day of the events counted at `known`, with the state at its end.

    The same World is yielded each time, changed in place: copy what you keep.
    Raises Invalid like `replay`.
    """
    world = World()
    order = in_effective_order(counted(events, known))
    for i, e in enumerate(order):
        apply(world, e)
        if i + 1 == len(order) or first_day(order[i + 1]["date"]) > first_day(e["date"]):
            yield first_day(e["date"]), world


def check(events: Sequence[Event]) -> None:
    """Raise Invalid unless the whole history is valid.

    First the rules of `retract` and `annotate`, then every knowledge state: the
    latest, then each earlier recorded day from the newest down (the order the
    engine reports them in, so both name the same first failure).
    """
    by_id = {e["id"]: e for e in events}
    retracted_by: dict[str, str] = {}
    for e in events:
        if e["type"] == "annotate":
            target = by_id.get(e["event"])
            if target is None:
                raise Invalid(e["id"], "annotates an event that is not recorded")
            if target["type"] in UNDATED:
                raise Invalid(e["id"], "annotates a retraction or an annotation")
            if e["event"] in retracted_by:
                raise Invalid(e["id"], "annotates an event already retracted")
            if first_day(e["recorded"]) < first_day(target["recorded"]):
                raise Invalid(e["id"], "is recorded before the event it annotates")
            continue
        if e["type"] != "retract":
            continue
        target = by_id.get(e["event"])
        if target is None:
            raise Invalid(e["id"], "retracts an event that is not recorded")
        if target["type"] == "retract":
            raise Invalid(e["id"], "retracts a retraction")
        if e["event"] in retracted_by:
            raise Invalid(e["id"], "retracts an event already retracted")
        if first_day(e["recorded"]) < first_day(target["recorded"]):
            raise Invalid(e["id"], "is recorded before the event it retracts")
        retracted_by[e["event"]] = e["id"]
    recorded = sorted({first_day(e["recorded"]) for e in events})
    for known in [None, *reversed(recorded[:-1])]:
        world = World()
        for e in in_effective_order(counted(events, known)):
            try:
                apply(world, e)
            except Invalid as bad:
                raise Invalid(bad.event, bad.rule, known) from None


def used(events: Sequence[Event]) -> list[str]:
    """Every unit id the (valid) history begins, whether alive, ended or still to come."""
    world = World()
    for e in in_effective_order(counted(events)):
        apply(world, e)
    return sorted(world.used)


def valid(events: Sequence[Event]) -> bool:
    try:
        check(events)
    except Invalid:
        return False
    return True


# -- the rules, one event at a time -------------------------------------------------------


def children(units: Units, unit: str) -> list[str]:
    return sorted(u for u, v in units.items() if v["parent"] == unit)


def within(units: Units, unit: str | None, top: str) -> bool:
    """`unit` is `top` or sits somewhere under it (a valid state has no cycles)."""
    while unit is not None:
        if unit == top:
            return True
        unit = units[unit]["parent"] if unit in units else None
    return False


def apply(world: World, e: Event) -> None:
    """Check `e` against the state on its date and apply it; raise Invalid if it breaks a rule."""

    def rule(ok: bool, text: str) -> None:
        if not ok:
            raise Invalid(e["id"], text)

    units, roles, t, d = world.units, world.roles, e["type"], str(e["date"])

    def alive(unit: Any) -> None:
        rule(unit in units, f"unit {unit} does not exist on {d}")

    def new_id(unit: str) -> None:
        rule(unit not in world.used, f"unit id {unit} was used before")
        rule(world.aliases.get(unit, unit) == unit, f"unit id {unit} is another unit's alias")

    if t == "establish":
        new_id(e["unit"])
        if e.get("parent") is not None:
            alive(e["parent"])
        _begin(world, e, e.get("parent"), e, "establish")
        _aliases(world, e["unit"], e, e, rule)
    elif t == "rename":
        alive(e["unit"])
        rule(any(e.get(f) is not None for f in ("name", "name_en", "kind", "order"))
             or bool(e.get("aliases")), "renames nothing")
        _change(world, e["unit"], e, **{f: e[f] for f in ("name", "name_en", "kind", "order")
                                        if e.get(f) is not None})
        _aliases(world, e["unit"], e, e, rule)
    elif t == "move":
        alive(e["unit"])
        if e["parent"] is not None:
            alive(e["parent"])
            rule(not within(units, e["parent"], e["unit"]), "moves a unit under itself")
        _change(world, e["unit"], e, parent=e["parent"],
                **({"order": e["order"]} if e.get("order") is not None else {}))
    elif t == "split":
        _split(world, e, rule, alive, new_id)
        for part in e["into"]:  # once every part has begun
            _aliases(world, part["unit"], part, e, rule)
    elif t == "merge":
        _merge(world, e, rule, alive, new_id)
        if not isinstance(e["into"], str):
            _aliases(world, e["into"]["unit"], e["into"], e, rule)
    elif t == "dissolve":
        unit, to = e["unit"], e.get("children_to")
        alive(unit)
        rule(to is not None or not children(units, unit), "leaves its children without a parent")
        if to is not None:
            alive(to)
            rule(not within(units, to, unit), "sends its children under itself")
        for k in children(units, unit):
            _change(world, k, e, parent=to)
        _end(world, unit, e, "dissolve")
    elif t == "transfer":  # a function moves; both units continue, `units` move under `to`
        source, target, moving = e["from"], e["to"], list(e.get("units") or [])
        alive(source)
        alive(target)
        rule(source != target, "transfers to the same unit")
        rule(len(set(moving)) == len(moving), "lists a unit twice")
        for unit in moving:
            rule(unit in children(units, source), "moves a unit that is not a child of `from`")
            rule(not within(units, target, unit), "moves a unit under itself")
        world.links.append((source, target, "transfer", e["id"], str(e["date"])))
        for unit in moving:
            _change(world, unit, e, parent=target)
    elif t == "appoint":
        alive(e["unit"])
        role = e.get("role", "head")
        rule(roles.get((e["unit"], role), {}).get("person") != e["person"],
             "appoints who already holds it")
        if (e["unit"], role) in roles:
            _step_down(world, e["unit"], role, e)
        roles[(e["unit"], role)] = tenure = {
            "unit": e["unit"], "role": role, "person": e["person"], "title": e.get("title"),
            "since": d, "start_event": e["id"], "end": None, "end_event": None}
        world.tenures.append(tenure)
    elif t == "step_down":
        alive(e["unit"])
        role = e.get("role")
        if role is None:
            held = [r for (u, r), v in roles.items()
                    if u == e["unit"] and v["person"] == e["person"]]
            rule(len(held) == 1, "steps down from no role, or from one of several unnamed")
            role = held[0]
        rule(roles.get((e["unit"], role), {}).get("person") == e["person"],
             "steps down from a role the person does not hold")
        _step_down(world, e["unit"], role, e)
    else:
        raise AssertionError(f"unknown event type {t!r}")


def _aliases(world: World, unit: str, spec: Mapping[str, Any], e: Event, rule: Any) -> None:
    """The aliases `spec` (an event, or a new unit in one) gives `unit`: never another unit's
    id or alias, whatever their dates, in any case; and none twice in one list (the file
    format's rule: its JSON Schema's `uniqueItems`, exact text)."""
    aliases = spec.get("aliases") or []
    rule(len(set(aliases)) == len(aliases), "an alias given twice")
    for alias in aliases:
        key = alias.casefold()
        rule(key == unit or key not in world.used, f"alias {alias} is another unit's id")
        rule(world.aliases.get(key, unit) == unit, f"alias {alias} is another unit's alias")
        world.aliases[key] = unit
        world.given.append((unit, alias, e["id"], str(e["date"])))


def _split(world: World, e: Event, rule: Any, alive: Any, new_id: Any) -> None:
    units, source, keep = world.units, e["unit"], e.get("keep", False)
    parts = list(e["into"])
    ids = [p["unit"] for p in parts]
    mapping = dict(e.get("children") or {})
    alive(source)
    rule(len(parts) >= 2 or (keep and len(parts) == 1), "has too few parts")
    rule(len(set(ids)) == len(ids) and source not in ids, "names a part twice")
    kids = children(units, source)
    for p in parts:
        new_id(p["unit"])
        parent = p.get("parent")
        if parent in ids:  # under another part: that part must come first
            rule(ids.index(parent) < ids.index(p["unit"]), "puts a part under a later part")
        elif parent is not None:
            alive(parent)
            rule(keep or not within(units, parent, source), "puts a part under the ending unit")
            rule(not any(within(units, parent, c) for c in mapping),
                 "puts a part under a unit that moves under a part")
    rule(all(c in kids for c in mapping), "maps a unit that is not a child")
    rule(all(p in ids for p in mapping.values()), "maps a child to a unit that is not a part")
    rule(keep or all(k in mapping for k in kids), "leaves a child unmapped")
    for p in parts:
        parent = p.get("parent")
        _begin(world, p, parent if parent is not None else units[source]["parent"], e, "split")
        world.links.append((source, p["unit"], "split", e["id"], str(e["date"])))
    for child, part in mapping.items():
        _change(world, child, e, parent=part)
    if not keep:
        _end(world, source, e, "split")


def _merge(world: World, e: Event, rule: Any, alive: Any, new_id: Any) -> None:
    units, ending, into = world.units, list(e["units"]), e["into"]
    rule(len(ending) >= 1, "merges no unit")
    rule(len(set(ending)) == len(ending), "lists a unit twice")
    for u in ending:
        alive(u)

    def inside(unit: str | None) -> bool:
        return any(within(units, unit, u) for u in ending)

    if isinstance(into, str):
        target = into
        rule(target not in ending, "merges a unit into itself")
        alive(target)
        rule(not inside(target), "merges into a unit under a merging unit")
    else:
        target = into["unit"]
        new_id(target)
        parent = into.get("parent")
        if parent is not None:
            alive(parent)
            rule(not inside(parent), "puts the new unit under a merging unit")
        else:  # the first listed unit's parent, or the nearest ancestor that lives on
            parent = units[ending[0]]["parent"]
            while inside(parent):
                parent = units[parent]["parent"]
        _begin(world, into, parent, e, "merge")
    for u in ending:
        world.links.append((u, target, "merge", e["id"], str(e["date"])))
    for uid, v in list(units.items()):
        if v["parent"] in ending and uid not in ending:
            _change(world, uid, e, parent=target)
    for u in ending:
        _end(world, u, e, "merge")


def _begin(world: World, spec: Mapping[str, Any], parent: str | None, e: Event,
           how: str) -> None:
    unit, since = spec["unit"], str(e["date"])
    world.units[unit] = {"name": spec["name"], "name_en": spec.get("name_en"),
                         "kind": spec.get("kind"), "parent": parent, "since": since,
                         # the display order: only `establish` gives one to a new unit
                         "order": spec.get("order") if how == "establish" else None}
    world.used.add(unit)
    world.lives[unit] = {"began": since, "began_event": e["id"], "began_how": how,
                         "ended": None, "ended_event": None, "ended_how": None}
    _open_version(world, unit, e)


def _change(world: World, unit: str, e: Event, **changes: Any) -> None:
    """A unit's name, English name or parent change: a new version from the event's date."""
    world.units[unit].update(changes)
    world.current[unit]["valid_to"] = _day(e)
    _open_version(world, unit, e)


def _open_version(world: World, unit: str, e: Event) -> None:
    u = world.units[unit]
    world.current[unit] = version = {
        "unit": unit, "valid_from": _day(e), "valid_to": None, "name": u["name"],
        "name_en": u["name_en"], "kind": u["kind"], "parent": u["parent"], "event": e["id"]}
    world.versions.append(version)


def _day(e: Event) -> str:
    """A version's bounds are days (`YYYY-MM-DD`), whatever the precision of the date."""
    return first_day(e["date"]).isoformat()


def _step_down(world: World, unit: str, role: str, e: Event) -> None:
    tenure = world.roles.pop((unit, role))
    tenure.update(end=str(e["date"]), end_event=e["id"])


def _end(world: World, unit: str, e: Event, how: str) -> None:
    """The unit ends, and every role in it."""
    del world.units[unit]
    world.current.pop(unit)["valid_to"] = _day(e)
    for key in [k for k in world.roles if k[0] == unit]:
        _step_down(world, unit, key[1], e)
    world.lives[unit].update(ended=str(e["date"]), ended_event=e["id"], ended_how=how)


# -- the chart -----------------------------------------------------------------------------


def chart(events: Sequence[Event], people: Mapping[str, Mapping[str, Any]], day: date,
          known: date | None = None) -> list[dict[str, Any]]:
    """The `units` list of `at --format json` on `day`, as known at `known`."""
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
        # a unit's display order only when it has one, as the chart's unit dicts carry it
        shown = {k: v for k, v in units[uid].items() if k != "order" or v is not None}
        out.append({"id": uid, **shown, "leaders": leaders})
        for k in kids.get(uid, []):
            walk(k)

    for top in kids.get(None, []):
        walk(top)
    # a valid history's units form a forest: every unit is reached exactly once
    assert sorted(u["id"] for u in out) == sorted(units), "the reference chart is not a forest"
    return out
