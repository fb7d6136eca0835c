"""`orgchart add TYPE`: one event from the command line is the same event as in a file,
checked as `load` checks it; `--to FILE` adds it to an event file, keeping its layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from orgchart.cli.main import cli
from orgchart.domain.facts import FACT_TYPES
from tests.conftest import Run

BASE = """\
format: orgchart/v1
recorded: 2026-01-01
sources:
  govuk: {title: GOV.UK}
people:
  ann: {name: Ann}
events:
  - {type: establish, date: 2020-01-01, unit: gov, name: Government}
  - {type: establish, date: 2020-01-01, unit: beis, name: Business, parent: gov}
  - {type: establish, date: 2020-01-01, unit: dfe, name: Education, parent: gov}
  - {type: appoint, date: 2020-01-01, unit: gov, person: ann, title: Prime Minister}
"""

ANN = "appoint-2020-01-01-975f3596bb"

#: type -> (the add command's options, the same event in a file, the people and sources
#: the file adds, the event's id)
CASES: dict[str, tuple[list[str], str, str, str]] = {
    "establish": (
        ["--unit", "dcms", "--name", "Culture, Media", "--kind", "department",
         "--parent", "gov", "--date", "2021-01-01", "--source", "govuk",
         "--note", "Note: with a colon"],
        "{type: establish, date: 2021-01-01, unit: dcms, name: 'Culture, Media', "
        "kind: department, parent: gov, source: govuk, note: 'Note: with a colon'}",
        "", "establish-2021-01-01-bced41e583"),
    "rename": (
        ["--unit", "beis", "--name", "BEIS", "--name-en", "Business, Energy",
         "--date", "2021-02"],
        "{type: rename, date: 2021-02, unit: beis, name: BEIS, name_en: 'Business, Energy'}",
        "", "rename-2021-02-6307dfaa56"),
    "move": (
        ["--unit", "dfe", "--parent", "", "--date", "2021-03-01"],
        "{type: move, date: 2021-03-01, unit: dfe, parent: null}",
        "", "move-2021-03-01-16af19249c"),
    "split": (
        ["--unit", "beis", "--into", "unit=desnz,name=Energy",
         "--into", '{"unit": "dbt", "name": "Business, Trade"}', "--date", "2023-02-07"],
        "{type: split, date: 2023-02-07, unit: beis, into: [{unit: desnz, name: Energy}, "
        "{unit: dbt, name: 'Business, Trade'}]}",
        "", "split-2023-02-07-bfa85f1683"),
    "merge": (
        ["--units", "beis", "--units", "dfe", "--into", "unit=big,name=Big,kind=department",
         "--date", "2023", "--id", "big-merge"],
        "{type: merge, date: 2023, id: big-merge, units: [beis, dfe], "
        "into: {unit: big, name: Big, kind: department}}",
        "", "big-merge"),
    "dissolve": (
        ["--unit", "dfe", "--children-to", "gov", "--date", "2022"],
        "{type: dissolve, date: 2022, unit: dfe, children_to: gov}",
        "", "dissolve-2022-59f756c66b"),
    "appoint": (
        ["--unit", "beis", "--person", "bob", "--person-name", "Bob",
         "--person-name-en", "Robert", "--title", "Secretary of State", "--role", "minister",
         "--date", "2022-09-06", "--source", "news", "--source-title", "News",
         "--source-url", "https://example.org/news"],
        "{type: appoint, date: 2022-09-06, unit: beis, person: bob, role: minister, "
        "title: Secretary of State, source: news}",
        "people:\n  bob: {name: Bob, name_en: Robert}\n"
        "sources:\n  news: {title: News, url: 'https://example.org/news'}\n",
        "appoint-2022-09-06-e846173516"),
    "step_down": (
        ["--unit", "gov", "--person", "ann", "--date", "2022-09-06", "--source", "govuk2",
         "--source", "govuk", "--source-title", "Second"],
        "{type: step_down, date: 2022-09-06, unit: gov, person: ann, source: [govuk2, govuk]}",
        "", "step_down-2022-09-06-62f51b78ae"),
    "transfer": (
        ["--from-unit", "beis", "--to-unit", "dfe", "--what", "higher education",
         "--date", "2021-06-01"],
        "{type: transfer, date: 2021-06-01, from: beis, to: dfe, what: higher education}",
        "", "transfer-2021-06-01-ddf8d2a7e4"),
    "retract": (
        ["--event", ANN, "--reason", "Never appointed"],
        f"{{type: retract, event: {ANN}, reason: Never appointed}}",
        "", "retract-575a1916d0"),
    "annotate": (
        ["--event", ANN, "--note", "Took office: 24 July", "--source", "govuk"],
        f"{{type: annotate, event: {ANN}, note: 'Took office: 24 July', source: govuk}}",
        "", "annotate-d2c82b534c"),
}

Write = Callable[[str, str], str]


def invoke(db: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], input=input, obj={})


def test_every_declared_type_has_a_case() -> None:
    assert set(CASES) == set(FACT_TYPES)


@pytest.mark.parametrize("type_name", list(CASES))
def test_add_stores_the_same_event_as_the_file(type_name: str, run: Run, write: Write,
                                               tmp_path: Path) -> None:
    args, event, refs, event_id = CASES[type_name]
    base = write("base.yaml", BASE)
    assert run("load", base).exit_code == 0
    r = run("add", type_name, *args, "--recorded", "2026-01-02")
    assert (r.exit_code, r.stdout, r.stderr) == (0, f"{event_id}\n", "")

    db = str(tmp_path / "from-file.db")
    assert invoke(db, "load", base).exit_code == 0
    if type_name == "step_down":  # the file defines the second source
        refs = "sources:\n  govuk2: {title: Second}\n"
    path = write("one.yaml", f"format: orgchart/v1\nrecorded: 2026-01-02\n{refs}"
                             f"events:\n  - {event}\n")
    assert invoke(db, "load", path).stdout == f"{path}: 1 new event\n"
    assert run("export", "--format", "json").stdout == \
        invoke(db, "export", "--format", "json").stdout
    assert run("log").stdout == invoke(db, "log").stdout
    # the same again is already recorded
    r = run("add", type_name, *args, "--recorded", "2026-01-02")
    assert (r.exit_code, r.stdout) == (0, f"{event_id} (already recorded)\n")


COMMENTED = """\
# Our history, kept in git.
format: orgchart/v1
sources:
  govuk: {title: GOV.UK}   # the main source

