"""Aliases: `aliases:` on establish and rename (short names, old spellings). Every command
that takes a unit takes its id, an alias or a name it bore (any case), through one
resolver; several units answering to one word is a one-line error naming them; an alias
is never another unit's id or alias; "did you mean" looks among aliases; `orgchart add
--alias`; search in `orgchart serve` finds a unit by alias."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from orgchart.cli.main import cli
from orgchart.web.app import create_app
from tests.conftest import Run

UK = """\
format: orgchart/v1
title: UK departments
recorded: 2026-01-01
events:
  - {type: establish, date: 1992-04-11, unit: dnh, name: Department of National Heritage}
  - {type: establish, date: 1992-04-11, unit: dfe-1992, name: Department for Education}
  - {type: dissolve, date: 1995-07-05, unit: dfe-1992}
  - {type: rename, date: 1997-07-14, unit: dnh, name: "Department for Culture, Media and Sport",
     aliases: [DCMS]}
  - {type: establish, date: 2009-06-05, unit: bis,
     name: "Department for Business, Innovation and Skills", aliases: [BIS]}
  - {type: establish, date: 2010-05-12, unit: dfe, name: Department for Education,
     aliases: [DfE]}
  - {type: establish, date: 2010-05-12, unit: sta, name: Standards and Testing Agency,
     parent: dfe}
  - {type: establish, date: 2016-07-14, unit: beis,
     name: "Department for Business, Energy and Industrial Strategy", aliases: [BEIS]}
  - {type: merge, date: 2016-07-14, units: [bis], into: beis}
