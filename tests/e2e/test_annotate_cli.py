"""`annotate`: a note and/or sources added to a recorded event, shown wherever the event is
(`log`, `history`, `diff`, the timeline page), known from its recorded time, retractable;
retractions shown as corrections; a reload that only changes a note or adds sources is
told the exact `orgchart add annotate`."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import Run

Write = Callable[[str, str], str]

BASE = """\
format: orgchart/v1
recorded: 2026-01-01
sources:
  gazette: {title: The Gazette, publisher: Gazette, date: 2026-09-03}
  memo: {title: Staff memo}
events:
  - {type: establish, date: 2020, unit: grp, name: Group}
  - {type: establish, date: 2020, unit: alpha, name: Alpha, parent: grp}
  - {type: establish, date: 2020, unit: beta, name: Beta, parent: grp}
  - {type: establish, date: 2021, unit: gamma, name: Gamma, parent: beta, id: gamma}
  - {type: merge, date: 2026-09, units: [alpha], into: beta, id: the-merger, source: memo,
     note: The month only}
"""

FIX = """\
format: orgchart/v1
events:
  - {type: annotate, event: the-merger, note: the merger took effect on 2 September,
     source: gazette, recorded: 2026-11-15}
  - {type: retract, event: gamma, reason: Gamma never existed, recorded: 2026-11-20}
"""

NOTE = "annotate-c6505142c5"
RETRACTION = "retract-73b6692582"

LOG = f"""\
2020        establish  grp established as Group (a root)
            id establish-2020-1bd82b640f, recorded 2026-01-01
2020        establish  alpha established as Alpha under grp
            id establish-2020-c2004c6698, recorded 2026-01-01
2020        establish  beta established as Beta under grp
            id establish-2020-75847ead8d, recorded 2026-01-01
2021        establish  gamma established as Gamma under beta
            id gamma, recorded 2026-01-01, RETRACTED on 2026-11-20 by {RETRACTION}
2026-09     merge      alpha merged into beta  [memo]
            id the-merger, recorded 2026-01-01
            note: The month only
            corrected on 2026-11-15: the merger took effect on 2 September ({NOTE})  [gazette]
—           annotate   annotates the-merger  [gazette]
            id {NOTE}, recorded 2026-11-15
            note: the merger took effect on 2 September
—           retract    retracts gamma: Gamma never existed
            id {RETRACTION}, recorded 2026-11-20
"""

HISTORY = """\
Beta  [beta]
since 2020

2020        established as Beta, under Group
            establish-2020-75847ead8d
2026-09     absorbed Alpha
            the-merger  [Staff memo] [1]
            corrected on 2026-11-15: the merger took effect on 2 September  [Gazette, 2026-09-03]

Corrections
  retracted on 2026-11-20: gamma (2021, establish: gamma established as Gamma under beta): \
Gamma never existed

Notes
  [1] The month only  (the-merger)

Sources
  [Staff memo]
  [Gazette, 2026-09-03] The Gazette
"""

HISTORY_BEFORE = """\
Beta  [beta]
since 2020, as known on 2026-11-14

2020        established as Beta, under Group
            establish-2020-75847ead8d
2026-09     absorbed Alpha
            the-merger  [Staff memo] [1]

Notes
  [1] The month only  (the-merger)

Sources
  [Staff memo]
"""

DIFF = """\
Organisation — what changed from 2026-08-31 to 2026-09-01

Removed
  − Alpha, was under Group
      merged 2026-09 into Beta  [Staff memo] [1]
        corrected on 2026-11-15: the merger took effect on 2 September  [Gazette, 2026-09-03]

Notes
  [1] The month only  (the-merger)

Sources
  [Staff memo]
  [Gazette, 2026-09-03] The Gazette
