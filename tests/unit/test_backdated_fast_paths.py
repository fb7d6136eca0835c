"""Back-dated and late-reported appends: the fast paths equal a full replay.

A random valid history is written to the query tables; then a few new events,
dated anywhere in it and recorded on any day (before the store's latest
recorded day: a late report), are checked against the tables
(`validation.check_new`, which takes the fast paths) and against every
knowledge state replayed in full (`knowledge.check_append`): the same
accept or reject, the same event to blame, the same rule and the same
knowledge state. When accepted, the tables kept up incrementally
(`incremental.apply_events`) equal tables written from a full replay.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import sqlite_utils
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orgchart.adapters.readmodel import tables
from orgchart.adapters.readmodel.incremental import apply_events
from orgchart.adapters.readmodel.state import StoredState
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import Appoint, Fact, Move, Rename, Retract, StepDown, with_seq
from orgchart.domain.knowledge import Breach, check_append, check_states, known_at
from orgchart.domain.rules import replay
from orgchart.domain.validation import check_new, own_state_only
from tests.unit.test_knowledge_states import PEOPLE, RECORDED, ROLES, START, UNITS, histories


@st.composite
def valid_histories(draw: Any) -> list[Fact]:
    """A history valid in every knowledge state: drawn as `histories()` draws them (units
    sometimes recorded late too), keeping each event only if the history stays valid."""
    drawn = draw(histories())
    facts: list[Fact] = []
    for f in drawn:
        if not isinstance(f, Retract) and draw(st.booleans()):
            f = replace(f, recorded=draw(st.sampled_from(RECORDED)))
        candidate = [*facts, with_seq(f, len(facts) + 1)]
        if check_states(candidate)[0] is None:
            facts = candidate
    return facts


#: Recorded days of new events: the stored ones (late reports) and a later one.
NEW_RECORDED = [*RECORDED, "2026-05-01"]


@st.composite
def new_events(draw: Any, n: int) -> list[Fact]:
    """One to three events that change only their unit's own state (now and then a move,
    which takes the window replay), anywhere in the history, recorded on any day."""
    out: list[Fact] = []
    for i in range(draw(st.integers(1, 3))):
        d = EffDate(START + timedelta(days=draw(st.integers(-2, 34))))
        rec = draw(st.sampled_from(NEW_RECORDED))
        unit = draw(st.sampled_from([*UNITS[:2], *UNITS, "nowhere"]))
        kind = draw(st.sampled_from(["rename", "rename", "appoint", "appoint", "step_down",
                                     "move"]))
        common: dict[str, Any] = {"id": f"n{i}", "seq": n + i + 1, "date": d, "recorded": rec}
        if kind == "rename":
            fields = draw(st.sampled_from([("name",), ("name_en",), ("kind",),
                                           ("name", "kind"), ()]))
            out.append(Rename(unit=unit, **common, **{f: draw(st.sampled_from("ABC"))
                                                      for f in fields}))
        elif kind == "appoint":
            out.append(Appoint(unit=unit, person=draw(st.sampled_from(PEOPLE)),
                               role=draw(st.sampled_from(ROLES)),
                               title=draw(st.sampled_from([None, "CEO"])), **common))
        elif kind == "step_down":
            out.append(StepDown(unit=unit, person=draw(st.sampled_from(PEOPLE)),
                                role=draw(st.sampled_from([None, *ROLES])), **common))
        else:
            out.append(Move(unit=unit, parent=draw(st.sampled_from([None, *UNITS])), **common))
    return out


def stored(facts: list[Fact]) -> sqlite_utils.Database:
    """Query tables written from a full replay of `facts` (their latest state)."""
    db = sqlite_utils.Database(memory=True)
    tables.write_all(db, facts, replay(known_at(facts, None)), {}, {}, None, len(facts))
    return db


def said(b: Breach | None) -> tuple[Any, ...] | None:
    """What a rejection tells the user: the event to blame, the rule, the stored event it
    breaks, the knowledge state, the unit a hint is about."""
    if b is None:
        return None
    return (b.culprit.id, b.rule, b.broken.id if b.broken else None, b.state, b.missing_unit)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), facts=valid_histories())
def test_fast_paths_equal_a_full_replay_in_every_state(data: st.DataObject,
                                                       facts: list[Fact]) -> None:
    new = data.draw(new_events(len(facts)))
    db = stored(facts)
    expected = check_append(facts, new)
    got = check_new(StoredState(db), new)
    event(f"{'own state' if own_state_only(new) else 'window'}: "
          f"{'rejected' if expected else 'accepted'}")
    if min(f.recorded_day for f in new) < max(f.recorded_day for f in facts):
        event("late report")
    assert said(got) == said(expected), f"new: {new}\nafter: {facts}"
    if expected is not None:
        return
    position = len(facts)
    assert apply_events(db, position, new, {}, {}, None, position + len(new))
    assert tables.dump(db) == tables.dump(stored([*facts, *new])), f"new: {new}\nafter: {facts}"