"""

Write = Callable[[str, str], str]


@pytest.fixture
def uk(run: Run, write: Write) -> Run:
    r = run("load", write("uk.yaml", UK))
    assert (r.exit_code, r.stdout) == (0, f"{write('uk.yaml', UK)}: 9 new events\n")
    return run


def ok(run: Run, *args: str) -> str:
    r = run(*args)
    assert (r.exit_code, r.stderr) == (0, ""), r.output
    return r.stdout


def test_history_by_alias(uk: Run) -> None:
    assert ok(uk, "history", "BEIS") == (
        "Department for Business, Energy and Industrial Strategy  [beis]\n"
        "since 2016-07-14\n"
        "also known as BEIS\n\n"
        "2016-07-14  established as Department for Business, Energy and Industrial Strategy, "
        "at the top level\n"
        "            establish-2016-07-14-609a76132a\n"
        "2016-07-14  absorbed Department for Business, Innovation and Skills\n"
        "            merge-2016-07-14-834e79bcba\n")
    as_json = ok(uk, "history", "BEIS", "--format", "json")
    assert '"unit": "beis"' in as_json and as_json.endswith('  "aliases": [\n    "BEIS"\n  ]\n}\n')
    # a unit without aliases: no `aliases` key, no line (as before aliases existed)
    assert '"aliases"' not in ok(uk, "history", "sta", "--format", "json")
    assert ok(uk, "history", "sta").splitlines()[1:3] == ["since 2010-05-12", ""]


#: Each command with a unit given by id, and the same by alias or name (any case).
SAME = [
    (["history", "beis"], ["history", "BEIS"]),
    (["history", "beis", "--format", "json"], ["history", "BEIS", "--format", "json"]),
    (["history", "dnh"], ["history", "department of national heritage"]),
    (["lineage", "dnh"], ["lineage", "dcms"]),
    (["lineage", "beis", "--format", "json"], ["lineage", "Beis", "--format", "json"]),
    (["at", "2020", "--root", "dfe"], ["at", "2020", "--root", "DfE"]),
    (["at", "2020", "--root", "dfe", "--format", "json"],
     ["at", "2020", "--root", "DFE", "--format", "json"]),
    (["render", "2020", "--root", "dfe", "--format", "dot", "-o", "-"],
     ["render", "2020", "--root", "DfE", "--format", "dot", "-o", "-"]),
    (["diff", "2016-01-01", "2017-01-01", "--root", "beis"],
     ["diff", "2016-01-01", "2017-01-01", "--root", "BEIS"]),
    (["diff", "2016-01-01", "2017-01-01", "--root", "beis", "--format", "json"],
     ["diff", "2016-01-01", "2017-01-01", "--root", "BEIS", "--format", "json"]),
    (["log", "--unit", "bis"], ["log", "--unit", "BIS"]),
    (["at", "2020", "--root", "dnh", "--known-at", "2026-01-01"],
     ["at", "2020", "--root", "Department for Culture, Media and Sport",
      "--known-at", "2026-01-01"]),
]


@pytest.mark.parametrize(("by_id", "by_alias"), SAME, ids=[" ".join(a) for _, a in SAME])
def test_every_command_takes_an_alias_or_a_name(uk: Run, by_id: list[str],
                                                by_alias: list[str]) -> None:
    assert ok(uk, *by_alias) == ok(uk, *by_id)


def test_exact_outputs_by_alias(uk: Run) -> None:
    assert ok(uk, "at", "2020", "--root", "DfE") == (
        "UK departments — on 2020\n\n"
        "Department for Education  [since 2010-05-12]\n"
        "└── Standards and Testing Agency  [since 2010-05-12]\n")
    assert ok(uk, "log", "--unit", "BIS") == (
        "2009-06-05  establish  bis established as Department for Business, Innovation and "
        "Skills (a root)\n"
        "            id establish-2009-06-05-9aaf64e2fc, recorded 2026-01-01\n"
        "2016-07-14  merge      bis merged into beis\n"
        "            id merge-2016-07-14-834e79bcba, recorded 2026-01-01\n")
    assert ok(uk, "lineage", "dcms").splitlines()[0] == (
        "Lineage of Department of National Heritage → Department for Culture, Media and "
        "Sport (1997-07-14)  [dnh]")


def test_timeline_takes_an_alias(uk: Run, tmp_path: Path) -> None:
    by_id, by_alias = tmp_path / "id.html", tmp_path / "alias.html"
    ok(uk, "timeline", "--root", "beis", "-o", str(by_id))
    ok(uk, "timeline", "--root", "BEIS", "-o", str(by_alias))
    assert by_alias.read_bytes() == by_id.read_bytes()


def test_a_word_that_names_several_units_is_an_error_naming_them(uk: Run) -> None:
    for args in (["history", "Department for Education"],
                 ["at", "2020", "--root", "department for education"]):
        r = uk(*args)
        assert (r.exit_code, r.stdout, r.stderr) == (
            1, "", f"Error: '{args[-1]}' names 2 units: dfe (since 2010-05-12), dfe-1992 "
                   f"(1992-04-11–1995-07-05); give one of these ids\n")
    assert ok(uk, "history", "dfe-1992").startswith("Department for Education  [dfe-1992]\n")


DID_YOU_MEAN = [
    (["history", "BEIZ"], "Error: unknown unit 'BEIZ' (did you mean 'BEIS'?)\n"),
    (["at", "2020", "--root", "DfEE"], "Error: unknown unit 'DfEE' (did you mean 'DfE'?)\n"),
    (["lineage", "Department of Natinal Heritage"],
     "Error: unknown unit 'Department of Natinal Heritage' "
     "(did you mean 'Department of National Heritage'?)\n"),
    (["history", "beiss"], "Error: unknown unit 'beiss' (did you mean 'beis'?)\n"),
]


@pytest.mark.parametrize(("args", "message"), DID_YOU_MEAN)
def test_did_you_mean_looks_among_aliases(uk: Run, args: list[str], message: str) -> None:
    r = uk(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", message)


@pytest.mark.parametrize(("word", "hint"), [
    ("beiss", "(did you mean 'beis'?)"),
    ("dcms", "(did you mean 'dnh'? units are named by id)"),  # an alias of dnh
])
def test_a_file_naming_a_unit_by_alias_gets_the_id(uk: Run, write: Write, word: str,
                                                   hint: str) -> None:
    """Event files name units by id only: a "did you mean" there names the id."""
    path = write("x.yaml", "format: orgchart/v1\nrecorded: 2026-01-02\nevents:\n"
                           f"  - {{type: rename, date: 2020, unit: {word}, name: X}}\n")
    r = uk("load", path)
    assert (r.exit_code, r.stderr) == (
        1, f"Error: {path}:4: event 1 (rename, 2020): unit '{word}' does not exist on 2020 "
           f"{hint}\n")


RULE = "(an alias may not be another unit's id or alias)"
COLLISIONS = [
    ("{type: establish, date: 2020, unit: x, name: X, aliases: [Bis]}",
     f"event 1 (establish, 2020): alias 'Bis' of unit 'x' is the id of unit 'bis' {RULE}"),
    ("{type: rename, date: 2020, unit: sta, name: STA, aliases: [dcms]}",
     f"event 1 (rename, 2020): alias 'dcms' of unit 'sta' is already an alias of unit "
     f"'dnh' {RULE}"),
    ("{type: establish, date: 2020, unit: dcms, name: X}",
     f"event 1 (establish, 2020): unit id 'dcms' is already an alias of unit 'dnh' {RULE}"),
    ("{type: establish, date: 1990, unit: x, name: X, aliases: [BEIS]}",
     "event 1 (establish, 1990): makes stored event 'establish-2016-07-14-609a76132a' "
     "(establish, 2016-07-14, recorded 2026-01-01) invalid: unit id 'beis' is already an "
     f"alias of unit 'x' {RULE}; a stored event cannot be edited: retract it "
     "(orgchart retract establish-2016-07-14-609a76132a --reason …) and record a corrected "
     "one, or change the new event"),
]


@pytest.mark.parametrize(("event", "message"), COLLISIONS)
def test_an_alias_is_no_other_units_id_or_alias(uk: Run, write: Write, event: str,
                                                message: str) -> None:
    before = ok(uk, "export")
    path = write("x.yaml", f"format: orgchart/v1\nrecorded: 2026-01-02\nevents:\n  - {event}\n")
    r = uk("load", path)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {path}:4: {message}\n")
    assert ok(uk, "export") == before


def test_an_alias_given_twice_in_one_list_is_refused(uk: Run, write: Write) -> None:
    """The same text twice in one `aliases` list is the file format's error (the engine's
    rules never see such an event), at its line; nothing is written."""
    before = ok(uk, "export")
    path = write("x.yaml", "format: orgchart/v1\nrecorded: 2026-01-02\nevents:\n"
                           "  - {type: rename, date: 2020, unit: dfe, aliases: [Ed, DFE, Ed]}\n")
    r = uk("load", path)
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", f"Error: {path}:4: event 1 (rename, 2020): field 'aliases': "
               '["Ed", "DFE", "Ed"] has non-unique elements\n')
    assert ok(uk, "export") == before


def test_an_alias_may_repeat_for_its_own_unit_and_be_its_id(uk: Run, write: Write) -> None:
    path = write("x.yaml", "format: orgchart/v1\nrecorded: 2026-01-02\nevents:\n"
                           "  - {type: rename, date: 2020, unit: dfe, name: DfE, "
                           "aliases: [DFE, Education Department]}\n")
    assert ok(uk, "load", path) == f"{path}: 1 new event\n"
    assert ok(uk, "history", "education department") == ok(uk, "history", "dfe")


def test_a_retracted_alias_no_longer_names_the_unit(uk: Run) -> None:
    event = "rename-1997-07-14-9683bd26ee"
    assert ok(uk, "history", "DCMS").startswith("Department of National Heritage → ")
    ok(uk, "retract", event, "--reason", "wrong date")
    r = uk("history", "DCMS")
    assert (r.exit_code, r.stderr) == (1, "Error: unknown unit 'DCMS'\n")
    r = uk("history", "DCMS", "--known-at", "2026-01-01")
    assert r.exit_code == 0 and r.stdout.startswith("Department of National Heritage → ")
    assert ok(uk, "verify").startswith("ok: ")  # the tables kept up equal a rebuild


def test_add_alias_is_the_file_field(uk: Run, write: Write, tmp_path: Path) -> None:
    r = uk("add", "establish", "--unit", "dsit", "--name",
           "Department for Science, Innovation and Technology", "--alias", "DSIT",
           "--alias", "Science Department", "--date", "2023-02-07", "--recorded", "2026-01-02")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "establish-2023-02-07-fa39455cc4\n", "")
    db = str(tmp_path / "file.db")
    same = write("same.yaml", UK + "  - {type: establish, date: 2023-02-07, unit: dsit, "
                                   "name: 'Department for Science, Innovation and Technology',"
                                   " aliases: [DSIT, Science Department], "
                                   "recorded: 2026-01-02}\n")
    CliRunner().invoke(cli, ["--db", db, "load", same], obj={})
    assert CliRunner().invoke(cli, ["--db", db, "export"], obj={}).stdout == ok(uk, "export")
    assert ok(uk, "history", "science department").startswith(
        "Department for Science, Innovation and Technology  [dsit]\n")
    r = uk("add", "rename", "--unit", "sta", "--name", "STA", "--alias", "DCMS",
           "--date", "2024")
    assert (r.exit_code, r.stderr) == (
        1, f"Error: add: event 1 (rename, 2024): alias 'DCMS' of unit 'sta' is already an "
           f"alias of unit 'dnh' {RULE}\n")
    to = tmp_path / "more.yaml"
    r = uk("add", "rename", "--unit", "sta", "--name", "STA", "--alias", "Testing",
           "--date", "2024", "--to", str(to))
    assert r.exit_code == 0, r.output
    assert to.read_text() == ("format: orgchart/v1\nevents:\n- type: rename\n  date: 2024\n"
                              "  unit: sta\n  name: STA\n  aliases:\n  - Testing\n")


def test_serve_finds_a_unit_by_alias(uk: Run, db_path: str) -> None:
    with TestClient(create_app(db_path)) as c:
        found = c.get("/api/search?q=beis&date=2020-01-01").json()
        assert found["units"][0] == {
            "id": "beis", "name": "Department for Business, Energy and Industrial Strategy",
            "name_en": None, "kind": None, "alive": True, "matched": None}
        found = c.get("/api/search?q=DCM&date=2020-01-01").json()
        assert found["units"] == [{
            "id": "dnh", "name": "Department for Culture, Media and Sport", "name_en": None,
            "kind": None, "alive": True, "matched": "DCMS"}]
        found = c.get("/api/search?q=BIS&date=2020-01-01").json()
        assert found["units"][0] == {
            "id": "bis", "name": "Department for Business, Innovation and Skills",
            "name_en": None, "kind": None, "alive": False, "matched": None}
        assert c.get("/api/history/DfE").text == ok(uk, "history", "dfe", "--format", "json")
        r = c.get("/api/history/Department%20for%20Education")
        assert (r.status_code, r.json()) == (400, {
            "error": "'Department for Education' names 2 units: dfe (since 2010-05-12), "
                     "dfe-1992 (1992-04-11–1995-07-05); give one of these ids"})
        found = c.get("/api/parents?unit=Standards%20and%20testing%20agency&date=2020").json()
        assert (found["unit"], found["parents"]) == ("sta", ["dfe"])
        found = c.get("/api/children?unit=DfE&date=2020").json()
        assert (found["unit"], [u["id"] for u in found["units"]]) == ("dfe", ["sta"])
        assert c.get("/api/at?date=2020&root=dfe").text == \
            c.get("/api/at?date=2020&root=DFE").text
        assert "Department for Education" in c.get("/unit/DfE").text
        page = c.get("/search?q=dcms&date=2020-01-01").text
        assert '<span class="matched">named DCMS</span>' in page


def test_new_units_of_a_split_or_merge_take_aliases(uk: Run, write: Write) -> None:
    path = write("split.yaml", "format: orgchart/v1\nrecorded: 2026-01-02\nevents:\n"
                 "  - {type: split, date: 2023-02-07, unit: beis, into: ["
                 "{unit: desnz, name: Energy Security and Net Zero, aliases: [DESNZ]}, "
                 "{unit: dbt, name: Business and Trade, aliases: [DBT, Trade]}]}\n"
                 "  - {type: merge, date: 2024, units: [dbt], "
                 "into: {unit: dbt2, name: Trade Two, aliases: [DBT2]}}\n")
    assert ok(uk, "load", path) == f"{path}: 2 new events\n"
    assert ok(uk, "history", "desnz") == ok(uk, "history", "DESNZ")
    assert ok(uk, "history", "trade").splitlines()[:3] == [
        "Business and Trade  [dbt]", "2023-02-07 – 2024 (merge)", "also known as DBT, Trade"]
    assert ok(uk, "lineage", "dbt2") == ok(uk, "lineage", "Dbt2")
    assert ok(uk, "verify").startswith("ok: ")
    clash = write("clash.yaml", "format: orgchart/v1\nrecorded: 2026-01-02\nevents:\n"
                  "  - {type: split, date: 2025, unit: desnz, into: ["
                  "{unit: e1, name: E1, aliases: [E2]}, {unit: e2, name: E2}]}\n")
    r = uk("load", clash)
    assert (r.exit_code, r.stderr) == (
        1, f"Error: {clash}:4: event 1 (split, 2025): alias 'E2' of unit 'e1' is the id of "
           f"unit 'e2' {RULE}\n")
