"""`lineage` (and `history`) across generations of splits and merges.

The scenario: A splits (2020) into B and C; B merges with X (2024) into a new
unit E; E splits again (2025) into F and G; C spins off H (keep: true); F is
dissolved. A team T travels A → C → X → E → G on the way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Run

SCENARIO = """\
format: orgchart/v1
title: Three generations
recorded: 2026-01-01
sources:
  memo: {title: Internal memo, publisher: Corp, date: 2024-06}
people:
  ann: {name: 安, name_en: Ann}
  bob: {name: Bob}
events:
  - {id: corp, type: establish, date: 2010, unit: corp, name: Corp}
  - {id: a, type: establish, date: 2015-03, unit: a, name: A, name_en: Alpha, parent: corp}
  - {id: x, type: establish, date: 2015-03, unit: x, name: X, parent: corp}
  - {id: t, type: establish, date: 2016, unit: t, name: T, parent: a}
  - {id: ann-a, type: appoint, date: 2016, unit: a, person: ann, title: VP}
  - id: split-a
    type: split
    date: 2020-01-01
    unit: a
    into: [{unit: b, name: B}, {unit: c, name: C}]
    children: {t: c}
  - {id: ren-c, type: rename, date: 2021-05, unit: c, name: C2, name_en: Charlie}
  - {id: mv-t, type: move, date: 2022-02-02, unit: t, parent: x}
  - {id: bob-c, type: appoint, date: 2022-02-02, unit: c, person: bob}
  - {id: ann-c, type: appoint, date: 2023, unit: c, person: ann, title: SVP}
  - {id: merge-e, type: merge, date: 2024-06-01, units: [b, x], into: {unit: e, name: E},
     source: memo}
  - id: split-e
    type: split
    date: 2025-02-01
    unit: e
    into: [{unit: f, name: F}, {unit: g, name: G}]
    children: {t: g}
    source: memo
  - {id: spin-h, type: split, date: 2025-09-01, unit: c, keep: true, into: [{unit: h, name: H}]}
  - {id: diss-f, type: dissolve, date: 2025-10, unit: f}
"""


@pytest.fixture
def gens(run: Run, write: Callable[[str, str], str]) -> Run:
    r = run("load", write("gens.yaml", SCENARIO))
    assert r.exit_code == 0, r.output
    return run


def as_json(run: Run, *args: str) -> Any:
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def edges(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(e["source"], e["target"], e["how"], e["event"]) for e in data["edges"]]


def generations(data: dict[str, Any]) -> dict[str, int]:
    return {n["id"]: n["generation"] for n in data["nodes"]}


def test_ancestry_over_three_generations(gens: Run) -> None:
    g = as_json(gens, "lineage", "g")
    assert generations(g) == {"a": -3, "x": -2, "b": -2, "e": -1, "g": 0}
    assert edges(g) == [("a", "b", "split", "split-a"), ("b", "e", "merge", "merge-e"),
                        ("x", "e", "merge", "merge-e"), ("e", "g", "split", "split-e")]
    assert g["edges"][1]["date"] == "2024-06-01" and g["edges"][1]["sources"] == ["memo"]
    assert g["nodes"][0] == {"id": "a", "name": "A", "name_en": "Alpha", "kind": None,
                             "began": "2015-03", "began_how": "establish",
                             "ended": "2020-01-01", "ended_how": "split", "generation": -3,
                             "names": [{"name": "A", "name_en": "Alpha", "from": "2015-03"}]}
    assert g["unit"] == "g" and g["known_at"] is None


def test_descendants_over_three_generations(gens: Run) -> None:
    a = as_json(gens, "lineage", "a")
    assert generations(a) == {"a": 0, "b": 1, "c": 1, "e": 2, "h": 2, "f": 3, "g": 3}
    assert edges(a) == [("a", "b", "split", "split-a"), ("a", "c", "split", "split-a"),
                        ("b", "e", "merge", "merge-e"), ("e", "f", "split", "split-e"),
                        ("e", "g", "split", "split-e"), ("c", "h", "split", "spin-h")]
    assert "x" not in generations(a)  # a co-parent of E, not a descendant of A
    f = next(n for n in a["nodes"] if n["id"] == "f")
    assert (f["ended"], f["ended_how"]) == ("2025-10", "dissolve")


def test_both_directions_from_the_middle(gens: Run) -> None:
    e = as_json(gens, "lineage", "e")
    assert generations(e) == {"a": -2, "b": -1, "x": -1, "e": 0, "f": 1, "g": 1}
    c = as_json(gens, "lineage", "c")  # renamed C2; kept going after spinning off H
    assert generations(c) == {"a": -1, "c": 0, "h": 1}
    assert next(n for n in c["nodes"] if n["id"] == "c")["name"] == "C2"


def test_a_unit_with_no_lineage(gens: Run) -> None:
    t = as_json(gens, "lineage", "t")
    assert t["nodes"] == [{"id": "t", "name": "T", "name_en": None, "kind": None,
                           "began": "2016", "began_how": "establish", "ended": None,
                           "ended_how": None, "generation": 0,
                           "names": [{"name": "T", "name_en": None, "from": "2016"}]}]
    assert t["edges"] == []


def test_lineage_text(gens: Run) -> None:
    r = gens("lineage", "g")
    assert r.exit_code == 0, r.output
    assert r.output == """\
