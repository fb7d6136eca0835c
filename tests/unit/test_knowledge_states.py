"""`check_states` (the shortcut for earlier knowledge states) equals replaying every state.

Histories are drawn from a few units, people and roles so that late
renames and appointments often collide with other events on the same role,
step-downs without a role, retractions and moves: the cases where dropping
an event can or cannot break a state. Late establishments, of new ids or of ids
used before, make the states that are replayed together (`rules.UnitIds`, one
index of the unit ids for them all) begin and end different units.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orgchart.domain.dates import EffDate
from orgchart.domain.facts import (
    Appoint,
    Dissolve,
    Establish,
    Fact,
    Move,
    Rename,
    Retract,
    StepDown,
)
from orgchart.domain.knowledge import ListHistory, check_append, check_states, known_at
from orgchart.domain.rules import IntervalOut, replay

UNITS = ["u1", "u2", "u3", "u4"]
LATE = ["u5", "u6"]  # established later, if at all
PEOPLE = ["p1", "p2"]
ROLES = ["head", "advisor"]
RECORDED = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]
START = date(2020, 1, 1)


@st.composite
def histories(draw: Any) -> list[Fact]:
    facts: list[Fact] = []

    def add(cls: type[Fact], **kw: Any) -> Fact:
        f = cls(id=f"e{len(facts) + 1}", seq=len(facts) + 1, **kw)
        facts.append(f)
        return f

    for i, u in enumerate(UNITS):
        parent = draw(st.sampled_from([None, *UNITS[:i]]))
        add(Establish, date=EffDate(START + timedelta(days=i)), recorded=RECORDED[0], unit=u,
            name=u.upper(), parent=parent)
    for _ in range(draw(st.integers(1, 14))):
        d = EffDate(START + timedelta(days=draw(st.integers(0, 30))))
        rec = draw(st.sampled_from(RECORDED))
        kind = draw(st.sampled_from(["rename", "appoint", "appoint", "step_down", "move",
                                     "dissolve", "retract", "establish"]))
        unit = draw(st.sampled_from(UNITS[:2] if kind in ("appoint", "step_down") else UNITS))
        person = draw(st.sampled_from(PEOPLE))
        if kind == "establish":  # a new id, or one used before (an error unless retracted)
            add(Establish, date=d, recorded=rec, unit=draw(st.sampled_from([*UNITS, *LATE])),
                name="N", parent=draw(st.sampled_from([None, *UNITS])))
        elif kind == "rename":
            add(Rename, date=d, recorded=rec, unit=unit, name=draw(st.sampled_from("ABC")))
        elif kind == "appoint":
            add(Appoint, date=d, recorded=rec, unit=unit, person=person,
                role=draw(st.sampled_from(ROLES)))
        elif kind == "step_down":
            add(StepDown, date=d, recorded=rec, unit=unit, person=person,
                role=draw(st.sampled_from([None, *ROLES])))
        elif kind == "move":
            add(Move, date=d, recorded=rec, unit=unit,
                parent=draw(st.sampled_from([None, *UNITS])))
        elif kind == "dissolve":
            add(Dissolve, date=d, recorded=rec, unit=unit,
                children_to=draw(st.sampled_from([None, *UNITS])))
        else:
            targets = [f for f in facts if not isinstance(f, Retract)]
            target = draw(st.sampled_from(targets))
            add(Retract, date=None, recorded=draw(st.sampled_from(
                [r for r in RECORDED if r >= target.recorded] or [target.recorded])),
                event=target.id, reason="wrong")
    return facts


@settings(max_examples=400, deadline=None)
@given(facts=histories())
def test_check_states_equals_replaying_every_state(facts: list[Fact]) -> None:
    expected = check_append([], facts)
    breach, tl = check_states(facts)
    if expected is None:
        assert breach is None
        assert tl == replay(known_at(facts, None))
    else:
        assert breach is not None and tl is None
        assert (breach.culprit.id, breach.rule, breach.state) == \
            (expected.culprit.id, expected.rule, expected.state)
    assert_handed_on_alike(facts)


class HandedOn(ListHistory):
    """A list of events whose latest state's replay hands its intervals on (as a load's
    does): that replay too then keeps only the unit ids (`rules.UnitIds`), with the
    earlier states' replays."""

    @property
    def intervals(self) -> IntervalOut | None:
        return lambda kind, n, item: None


def assert_handed_on_alike(facts: list[Fact]) -> None:
    """`check_states` finds the same breach whether the latest state's replay keeps its
    timeline or hands it on."""
    kept, _ = check_states(facts)
    handed, _ = check_states(HandedOn(facts))
    assert (handed is None) == (kept is None)
    if kept is not None and handed is not None:
        assert (handed.culprit.id, handed.rule, handed.state, handed.missing_unit) == \
            (kept.culprit.id, kept.rule, kept.state, kept.missing_unit)


def test_states_replayed_together_each_have_their_own_unit_ids() -> None:
    """The latest state (u2 never ends: its dissolution is retracted; u5 is begun once)
    and an earlier one (u2 ends, then is renamed; u5 is begun twice) replayed in one pass:
    each state's errors read its own units' ends and ids."""
    def ev(cls: type[Fact], i: int, day: int, rec: str, **kw: Any) -> Fact:
        return cls(id=f"e{i}", seq=i, date=EffDate(START + timedelta(days=day)), recorded=rec,
                   **kw)

    base = [ev(Establish, 1, 0, RECORDED[0], unit="u1", name="U1"),
            ev(Establish, 2, 1, RECORDED[0], unit="u2", name="U2")]
    ended = [*base, ev(Dissolve, 3, 4, RECORDED[0], unit="u2"),
             ev(Rename, 4, 9, RECORDED[1], unit="u2", name="X"),
             Retract(id="e5", seq=5, date=None, recorded=RECORDED[2], event="e3", reason="no")]
    reused = [*base, ev(Establish, 3, 2, RECORDED[0], unit="u5", name="U5"),
              ev(Establish, 4, 3, RECORDED[1], unit="u5", name="U5"),
              Retract(id="e5", seq=5, date=None, recorded=RECORDED[2], event="e3", reason="no")]
    for facts, rule in ((ended, "unit 'u2' does not exist on 2020-01-10 (it ended on "
                                "2020-01-05, dissolve)"),
                        (reused, "unit id 'u5' is already used (unit ids are never reused)")):
        expected = check_append([], facts)
        assert expected is not None and expected.rule == rule
        assert expected.state == date.fromisoformat(RECORDED[1])
        for history in (facts, HandedOn(facts)):
            breach, _ = check_states(history)
            assert breach is not None
            assert (breach.culprit.id, breach.rule, breach.state) == \
                (expected.culprit.id, expected.rule, expected.state)
