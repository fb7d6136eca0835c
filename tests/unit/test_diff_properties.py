"""Properties of `diff` over random valid histories (hypothesis).

A small simulator draws a valid history in date order (establish, rename,
move, split, merge, dissolve, appoint, step_down; several events on one day;
month-precision dates), the file lists the days in a random order (effective
order is by date, so only same-day events keep their order), and the file is
loaded through `OrgChartService.load`. Then for random dates a and b:

- applying diff(a, b) to chart(a) gives chart(b);
- diff(a, a) is empty;
- diff(b, a) is diff(a, b) reversed, with the same events;
- every change names causing events, all effective in (min(a, b), max(a, b)],
  of a type that can make that change;
- `--root` keeps exactly the changes of units under the root on either date;
- what the tables say each event in the window (lo, hi] did to each unit is what
  a replay of the whole history says.

The SPEC's `added` entry carries only the new unit's name, so for a unit
added between a and b "chart(b)" is compared on its name; every other unit is
compared on name, English name, parent and leaders.
"""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgchart.adapters.readmodel.changes import KIND_ORDER
from orgchart.adapters.readmodel.explain import Effect, UnitState, window_effects
from orgchart.adapters.readmodel.tables import counted_facts
from orgchart.application.service import OrgChartService
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import Fact
from orgchart.domain.rules import replay

START = date(2000, 1, 1)
PEOPLE = ["p1", "p2", "p3"]
ROLES = ["head", "deputy"]
NAMES = ["N0", "N1", "N2", "N3"]
NAMES_EN = [None, "E0", "E1"]

CAUSES = {
    "added": {"establish", "split", "merge", "dissolve"},
    "removed": {"establish", "split", "merge", "dissolve"},
    "moved": {"move", "split", "merge", "dissolve"},
    "renamed": {"rename"},
    "leader": {"appoint", "step_down"},
}


# -- a simulator of valid histories -----------------------------------------------

@dataclass
class Sim:
    alive: dict[str, str | None] = field(default_factory=dict)  # unit -> parent
    roles: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit, role) -> person
    made: int = 0

    def new_id(self) -> str:
        self.made += 1
        return f"u{self.made}"

    def within(self, unit: str | None, ancestor: str) -> bool:
        while unit is not None:
            if unit == ancestor:
                return True
            unit = self.alive.get(unit)
        return False

    def kids(self, unit: str) -> list[str]:
        return sorted(k for k, p in self.alive.items() if p == unit)

    def end(self, unit: str) -> None:
        del self.alive[unit]
        for key in [k for k in self.roles if k[0] == unit]:
            del self.roles[key]


