"""`plan_step` on small hand-made cases: which events, in which order, with which notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orgchart.application.snapshot.plan import plan_step
from orgchart.application.snapshot.read import SnapshotError, read_snapshot

DAY = "2024-05-01"


def chart(*units: tuple[str, str | None], leaders: dict[str, list[dict[str, Any]]] | None = None,
          **extra: Any) -> list[dict[str, Any]]:
    """A chart: (id, parent) pairs, named `Name <id>`, in the order given (parents first)."""
    return [{"id": u, "name": f"Name {u}", "name_en": extra.get("name_en", {}).get(u),
             "kind": extra.get("kind", {}).get(u), "parent": p, "since": "2020",
             "leaders": (leaders or {}).get(u, [])} for u, p in units]


def snap(tmp_path: Path, text: str, name: str = "s.csv") -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_snapshot(str(path))


def events(step: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in p.event.items() if k not in ("date", "note")} for p in step.events]


def test_first_snapshot_establishes_parents_first(tmp_path: Path) -> None:
    s = snap(tmp_path, "id,name,parent\nc,C,b\nb,B,a\na,A,\n")
    assert events(plan_step(s, [], DAY)) == [
        {"type": "establish", "unit": "a", "name": "A"},
        {"type": "establish", "unit": "b", "name": "B", "parent": "a"},
        {"type": "establish", "unit": "c", "name": "C", "parent": "b"}]


def test_parent_and_child_swap_places(tmp_path: Path) -> None:
    s = snap(tmp_path, "id,name,parent\nb,Name b,\na,Name a,b\n")
    assert events(plan_step(s, chart(("a", None), ("b", "a")), DAY)) == [
        {"type": "move", "unit": "b", "parent": None},
        {"type": "move", "unit": "a", "parent": "b"}]


def test_spread_children_are_not_forced_into_a_split_or_merge(tmp_path: Path) -> None:
    before = chart(("hq", None), ("a", "hq"), ("b", "hq"), ("a1", "a"), ("a2", "a"),
                   ("b1", "b"), ("b2", "b"))
    s = snap(tmp_path, "id,name,parent\nhq,Name hq,\nx,X,hq\ny,Y,hq\na1,Name a1,x\n"
                       "a2,Name a2,y\nb1,Name b1,x\nb2,Name b2,y\n")
    step = plan_step(s, before, DAY)
    assert sorted(e["type"] for e in events(step)) == ["dissolve", "dissolve", "establish",
                                                       "establish", "move", "move", "move",
                                                       "move"]
    assert any("a, b are gone and x, y are new" in n for n in step.notes)


def test_names_kinds_and_english_names(tmp_path: Path) -> None:
    before = chart(("a", None), ("b", "a"), name_en={"a": "A-en", "b": "B-en"},
                   kind={"a": "group", "b": "team"})
    s = snap(tmp_path, "id,name,name_en,kind,parent\na,New A,A-en,group,\n"
                       "b,Name b,,department,a\n")
    step = plan_step(s, before, DAY)
    assert events(step) == [{"type": "rename", "unit": "a", "name": "New A"},
                            {"type": "rename", "unit": "b", "kind": "department"}]
    assert any("b (" in n and "no English name" in n for n in step.notes)


def test_heads_appointed_replaced_and_vacated(tmp_path: Path) -> None:
    def head(person: str, title: str | None = None) -> list[dict[str, Any]]:
        return [{"person": person, "name": person.title(), "name_en": None, "role": "head",
                 "title": title, "since": "2020"}]

    before = chart(("a", None), ("b", "a"), ("c", "a"), ("d", "a"),
                   leaders={"a": head("ann", "CEO"), "b": head("bo"),
                            "c": [*head("cy"), {"person": "dee", "name": "Dee",
                                                "name_en": None, "role": "deputy",
                                                "title": None, "since": "2020"}]})
    people = {"ann": {"name": "Ann"}, "bo": {"name": "Bo"}, "cy": {"name": "Cy"},
              "dee": {"name": "Dee"}, "zhang-kaifu": {"name": "张凯夫"}}
    s = snap(tmp_path, "id,name,parent,head,head_title\na,Name a,,Ann,Chair\n"
                       "b,Name b,a,,\nc,Name c,a,张凯夫,负责人\nd,Name d,a,Eve Ng,\n")
    step = plan_step(s, before, DAY, people)
    assert events(step) == [
        {"type": "step_down", "unit": "a", "person": "ann"},
        {"type": "appoint", "unit": "a", "person": "ann", "title": "Chair"},
        {"type": "step_down", "unit": "b", "person": "bo"},
        {"type": "appoint", "unit": "c", "person": "zhang-kaifu", "title": "负责人"},
        {"type": "appoint", "unit": "d", "person": "eve-ng"}]
    assert step.people == {"eve-ng": {"name": "Eve Ng"}}  # the deputy of c is left alone


def test_a_role_named_twice_is_an_error(tmp_path: Path) -> None:
    s = snap(tmp_path, "id,name,leaders\na,A,head=ann; head=bo\n")
    with pytest.raises(SnapshotError, match=r"s.csv:2: unit 'a' names two people for role"):
        plan_step(s, [], DAY)


def test_split_part_under_another_part(tmp_path: Path) -> None:
    before = chart(("hq", None), ("a", "hq"), ("a1", "a"), ("a2", "a"))
    s = snap(tmp_path, "id,name,parent\nhq,Name hq,\nx,X,hq\ny,Y,x\na1,Name a1,x\n"
                       "a2,Name a2,y\n")
    step = plan_step(s, before, DAY)
    assert events(step) == [{"type": "split", "unit": "a", "into": [
        {"unit": "x", "name": "X"}, {"unit": "y", "name": "Y", "parent": "x"}],
        "children": {"a1": "x", "a2": "y"}}]
    assert step.events[0].comments[0].startswith("split proposed: a (Name a) is gone")


def test_hints_can_be_turned_off(tmp_path: Path) -> None:
    before = chart(("hq", None), ("a", "hq"), ("a1", "a"), ("a2", "a"))
    s = snap(tmp_path, "id,name,parent\nhq,Name hq,\nx,X,hq\ny,Y,hq\na1,Name a1,x\n"
                       "a2,Name a2,y\n")
    assert [e["type"] for e in events(plan_step(s, before, DAY, hints=False))] == [
        "establish", "move", "establish", "move", "dissolve"]
