"""Limits on what an event file may hold, each refused with `FILE:LINE` (issue 17):
ids and dates without a trailing newline (item 9), display texts of at most 1,000
characters (item 10), no duplicate keys in JSON (item 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from orgchart.adapters.eventfile import schema
from orgchart.cli import cli

ID_RULE = ("use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, "
           "at most 64 characters")
DATE_RULE = "use YYYY-MM-DD, YYYY-MM or YYYY"


def load(tmp_path: Path, text: str, name: str = "f.yaml") -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "store.db"), "load", str(path)],
                           obj={})
    return r.exit_code, r.stderr, str(path)


# -- item 9: no trailing newline in ids and dates -------------------------------------------

@pytest.mark.parametrize(("text", "where", "message"), [
    ('  - {type: establish, date: 2020, unit: "x\\n", name: X}\n',
     "3: event 1 (establish, 2020)", f"field 'unit': 'x\\n' is not a valid id ({ID_RULE})"),
    ('  - {type: establish, date: "2027\\n", unit: x, name: X}\n',
     "3: event 1 (establish, 2027\\n)", f"field 'date': '2027\\n' is not a date ({DATE_RULE})"),
    ('  - {type: establish, date: 2020, unit: x, name: X, recorded: "2020-01\\n"}\n',
     "3: event 1 (establish, 2020)",
     f"field 'recorded': '2020-01\\n' is not a date ({DATE_RULE})"),
    ('  - {type: establish, date: 2020, unit: x, name: X, id: "e1\\n"}\n',
     "3: event 1 (establish, 2020)", f"field 'id': 'e1\\n' is not a valid id ({ID_RULE})"),
])
def test_an_id_or_date_ending_in_a_newline_is_refused(text: str, where: str, message: str,
                                                       tmp_path: Path) -> None:
    code, err, path = load(tmp_path, "format: orgchart/v1\nevents:\n" + text)
    assert (code, err) == (1, f"Error: {path}:{where}: {message}\n")


def test_reference_ids_and_dates_ending_in_a_newline_are_refused(tmp_path: Path) -> None:
    code, err, path = load(tmp_path, 'format: orgchart/v1\npeople:\n  "p\\n": {name: P}\n'
                                     'events: []\n')
    assert (code, err) == (1, f"Error: {path}:2: field 'people': 'p\\n' is not a valid id "
                              f"({ID_RULE})\n")
    code, err, path = load(tmp_path, 'format: orgchart/v1\nsources:\n  s: {title: S, date: '
                                     '"2020\\n"}\nevents: []\n')
    assert (code, err) == (1, f"Error: {path}:3: field 'date': '2020\\n' is not a date "
                              f"({DATE_RULE})\n")


def test_json_ids_ending_in_a_newline_are_refused(tmp_path: Path) -> None:
    code, err, path = load(tmp_path, '{"format": "orgchart/v1", "events": [\n{"type": "move", '
                                     '"date": "2020", "unit": "a", "parent": "b\\n"}]}\n',
                           "f.json")
    assert (code, err) == (1, f"Error: {path}:2: event 1 (move, 2020): field 'parent' has the "
                              f"wrong shape: \"b\\n\"\n")


@pytest.mark.parametrize("definition", ["id", "date"])
@pytest.mark.parametrize("value", ["a1\n", "2020\n", "2020-01-02\n", "x\r\n"])
def test_both_validators_refuse_a_trailing_newline(definition: str, value: str) -> None:
    import fastjsonschema

    with pytest.raises(fastjsonschema.JsonSchemaException):
        schema.fast_check(definition)(value)
    assert not schema.validator(definition).is_valid(value)


def test_what_the_fast_validator_refuses_is_refused_even_if_the_other_accepts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from jsonschema import Draft202012Validator

    monkeypatch.setattr(schema, "validator", lambda definition=None: Draft202012Validator({}))
    err = schema.first_error("x\n", "id")
    assert err is not None and schema.explain(err) == \
        "value: does not match the orgchart/v1 schema"


# -- item 10: display texts of at most 1,000 characters (notes and reasons 10,000) ---------

EVENTS = {
    "name": ("establish", "unit: u\n    name: {v}", 1000),
    "name_en": ("establish", "unit: u\n    name: U\n    name_en: {v}", 1000),
    "kind": ("establish", "unit: u\n    name: U\n    kind: {v}", 1000),
    "note": ("establish", "unit: u\n    name: U\n    note: {v}", 10_000),
    "title": ("appoint", "unit: u\n    person: p\n    title: {v}", 1000),
    "role": ("appoint", "unit: u\n    person: p\n    role: {v}", 1000),
}


@pytest.mark.parametrize("field", list(EVENTS))
def test_an_overlong_event_text_is_refused(field: str, tmp_path: Path) -> None:
    kind, body, limit = EVENTS[field]
    value = "x" * (limit + 1)
    code, err, path = load(tmp_path, "format: orgchart/v1\nevents:\n"
                                     f"  - type: {kind}\n    date: 2020\n    "
                                     + body.format(v=value) + "\n")
    line = 4 + body.count("\n") + 1
    assert (code, err) == (1, f"Error: {path}:{line}: event 1 ({kind}, 2020): field '{field}' "
                              f"is too long: {limit + 1:,} characters (at most {limit:,})\n")


@pytest.mark.parametrize(("section", "entry", "field"), [
    ("people", "p: {{name: {v}}}", "name"), ("people", "p: {{name: P, name_en: {v}}}", "name_en"),
    ("sources", "s: {{title: {v}}}", "title"), ("sources", "s: {{title: S, publisher: {v}}}",
                                                "publisher")])
def test_an_overlong_reference_text_is_refused(section: str, entry: str, field: str,
                                               tmp_path: Path) -> None:
    code, err, path = load(tmp_path, f"format: orgchart/v1\n{section}:\n  "
                                     + entry.format(v="y" * 1001) + "\nevents: []\n")
    assert (code, err) == (1, f"Error: {path}:3: field '{field}' is too long: 1,001 characters "
                              f"(at most 1,000)\n")


def test_an_overlong_history_title_and_reason_are_refused(tmp_path: Path) -> None:
    code, err, path = load(tmp_path, f"format: orgchart/v1\ntitle: {'t' * 1001}\nevents: []\n")
    assert (code, err) == (1, f"Error: {path}:2: field 'title' is too long: 1,001 characters "
                              f"(at most 1,000)\n")
    code, err, path = load(tmp_path, "format: orgchart/v1\nevents:\n  - type: retract\n"
                                     f"    event: e1\n    reason: {'r' * 10_001}\n")
    assert (code, err) == (1, f"Error: {path}:5: event 1 (retract): field 'reason' is too "
                              f"long: 10,001 characters (at most 10,000)\n")


def test_names_at_the_limit_load_and_draw(tmp_path: Path) -> None:
    """1,000 CJK characters (3,000 bytes) stay well under Graphviz's label limit."""
    name = "名" * 1000
    code, err, _ = load(tmp_path, "format: orgchart/v1\npeople:\n  p: {name: P}\nevents:\n"
                                     f"  - {{type: establish, date: 2020, unit: u, name: {name},"
                                     f" note: {'n' * 10_000}}}\n"
                                     f"  - {{type: appoint, date: 2020, unit: u, person: p, "
                                     f"title: {'t' * 1000}}}\n")
    assert (code, err) == (0, "")
    out = tmp_path / "chart.svg"
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "store.db"), "render", "2020", "-o",
                                 str(out)], obj={})
    assert r.exit_code == 0, r.output
    assert name in out.read_text(encoding="utf-8")


