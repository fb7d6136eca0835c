"""`tenures:` and `reshuffle:` in event files: the events they stand for, and errors that
name the entry's own line (exit 1, nothing written)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from orgchart.adapters.eventfile.starter import starter_text
from tests.conftest import Run

GOOD = """\
format: orgchart/v1
recorded: 2026-01-01
sources:
  govuk: {title: GOV.UK}
  news: {title: News}
people:
  ann: {name: Ann}
  bob: {name: Bob}
  cat: {name: Cat}
  dan: {name: Dan}
events:
  - {type: establish, date: 2020-01-01, unit: gov, name: Government}
  - {type: establish, date: 2020-01-01, unit: beis, name: Business, parent: gov}
  - type: split
    date: 2023-02-07
    unit: beis
    into:
      - {unit: desnz, name: Energy}
      - {unit: dbt, name: Business and Trade}
tenures:
  - {person: ann, unit: gov, from: 2020-01-01, to: 2022-09-06, title: Prime Minister,
     source: govuk}
  - {person: bob, unit: gov, from: 2022-09-06, title: Prime Minister}
  - {person: cat, unit: beis, from: 2020-01-01, to: 2023-02-07, title: Secretary of State}
  - {person: dan, unit: beis, from: 2021-01, role: minister, note: Junior minister}
reshuffle:
  - date: 2023-02-07
    source: news
    appoint:
      - {unit: desnz, person: cat, title: Secretary of State}
      - {unit: dbt, person: dan, title: Secretary of State, source: govuk}
"""

#: GOOD written by hand: the tenures' and reshuffles' steppings-down first, then the
#: file's own events, then their appointments (the order the expansion defines).
BY_HAND = GOOD[:GOOD.index("events:")] + """\
events:
  - {type: step_down, date: 2022-09-06, unit: gov, person: ann, source: govuk}
  - {type: step_down, date: 2023-02-07, unit: beis, person: cat}
  - {type: establish, date: 2020-01-01, unit: gov, name: Government}
  - {type: establish, date: 2020-01-01, unit: beis, name: Business, parent: gov}
  - type: split
    date: 2023-02-07
    unit: beis
    into:
      - {unit: desnz, name: Energy}
      - {unit: dbt, name: Business and Trade}
  - {type: appoint, date: 2020-01-01, unit: gov, person: ann, title: Prime Minister,
     source: govuk}
  - {type: appoint, date: 2022-09-06, unit: gov, person: bob, title: Prime Minister}
  - {type: appoint, date: 2020-01-01, unit: beis, person: cat, title: Secretary of State}
  - {type: appoint, date: 2021-01, unit: beis, person: dan, role: minister,
     note: Junior minister}
  - {type: appoint, date: 2023-02-07, unit: desnz, person: cat, title: Secretary of State,
     source: news}
  - {type: appoint, date: 2023-02-07, unit: dbt, person: dan, title: Secretary of State,
     source: govuk}
"""

LOG = """\
2020-01-01  establish  gov established as Government (a root)
            id establish-2020-01-01-a5e8f48765, recorded 2026-01-01
2020-01-01  establish  beis established as Business under gov
            id establish-2020-01-01-0753ac0e99, recorded 2026-01-01
2020-01-01  appoint    ann appointed head of gov (Prime Minister)  [govuk]
            id appoint-2020-01-01-975f3596bb, recorded 2026-01-01
2020-01-01  appoint    cat appointed head of beis (Secretary of State)
            id appoint-2020-01-01-52277b3500, recorded 2026-01-01
2021-01     appoint    dan appointed minister of beis
            id appoint-2021-01-7bbf24219f, recorded 2026-01-01
            note: Junior minister
2022-09-06  step_down  ann stepped down from gov  [govuk]
            id step_down-2022-09-06-62f51b78ae, recorded 2026-01-01
2022-09-06  appoint    bob appointed head of gov (Prime Minister)
            id appoint-2022-09-06-4fc842531b, recorded 2026-01-01
2023-02-07  step_down  cat stepped down from beis
            id step_down-2023-02-07-78ac2576bb, recorded 2026-01-01
2023-02-07  split      beis split into desnz, dbt
            id split-2023-02-07-e544417c09, recorded 2026-01-01
2023-02-07  appoint    cat appointed head of desnz (Secretary of State)  [news]
            id appoint-2023-02-07-f36d1cdf69, recorded 2026-01-01
