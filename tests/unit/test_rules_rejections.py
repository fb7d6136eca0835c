"""Every rule of the format, broken once: the engine names the event and the rule, and the
reference replay (`tests/reference.py`) rejects the same event.

The histories are tiny and written out by hand, so each rule (and each sentence a user
reads when it is broken) is checked in milliseconds, without a store.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from orgchart.domain.dates import EffDate
from orgchart.domain.errors import RuleViolation
from orgchart.domain.facts import Fact, Move
from orgchart.domain.knowledge import (
    Breach,
    annotations_at,
    check_append,
    check_states,
    known_at,
    timeline_at,
)
from orgchart.domain.rules import Seed, UnitLife, UnitVersion, replay
from tests import reference
from tests.unit.test_rules_reference import seed_from, to_fact

EventDict = dict[str, Any]
RECORDED = "2026-01-01"


def ev(type_: str, date_: str | None = "2022", **fields: Any) -> EventDict:
    out: EventDict = {"type": type_, **fields, "recorded": fields.pop("recorded", RECORDED)}
    if date_ is not None:
        out["date"] = date_
    return out


#: g ─┬─ a ── a1 ── a11       (ann is head and cto of a, bo its deputy)
#:    └─ b                   x: a root dissolved in 2021; s: split in 2021; m: merged in 2021
BASE: list[EventDict] = [
    ev("establish", "2020", unit="g", name="G"),
    ev("establish", "2020", unit="a", name="A", parent="g"),
    ev("establish", "2020", unit="a1", name="A1", parent="a"),
    ev("establish", "2020", unit="a11", name="A11", parent="a1"),
    ev("establish", "2020", unit="b", name="B", parent="g"),
    ev("establish", "2020", unit="x", name="X"),
    ev("establish", "2020", unit="s", name="S"),
    ev("establish", "2020", unit="m", name="M"),
    ev("appoint", "2020-02", unit="a", person="ann"),
    ev("appoint", "2020-02", unit="a", person="ann", role="cto"),
    ev("appoint", "2020-02", unit="a", person="bo", role="deputy"),
    ev("dissolve", "2021", unit="x"),
    ev("split", "2021", unit="s", into=[{"unit": "s1", "name": "S1"},
                                        {"unit": "s2", "name": "S2"}]),
    ev("merge", "2021", units=["m"], into="g"),
]


def with_ids(events: list[EventDict], prefix: str = "e") -> list[EventDict]:
    return [{**e, "id": e.get("id", f"{prefix}{i}")} for i, e in enumerate(events, 1)]


def facts_of(events: list[EventDict]) -> list[Fact]:
    return [to_fact(e, i) for i, e in enumerate(events, 1)]


def part(unit: str, parent: str | None = None) -> dict[str, str]:
    return {"unit": unit, "name": unit.upper(), **({"parent": parent} if parent else {})}


def split(unit: str, parts: list[dict[str, str]], children: dict[str, str] | None = None,
          keep: bool = False) -> EventDict:
    return ev("split", unit=unit, into=parts, children=children or {}, keep=keep)


RULES: list[tuple[EventDict, str]] = [
    # establish
    (ev("establish", unit="a", name="A again"),
     "unit id 'a' is already used (unit ids are never reused)"),
    (ev("establish", unit="x", name="X again"),
     "unit id 'x' is already used (unit ids are never reused)"),
    (ev("establish", unit="n", name="N", parent="ghost"), "parent 'ghost' does not exist on 2022"),
    (ev("establish", unit="n", name="N", parent="x"),
     "parent 'x' does not exist on 2022 (it ended on 2021, dissolve)"),
    (ev("establish", "2019-12-31", unit="n", name="N", parent="g"),
     "parent 'g' does not exist on 2019-12-31"),
    # rename
    (ev("rename", unit="ghost", name="G"), "unit 'ghost' does not exist on 2022"),
    (ev("rename", unit="s", name="S"), "unit 's' does not exist on 2022 (it ended on 2021, split)"),
    (ev("rename", unit="m", name="M"), "unit 'm' does not exist on 2022 (it ended on 2021, merge)"),
    (ev("rename", unit="a"), "a rename needs `name`, `name_en`, `kind`, `order` or `aliases`"),
    # move
    (ev("move", unit="ghost", parent=None), "unit 'ghost' does not exist on 2022"),
    (ev("move", unit="a", parent="a"), "cannot move unit 'a' under 'a', its own descendant"),
    (ev("move", unit="a", parent="a11"), "cannot move unit 'a' under 'a11', its own descendant"),
    (ev("move", unit="a", parent="x"),
     "parent 'x' does not exist on 2022 (it ended on 2021, dissolve)"),
    # split
    (split("ghost", [part("n1"), part("n2")]), "unit 'ghost' does not exist on 2022"),
    (split("b", [part("n1")]), "a split needs at least two parts (or one with `keep: true`)"),
    (split("b", [], keep=True), "a split needs at least two parts (or one with `keep: true`)"),
    (split("b", [part("n1"), part("n1")]), "part 'n1' is named twice in the split"),
    (split("b", [part("n1"), part("b")]), "part 'b' is named twice in the split"),
    (split("b", [part("n1"), part("a")]),
     "unit id 'a' is already used (unit ids are never reused)"),
    (split("b", [part("n1", "x"), part("n2")]),
     "parent 'x' does not exist on 2022 (it ended on 2021, dissolve)"),
    (split("a", [part("n1", "a11"), part("n2")], {"a1": "n2"}),
     "part 'n1' cannot sit under 'a11': 'a' ends in this split"),
    (split("a", [part("n1", "a"), part("n2")], {"a1": "n2"}),
     "part 'n1' cannot sit under 'a': 'a' ends in this split"),
    # a spin-off (keep) may place a part under its source, but not under a unit that
    # moves under a part: that unit would end up under its own descendant
    (split("a", [part("n1", "a11"), part("n2")], {"a1": "n2"}, keep=True),
     "part 'n1' cannot sit under 'a11', which moves under a part of this split"),
    (split("a", [part("n1", "a1"), part("n2")], {"a1": "n1"}, keep=True),
     "part 'n1' cannot sit under 'a1', which moves under a part of this split"),
    (split("b", [part("n1", "n2"), part("n2")]),
     "part 'n1' sits under part 'n2', which must be listed before it"),
    (split("b", [part("n1", "n1"), part("n2")]),
     "part 'n1' sits under part 'n1', which must be listed before it"),
    (split("a", [part("n1"), part("n2")], {"b": "n1"}, keep=True),
     "'b' is not a child of 'a' on 2022"),
    (split("a", [part("n1"), part("n2")], {"a1": "b"}),
     "child 'a1' is mapped to 'b', which is not a part of this split"),
    (split("a", [part("n1"), part("n2")]),
     "children of 'a' not mapped to a part: a1 (add them under `children`)"),
    (split("g", [part("n1"), part("n2")], {"a": "n1"}),
     "children of 'g' not mapped to a part: b (add them under `children`)"),
    (split("g", [part("n1"), part("n2")]),
     "children of 'g' not mapped to a part: a, b (add them under `children`)"),
    # merge
    (ev("merge", units=[], into="g"), "a merge needs at least one unit in `units`"),
    (ev("merge", units=["a", "b", "a"], into="g"), "a unit is listed twice in `units`"),
    (ev("merge", units=["a", "ghost"], into="g"), "unit 'ghost' does not exist on 2022"),
    (ev("merge", units=["a", "b"], into="b"), "unit 'b' cannot merge into itself"),
    (ev("merge", units=["b"], into="ghost"), "merge target 'ghost' does not exist on 2022"),
    (ev("merge", units=["b"], into="x"),
     "merge target 'x' does not exist on 2022 (it ended on 2021, dissolve)"),
    (ev("merge", units=["b", "a"], into="a11"),
     "merge target 'a11' is a descendant of 'a', which ends in this merge"),
    (ev("merge", units=["b"], into={"unit": "a", "name": "A"}),
     "unit id 'a' is already used (unit ids are never reused)"),
    (ev("merge", units=["b"], into={"unit": "n", "name": "N", "parent": "x"}),
     "parent 'x' does not exist on 2022 (it ended on 2021, dissolve)"),
    (ev("merge", units=["b", "a"], into={"unit": "n", "name": "N", "parent": "a1"}),
     "new unit 'n' cannot sit under 'a1': 'a' ends in this merge"),
    (ev("merge", units=["a"], into={"unit": "n", "name": "N", "parent": "a"}),
     "new unit 'n' cannot sit under 'a': 'a' ends in this merge"),
    # dissolve
    (ev("dissolve", unit="ghost"), "unit 'ghost' does not exist on 2022"),
    (ev("dissolve", unit="a"), "unit 'a' has children on 2022 (a1): `children_to` is required"),
    (ev("dissolve", unit="g"),
     "unit 'g' has children on 2022 (a, b): `children_to` is required"),
    (ev("dissolve", unit="g", children_to="ghost"),
     "children_to unit 'ghost' does not exist on 2022"),
    (ev("dissolve", unit="a", children_to="a11"),
     "children_to 'a11' is 'a' or one of its descendants"),
    (ev("dissolve", unit="a", children_to="a"), "children_to 'a' is 'a' or one of its descendants"),
    # appoint
    (ev("appoint", unit="x", person="ann"),
     "unit 'x' does not exist on 2022 (it ended on 2021, dissolve)"),
    (ev("appoint", unit="a", person="ann"), "'ann' already holds role 'head' in unit 'a' on 2022"),
    (ev("appoint", unit="a", person="bo", role="deputy"),
     "'bo' already holds role 'deputy' in unit 'a' on 2022"),
    # step_down
    (ev("step_down", unit="ghost", person="ann"), "unit 'ghost' does not exist on 2022"),
    (ev("step_down", unit="a", person="bo", role="head"),
     "'bo' does not hold role 'head' in unit 'a' on 2022"),
    (ev("step_down", unit="a", person="ann", role="advisor"),
     "'ann' does not hold role 'advisor' in unit 'a' on 2022"),
    (ev("step_down", unit="b", person="ann"), "'ann' holds no role in unit 'b' on 2022"),
    (ev("step_down", unit="a", person="ann"),
     "'ann' holds several roles in unit 'a' on 2022 (cto, head): name the `role`"),
    (ev("step_down", "2020-01", unit="a", person="bo", role="deputy"),
     "'bo' does not hold role 'deputy' in unit 'a' on 2020-01"),
]


@pytest.mark.parametrize(("new", "rule"), RULES, ids=[r for _, r in RULES])
def test_each_rule_names_the_event_that_breaks_it(new: EventDict, rule: str) -> None:
    events = with_ids([*BASE, {**new, "id": "bad"}])
    with pytest.raises(RuleViolation) as raised:
        replay(facts_of(events))
    assert (raised.value.event_id, raised.value.rule) == ("bad", rule)
    with pytest.raises(reference.Invalid) as invalid:
        reference.check(events)
    assert invalid.value.event == "bad"
    # appended to the valid history, it is the new event to blame, in the latest state
    breach = check_append(facts_of(events[:-1]), facts_of(events)[-1:])
    assert breach is not None
    assert (breach.culprit.id, breach.rule, breach.broken, breach.state) == ("bad", rule, None,
                                                                            None)
    # replayed from the state the query tables hold the day before (an incremental load)
    if reference.first_day(new["date"]) >= SEED_DAY:
        with pytest.raises(RuleViolation) as raised:
            replay(facts_of(events)[-1:], seed_from(facts_of(events[:-1]), SEED_DAY))
        assert (raised.value.event_id, raised.value.rule) == ("bad", rule)


SEED_DAY = date(2022, 1, 1)


VALID: list[tuple[EventDict, dict[str, str | None]]] = [
    # (an event next to a rule, and where units sit on 2022 after it)
    (ev("move", unit="a11", parent="b"), {"a11": "b", "a1": "a"}),
    (ev("move", unit="a", parent=None), {"a": None, "a1": "a"}),
    (split("a", [part("n1", "a"), part("n2")], {"a1": "n2"}, keep=True),
     {"n1": "a", "n2": "g", "a1": "n2", "a": "g"}),
    (split("a", [part("n1", "b"), part("n2", "n1")], {"a1": "n2"}),
     {"n1": "b", "n2": "n1", "a1": "n2", "a11": "a1"}),
    (split("a1", [part("n1")], keep=True), {"n1": "a", "a1": "a", "a11": "a1"}),
    (ev("merge", units=["a1", "b"], into="a"), {"a": "g", "a11": "a"}),
    (ev("merge", units=["a11", "a"], into={"unit": "n", "name": "N"}), {"n": "g", "a1": "n"}),
    (ev("merge", units=["a11", "a1"], into={"unit": "n", "name": "N", "parent": "b"}),
     {"n": "b", "a": "g"}),
    (ev("dissolve", unit="a", children_to="b"), {"a1": "b", "b": "g"}),
    (ev("dissolve", unit="a11", children_to="g"), {"a1": "a"}),
    (ev("dissolve", unit="b"), {"a": "g"}),
]


@pytest.mark.parametrize(("new", "parents"), VALID)
def test_what_the_rules_allow(new: EventDict, parents: dict[str, str | None]) -> None:
    events = with_ids([*BASE, new])
    tl = replay(facts_of(events))
    on = date(2022, 6, 1)
    alive = {v.unit: v.parent for v in tl.versions
             if v.valid_from <= on and (v.valid_to is None or v.valid_to > on)}
    assert {u: alive.get(u, "(gone)") for u in parents} == parents
    units, _ = reference.replay(events, on)
    assert {u: units[u]["parent"] if u in units else "(gone)" for u in parents} == parents


def test_a_unit_left_by_its_children_has_none() -> None:
    # a1 moves away, so a may be dissolved without `children_to`; b's children go to g
    events = with_ids([*BASE, ev("move", "2022", unit="a1", parent="b", id="mv"),
                       ev("dissolve", "2023", unit="a", id="d1"),
                       ev("dissolve", "2024", unit="b", children_to="g", id="d2"),
                       ev("dissolve", "2025", unit="g", id="d3")])
    with pytest.raises(RuleViolation) as raised:
        replay(facts_of(events))
    assert (raised.value.event_id, raised.value.rule) == \
        ("d3", "unit 'g' has children on 2025 (a1): `children_to` is required")
    tl = replay(facts_of(events[:-1]))
    assert sorted((v.unit, str(v.valid_from), v.parent, v.event) for v in tl.versions
                  if v.valid_from >= date(2022, 1, 1)) == [("a1", "2022-01-01", "b", "mv"),
                                                           ("a1", "2024-01-01", "g", "d2")]
    assert reference.valid(events[:-1]) and not reference.valid(events)


def test_a_unit_ended_by_dissolve_split_or_merge_ends_every_role_in_it() -> None:
    for gone in (ev("dissolve", "2023", unit="a", children_to="b"),
                 split("a", [part("n1"), part("n2")], {"a1": "n1"}) | {"date": "2023"},
                 ev("merge", "2023", units=["a"], into="b")):
        tl = replay(facts_of(with_ids([*BASE, {**gone, "id": "end"}])))
        ended = sorted((t.role, t.person, str(t.end), t.end_event) for t in tl.tenures)
        assert ended == [("cto", "ann", "2023", "end"), ("deputy", "bo", "2023", "end"),
                         ("head", "ann", "2023", "end")]
        life = tl.lives["a"]
        assert (str(life.ended), life.ended_event, life.ended_how) == \
            ("2023", "end", gone["type"])


def test_roles_end_by_step_down_and_a_role_held_for_no_day_is_left_out() -> None:
    events = with_ids([*BASE,
                       ev("step_down", "2022", unit="a", person="bo", role="deputy", id="sd1"),
                       ev("appoint", "2023", unit="b", person="dana", role="advisor", id="ap"),
                       ev("step_down", "2023", unit="b", person="dana", id="sd2"),
                       ev("step_down", "2024", unit="a", person="ann", role="cto", id="sd3"),
                       ev("step_down", "2025", unit="a", person="ann", id="sd4"),
                       ev("appoint", "2025-06", unit="a", person="bo", id="ap2"),
                       ev("dissolve", "2026", unit="a", children_to="g", id="end")])
    tl = replay(facts_of(events))
    assert sorted((t.unit, t.role, t.person, str(t.start), str(t.end), t.end_event)
                  for t in tl.tenures) == [
        ("a", "cto", "ann", "2020-02", "2024", "sd3"),
        ("a", "deputy", "bo", "2020-02", "2022", "sd1"),
        ("a", "head", "ann", "2020-02", "2025", "sd4"),
        ("a", "head", "bo", "2025-06", "2026", "end"),
    ]  # dana's advisory role began and ended on one day: it never held
    assert reference.valid(events)


def test_a_succession_ends_the_tenure_before_it() -> None:
    tl = replay(facts_of(with_ids([*BASE, ev("appoint", "2023", unit="a", person="bo",
                                             title="CEO", id="next")])))
    heads = sorted((t.person, t.title, str(t.start), t.start_event, str(t.end), t.end_event)
                   for t in tl.tenures if t.role == "head")
    assert heads == [("ann", None, "2020-02", "e9", "2023", "next"),
                     ("bo", "CEO", "2023", "next", "None", None)]


# -- retractions and knowledge states ---------------------------------------------------------


def test_the_rules_of_retract() -> None:
    base = with_ids([*BASE, ev("retract", None, event="e2x", id="r1", reason="wrong")], "e")
    base[-1]["event"] = "e9"  # retract ann's appointment as head
    stored = facts_of(base)

    def breach(*new: EventDict) -> tuple[str, str] | None:
        b = check_append(stored, [to_fact(e, 100 + i) for i, e in enumerate(new)])
        return None if b is None else (b.culprit.id, b.rule)

    def retract(target: str, rid: str = "r2", recorded: str = RECORDED) -> EventDict:
        return ev("retract", None, id=rid, event=target, reason="wrong", recorded=recorded)

    assert breach(retract("ghost")) == ("r2", "event 'ghost' does not exist")
    assert breach(retract("r1")) == \
        ("r2", "event 'r1' is a retraction; a retraction cannot be retracted")
    assert breach(retract("e9")) == ("r2", "event 'e9' is already retracted by 'r1'")
    assert breach(retract("e10"), retract("e10", "r3")) == \
        ("r3", "event 'e10' is already retracted by 'r2'")
    assert breach(retract("e10", recorded="2025-12-31")) == \
        ("r2", "a retraction cannot be recorded (2025-12-31) before the event it retracts "
               "(2026-01-01)")
    assert breach(retract("e10", recorded="2026-01-01T08:00:00Z")) is None  # the same day
    late = ev("establish", id="n", unit="n", name="N", recorded="2026-02-01")
    assert breach(late, retract("n", recorded="2026-02-01")) is None  # in the same append
    assert breach(retract("x1")) == ("r2", "event 'x1' does not exist")
    for new in ([retract("ghost")], [retract("r1")], [retract("e9")]):
        events = [*base, *new]
        assert not reference.valid(events)
        found, _ = check_states(facts_of(events))
        assert found is not None


def test_the_rules_of_annotate() -> None:
    base = with_ids([*BASE, ev("retract", None, id="r1", event="e9", reason="wrong"),
                     ev("annotate", None, id="a1", event="e10", note="as cto")], "e")
    stored = facts_of(base)

    def breach(*new: EventDict) -> tuple[str, str] | None:
        b = check_append(stored, [to_fact(e, 100 + i) for i, e in enumerate(new)])
        return None if b is None else (b.culprit.id, b.rule)

    def annotate(target: str, aid: str = "a2", recorded: str = RECORDED) -> EventDict:
        return ev("annotate", None, id=aid, event=target, note="more", recorded=recorded)

    def retract(target: str, rid: str = "r2") -> EventDict:
        return ev("retract", None, id=rid, event=target, reason="wrong")

    assert breach(annotate("ghost")) == ("a2", "event 'ghost' does not exist")
    assert breach(annotate("r1")) == \
        ("a2", "event 'r1' is a retraction; a retraction cannot be annotated (its reason "
               "says why)")
    assert breach(annotate("a1")) == \
        ("a2", "event 'a1' is an annotation; annotate the event it annotates ('e10') instead")
    assert breach(annotate("e9")) == \
        ("a2", "event 'e9' is retracted by 'r1'; a retracted event cannot be annotated")
    assert breach(retract("e11"), annotate("e11")) == \
        ("a2", "event 'e11' is retracted by 'r2'; a retracted event cannot be annotated")
    assert breach(annotate("e11"), retract("e11")) is None  # retracted after it: allowed
    assert breach(annotate("e10", recorded="2025-12-31")) == \
        ("a2", "an annotation cannot be recorded (2025-12-31) before the event it annotates "
               "(2026-01-01)")
    assert breach(annotate("e10")) is None  # a second annotation of one event
    late = ev("establish", id="n", unit="n", name="N", recorded="2026-02-01")
    assert breach(late, annotate("n", recorded="2026-02-01")) is None  # in the same append
    assert breach(retract("a1")) is None  # an annotation can be retracted
    assert breach(retract("a1"), annotate("a2x", "a3")) == ("a3", "event 'a2x' does not exist")
    for new in ([annotate("ghost")], [annotate("r1")], [annotate("a1")], [annotate("e9")]):
        events = [*base, *new]
        assert not reference.valid(events)
        found, _ = check_states(facts_of(events))
        assert found is not None


def test_an_annotation_changes_no_chart_and_counts_from_the_day_it_is_recorded() -> None:
    events = with_ids([
        ev("establish", "2020", unit="g", name="G", recorded="2026-01-01"),
        ev("annotate", None, event="e1", note="founded in May", recorded="2026-01-03"),
        ev("annotate", None, event="e1", source="press", recorded="2026-01-04"),
        ev("retract", None, event="e2", reason="wrong", recorded="2026-01-05T09:00:00Z"),
    ])
    facts = facts_of(events)
    assert [f.id for f in known_at(facts, None)] == ["e1"]
    assert replay(known_at(facts, None)) == replay(facts_of(events[:1]))
    state = {k: [a.id for a in annotations_at(facts, date.fromisoformat(k)).get("e1", [])]
             for k in ("2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06")}
    assert state == {"2026-01-02": [], "2026-01-03": ["e2"], "2026-01-04": ["e2", "e3"],
                     "2026-01-05": ["e3"], "2026-01-06": ["e3"]}
    assert [a.id for a in annotations_at(facts, None)["e1"]] == ["e3"]
    assert {k: reference.annotated(events, date.fromisoformat(k)).get("e1", [])
            for k in state} == state


def test_retracting_what_later_events_need_is_rejected_and_blames_the_retraction() -> None:
    stored = facts_of(with_ids(BASE))
    b = check_append(stored, [to_fact(ev("retract", None, id="r", event="e2", reason="no"), 99)])
    assert b is not None
    assert (b.culprit.id, b.broken and b.broken.id, b.state) == ("r", "e3", None)
    assert b.rule == "parent 'a' does not exist on 2020"


def test_a_stored_event_broken_by_new_ones_blames_the_last_new_event_before_it() -> None:
    stored = facts_of(with_ids(BASE))
    early = to_fact(ev("dissolve", "2019", id="d0", unit="g"), 99)  # g does not exist yet
    assert check_append(stored, [early]) == Breach(early, "unit 'g' does not exist on 2019",
                                                   missing_unit="g")
    # a11 dissolved in 2020-03 breaks the stored rename of 2024; of the two new events
    # before it, the later one in effective order is named (it came last in the story)
    stored = facts_of(with_ids([*BASE, ev("rename", "2024", unit="a11", name="late")], "s"))
    kill = to_fact(ev("dissolve", "2020-03", id="kill", unit="a11"), 97)
    other = to_fact(ev("rename", "2023", id="ren", unit="g", name="G2"), 99)
    after = to_fact(ev("rename", "2025", id="after", unit="g", name="G3"), 100)
    b = check_append(stored, [kill, other, after])
    assert b is not None
    assert (b.culprit.id, b.broken and b.broken.id, b.rule) == \
        ("ren", "s15", "unit 'a11' does not exist on 2024 (it ended on 2020-03, dissolve)")


def test_a_retraction_counts_from_the_day_it_is_recorded() -> None:
    events = with_ids([
        ev("establish", "2020", unit="g", name="G", recorded="2026-01-01"),
        ev("establish", "2020", unit="a", name="A", parent="g", recorded="2026-01-03"),
        ev("retract", None, event="e2", reason="wrong", recorded="2026-01-05T09:00:00Z"),
    ])
    facts = facts_of(events)
    state = {k: [f.id for f in known_at(facts, date.fromisoformat(k))]
             for k in ("2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06")}
    assert state == {"2026-01-02": ["e1"], "2026-01-03": ["e1", "e2"],
                     "2026-01-04": ["e1", "e2"], "2026-01-05": ["e1"], "2026-01-06": ["e1"]}
    assert [f.id for f in known_at(facts, None)] == ["e1"]
    for k, ids in state.items():
        assert [e["id"] for e in reference.counted(events, date.fromisoformat(k))] == ids
    assert sorted(timeline_at(facts, date(2026, 1, 5)).lives) == ["g"]
    # the state of the retraction's day must be valid without the retracted event
    needs_a = to_fact(ev("establish", "2021", id="n", unit="n", name="N", parent="a",
                         recorded="2026-01-05"), 9)
    b = check_append(facts, [needs_a])
    assert b is not None and (b.culprit.id, b.state) == ("n", None)
    needs_a_before = to_fact(ev("establish", "2021", id="n", unit="n", name="N", parent="a",
                                recorded="2026-01-04"), 9)
    b = check_append(facts, [needs_a_before])
    assert b is not None and (b.culprit.id, b.state) == ("n", None)
    assert not reference.valid([*events, {**ev("establish", "2021", unit="n", name="N",
                                                parent="a", recorded="2026-01-04"), "id": "n"}])


def test_each_recorded_day_is_a_state_that_must_be_valid_on_its_own() -> None:
    events = with_ids([
        ev("establish", "2020", unit="g", name="G", recorded="2026-01-01"),
        ev("establish", "2020", unit="a", name="A", parent="g", recorded="2026-01-10"),
    ])
    facts = facts_of(events)
    # known on 2026-01-05, a did not exist yet: a child of a recorded then breaks that state
    late = to_fact(ev("establish", "2021", id="c", unit="c", name="C", parent="a",
                      recorded="2026-01-05"), 3)
    b = check_append(facts, [late])
    assert b is not None
    assert (b.culprit.id, b.rule, b.state) == ("c", "parent 'a' does not exist on 2021",
                                               date(2026, 1, 5))
    found, tl = check_states([*facts, late])
    assert found is not None and tl is None and found.state == date(2026, 1, 5)
    with pytest.raises(reference.Invalid) as invalid:
        reference.check([*events, {**ev("establish", "2021", unit="c", name="C", parent="a",
                                        recorded="2026-01-05"), "id": "c"}])
    assert (invalid.value.event, invalid.value.state) == ("c", date(2026, 1, 5))
    # recorded on the same day as a, or later, it is valid
    for day in ("2026-01-10", "2026-01-11"):
        ok = to_fact(ev("establish", "2021", id="c", unit="c", name="C", parent="a",
                        recorded=day), 3)
        assert check_append(facts, [ok]) is None
        assert check_states([*facts, ok])[0] is None
    assert [f.id for f in known_at(facts, date(2026, 1, 10))] == ["e1", "e2"]
    assert [f.id for f in known_at(facts, date(2026, 1, 9))] == ["e1"]


# -- a corrupt state cannot hang the replay ----------------------------------------------------


def cyclic_seed() -> Seed:
    """a under b and b under a (only a corrupt store could hold this), c under a, d a root."""
    day = date(2020, 1, 1)
    where = {"a": "b", "b": "a", "c": "a", "d": None}
    versions = [UnitVersion(u, day, None, u.upper(), None, None, p, "e") for u, p in where.items()]
    lives = [UnitLife(u, EffDate(day), "e", "establish") for u in where]
    return Seed(versions, lives, [], lambda u: u in where, lambda u: None)


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("new", "unit"), [
    (ev("move", unit="d", parent="a"), "a"),
    (ev("dissolve", unit="d", children_to="b"), "b"),
    (ev("merge", units=["d"], into="a"), "a"),
    (ev("merge", units=["a"], into={"unit": "n", "name": "N"}), "a"),
    (ev("merge", units=["c"], into={"unit": "n", "name": "N", "parent": "d"}), "c"),
    (ev("split", unit="d", into=[part("n1", "a"), part("n2")]), "a"),
], ids=["move", "dissolve", "merge", "merge-default-parent", "merge-depth", "split"])
def test_a_cycle_in_the_stored_state_is_an_error_not_an_endless_walk(new: EventDict,
                                                                      unit: str) -> None:
    with pytest.raises(RuleViolation) as raised:
        replay(facts_of([{**new, "id": "x"}]), cyclic_seed())
    assert (raised.value.event_id, raised.value.rule) == (
        "x", f"the parents above unit '{unit}' form a cycle (the stored state is inconsistent)")


def test_a_valid_walk_to_the_top_is_not_taken_for_a_cycle() -> None:
    # a chain as long as the units alive: the walks up it must not stop early
    chain = [ev("establish", "2020", unit="u0", name="U0")]
    chain += [ev("establish", "2020", unit=f"u{i}", name=f"U{i}", parent=f"u{i - 1}")
              for i in range(1, 6)]
    for new, top in ((ev("move", unit="u0", parent="u5"), None),
                     (ev("merge", units=["u5", "u4"], into={"unit": "n", "name": "N"}), "u3"),
                     (ev("merge", units=["u5", "u0"], into={"unit": "n", "name": "N"}), None),
                     (ev("merge", units=["u5", "u0", "u1", "u2", "u3", "u4"],
                         into={"unit": "n", "name": "N"}), None)):
        events = with_ids([*chain, new])
        if new["type"] == "move":
            with pytest.raises(RuleViolation, match="its own descendant"):
                replay(facts_of(events))
            continue
        tl = replay(facts_of(events))
        assert [v.parent for v in tl.versions if v.unit == "n"] == [top]
        assert not [life for life in tl.lives.values() if life.ended is None
                    and life.unit in [*new["units"]]]


def test_a_move_never_makes_a_cycle_whatever_the_append_order() -> None:
    # the move is appended first but dated after the units exist
    facts: list[Fact] = [Move(id="m", date=EffDate.parse("2021"), recorded=RECORDED, unit="a",
                              parent="a11", seq=0),
                         *facts_of(with_ids(BASE[:4]))]
    with pytest.raises(RuleViolation) as raised:
        replay(facts)
    assert raised.value.event_id == "m"


# -- which event and which knowledge state an error names -------------------------------------


def test_a_stored_event_broken_in_an_earlier_state_names_that_state() -> None:
    stored = with_ids([
        ev("establish", "2020", unit="g", name="G"),
        ev("establish", "2020", unit="a", name="A", parent="g"),
        ev("rename", "2024", unit="a", name="A2", id="ren"),
        ev("retract", None, event="ren", reason="wrong", recorded="2026-01-05"),
    ])
    # known on 2026-01-03 the rename still counted, and a dissolved in 2022 breaks it
    new = ev("dissolve", "2022", unit="a", id="gone", recorded="2026-01-03")
    b = check_append(facts_of(stored), [to_fact(new, 9)])
    assert b is not None
    assert (b.culprit.id, b.broken and b.broken.id, b.state, b.rule) == (
        "gone", "ren", date(2026, 1, 3),
        "unit 'a' does not exist on 2024 (it ended on 2022, dissolve)")
    with pytest.raises(reference.Invalid) as invalid:
        reference.check([*stored, new])
    assert (invalid.value.event, invalid.value.state) == ("ren", date(2026, 1, 3))


def test_a_stored_event_broken_by_a_retraction_blames_the_retraction_not_other_events() -> None:
    stored = facts_of(with_ids(BASE))
    later = to_fact(ev("rename", "2030", id="later", unit="g", name="G2"), 98)
    retract = to_fact(ev("retract", None, id="r", event="e2", reason="no"), 99)
    b = check_append(stored, [later, retract])
    assert b is not None
    assert (b.culprit.id, b.broken and b.broken.id) == ("r", "e3")


KNOWN_LATE: list[tuple[str, list[EventDict]]] = [
    # (why the earlier state breaks, the history); recorded 1: 2026-01-01, 2: 2026-01-02
    ("without p2's appointment, p1 is appointed twice in a row", [
        ev("establish", "2020", unit="u", name="U"),
        ev("appoint", "2020", unit="u", person="p1"),
        ev("appoint", "2021", unit="u", person="p2", recorded="2026-01-02"),
        ev("appoint", "2022", unit="u", person="p1")]),
    ("without p2's appointment, p2 steps down from a role not held", [
        ev("establish", "2020", unit="u", name="U"),
        ev("appoint", "2020", unit="u", person="p1"),
        ev("appoint", "2021", unit="u", person="p2", recorded="2026-01-02"),
        ev("step_down", "2022", unit="u", person="p2", role="head")]),
    ("without the second role, p1 steps down from no role", [
        ev("establish", "2020", unit="u", name="U"),
        ev("appoint", "2020", unit="u", person="p1"),
        ev("appoint", "2021", unit="u", person="p1", role="advisor", recorded="2026-01-02"),
        ev("step_down", "2022", unit="u", person="p1", role="head"),
        ev("step_down", "2023", unit="u", person="p1")]),
    ("a dissolve retracted later still counts on day 1", [
        ev("establish", "2020", unit="g", name="G"),
        ev("dissolve", "2021", unit="g", id="d"),
        ev("establish", "2022", unit="a", name="A", parent="g"),
        ev("retract", None, event="d", reason="wrong", recorded="2026-01-02"),
        ev("rename", "2023", unit="g", name="G2", recorded="2026-01-02")]),
]


@pytest.mark.parametrize("events", [h for _, h in KNOWN_LATE], ids=[w for w, _ in KNOWN_LATE])
def test_a_whole_load_checks_each_earlier_state_that_can_break(events: list[EventDict]) -> None:
    events = with_ids(events)
    facts = facts_of(events)
    expected = check_append([], facts)
    assert expected is not None and expected.state == date(2026, 1, 1)
    breach, tl = check_states(facts)
    assert tl is None and breach is not None
    assert (breach.culprit.id, breach.rule, breach.state) == \
        (expected.culprit.id, expected.rule, expected.state)
    assert not reference.valid(events)
    replay(known_at(facts, None))  # the latest state alone is valid


@pytest.mark.timeout(20)
def test_the_diff_walk_under_a_unit_stops_on_a_cycle() -> None:
    from orgchart.adapters.readmodel.changes import subtree

    units: dict[str, Any] = {"a": {"parent": "b"}, "b": {"parent": "a"}, "c": {"parent": None}}
    assert subtree(units, "a") == {"a", "b"}
    assert subtree(units, "c") == {"c"}