Lineage of G  [g]

Came from
  2020-01-01  A split into B, C
              split-a
  2024-06-01  B, X merged into new unit E  [Corp, 2024-06]
              merge-e
  2025-02-01  E split into F, G  [Corp, 2024-06]
              split-e

Went on to
  (nothing yet: it still exists)

Units by generation
   -3    A (Alpha)  [a]  2015-03 – 2020-01-01 (split)
   -2    X  [x]  2015-03 – 2024-06-01 (merge)
   -2    B  [b]  2020-01-01 – 2024-06-01 (merge)
   -1    E  [e]  2024-06-01 – 2025-02-01 (split)
    0  ▶ G  [g]  since 2025-02-01

Sources
  [Corp, 2024-06] Internal memo
"""


def test_a_spin_off_merged_back_is_not_a_loop(run: Run,
                                             write: Callable[[str, str], str]) -> None:
    r = run("load", write("loop.yaml", """\
format: orgchart/v1
recorded: 2026-01-01
events:
  - {id: p, type: establish, date: 2020, unit: p, name: P}
  - {id: s, type: split, date: 2021, unit: p, keep: true, into: [{unit: q, name: Q}]}
  - {id: m, type: merge, date: 2022, units: [q], into: p}
"""))
    assert r.exit_code == 0, r.output
    p = as_json(run, "lineage", "p")
    assert generations(p) == {"q": -1, "p": 0}
    assert edges(p) == [("p", "q", "split", "s"), ("q", "p", "merge", "m")]
    h = as_json(run, "history", "p")
    assert [(x["what"], x["event"]) for x in h["story"]] == [
        ("began", "p"), ("spun_off", "s"), ("absorbed", "m")]


def test_history_follows_names_parents_and_leaders(gens: Run) -> None:
    c = as_json(gens, "history", "c")
    assert [(x["what"], x["date"], x["event"]) for x in c["story"]] == [
        ("began", "2020-01-01", "split-a"), ("renamed", "2021-05", "ren-c"),
        ("leader", "2022-02-02", "bob-c"), ("leader", "2023", "ann-c"),
        ("spun_off", "2025-09-01", "spin-h")]
    began, renamed, bob = c["story"][:3]
    assert began["how"] == "split" and began["from"] == ["a"] and began["parent"] == "corp"
    assert (began["name"], renamed["before"], renamed["after"], renamed["after_en"]) == (
        "C", "C", "C2", "Charlie")
    assert (bob["person"], bob["since"], bob["until"], bob["ended_by"]) == (
        "bob", "2022-02-02", "2023", "ann-c")
    t = as_json(gens, "history", "t")
    assert [(x["what"], x.get("before"), x.get("after"), x.get("how")) for x in t["story"]] == [
        ("began", None, None, "establish"), ("moved", "a", "c", "split"),
        ("moved", "c", "x", "move"), ("moved", "x", "e", "merge"), ("moved", "e", "g", "split")]


def test_history_text_of_a_merged_then_split_unit(gens: Run) -> None:
    r = gens("history", "e")
    assert r.exit_code == 0, r.output
    assert r.output == """\
E  [e]
2024-06-01 – 2025-02-01 (split)

2024-06-01  created as E, under Corp, by merging B, X
            merge-e  [Corp, 2024-06]
2025-02-01  split into F, G
            split-e  [Corp, 2024-06]

Sources
  [Corp, 2024-06] Internal memo
"""


def test_diff_across_generations_with_leaders(gens: Run) -> None:
    d = as_json(gens, "diff", "2022", "2023-06", "--root", "c")
    assert d["changes"] == [
        {"change": "leader", "unit": "c", "role": "head", "before": None, "after": "ann",
         "events": ["bob-c", "ann-c"]},
        {"change": "moved", "unit": "t", "before": "c", "after": "x", "events": ["mv-t"]},
    ]
    r = gens("diff", "2022", "2023-06", "--root", "c")
    assert r.output == """\
Three generations — what changed from 2022 to 2023-06, in C2 (Charlie)

Moved
  → T: from C2 to X
      moved 2022-02-02 under X

Leaders
  ◆ C2 (Charlie), head: (vacant) → 安 (Ann)
      Bob appointed head 2022-02-02
      安 (Ann) appointed head (SVP) 2023
"""
    whole = as_json(gens, "diff", "2019-12-31", "2025-12-31")
    t = next(c for c in whole["changes"] if c["unit"] == "t")
    assert t == {"change": "moved", "unit": "t", "before": "a", "after": "g",
                 "events": ["split-a", "mv-t", "merge-e", "split-e"]}
    renamed = as_json(gens, "diff", "2021-04", "2021-05")["changes"]
    assert renamed == [{"change": "renamed", "unit": "c", "before": "C", "after": "C2",
                        "before_en": None, "after_en": "Charlie", "events": ["ren-c"]}]


def test_unknown_unit(gens: Run) -> None:
    for command in ("lineage", "history"):
        r = gens(command, "gg")
        assert r.exit_code == 1
        assert "unknown unit 'gg' (did you mean 'g'?)" in r.output
