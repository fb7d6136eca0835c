"""Notes and sources in plain sight: an event's `note` is a footnote wherever a line rests
on that event (`at`'s tree, `diff`, `history`, the chart's header), the JSON forms list
them under `notes`, and sources that would share a citation label carry their titles."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from tests.conftest import Run

ENERGY = """\
format: orgchart/v1
title: UK energy departments
recorded: 2025-01-10
sources:
  old: {title: The Civil Service Year Book, publisher: HMSO, date: 2001-01-01}
  w-energy: {title: Secretary of State for Energy, publisher: Wikipedia}
  w-decc: {title: Department of Energy and Climate Change, publisher: Wikipedia}
  gov: {title: Machinery of government changes, publisher: GOV.UK, date: 2016-07-14}
people:
  rudd: {name: Amber Rudd}
events:
  - {type: establish, date: 2001, unit: hmg, name: HM Government, source: old}
  - {type: establish, date: 2008-10-03, unit: decc, name: Department of Energy and Climate Change,
     parent: hmg, source: w-decc, note: "Inferred day: the department was announced on 3 October 2008."}
  - {type: establish, date: 2009-06-05, unit: bis, name: "Department for Business, Innovation and Skills",
     parent: hmg, source: gov}
  - {type: appoint, date: 2015-05-11, unit: decc, person: rudd, title: Secretary of State,
     source: w-energy, note: Took office the day after the election result.}
  - {type: establish, date: 2016-07-14, unit: beis,
     name: "Department for Business, Energy and Industrial Strategy", parent: hmg, source: gov}
  - {type: merge, date: 2016-07-14, units: [decc, bis], into: beis, source: [gov, w-decc],
     note: "Announced on 14 July 2016; the day the merger took effect is inferred."}
"""  # noqa: E501

MERGE = "merge-2016-07-14-f132b4d9cd"
DECC = "establish-2008-10-03-e6cc191847"
RUDD = "appoint-2015-05-11-f2f1a1d650"

AT_2015 = """\
UK energy departments — on 2015-06-01

HM Government  [since 2001]
├── Department for Business, Innovation and Skills  [since 2009-06-05]
└── Department of Energy and Climate Change  [since 2008-10-03] [1]
        ◆ head: Amber Rudd, Secretary of State, since 2015-05-11 [2]

Notes
  [1] Inferred day: the department was announced on 3 October 2008.  (establish-2008-10-03-e6cc191847)
  [2] Took office the day after the election result.  (appoint-2015-05-11-f2f1a1d650)
"""  # noqa: E501

DIFF = """\
UK energy departments — what changed from 2015-06-01 to 2016-08-01

Added
  + Department for Business, Energy and Industrial Strategy, under HM Government
      established 2016-07-14 under HM Government  [GOV.UK, 2016-07-14]

Removed
  − Department for Business, Innovation and Skills, was under HM Government
      merged 2016-07-14 into Department for Business, Energy and Industrial Strategy together with Department of Energy and Climate Change  [GOV.UK, 2016-07-14; Wikipedia] [1]
  − Department of Energy and Climate Change, was under HM Government
      merged 2016-07-14 into Department for Business, Energy and Industrial Strategy together with Department for Business, Innovation and Skills  [GOV.UK, 2016-07-14; Wikipedia] [1]

Notes
  [1] Announced on 14 July 2016; the day the merger took effect is inferred.  (merge-2016-07-14-f132b4d9cd)

Sources
  [GOV.UK, 2016-07-14] Machinery of government changes
  [Wikipedia] Department of Energy and Climate Change
"""  # noqa: E501

HISTORY_DECC = """\
Department of Energy and Climate Change  [decc]
2008-10-03 – 2016-07-14 (merge)

2008-10-03  established as Department of Energy and Climate Change, under HM Government
            establish-2008-10-03-e6cc191847  [Wikipedia: Department of Energy and Climate Change] [1]
2015-05-11  head: Amber Rudd, Secretary of State, 2015-05-11 – 2016-07-14
            appoint-2015-05-11-f2f1a1d650  [Wikipedia: Secretary of State for Energy] [2]
2016-07-14  merged into Department for Business, Energy and Industrial Strategy together with Department for Business, Innovation and Skills
            merge-2016-07-14-f132b4d9cd  [GOV.UK, 2016-07-14; Wikipedia: Department of Energy and Climate Change] [3]

Notes
  [1] Inferred day: the department was announced on 3 October 2008.  (establish-2008-10-03-e6cc191847)
  [2] Took office the day after the election result.  (appoint-2015-05-11-f2f1a1d650)
  [3] Announced on 14 July 2016; the day the merger took effect is inferred.  (merge-2016-07-14-f132b4d9cd)

Sources
  [Wikipedia: Department of Energy and Climate Change]
  [Wikipedia: Secretary of State for Energy]
  [GOV.UK, 2016-07-14] Machinery of government changes