"""

ANNOTATION = {"id": NOTE, "recorded": "2026-11-15",
              "note": "the merger took effect on 2 September", "sources": ["gazette"]}


@pytest.fixture
def fixed(run: Run, write: Write) -> Run:
    assert run("load", write("base.yaml", BASE)).exit_code == 0
    r = run("load", write("fix.yaml", FIX))
    assert (r.exit_code, r.stderr) == (0, ""), r.output
    return run


def ok(run: Run, *args: str) -> str:
    r = run(*args)
    assert (r.exit_code, r.stderr) == (0, ""), r.output
    return r.stdout


def test_log_shows_the_annotation_under_its_event(fixed: Run) -> None:
    assert ok(fixed, "log") == LOG
    rows = {e["id"]: e for e in json.loads(ok(fixed, "log", "--format", "json"))}
    assert rows["the-merger"]["annotations"] == [ANNOTATION]
    assert rows["the-merger"]["note"] == "The month only"  # the event itself is unchanged
    assert rows[NOTE] == {"id": NOTE, "type": "annotate", "date": None,
                          "recorded": "2026-11-15", "sources": ["gazette"],
                          "note": "the merger took effect on 2 September",
                          "event": "the-merger", "retracted_by": None, "retracted_on": None,
                          "annotations": []}


def test_history_shows_annotations_and_retractions_as_corrections(fixed: Run) -> None:
    assert ok(fixed, "history", "beta") == HISTORY
    h = json.loads(ok(fixed, "history", "beta", "--format", "json"))
    assert h["annotations"] == {"the-merger": [ANNOTATION]}
    assert h["retracted"] == [{
        "id": "gamma", "type": "establish", "date": "2021", "recorded": "2026-01-01",
        "sources": [], "note": None, "unit": "gamma", "name": "Gamma", "name_en": None,
        "kind": None, "parent": "beta", "retracted_by": RETRACTION,
        "retracted_on": "2026-11-20", "retraction_recorded": "2026-11-20",
        "reason": "Gamma never existed"}]


def test_diff_shows_the_annotation_beside_the_change(fixed: Run) -> None:
    assert ok(fixed, "diff", "2026-08-31", "2026-09-01") == DIFF
    d = json.loads(ok(fixed, "diff", "2026-08-31", "2026-09-01", "--format", "json"))
    assert d["changes"] == [{"change": "removed", "unit": "alpha", "before": "Alpha",
                             "after": None, "events": ["the-merger"]}]
    assert d["annotations"] == {"the-merger": [ANNOTATION]}


def test_an_annotation_counts_from_its_recorded_day(fixed: Run) -> None:
    """Known at 2026-11-14 (before the annotation and the retraction) neither is shown;
    the state differs from the latest only by them (no chart changes): the view still
    hides them."""
    assert ok(fixed, "history", "beta", "--known-at", "2026-11-14") == HISTORY_BEFORE
    d = json.loads(ok(fixed, "diff", "2026-08-31", "2026-09-01", "--known-at", "2026-11-14",
                      "--format", "json"))
    assert d["annotations"] == {}
    d = json.loads(ok(fixed, "diff", "2026-08-31", "2026-09-01", "--known-at", "2026-11-15",
                      "--format", "json"))
    assert d["annotations"] == {"the-merger": [ANNOTATION]}


def test_an_annotation_alone_is_known_from_its_recorded_day(run: Run, write: Write) -> None:
    """Only an annotation recorded after K: K's chart is the latest, its events are not."""
    assert run("load", write("base.yaml", BASE)).exit_code == 0
    ok(run, "add", "annotate", "--event", "the-merger", "--note", "2 September",
       "--recorded", "2026-11-15")
    before = json.loads(ok(run, "history", "beta", "--known-at", "2026-11-14", "--format",
                           "json"))
    after = json.loads(ok(run, "history", "beta", "--known-at", "2026-11-15", "--format",
                          "json"))
    assert before["annotations"] == {}
    assert [a["note"] for a in after["annotations"]["the-merger"]] == ["2 September"]
    assert before["story"] == after["story"]


def test_a_retracted_annotation_is_no_longer_shown(fixed: Run, write: Write) -> None:
    r = fixed("load", write("undo.yaml", f"""\
format: orgchart/v1
events:
  - {{type: retract, event: {NOTE}, reason: it was 3 September, recorded: 2026-11-30}}
"""))
    assert r.exit_code == 0, r.output
    assert "corrected on" not in ok(fixed, "history", "beta")
    assert "corrected on" not in ok(fixed, "diff", "2026-08-31", "2026-09-01")
    rows = {e["id"]: e for e in json.loads(ok(fixed, "log", "--format", "json"))}
    assert rows["the-merger"]["annotations"] == []
    assert rows[NOTE]["retracted_on"] == "2026-11-30"
    # as known before the retraction, it still counts
    assert ok(fixed, "history", "beta", "--known-at", "2026-11-29") == \
        HISTORY.replace("since 2020\n", "since 2020, as known on 2026-11-29\n")


