"""The rules engine against the reference replay, on valid and invalid events alike.

A history grows one append at a time. Each append is drawn at any effective
date (before, between or after the events so far) and recorded on the current
day or late (an earlier recorded day, which changes past knowledge states);
about half are spoiled on purpose to break one rule (a move under the unit's
own descendant, a split part under a unit that moves under a part, a merge's
new unit placed inside a merging unit, an unknown or ended unit, ...), and
retractions target any event, some twice or before it was recorded; annotations
too (a retraction, an annotation, a retracted event: all refused).
`tests/reference.py` decides on its own whether the history with the append
is valid; the engine (`knowledge.check_append`) must agree, and name the same
event and knowledge state when both reject. The append is kept when valid.
Then, in every knowledge state, the engine's intervals (versions, tenures,
lives, lineage links) must equal the reference's, and `check_states` (the
load into an empty store) must agree too.

This runs on event values, without a store: fast enough for long histories
and for mutation testing (`make mutate`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orgchart.domain.dates import EffDate
from orgchart.domain.facts import FACT_TYPES, Fact
from orgchart.domain.knowledge import (
    Breach,
    annotations_at,
    check_append,
    check_states,
    known_at,
)
from orgchart.domain.rules import Seed, Timeline, alias_key, replay
from tests import reference
from tests.conftest import examples, unshrunk
from tests.reference import first_day
from tests.spoil import GHOST, spoil
from tests.unit.test_properties_stateful import (
    KINDS_OF_EVENT,
    START,
    Draw,
    EventDict,
    date_text,
    draw_date,
    propose,
)

FIRST_RECORDED = date(2020, 1, 1)
# the kinds of event, reorganisations (with the most rules) more often
KINDS = (*KINDS_OF_EVENT, "split", "merge", "move", "split", "merge")


def to_fact(e: EventDict, seq: int) -> Fact:
    """The engine's event value for a reference event (a dict in file form)."""
    date_ = EffDate.parse(e["date"]) if "date" in e else None
    return FACT_TYPES[e["type"]].from_file(e, id=e["id"], date=date_, recorded=e["recorded"],
                                           seq=seq)


def intervals(tl: Timeline) -> dict[str, list[tuple[Any, ...]]]:
    """The engine's timeline in the reference's form (`reference.World.intervals`)."""

    def text(d: Any) -> str | None:
        return None if d is None else str(d)

    return {
        "versions": sorted((v.unit, v.valid_from.isoformat(), text(v.valid_to), v.name,
                            v.name_en, v.kind, v.parent, v.event) for v in tl.versions),
        "tenures": sorted((t.unit, t.role, t.person, t.title, str(t.start), t.start_event,
                           text(t.end), t.end_event) for t in tl.tenures),
        "lives": sorted((x.unit if x.unit == u else f"{x.unit} as {u}", str(x.began),
                         x.began_event, x.began_how, text(x.ended), x.ended_event, x.ended_how)
                        for u, x in tl.lives.items()),
        "links": sorted((k.source, k.target, k.how, k.event, str(k.date)) for k in tl.links),
        "aliases": sorted((a.unit, a.alias, a.event, str(a.date)) for a in tl.aliases),
    }


def seed_from(facts: list[Fact], d0: date) -> Seed:
    """The state at the end of the day before `d0`, as `readmodel.incremental` loads it
    from the query tables."""
    before = replay([f for f in facts if f.day < d0])
    versions = [replace(v) for v in before.versions if v.valid_to is None]
    alive = {v.unit for v in versions}
    return Seed(versions, [replace(before.lives[u]) for u in sorted(alive)],
                [replace(t) for t in before.tenures if t.end is None],
                lambda u: u in before.lives, before.lives.get,
                {alias_key(a.alias): a.unit for a in before.aliases}.get)


def failing(breach: Breach) -> tuple[str, date | None]:
    """The event whose rule broke (a stored one, or the new one to blame) and the state."""
    return (breach.broken or breach.culprit).id, breach.state