class Draw:
    """Uniform choices from a seeded generator (hypothesis skews `sampled_from` to the
    first option; a seed it draws keeps the history reproducible)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def __call__(self, choices: list[Any]) -> Any:
        return self.rng.choice(choices)

    def flip(self) -> bool:
        return self.rng.random() < 0.5


def _new_unit(draw: Draw, sim: Sim) -> dict[str, Any]:
    u: dict[str, Any] = {"unit": sim.new_id(), "name": draw(NAMES)}
    en = draw(NAMES_EN)
    if en is not None:
        u["name_en"] = en
    return u


def _event(draw: Draw, sim: Sim) -> dict[str, Any] | None:
    """One valid event on the current state (applied to `sim`), or None if none fits."""
    alive = sorted(sim.alive)
    ops = ["establish"] * (3 if len(alive) < 4 else 1)
    if alive:
        ops += ["rename"] * 2 + ["move"] * 3 + ["appoint"] * 2 + ["split", "merge", "dissolve"]
    if sim.roles:
        ops += ["step_down"] * 2
    op = draw(ops)
    if op == "establish":
        ev = {"type": "establish", **_new_unit(draw, sim)}
        parent = draw([None, *alive])
        if parent is not None:
            ev["parent"] = parent
        sim.alive[ev["unit"]] = parent
        return ev
    unit = draw(alive)
    if op == "rename":
        which = draw(["name", "name_en", "both"])
        ev = {"type": "rename", "unit": unit}
        if which in ("name", "both"):
            ev["name"] = draw(NAMES)
        if which in ("name_en", "both"):
            ev["name_en"] = draw(NAMES_EN[1:])
        return ev
    if op == "move":
        parent = draw([None, *[u for u in alive if not sim.within(u, unit)]])
        sim.alive[unit] = parent
        return {"type": "move", "unit": unit, "parent": parent}
    if op == "split":
        keep = draw.flip()
        parts = [_new_unit(draw, sim) for _ in range(draw.rng.randint(1 if keep else 2, 3))]
        kids = sim.kids(unit)
        if keep:
            kids = [k for k in kids if draw.flip()]
        children = {k: draw(parts)["unit"] for k in kids}
        ev = {"type": "split", "unit": unit, "into": parts}
        if children:
            ev["children"] = children
        if keep:
            ev["keep"] = True
        for p in parts:
            sim.alive[p["unit"]] = sim.alive[unit]
        sim.alive.update(children)
        if not keep:
            sim.end(unit)
        return ev
    if op == "merge":
        units = [unit]
        others = [u for u in alive if u != unit]
        if others and draw.flip():
            units.append(draw(others))
        targets = [u for u in alive if u not in units
                   and not any(sim.within(u, x) for x in units)]
        existing = draw([None, *targets])
        ev = {"type": "merge", "units": units}
        if existing is None:
            new = _new_unit(draw, sim)
            ev["into"] = new
            parent = sim.alive[units[0]]  # or its nearest ancestor that lives on
            while parent is not None and any(sim.within(parent, u) for u in units):
                parent = sim.alive[parent]
            sim.alive[new["unit"]] = parent
            target = new["unit"]
        else:
            ev["into"] = target = existing
        for u in units:
            for k in sim.kids(u):
                if k not in units:
                    sim.alive[k] = target
        for u in units:
            sim.end(u)
        return ev
    if op == "dissolve":
        kids = sim.kids(unit)
        ev = {"type": "dissolve", "unit": unit}
        if kids:
            heirs = [u for u in alive if not sim.within(u, unit)]
            if not heirs:
                return None
            heir = draw(heirs)
            ev["children_to"] = heir
            for k in kids:
                sim.alive[k] = heir
        sim.end(unit)
        return ev
    if op == "appoint":
        role, person = draw(ROLES), draw(PEOPLE)
        if sim.roles.get((unit, role)) == person:
            return None
        sim.roles[(unit, role)] = person
        ev = {"type": "appoint", "unit": unit, "person": person}
        if role != "head" or draw.flip():
            ev["role"] = role
        return ev
    (held_unit, role), person = draw(sorted(sim.roles.items()))
    del sim.roles[(held_unit, role)]
    ev = {"type": "step_down", "unit": held_unit, "person": person}
    mine = [r for (u, r), p in sim.roles.items() if u == held_unit and p == person]
    if mine or draw.flip():
        ev["role"] = role
    return ev


@st.composite
def histories(draw: Any) -> tuple[list[dict[str, Any]], date]:
    """A valid history as file events (days in random order), and its last day."""
    pick = Draw(draw(st.integers(0, 2**32), label="history seed"))
    sim = Sim()
    day = START
    events: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 20), label="events")):
        step = pick(["same", "same", "days", "month"]) if n else "days"
        if step == "days":
            day += timedelta(days=pick([1, 3, 40, 400]))
            when = day.isoformat()
        elif step == "month":
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            when = day.isoformat()[:7]
        else:
            when = events[-1]["date"] if events else day.isoformat()
        ev = _event(pick, sim)
        if ev is not None:
            events.append({"id": f"e{len(events) + 1}", "date": when, **ev})
    days = sorted({EffDate.parse(e["date"]).day for e in events})
    rank = dict(zip(days, pick.rng.sample(range(len(days)), len(days)), strict=True))
    order = sorted(range(len(events)),
                   key=lambda i: (rank[EffDate.parse(events[i]["date"]).day], i))
    return [events[i] for i in order], day


# -- the "apply" helper and friends ------------------------------------------------

Chart = dict[str, dict[str, Any]]


def chart(svc: OrgChartService, d: EffDate) -> Chart:
    return {u["id"]: {"name": u["name"], "name_en": u["name_en"], "parent": u["parent"],
                      "leaders": {x["role"]: x["person"] for x in u["leaders"]}}
            for u in svc.at(d)["units"]}


def apply(before: Chart, changes: list[dict[str, Any]]) -> tuple[Chart, set[str]]:
    """chart(a) patched with diff(a, b); also the ids added (known by name only).

    Each change must fit chart(a): what it says was there before is what was there.
    """
    out = {u: {**x, "leaders": dict(x["leaders"])} for u, x in before.items()}
    added: set[str] = set()
    for c in changes:
        u = c["unit"]
        if c["change"] == "added":
            assert u not in out and c["before"] is None
            out[u] = {"name": c["after"]}
            added.add(u)
        elif c["change"] == "removed":
            assert out[u]["name"] == c["before"] and c["after"] is None
            del out[u]
        elif c["change"] == "moved":
            assert out[u]["parent"] == c["before"]
            out[u]["parent"] = c["after"]
        elif c["change"] == "renamed":
            assert (out[u]["name"], out[u]["name_en"]) == (c["before"], c["before_en"])
            out[u]["name"], out[u]["name_en"] = c["after"], c["after_en"]
        else:
            assert out[u]["leaders"].get(c["role"]) == c["before"]
            if c["after"] is None:
                del out[u]["leaders"][c["role"]]
            else:
                out[u]["leaders"][c["role"]] = c["after"]
    return out, added


def reverse(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flip = {"added": "removed", "removed": "added"}
    out = []
    for c in changes:
        r = {**c, "change": flip.get(c["change"], c["change"]),
             "before": c["after"], "after": c["before"]}
        if c["change"] == "renamed":
            r["before_en"], r["after_en"] = c["after_en"], c["before_en"]
        out.append(r)
    return out


def subtree(c: Chart, root: str) -> set[str]:
    if root not in c:
        return set()
    return {u for u in c if _under(c, u, root)}


def _under(c: Chart, u: str | None, root: str) -> bool:
    while u is not None:
        if u == root:
            return True
        u = c[u]["parent"]
    return False


def order_key(c: dict[str, Any]) -> tuple[Any, ...]:
    role = c.get("role") or ""
    return c["unit"], KIND_ORDER.index(c["change"]), role != "head", role


# -- the properties --------------------------------------------------------------

@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories(), data=st.data())
def test_diff_properties(history: tuple[list[dict[str, Any]], date], data: Any) -> None:
    events, last = history
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.json"
        path.write_text(json.dumps({"format": "orgchart/v1", "recorded": "2026-01-01",
                                    "people": {p: {"name": p.upper()} for p in PEOPLE},
                                    "events": events}), encoding="utf-8")
        svc = OrgChartService(str(Path(tmp) / "store.db"))
        try:
            svc.load([str(path)])
            day_of = {e["id"]: EffDate.parse(e["date"]).day for e in svc.log()}
            type_of = {e["id"]: e["type"] for e in svc.log()}
            near = sorted({d + timedelta(days=k) for d in day_of.values() for k in (-1, 0)})
            rng = random.Random(data.draw(st.integers(0, 2**32), label="date seed"))

            def pick() -> EffDate:
                """A day next to an event (the interesting ones), any day, or a month."""
                how = rng.random()
                if how < 0.7:
                    return EffDate(rng.choice(near))
                if how < 0.85:
                    return EffDate(START + timedelta(days=rng.randint(-5, (last - START).days)))
                return EffDate(rng.choice(near).replace(day=1), "month")

            for _ in range(3):
                _check(svc, pick(), pick(), day_of, type_of, rng)
        finally:
            svc.close()


def replayed_effects(facts: list[Fact]) -> list[Effect]:
    """Every version a replay of `facts` makes, as effects in effective order (then unit)."""
    tl = replay(facts)
    by_id = {f.id: f for f in facts}
    made = sorted([*tl.versions, *tl.transient],
                  key=lambda v: (v.valid_from, by_id[v.event].seq, v.unit))
    current: dict[str, UnitState] = {}
    out = []
    for v in made:
        state = UnitState(v.name, v.name_en, v.kind, v.parent)
        f = by_id[v.event]
        out.append(Effect(f.id, f.TYPE, v.valid_from, f.seq, v.unit, current.get(v.unit), state))
        current[v.unit] = state
    return out


def _check(svc: OrgChartService, a: EffDate, b: EffDate, day_of: dict[str, date],
           type_of: dict[str, str], rng: random.Random) -> None:
    ca, cb = chart(svc, a), chart(svc, b)
    d = svc.diff(a, b)
    assert (d["from"], d["to"], d["known_at"]) == (str(a), str(b), None)
    changes = d["changes"]

    assert svc.diff(a, a)["changes"] == []
    assert svc.diff(b, b)["changes"] == []

    got, added = apply(ca, changes)
    assert set(got) == set(cb)
    for u, x in got.items():
        assert x == ({"name": cb[u]["name"]} if u in added else cb[u]), u

    assert svc.diff(b, a)["changes"] == reverse(changes)

    lo, hi = min(a.day, b.day), max(a.day, b.day)
    for c in changes:
        assert c["events"], c
        assert len(set(c["events"])) == len(c["events"])
        for e in c["events"]:
            assert lo < day_of[e] <= hi, (c, e, day_of[e])
            assert type_of[e] in CAUSES[c["change"]], (c, type_of[e])
        if c["change"] in ("added", "removed"):
            assert len(c["events"]) == 1

    assert changes == sorted(changes, key=order_key)
    seen = {(c["unit"], c["change"], c.get("role")) for c in changes}
    assert len(seen) == len(changes)
    assert all(not ({(u, k, None) for k in ("moved", "renamed")} & seen)
               for u, k, _ in seen if k in ("added", "removed"))

    with svc.query_db() as db:  # the tables agree with a replay from the start
        every = replayed_effects(counted_facts(db, date.min))
        assert window_effects(db, lo + timedelta(days=1), hi) == [
            e for e in every if lo < e.day <= hi]

    roots = sorted(set(ca) | set(cb))
    if roots:
        root = rng.choice(roots)
        inside = subtree(ca, root) | subtree(cb, root)
        assert svc.diff(a, b, root=root)["changes"] == [c for c in changes
                                                        if c["unit"] in inside]