def test_the_timeline_page_shows_corrections(fixed: Run) -> None:
    page = ok(fixed, "timeline", "-o", "-")
    assert ('<p class="note">The month only</p><div class="annotation"><p>Corrected on '
            '2026-11-15: the merger took effect on 2 September</p><ul class="sources" '
            'aria-label="Sources"><li class="source"><span class="cite-label">[<span '
            'class="publisher">Gazette</span>, 2026-09-03]</span> <cite>The Gazette</cite>'
            '</li></ul></div>'
            ) in page
    # gamma, the only event of 2021, is retracted: 2021 is a step with the retraction
    assert ('<div class="story-events"><h3>Retracted</h3><ol class="events retracted">'
            '<li class="event is-retracted" data-type="establish"><p class="what"><span '
            'class="type">establish</span> <del>Gamma established under Beta</del></p><p '
            'class="retraction">Retracted on 2026-11-20: Gamma never existed</p>') in page


@pytest.mark.parametrize(("event", "error"), [
    ("{type: annotate, event: ghost, note: x}", "event 'ghost' does not exist"),
    ("{type: annotate, event: the-merger}", "an annotation needs `note` and/or `source`"),
    ("{type: annotate, event: the-merger, source: nosuch}",
     "source 'nosuch' is not defined under `sources`"),
    ("{type: annotate, event: gamma, note: x}",
     f"event 'gamma' is retracted by '{RETRACTION}'; a retracted event cannot be annotated"),
    (f"{{type: annotate, event: {RETRACTION}, note: x}}",
     f"event '{RETRACTION}' is a retraction; a retraction cannot be annotated (its reason "
     f"says why)"),
    (f"{{type: annotate, event: {NOTE}, note: x}}",
     f"event '{NOTE}' is an annotation; annotate the event it annotates ('the-merger') "
     f"instead"),
    ("{type: annotate, event: the-merger, note: x, recorded: 2025-12-31}",
     "an annotation cannot be recorded (2025-12-31) before the event it annotates "
     "(2026-01-01)"),
])
def test_a_bad_annotation_is_one_line_naming_file_and_line(fixed: Run, write: Write,
                                                           event: str, error: str) -> None:
    before = ok(fixed, "export")
    path = write("bad.yaml", f"format: orgchart/v1\nevents:\n  - {{type: establish, "
                             f"date: 2027, unit: new, name: New}}\n  - {event}\n")
    r = fixed("load", path)
    label = "event 2 (annotate)"
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {path}:4: {label}: {error}\n")
    assert ok(fixed, "export") == before  # nothing written


@pytest.mark.parametrize(("change", "error"), [
    ("source: memo, note: \"The month only; it's 2 September\"",
     "a different note; history is append-only: keep the event as recorded and add the note "
     "with an annotation: orgchart add annotate --event the-merger --note 'The month only; "
     "it'\"'\"'s 2 September'"),
    ("source: [memo, gazette], note: The month only",
     "more sources; history is append-only: keep the event as recorded and add the sources "
     "with an annotation: orgchart add annotate --event the-merger --source gazette (or an "
     "`annotate` event in this file)"),
    ("source: [memo, gazette], note: 2 September",
     "a different note and more sources; history is append-only: keep the event as recorded "
     "and add the note and sources with an annotation: orgchart add annotate --event "
     "the-merger --note '2 September' --source gazette (or an `annotate` event in this file)"),
    ("note: The month only",  # the source left out: it cannot be taken back by an annotation
     "different content; history is append-only: retract it and record the corrected event "
     "under a new id"),
])
def test_reloading_a_changed_note_or_source_offers_the_annotation(
        fixed: Run, write: Write, change: str, error: str) -> None:
    text = BASE.replace("source: memo,\n     note: The month only", change)
    assert text != BASE
    path = write("base.yaml", text)
    r = fixed("load", path)
    assert (r.exit_code, r.stderr) == (
        1, f"Error: {path}:11: event 5 (merge, 2026-09): event id 'the-merger' is already "
           f"recorded with {error}\n")


def test_the_offered_command_adds_the_note(fixed: Run) -> None:
    r = fixed("add", "annotate", "--event", "the-merger", "--note", "it's 2 September",
              "--recorded", "2026-11-21")
    assert r.exit_code == 0 and r.stdout.startswith("annotate-")
    notes = json.loads(ok(fixed, "history", "beta", "--format", "json"))["annotations"]
    assert [a["note"] for a in notes["the-merger"]] == ["the merger took effect on 2 September",
                                                        "it's 2 September"]