2023-02-07  appoint    dan appointed head of dbt (Secretary of State)  [govuk]
            id appoint-2023-02-07-07a2e1f1c1, recorded 2026-01-01
"""

AT = """\
Organisation — on 2023-02-07

Government  [since 2020-01-01]
│   ◆ head: Bob, Prime Minister, since 2022-09-06
├── Business and Trade  [since 2023-02-07]
│       ◆ head: Dan, Secretary of State, since 2023-02-07
└── Energy  [since 2023-02-07]
        ◆ head: Cat, Secretary of State, since 2023-02-07
"""

Write = Callable[[str, str], str]


def test_tenures_and_a_reshuffle_load_as_their_events(run: Run, write: Write) -> None:
    path = write("uk.yaml", GOOD)
    r = run("load", path)
    assert (r.exit_code, r.stdout) == (0, f"{path}: 11 new events\n")
    assert run("log").stdout == LOG
    assert run("at", "2023-02-07").stdout == AT
    r = run("load", path)
    assert (r.exit_code, r.stdout) == (0, f"{path}: 0 new events\n")


def test_the_same_events_written_by_hand_are_the_same_history(run: Run, write: Write) -> None:
    shorthand = write("uk.yaml", GOOD)
    by_hand = write("by-hand.yaml", BY_HAND)
    assert run("load", shorthand).exit_code == 0
    exported = run("export").stdout
    logged = run("log", "--format", "json").stdout
    r = run("load", by_hand)
    assert (r.exit_code, r.stdout) == (0, f"{by_hand}: 0 new events\n")
    assert (run("export").stdout, run("log", "--format", "json").stdout) == (exported, logged)


def test_export_writes_the_plain_events_and_loads_back(run: Run, write: Write) -> None:
    assert run("load", write("uk.yaml", GOOD)).exit_code == 0
    exported = run("export").stdout
    assert "tenures" not in exported and "reshuffle" not in exported
    assert exported.count("- type: ") == 11
    r = run("load", write("export.yaml", exported))
    assert (r.exit_code, run("export").stdout) == (0, exported)


def test_a_file_of_tenures_alone_needs_no_events(run: Run, write: Write) -> None:
    assert run("load", write("uk.yaml", GOOD)).exit_code == 0
    path = write("more.yaml", "format: orgchart/v1\nrecorded: 2026-01-02\n"
                              "tenures:\n  - {person: ann, unit: desnz, from: 2024, "
                              "role: adviser}\n")
    r = run("load", path)
    assert (r.exit_code, r.stdout) == (0, f"{path}: 1 new event\n")
    path = write("bare.yaml", "format: orgchart/v1\ntitle: T\n")
    r = run("load", path)
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:1: `events` must be a list\n")


BASE = """\
format: orgchart/v1
recorded: 2026-01-01
sources:
  s1: {title: Annual report}
people:
  ann: {name: Ann}
  bob: {name: Bob}
events:
  - {type: establish, date: 2020-01-01, unit: acme, name: ACME}
  - {type: establish, date: 2020-01-01, unit: eng, name: Engineering, parent: acme}
  - {type: appoint, date: 2020-01-01, unit: acme, person: ann}
  - {type: dissolve, date: 2023-01-01, unit: eng}
  - {type: step_down, date: 2022-06-01, unit: acme, person: ann}
