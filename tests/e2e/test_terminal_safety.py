"""Names, titles and notes from event files cannot drive the terminal (issue 17, item 7):
control and bidirectional-override characters are shown as escapes in text output and in
error messages, and kept as they are in JSON, on both back-ends."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from tests.conftest import Run

FAKE = "\rok: 15 events in 21 log entries; hash chain intact\x1b[K"
HOSTILE = """\
format: orgchart/v1
title: "Org\\e]0;pwned\\a"
people:
  p: {name: "P\\u202egnp.exe"}
events:
  - {type: establish, date: 2020, unit: u, name: "Unit\\x9b2J", note: "n\\e[31m"}
  - {type: establish, date: 2020, unit: v, name: V, parent: u}
  - {type: appoint, date: 2020, unit: u, person: p,
     title: "\\rok: 15 events in 21 log entries; hash chain intact\\e[K"}
  - {type: rename, date: 2021, unit: u, name: "U\\u2066x\\u2069"}
  - {type: merge, date: 2022, units: [u, v], into: {unit: w, name: "W\\e[2J"}}
"""
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
TEXT_COMMANDS = [["at", "2020-06-01"], ["log"], ["diff", "2019", "2022"], ["history", "u"],
                 ["lineage", "w"], ["history", "w"]]


@pytest.fixture
def hostile(run: Run, write: Callable[[str, str], str]) -> Run:
    r = run("load", write("hostile.yaml", HOSTILE))
    assert r.exit_code == 0, r.output
    return run


@pytest.mark.parametrize("args", TEXT_COMMANDS)
def test_text_output_shows_control_characters_as_escapes(args: list[str], hostile: Run) -> None:
    r = hostile(*args)
    assert r.exit_code == 0, r.output
    assert UNSAFE.search(r.stdout) is None, repr(r.stdout)


def test_the_tree_shows_each_character_as_its_escape(hostile: Run) -> None:
    out = hostile("at", "2020-06-01").stdout
    assert out.startswith("Org\\x1b]0;pwned\\x07 — on 2020-06-01\n")
    assert "Unit\\x9b2J  [since 2020]" in out
    assert "head: P\\u202egnp.exe, \\x0dok: 15 events in 21 log entries; hash chain " \
           "intact\\x1b[K, since 2020" in out


def test_json_keeps_the_text_as_it_was_written(hostile: Run) -> None:
    data = json.loads(hostile("at", "2020-06-01", "--format", "json").stdout)
    unit = next(u for u in data["units"] if u["id"] == "u")
    assert unit["name"] == "Unit\x9b2J"
    assert unit["leaders"][0]["title"] == FAKE
    assert unit["leaders"][0]["name"] == "P\u202egnp.exe"


def test_an_error_message_quoting_a_file_is_terminal_safe(run: Run,
                                                          write: Callable[[str, str], str]) -> None:
    path = write("bad.yaml", 'format: orgchart/v1\nevents:\n  - {type: "x\\e[2J", date: 2020}\n')
    r = run("load", path)
    assert (r.exit_code, r.stderr) == (
        1, f"Error: {path}:3: event 1 (x\\x1b[2J, 2020): unknown event type 'x\\x1b[2J'\n")