class Story:
    """A valid history (reference events in append order) and its engine event values."""

    def __init__(self) -> None:
        self.events: list[EventDict] = []
        self.facts: list[Fact] = []
        self.today = FIRST_RECORDED
        self.counter = 0
        # the last rejected append, and how many events the history held then
        self.rejected: tuple[list[EventDict], int] | None = None

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def effective_days(self) -> list[date]:
        return sorted({first_day(e["date"]) for e in self.events if "date" in e})

    # -- drawing an append ----------------------------------------------------------------

    def draw_day(self, draw: Draw[Any]) -> str:
        """Any effective date: one already used, the day next to one, or anywhere."""
        days = self.effective_days()
        newest = max(days, default=START)
        where = draw(st.sampled_from(["used", "next to", "anywhere", "latest", "latest"]))
        if where == "used" and days:
            return date_text(draw(st.sampled_from(days)), "day")
        if where == "next to" and days:
            near: date = draw(st.sampled_from(days))
            return (near + timedelta(days=draw(st.sampled_from([-1, 1])))).isoformat()
        if where == "latest":
            return draw_date(draw, newest, newest + timedelta(days=200), newest)
        oldest = min(days, default=START)
        return draw_date(draw, oldest - timedelta(days=400), newest + timedelta(days=200), None)

    def draw_recorded(self, draw: Draw[Any]) -> str:
        """Today (the clock moves on now and then), or an earlier day: old news recorded late.

        A day, or a moment of it (what `orgchart retract` records).
        """
        how = draw(st.integers(0, 9))
        self.today += timedelta(days={6: 1, 7: 1, 8: 20}.get(how, 0))
        day = self.today
        if how == 9:
            day = FIRST_RECORDED + timedelta(days=draw(st.integers(0, (day - FIRST_RECORDED).days)))
        return day.isoformat() if how % 2 else f"{day.isoformat()}T12:30:00Z"

    def draw_append(self, draw: Draw[Any]) -> list[EventDict]:
        """One or two events to append, valid or not."""
        if self.events and draw(st.integers(0, 7)) == 0:
            return [self.draw_retraction(draw)]
        if self.events and draw(st.integers(0, 9)) == 0:
            return [self.draw_annotation(draw)]
        day = self.draw_day(draw)
        units, roles = reference.replay(self.events, first_day(day))
        ev = propose(draw(st.sampled_from(KINDS)), units, roles, draw, self.fresh) or \
            propose("establish", units, roles, draw, self.fresh)
        assert ev is not None  # establish is always possible
        if draw(st.integers(0, 2)) == 0:
            ev = spoil(ev, units, roles, reference.used(self.events), draw, self.fresh)
            event(f"spoiled {ev['type']}")
        ev = {**ev, "id": self.fresh("e"), "date": day, "recorded": self.draw_recorded(draw)}
        if draw(st.integers(0, 9)) == 0:  # retracted in the same append
            return [ev, {"type": "retract", "id": self.fresh("r"), "event": ev["id"],
                         "reason": "wrong", "recorded": ev["recorded"]}]
        return [ev]

    def draw_retraction(self, draw: Draw[Any]) -> EventDict:
        counted = [e["id"] for e in reference.counted(self.events)]
        anything = [e["id"] for e in self.events]
        target = draw(st.sampled_from(counted or anything)) if draw(st.integers(0, 3)) else \
            draw(st.sampled_from([*anything, GHOST]))
        recorded = self.draw_recorded(draw)
        found = [e for e in self.events if e["id"] == target]
        if found and draw(st.booleans()):  # on the target's recorded day, or the day before
            day = first_day(found[0]["recorded"]) - timedelta(days=draw(st.integers(0, 1)))
            recorded = max(day, FIRST_RECORDED).isoformat()
        event("retraction")
        return {"type": "retract", "id": self.fresh("r"), "event": target, "reason": "wrong",
                "recorded": recorded}

    def draw_annotation(self, draw: Draw[Any]) -> EventDict:
        """An annotation of a counted event mostly; else of anything (a retraction, an
        annotation, a retracted event, an unknown id), or recorded before its target."""
        counted = [e["id"] for e in reference.counted(self.events)]
        anything = [e["id"] for e in self.events]
        target = draw(st.sampled_from(counted or anything)) if draw(st.integers(0, 3)) else \
            draw(st.sampled_from([*anything, GHOST]))
        recorded = self.draw_recorded(draw)
        found = [e for e in self.events if e["id"] == target]
        if found and draw(st.integers(0, 3)) == 0:  # on the target's day, or the day before
            day = first_day(found[0]["recorded"]) - timedelta(days=draw(st.integers(0, 1)))
            recorded = max(day, FIRST_RECORDED).isoformat()
        event("annotation")
        return {"type": "annotate", "id": self.fresh("a"), "event": target, "note": "more",
                "recorded": recorded}

    # -- the property ---------------------------------------------------------------------

    def append(self, new: list[EventDict]) -> None:
        """Engine and reference agree on `new`; it is kept when valid."""
        try:
            reference.check([*self.events, *new])
            expected = None
        except reference.Invalid as bad:
            expected = (bad.event, bad.state)
        n = len(self.facts)
        new_facts = [to_fact(e, n + i + 1) for i, e in enumerate(new)]
        breach = check_append(self.facts, new_facts)
        got = None if breach is None else failing(breach)
        assert got == expected, (
            f"engine {'accepts' if got is None else f'rejects ({breach})'}, reference "
            f"{'accepts' if expected is None else f'rejects {expected}'}:\n{new}\n"
            f"after {self.events}")
        if expected is None:
            self.events += new
            self.facts += new_facts
            event("accepted")
        else:
            self.rejected = (new, len(self.events))
            event("rejected")

    def compare(self) -> None:
        """In every knowledge state, the engine's intervals equal the reference's."""
        recorded = sorted({first_day(e["recorded"]) for e in self.events})
        for known in [None, recorded[0] - timedelta(days=1), *recorded]:
            world = reference.World()
            for e in reference.in_effective_order(reference.counted(self.events, known)):
                reference.apply(world, e)
            got = intervals(replay(known_at(self.facts, known)))
            assert got == world.intervals(), f"known at {known}:\n{self.events}"
            notes = {t: [a.id for a in found]
                     for t, found in annotations_at(self.facts, known).items()}
            assert notes == reference.annotated(self.events, known), f"known at {known}"

    def compare_seeded(self) -> None:
        """Replayed from the state of the day before a date (an incremental load), the
        intervals that reach that date are the full replay's."""
        facts = known_at(self.facts, None)
        days = sorted({f.day for f in facts})
        d0 = days[len(days) // 2]
        seeded = replay([f for f in facts if f.day >= d0], seed_from(facts, d0))
        full = replay(facts)
        reach = Timeline(
            lives={u: x for u, x in full.lives.items() if x.ended is None or x.ended.day >= d0},
            versions=[v for v in full.versions if v.valid_to is None or v.valid_to >= d0],
            tenures=[t for t in full.tenures if t.end is None or t.end.day >= d0],
            links=[k for k in full.links if k.date.day >= d0],
            aliases=[a for a in full.aliases if a.date.day >= d0])
        assert intervals(seeded) == intervals(reach), f"seeded from {d0}"

    def compare_whole_loads(self) -> None:
        """`check_states` (a load into an empty store) agrees with the reference too."""
        breach, tl = check_states(self.facts)
        assert breach is None and tl is not None
        assert intervals(tl) == intervals(replay(known_at(self.facts, None)))
        if self.rejected is not None:
            new, n = self.rejected
            facts = [*self.facts[:n], *(to_fact(e, n + i + 1) for i, e in enumerate(new))]
            breach, tl = check_states(facts)
            assert breach is not None and tl is None
            try:
                reference.check([*self.events[:n], *new])
            except reference.Invalid as bad:
                assert failing(breach) == (bad.event, bad.state)
            else:
                raise AssertionError("the reference accepts what it rejected")


@settings(max_examples=examples(50), deadline=None, phases=unshrunk(),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), steps=st.integers(10, 60))
def test_the_engine_accepts_exactly_what_the_reference_accepts(data: st.DataObject,
                                                                steps: int) -> None:
    story = Story()
    for _ in range(steps):
        story.append(story.draw_append(data.draw))
    event(f"history of {len(story.events) // 10 * 10}+ events")
    if story.events:
        story.compare()
        story.compare_whole_loads()
        if reference.counted(story.events):
            story.compare_seeded()