events:
    - type: establish      # the first one
      date: 2020-01-01
      unit: gov
      name: "Government"
"""

COMMENTED_AFTER = COMMENTED + """\
    - type: appoint
      date: 2024-07-05
      unit: gov
      person: keir
      title: Prime Minister
      source: govuk
"""


def test_add_to_a_file_keeps_its_comments_and_layout_and_loads_once(
        run: Run, write: Write) -> None:
    path = write("history.yaml", COMMENTED)
    r = run("add", "appoint", "--unit", "gov", "--person", "keir", "--person-name",
            "Keir Starmer", "--title", "Prime Minister", "--date", "2024-07-05",
            "--source", "govuk", "--to", path)
    assert (r.exit_code, r.stdout) == (0, "appoint-2024-07-05-8e85ac4c70\n")
    assert Path(path).read_text() == COMMENTED_AFTER.replace(
        "\nevents:", "\npeople:\n  keir: {name: Keir Starmer}\nevents:")
    assert run("log").stdout == ""  # the store is not touched
    assert run("load", path).stdout == f"{path}: 2 new events\n"
    assert run("load", path).stdout == f"{path}: 0 new events\n"
    r = run("add", "rename", "--unit", "gov", "--name", "HMG", "--date", "2025", "--to", path)
    assert r.exit_code == 0
    assert run("load", path).stdout == f"{path}: 1 new event\n"
    assert run("load", path).stdout == f"{path}: 0 new events\n"


def test_add_to_a_missing_file_begins_it(run: Run, tmp_path: Path) -> None:
    path = str(tmp_path / "new.yaml")
    r = run("add", "establish", "--unit", "gov", "--name", "Government", "--date", "2020",
            "--to", path)
    assert (r.exit_code, r.stdout) == (0, "establish-2020-e60484b400\n")
    assert Path(path).read_text() == ("format: orgchart/v1\nevents:\n- type: establish\n"
                                      "  date: 2020\n  unit: gov\n  name: Government\n")
    assert run("load", path).stdout == f"{path}: 1 new event\n"


def test_the_same_event_twice_in_a_file_is_refused(run: Run, write: Write) -> None:
    path = write("history.yaml", COMMENTED)
    args = ("add", "rename", "--unit", "gov", "--name", "HMG", "--date", "2025", "--to", path)
    assert run(*args).exit_code == 0
    before = Path(path).read_text()
    r = run(*args)
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:15: event 3 (rename, 2025): "
                                          f"duplicates event 2 (same id "
                                          f"'rename-2025-745e1a38eb')\n")
    assert Path(path).read_text() == before


BAD = [
    (["appoint", "--unit", "gov", "--person", "zed", "--date", "2024"],
     "Error: add: event 1 (appoint, 2024): person 'zed' is not defined under `people`\n"),
    (["establish", "--unit", "Gov!", "--name", "X", "--date", "2024"],
     "Error: add: event 1 (establish, 2024): field 'unit': 'Gov!' is not a valid id (use lowercase "
     "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 "
     "characters)\n"),
    (["rename", "--unit", "gov", "--date", "2024-02-30", "--name", "X"],
     "Error: add: event 1 (rename, 2024-02-30): '2024-02-30' is not a valid "
     "calendar date\n"),
    (["split", "--unit", "gov", "--into", "desnz", "--date", "2024"],
     "Error: --into: 'desnz' is not KEY=VALUE pairs separated by ',' (write a value with "
     "',' as a JSON object)\n"),
    (["split", "--unit", "gov", "--into", "[1]", "--date", "2024"],
     "Error: --into: '[1]' is not KEY=VALUE pairs separated by ',' (write a value with "
     "',' as a JSON object)\n"),
    (["rename", "--unit", "gov", "--date", "2024"],
     "Error: add: event 1 (rename, 2024): a rename needs `name`, `name_en`, `kind`, `order` "
     "or `aliases`\n"),
    (["establish", "--unit", "gov", "--name", "Again", "--date", "2024"],
     "Error: add: event 1 (establish, 2024): unit id 'gov' is already used (unit ids "
     "are never reused)\n"),
    (["step_down", "--unit", "gov", "--person", "ann", "--date", "2024", "--source-title",
      "T"],
     "Error: --source-title and the other --source-… options describe a new source: name "
     "its id with --source\n"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_a_bad_add_exits_1_with_one_line_and_writes_nothing(
        args: list[str], message: str, run: Run, write: Write) -> None:
    assert run("load", write("base.yaml", BASE)).exit_code == 0
    before = run("export").stdout
    r = run("add", *args)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", message)
    assert run("export").stdout == before


def test_a_missing_option_in_a_pipe_is_one_line_exit_2(run: Run) -> None:
    r = run("add", "appoint", "--unit", "gov", "--date", "2024")
    assert (r.exit_code, r.stdout, r.stderr) == (
        2, "", "Error: missing option --person (it is required; a terminal would be asked "
               "for it)\n")


def test_a_terminal_is_asked_for_missing_options(run: Run, write: Write,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from orgchart.cli import add

    assert run("load", write("base.yaml", BASE)).exit_code == 0
    monkeypatch.setattr(add, "interactive", lambda: True)
    r = run("add", "rename", "--name", "HMG", input="gov\n2024\n")
    assert (r.exit_code, r.stdout) == (0, "unit: gov\ndate: 2024\nrename-2024-5726f42881\n")


def test_each_type_s_help_shows_an_example(run: Run) -> None:
    r = run("add", "split", "--help")
    assert "Example: orgchart add split --unit UNIT --into unit=ID,name=NAME --date" \
        in r.stdout
    for type_name in FACT_TYPES:
        assert f"Example: orgchart add {type_name}" in run("add", type_name, "-h").stdout


def test_add_to_the_starter_file_appends_after_its_comments(run: Run, tmp_path: Path) -> None:
    from orgchart.adapters.eventfile.starter import starter_text

    path = tmp_path / "history.yaml"
    path.write_text(starter_text(), encoding="utf-8")
    r = run("add", "establish", "--unit", "research", "--name", "Research", "--parent",
            "example-corp", "--date", "2021", "--source", "annual-report-2025",
            "--to", str(path))
    assert (r.exit_code, r.stdout) == (0, "establish-2021-55513acf0c\n")
    assert path.read_text(encoding="utf-8") == starter_text() + (
        "  - type: establish\n    date: 2021\n    unit: research\n    name: Research\n"
        "    parent: example-corp\n    source: annual-report-2025\n")
    assert run("load", str(path)).stdout == f"{path}: 2 new events\n"
    assert run("load", str(path)).stdout == f"{path}: 0 new events\n"


def test_add_to_a_json_or_foreign_file_is_refused(run: Run, write: Write) -> None:
    for name, text, message in [
            ("h.json", "{}", "{path}: `add --to` writes YAML files only (comments and layout "
                             "are kept); give a .yaml file"),
            ("h.yaml", "title: x\n", "{path}: not an orgchart/v1 file (it needs `format: "
                                     "orgchart/v1`); the event is not added")]:
        path = write(name, text)
        r = run("add", "establish", "--unit", "a", "--name", "A", "--date", "2021",
                "--to", path)
        assert (r.exit_code, r.stdout, r.stderr) == (
            1, "", f"Error: {message.format(path=path)}\n")
        assert Path(path).read_text() == text