"""

HEAD = "format: orgchart/v1\nrecorded: 2026-02-01\n"

#: (name, the file after HEAD, the error after "FILE:")
CASES: list[tuple[str, str, str]] = [
    # structure of a tenure
    ("tenures not a list", "tenures: {person: bob}\n",
     "3: `tenures` must be a list"),
    ("tenure not a mapping", "tenures:\n  - bob\n",
     "4: tenure 1: a tenure is a mapping with `person`, `unit` and `from`"),
    ("tenure unknown field", "tenures:\n  - {person: bob, unit: eng, from: 2021}\n"
                             "  - {person: bob, unit: acme, from: 2021, titel: CTO}\n",
     "5: tenure 2: unknown field 'titel' (did you mean 'title'?)"),
    ("tenure missing field", "tenures:\n  - {person: bob, from: 2021}\n",
     "4: tenure 1: missing field 'unit'"),
    ("tenure bad id", "tenures:\n  - {person: Bob, unit: eng, from: 2021}\n",
     "4: tenure 1: field 'person': 'Bob' is not a valid id (use lowercase letters, digits, "
     "'.', '_' and '-', starting with a letter or digit, at most 64 characters)"),
    ("tenure date form", "tenures:\n  - person: bob\n    unit: eng\n    from: 21-01-01\n",
     "6: tenure 1: field 'from': '21-01-01' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)"),
    ("tenure id given", "tenures:\n  - {person: bob, unit: eng, from: 2021, id: t1}\n",
     "4: tenure 1: unknown field 'id'"),
    ("tenure ends before it begins", "tenures:\n  - person: bob\n    unit: eng\n"
                                     "    from: 2021-05\n    to: 2021\n",
     "7: tenure 1: `to` (2021) must be after `from` (2021-05)"),
    ("tenure ends the day it begins", "tenures:\n  - {person: bob, unit: eng, from: 2021, "
                                      "to: 2021-01-01}\n",
     "4: tenure 1: `to` (2021-01-01) must be after `from` (2021)"),
    # a tenure's events, read as hand-written ones are
    ("tenure calendar date", "tenures:\n  - person: bob\n    unit: eng\n    from: 2021-02-29\n",
     "6: tenure 1 (appoint, 2021-02-29): '2021-02-29' is not a valid calendar date"),
    ("tenure end calendar date", "tenures:\n  - person: bob\n    unit: eng\n    from: 2021\n"
                                 "    to: 2022-02-30\n",
     "7: tenure 1 (step_down, 2022-02-30): '2022-02-30' is not a valid calendar date"),
    ("tenure recorded in the future", "tenures:\n  - {person: bob, unit: eng, from: 2021, "
                                      "recorded: 2999-01-01}\n",
     "4: tenure 1 (appoint, 2021): recorded date 2999-01-01 is in the future"),
    ("tenure unknown person", "tenures:\n  - {person: bbo, unit: eng, from: 2021}\n",
     "4: tenure 1 (appoint, 2021): person 'bbo' is not defined under `people` "
     "(did you mean 'bob'?)"),
    ("tenure unknown source", "tenures:\n  - {person: bob, unit: eng, from: 2021, "
                              "source: [s1, s2]}\n",
     "4: tenure 1 (appoint, 2021): source 's2' is not defined under `sources`"),
    ("tenure in a unit not yet begun", "tenures:\n  - {person: bob, unit: eng, from: 2019}\n",
     "4: tenure 1 (appoint, 2019): unit 'eng' does not exist on 2019 "
     "(it begins on 2020-01-01)"),
    ("tenure ends after its unit", "tenures:\n  - person: bob\n    unit: eng\n    from: 2021\n"
                                   "    to: 2023-06\n",
     "7: tenure 1 (step_down, 2023-06): unit 'eng' does not exist on 2023-06 (it ended on "
     "2023-01-01, dissolve)"),
    ("tenure breaks a stored event", "tenures:\n  - {person: bob, unit: acme, from: 2021}\n",
     "4: tenure 1 (appoint, 2021): makes stored event 'step_down-2022-06-01-065650c77a' "
     "(step_down, 2022-06-01, recorded 2026-01-01) invalid: 'ann' holds no role in unit "
     "'acme' on 2022-06-01; a stored event cannot be edited: retract it (orgchart retract "
     "step_down-2022-06-01-065650c77a --reason …) and record a corrected one, or change the "
     "new event"),
    ("tenure duplicates an event", "events:\n  - {type: appoint, date: 2021, unit: eng, "
                                   "person: bob, role: cto}\n"
                                   "tenures:\n  - {person: bob, unit: eng, from: 2021, "
                                   "role: cto}\n",
     "6: tenure 1 (appoint, 2021): duplicates event 1 (same id 'appoint-2021-955d10acf3')"),
    # structure of a reshuffle
    ("reshuffle not a list", "reshuffle: {date: 2021}\n",
     "3: `reshuffle` must be a list"),
    ("reshuffle missing date", "reshuffle:\n  - appoint: [{unit: eng, person: bob}]\n",
     "4: reshuffle 1: missing field 'date'"),
    ("reshuffle empty", "reshuffle:\n  - {date: 2021, source: s1, appoint: []}\n",
     "4: reshuffle 1: a reshuffle needs at least one entry under `step_down` or `appoint`"),
    ("reshuffle entry unknown field", "reshuffle:\n  - date: 2021\n    appoint:\n"
                                      "      - {unit: eng, person: bob}\n"
                                      "      - {unit: acme, person: bob, titel: CTO}\n",
     "7: reshuffle 1, appoint 2: unknown field 'titel' (did you mean 'title'?)"),
    ("reshuffle step_down with a title", "reshuffle:\n  - date: 2021\n    step_down:\n"
                                         "      - {unit: acme, person: ann, title: CEO}\n",
     "6: reshuffle 1, step_down 1: unknown field 'title'"),
    ("reshuffle entry missing person", "reshuffle:\n  - date: 2021\n    step_down:\n"
                                       "      - {unit: acme}\n",
     "6: reshuffle 1, step_down 1: missing field 'person'"),
    ("reshuffle entry not a mapping", "reshuffle:\n  - date: 2021\n    appoint: [bob]\n",
     "5: reshuffle 1: item 1 of 'appoint' must be a mapping"),
    # a reshuffle's events
    ("reshuffle recorded in the future", "reshuffle:\n  - date: 2021\n"
                                         "    recorded: 2999-01-01\n"
                                         "    appoint: [{unit: eng, person: bob}]\n",
     "5: reshuffle 1, appoint 1 (appoint, 2021): recorded date 2999-01-01 is in the future"),
    ("reshuffle calendar date", "reshuffle:\n  - date: 2021-02-29\n"
                                "    appoint: [{unit: eng, person: bob}]\n",
     "4: reshuffle 1, appoint 1 (appoint, 2021-02-29): '2021-02-29' is not a valid calendar "
     "date"),
    ("reshuffle unknown source", "reshuffle:\n  - date: 2021\n    source: s1\n    appoint:\n"
                                 "      - {unit: eng, person: bob}\n"
                                 "      - {unit: acme, person: bob, source: s3}\n",
     "8: reshuffle 1, appoint 2 (appoint, 2021): source 's3' is not defined under "
     "`sources`"),
    ("reshuffle step_down without the role", "reshuffle:\n  - date: 2021\n    step_down:\n"
                                             "      - {unit: eng, person: bob}\n",
     "6: reshuffle 1, step_down 1 (step_down, 2021): 'bob' holds no role in unit 'eng' on "
     "2021"),
    ("reshuffle duplicates a tenure", "tenures:\n  - {person: bob, unit: eng, from: 2021, "
                                      "to: 2022}\n"
                                      "reshuffle:\n  - date: 2022\n    step_down:\n"
                                      "      - {unit: eng, person: bob}\n",
     "8: reshuffle 1, step_down 1 (step_down, 2022): duplicates tenure 1 (same id "
     "'step_down-2022-adfae7f30b')"),
]


@pytest.fixture
def based(run: Run, write: Write) -> Run:
    r = run("load", write("base.yaml", BASE))
    assert r.exit_code == 0, r.output
    return run


@pytest.mark.parametrize(("body", "message"), [(b, m) for _, b, m in CASES],
                         ids=[n for n, _, _ in CASES])
def test_an_error_names_the_entry_and_its_line(based: Run, write: Write, body: str,
                                               message: str) -> None:
    path = write("bad.yaml", HEAD + body)
    before = based("export", "--format", "json").stdout
    r = based("load", path)
    assert r.exit_code == 1, r.output
    assert (r.stderr, r.stdout) == (f"Error: {path}:{message}\n", "")
    assert based("export", "--format", "json").stdout == before


def test_the_starter_files_tenures_and_reshuffle_load(run: Run, write: Write) -> None:
    """`orgchart init`'s commented example of each, uncommented, alone or with every other
    commented example (but the retraction)."""
    lines = starter_text().splitlines()
    start = lines.index("# tenures:")
    end = lines.index("", start)
    shorthands = [line.removeprefix("# ") for line in lines[start:end]]
    text = "\n".join([*lines[:start], *shorthands, *lines[end:]]) + "\n"
    path = write("starter.yaml", text)
    r = run("load", path)
    assert (r.exit_code, r.output) == (0, f"{path}: 4 new events\n")
    first, retract = text.index("  # - type: "), text.index("  # - type: retract")
    everything = text[:first] + re.sub(r"(?m)^  # ", "  ", text[first:retract])
    path = write("everything.yaml", everything)
    r = run("load", path)
    assert (r.exit_code, r.output) == (0, f"{path}: 10 new events\n")  # and the 4 above