"""  # noqa: E501


@pytest.fixture
def energy(run: Run, write: Callable[[str, str], str]) -> Run:
    r = run("load", write("energy.yaml", ENERGY))
    assert r.exit_code == 0, r.output
    return run


def ok(run: Run, *args: str) -> str:
    r = run(*args)
    assert r.exit_code == 0, r.output
    return r.stdout


def test_at_tree_marks_units_and_leaders_with_notes(energy: Run) -> None:
    assert ok(energy, "at", "2015-06-01") == AT_2015
    # nothing shown rests on a noted event: no markers, no Notes
    assert "Notes" not in ok(energy, "at", "2016-08-01")


def test_at_json_lists_the_notes_by_addition(energy: Run) -> None:
    data = json.loads(ok(energy, "at", "2015-06-01", "--format", "json"))
    assert list(data) == ["date", "known_at", "units", "notes"]
    assert data["notes"] == [
        {"event": DECC, "note": "Inferred day: the department was announced on 3 October 2008.",
         "units": ["decc"], "leaders": []},
        {"event": RUDD, "note": "Took office the day after the election result.", "units": [],
         "leaders": [{"unit": "decc", "role": "head", "person": "rudd"}]}]
    assert json.loads(ok(energy, "at", "2016-08-01", "--format", "json"))["notes"] == []


def test_diff_text_marks_each_cause_and_lists_the_notes(energy: Run) -> None:
    assert ok(energy, "diff", "2015-06-01", "2016-08-01") == DIFF


def test_diff_json_lists_the_notes_of_its_events(energy: Run) -> None:
    data = json.loads(ok(energy, "diff", "2015-06-01", "2016-08-01", "--format", "json"))
    assert list(data) == ["from", "to", "known_at", "changes", "annotations", "notes"]
    assert data["notes"] == [{"event": MERGE, "note": "Announced on 14 July 2016; the day "
                                                      "the merger took effect is inferred."}]


def test_history_marks_entries_and_tells_same_publisher_sources_apart(energy: Run) -> None:
    assert ok(energy, "history", "decc") == HISTORY_DECC
    data = json.loads(ok(energy, "history", "decc", "--format", "json"))
    assert [n["event"] for n in data["notes"]] == [DECC, RUDD, MERGE]
    # one Wikipedia page among the sources cited: the short label is enough
    assert "[Wikipedia] Department of Energy and Climate Change" in ok(
        energy, "diff", "2015-06-01", "2016-08-01")


def header(dot: str) -> list[str]:
    """The rows of the chart's header label (its outer table) up to the legend, as text
    (without the blank row that ends it)."""
    label = re.search(r"label=<(<TABLE.*?)>\];", dot, re.S)
    assert label
    rows = re.findall(r"<TR><TD>(.*?)</TD></TR>", label.group(1).split("<TD><TABLE")[0])
    return [text for r in rows if (text := re.sub(r"<[^>]+>", "", r)).strip()]


def legend(dot: str) -> list[str]:
    """The legend's swatches, as text."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(
        r"<TD BGCOLOR=\"[^\"]+\" COLOR=\"[^\"]+\" BORDER=\"1\"[^>]*>(.*?)</TD>", dot)]


def test_chart_header_cites_the_highlighted_changes_first(energy: Run) -> None:
    dot = ok(energy, "render", "2016-08-01", "--since", "2016-07-01", "--format", "dot",
             "-o", "-")
    assert header(dot) == [
        "UK energy departments",
        "as it stood on 2016-08-01 — changes since 2016-07-01 highlighted",
        # the merger's and the new department's sources, then the rest (HMSO is older)
        "Based on: [Wikipedia] Department of Energy and Climate Change",
        "[GOV.UK, 2016-07-14] Machinery of government changes",
        "[HMSO, 2001-01-01] The Civil Service Year Book",
        "Note on Department for Business, Innovation and Skills, Department of Energy and "
        "Climate Change: Announced on 14 July 2016; the day the merger took effect is "
        "inferred."]
    assert legend(dot) == ["added", "ended since 2016-07-01 (→ where it went)"]
    plain = ok(energy, "render", "2016-08-01", "--format", "dot", "-o", "-")
    assert header(plain)[2:] == ["Based on: [HMSO, 2001-01-01] The Civil Service Year Book",
                                 "[GOV.UK, 2016-07-14] Machinery of government changes"]
    assert legend(plain) == []


def test_chart_legend_shows_only_the_styles_drawn(energy: Run) -> None:
    dot = ok(energy, "render", "2015-06-01", "--since", "2015-05-01", "--format", "dot",
             "-o", "-")
    assert legend(dot) == ["leader changed"]
    assert header(dot)[2:] == [
        "Based on: [Wikipedia: Secretary of State for Energy]",
        "[Wikipedia: Department of Energy and Climate Change]",
        "[HMSO, 2001-01-01] The Civil Service Year Book",
        "[GOV.UK, 2016-07-14] Machinery of government changes",
        "Note on Department of Energy and Climate Change: Took office the day after the "
        "election result."]


def test_chart_notes_are_bounded(run: Run, write: Callable[[str, str], str]) -> None:
    events = "\n".join(
        f"  - {{type: establish, date: 2020, unit: u{i}, name: Unit {i}, note: note {i}}}"
        for i in range(7))
    r = run("load", write("many.yaml", f"format: orgchart/v1\nrecorded: 2025-01-01\n"
                                       f"events:\n{events}\n"))
    assert r.exit_code == 0, r.output
    rows = header(ok(run, "render", "2020", "--format", "dot", "-o", "-"))
    assert rows[-5:] == ["Note on Unit 0: note 0", "Note on Unit 1: note 1",
                         "Note on Unit 2: note 2", "Note on Unit 3: note 3",
                         "… and 3 more notes"]
