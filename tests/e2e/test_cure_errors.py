"""Errors that say the cure: a "did you mean" for a unit nobody recorded, told apart from
a unit not alive on that date; YAML values to quote; a stored event a new one breaks,
named with the ways out. Each exits 1 with one line and writes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Run

BASE = """\
format: orgchart/v1
recorded: 2026-01-01
events:
  - {type: establish, date: 2020-01-01, unit: gov, name: Government}
  - {type: establish, date: 2020-01-01, unit: dbt, name: Business and Trade, parent: gov}
  - {type: establish, date: 2020-01-01, unit: dfe, name: Education, parent: gov}
  - {type: establish, date: 2022-05-01, unit: later, name: Later, parent: dbt}
  - {type: merge, date: 2021-01-01, units: [dfe], into: dbt}
"""

Write = Callable[[str, str], str]


def event_file(*events: str) -> str:
    return "format: orgchart/v1\nrecorded: 2026-01-02\nevents:\n" + "".join(
        f"  - {e}\n" for e in events)


LOAD_ERRORS = [
    ("{type: rename, date: 2023, unit: dbtt, name: X}",
     "unit 'dbtt' does not exist on 2023 (did you mean 'dbt'?)"),
    ("{type: rename, date: 2023, unit: education, name: X}",
     "unit 'education' does not exist on 2023 (did you mean 'dfe'? units are named by id)"),
    ("{type: rename, date: 2021, unit: later, name: X}",
     "unit 'later' does not exist on 2021 (it begins on 2022-05-01)"),
    ("{type: rename, date: 2023, unit: dfe, name: X}",
     "unit 'dfe' does not exist on 2023 (it ended on 2021-01-01, merge)"),
    ("{type: establish, date: 2023, unit: x, name: X, parent: newdept}",
     "parent 'newdept' does not exist on 2023 (did you mean 'nd'? units are named by id)"),
]


@pytest.mark.parametrize(("event", "message"), LOAD_ERRORS)
def test_a_load_error_about_a_unit_says_why_it_is_not_there(
        event: str, message: str, run: Run, write: Write) -> None:
    assert run("load", write("base.yaml", BASE)).exit_code == 0
    before = run("export").stdout
    extra = "{type: establish, date: 2024, unit: nd, name: NewDept}"
    path = write("new.yaml", event_file(extra, event))
    r = run("load", path)
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", f"Error: {path}:5: event 2 {_label(event)}: {message}\n")
    assert run("export").stdout == before


def _label(event: str) -> str:
    fields = dict(part.split(": ", 1) for part in event.strip("{}").split(", ")[:2])
    return f"({fields['type']}, {fields['date']})"


def test_a_unit_begun_later_the_same_day_is_told(run: Run, write: Write) -> None:
    path = write("x.yaml", event_file(
        "{type: establish, date: 2020, unit: a, name: A, parent: b}",
        "{type: establish, date: 2020, unit: b, name: B}"))
    r = run("load", path)
    assert (r.exit_code, r.stderr) == (
        1, f"Error: {path}:4: event 1 (establish, 2020): parent 'b' does not exist on 2020 "
           f"(it begins on 2020, after this event)\n")


COMMANDS = [
    (("history", "dbtt"), "Error: unknown unit 'dbtt' (did you mean 'dbt'?)\n"),
    # a command takes a unit's name (or alias) too: a near one is suggested as it is
    (("at", "2023", "--root", "Educaton"),
     "Error: unknown unit 'Educaton' (did you mean 'Education'?)\n"),
    (("at", "2023", "--root", "education"),
     "Error: unit 'dfe' does not exist on 2023-01-01 (it ended on 2021-01-01, merge)\n"),
    (("at", "2021-06", "--root", "later"),
     "Error: unit 'later' does not exist on 2021-06-01 (it begins on 2022-05-01)\n"),
    (("at", "2023", "--root", "dfe"),
     "Error: unit 'dfe' does not exist on 2023-01-01 (it ended on 2021-01-01, merge)\n"),
]


@pytest.mark.parametrize(("args", "message"), COMMANDS)
def test_a_command_says_why_a_unit_is_not_there(args: tuple[str, ...], message: str,
                                                run: Run, write: Write) -> None:
    assert run("load", write("base.yaml", BASE)).exit_code == 0
    r = run(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", message)


def test_a_colon_in_a_plain_value_says_to_quote_it(run: Run, write: Write) -> None:
    path = write("x.yaml", "format: orgchart/v1\nevents:\n  - type: establish\n"
                           "    date: 2020\n    unit: g\n    name: G\n"
                           "    note: Inferred day: from the news\n")
    r = run("load", path)
    assert (r.exit_code, r.stderr) == (
        1, f"Error: {path}:7: not valid YAML: mapping values are not allowed in this context "
           f"(a value that contains ': ' must be quoted: note: \"Inferred day: …\")\n")
    assert run("log").stdout == ""


def test_a_comma_in_a_flow_mapping_value_says_to_quote_it(run: Run, write: Write) -> None:
    path = write("x.yaml", event_file(
        "{type: establish, date: 2020, unit: moj, name: Lord Chancellor, Justice}"))
    r = run("load", path)
    assert (r.exit_code, r.stderr) == (
        1, f"Error: {path}:4: event 1 (establish, 2020): unknown field 'Justice' (inside "
           f"{{…}}, ', ' ends a value: quote it, name: \"Lord Chancellor, Justice\")\n")


def test_breaking_a_stored_event_names_it_and_the_ways_out(run: Run, write: Write) -> None:
    assert run("load", write("base.yaml", BASE)).exit_code == 0
    split = write("split.yaml", event_file(
        "{type: split, date: 2023, unit: dbt, into: [{unit: d1, name: D1}, "
        "{unit: d2, name: D2}], children: {later: d1}}"))
    assert run("load", split).exit_code == 0
    before = run("export").stdout
    path = write("child.yaml", event_file(
        "{type: establish, date: 2022, unit: kid, name: Kid, parent: dbt}"))
    r = run("load", path)
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", f"Error: {path}:4: event 1 (establish, 2022): makes stored event "
               f"'split-2023-419df2011f' (split, 2023, recorded 2026-01-02) invalid: children "
               f"of 'dbt' not mapped to a part: kid (add them under `children`); a stored "
               f"event cannot be edited: retract it (orgchart retract split-2023-419df2011f "
               f"--reason …) and record a corrected one, or change the new event\n")
    assert run("export").stdout == before