# -- item 12: duplicate keys in JSON are refused, as in YAML ---------------------------------

@pytest.mark.parametrize(("text", "line", "key"), [
    ('{"format": "orgchart/v1", "events": [\n  {"type": "establish", "date": "2020", '
     '"unit": "u",\n   "name": "first",\n   "name": "second"}]}\n', 4, "name"),
    ('{"format": "orgchart/v1",\n "title": "A",\n "title": "B",\n "events": []}\n', 3, "title"),
    ('{"format": "orgchart/v1", "people": {\n  "p": {"name": "P"},\n  "p": {"name": "Q"}},\n'
     ' "events": []}\n', 3, "p"),
])
def test_a_duplicate_json_key_is_refused_at_its_line(text: str, line: int, key: str,
                                                      tmp_path: Path) -> None:
    code, err, path = load(tmp_path, text, "f.json")
    assert (code, err) == (1, f"Error: {path}:{line}: not valid JSON: duplicate key '{key}'\n")


def test_yaml_refuses_the_same_duplicate(tmp_path: Path) -> None:
    code, err, path = load(tmp_path, "format: orgchart/v1\nevents:\n  - type: establish\n"
                                     "    date: 2020\n    unit: u\n    name: first\n"
                                     "    name: second\n")
    assert (code, err) == (1, f"Error: {path}:7: not valid YAML: duplicate key 'name'\n")


def test_json_keys_differing_only_in_case_are_distinct(tmp_path: Path) -> None:
    code, err, path = load(tmp_path, '{"format": "orgchart/v1", "events": [{"type": '
                                     '"establish", "date": "2020", "unit": "u", "name": "N", '
                                     '"Name": "M"}]}\n', "f.json")
    assert (code, err) == (1, f"Error: {path}:1: event 1 (establish, 2020): unknown field "
                              f"'Name' (did you mean 'name'?)\n")
