"""The rules replay on its own: event values in, valid-time intervals out (no I/O)."""

from __future__ import annotations

from datetime import date

import pytest

from orgchart.domain.dates import EffDate
from orgchart.domain.errors import RuleViolation
from orgchart.domain.facts import (
    Establish,
    Fact,
    Merge,
    Move,
    NewUnit,
    Rename,
    Split,
    Transfer,
)
from orgchart.domain.rules import replay


def d(text: str) -> EffDate:
    return EffDate.parse(text)


def est(unit: str, day: str, parent: str | None = None, seq: int = 0) -> Establish:
    return Establish(id=f"e-{unit}", date=d(day), recorded="2026-01-01", unit=unit,
                     name=unit.upper(), parent=parent, seq=seq)


def alive_on(facts: list[Fact], day: str) -> dict[str, str | None]:
    tl = replay(facts)
    on = date.fromisoformat(day)
    return {v.unit: v.parent for v in tl.versions
            if v.valid_from <= on and (v.valid_to is None or v.valid_to > on)}


def test_events_replay_in_effective_order_whatever_the_append_order() -> None:
    facts: list[Fact] = [Move(id="m", date=d("2021"), recorded="2026-01-01", unit="b",
                              parent="a", seq=1), est("b", "2020", seq=2), est("a", "2019", seq=3)]
    assert alive_on(facts, "2020-06-01") == {"a": None, "b": None}
    assert alive_on(facts, "2021-06-01") == {"a": None, "b": "a"}


def test_a_new_merge_target_never_sits_under_a_unit_that_moves_under_it() -> None:
    # u8 sits under p, which sits under u1; merging u8 and u1 moves p under the new
    # unit, so the new unit goes to the nearest ancestor outside both subtrees: r
    facts: list[Fact] = [est("r", "2020"), est("u1", "2020", "r"), est("p", "2020", "u1"),
                         est("u8", "2020", "p"),
                         Merge(id="m", date=d("2021"), recorded="2026-01-01", units=("u8", "u1"),
                               into="u9", new_unit=NewUnit(unit="u9", name="U9"), seq=9)]
    assert alive_on(facts, "2021-06-01") == {"r": None, "u9": "r", "p": "u9"}


def test_split_parts_take_the_source_place_and_its_children() -> None:
    facts: list[Fact] = [est("g", "2020"), est("s", "2020", "g"), est("t", "2020", "s"),
                         Split(id="x", date=d("2022-04"), recorded="2026-01-01", unit="s",
                               into=(NewUnit(unit="a", name="A"), NewUnit(unit="b", name="B")),
                               children=(("t", "b"),), seq=9)]
    tl = replay(facts)
    assert alive_on(facts, "2022-04-01") == {"g": None, "a": "g", "b": "g", "t": "b"}
    assert str(tl.lives["s"].ended) == "2022-04" and tl.lives["s"].ended_how == "split"
    assert [(k.source, k.target, k.how) for k in tl.links] == [("s", "a", "split"),
                                                                ("s", "b", "split")]


def test_the_violation_names_the_event() -> None:
    with pytest.raises(RuleViolation) as e:
        replay([est("a", "2020"), Move(id="bad", date=d("2019"), recorded="2026-01-01",
                                       unit="a", parent=None, seq=5)])
    assert (e.value.event_id, e.value.rule) == ("bad", "unit 'a' does not exist on 2019")


def test_a_transfer_links_two_units_that_both_continue_and_moves_its_units() -> None:
    facts: list[Fact] = [est("g", "2020"), est("a", "2020", "g"), est("b", "2020", "g"),
                         est("t", "2020", "a"),
                         Transfer(id="x", date=d("2021"), recorded="2026-01-01", from_unit="a",
                                  to_unit="b", what="climate", units=("t",), seq=9)]
    tl = replay(facts)
    assert alive_on(facts, "2021-06-01") == {"g": None, "a": "g", "b": "g", "t": "b"}
    assert tl.lives["a"].ended is None and tl.lives["b"].ended is None
    assert [(k.source, k.target, k.how) for k in tl.links] == [("a", "b", "transfer")]


def test_a_transfer_between_a_unit_and_its_own_child_is_allowed() -> None:
    facts: list[Fact] = [est("a", "2020"), est("b", "2020", "a"),
                         Transfer(id="x", date=d("2021"), recorded="2026-01-01", from_unit="a",
                                  to_unit="b", what="licensing", seq=9)]
    assert [k.how for k in replay(facts).links] == ["transfer"]


def test_a_rename_with_kind_changes_the_kind_and_keeps_the_name() -> None:
    facts: list[Fact] = [est("a", "2020"),
                         Rename(id="r", date=d("2021"), recorded="2026-01-01", unit="a",
                                kind="executive agency", seq=9)]
    last = replay(facts).versions[-1]
    assert (last.name, last.kind) == ("A", "executive agency")
