"""`check_states` (the shortcut for earlier knowledge states) equals replaying every state.

Histories are drawn from a few units, people and roles so that late
renames and appointments often collide with other events on the same role,
step-downs without a role, retractions and moves: the cases where dropping
an event can or cannot break a state.
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
from orgchart.domain.knowledge import check_append, check_states, known_at
from orgchart.domain.rules import replay

UNITS = ["u1", "u2", "u3", "u4"]
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
                                     "dissolve", "retract"]))
        unit = draw(st.sampled_from(UNITS[:2] if kind in ("appoint", "step_down") else UNITS))
        person = draw(st.sampled_from(PEOPLE))
        if kind == "rename":
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
