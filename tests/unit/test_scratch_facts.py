"""A load's scratch table (`ScratchFacts`) gives what the list of its events gives.

A load into an empty store keeps a file's events in a scratch table instead of
a list; its knowledge states are checked from it (`check_history`). Whatever
the history, the result (breach or latest timeline) and the events read back
(in append order, by id, in a state's effective order) equal those of the list
(`check_states`, `ListHistory`), so the restructuring changes no load's result.
"""

from __future__ import annotations

from hypothesis import given, settings

from orgchart.adapters.eventfile.expand import ARRIVING, LEAVING, WRITTEN
from orgchart.adapters.eventfile.scratch import ScratchFacts
from orgchart.domain.facts import Fact, with_seq
from orgchart.domain.knowledge import ListHistory, check_history, check_states
from tests.unit.test_knowledge_states import histories


def _scratch(facts: list[Fact], first: int = 0) -> ScratchFacts:
    scratch = ScratchFacts()
    for i, f in enumerate(facts):
        assert scratch.add(f, WRITTEN, i)
    scratch.finish()
    scratch.position(first)
    return scratch


@settings(max_examples=300, deadline=None)
@given(facts=histories())
def test_scratch_history_checks_as_the_list_does(facts: list[Fact]) -> None:
    facts = [with_seq(f, 5 + i) for i, f in enumerate(facts)]
    scratch = _scratch(facts, 5)
    assert list(scratch) == facts
    assert [f.seq for f in scratch] == [f.seq for f in facts]
    listed = ListHistory(facts)
    assert scratch.recorded_days() == listed.recorded_days()
    for k in [None, *listed.recorded_days()]:
        assert list(scratch.counted(k)) == list(listed.counted(k))
        assert [f.seq for f in scratch.counted(k)] == [f.seq for f in listed.counted(k)]
    days = listed.recorded_days()
    for k, later in zip(days, [*days[1:], None], strict=True):
        got, want = scratch.gained(k, later), listed.gained(k, later)
        assert (None if got is None else sorted(f.id for f in got)) == \
            (None if want is None else sorted(f.id for f in want))
    for f in facts:
        assert scratch.get(f.id) == f
        assert scratch.retracted_on(f.id) == listed.retracted_on(f.id)
    expected = check_states(facts)
    breach, tl = check_history(scratch)
    assert tl == expected[1]
    if expected[0] is None:
        assert breach is None
    else:
        assert breach is not None
        assert (breach.culprit, breach.rule, breach.state, breach.broken) == \
            (expected[0].culprit, expected[0].rule, expected[0].state, expected[0].broken)
    scratch.close()


@given(facts=histories())
@settings(max_examples=50, deadline=None)
def test_scratch_keeps_append_order_across_places(facts: list[Fact]) -> None:
    """Events read in file order but placed before (a tenure's step-down) or after (its
    appointment) the written ones come back in append order, numbered 0, 1, 2, ..."""
    places = [(LEAVING, WRITTEN, ARRIVING)[i % 3] for i in range(len(facts))]
    scratch = ScratchFacts()
    for i, (f, place) in enumerate(zip(facts, places, strict=True)):
        assert scratch.add(f, place, i)
    scratch.finish()
    expected = [f for p in (LEAVING, WRITTEN, ARRIVING)
                for f, q in zip(facts, places, strict=True) if q == p]
    assert [f.id for f in scratch] == [f.id for f in expected]
    assert [f.seq for f in scratch] == list(range(len(facts)))
    if facts:
        assert not scratch.add(facts[0], WRITTEN, 0)  # a duplicate id is refused
    scratch.close()
