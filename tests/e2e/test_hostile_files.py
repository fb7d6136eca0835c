"""Event files written to hurt: alias bombs, deep nesting, odd keys and characters.

Each one must end in one `Error: FILE:LINE: ...` line and exit 1, quickly and in
little memory (issue 17). The loads run in a child process with a memory and time
limit, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

MEMORY_LIMIT = 2 << 30  # bytes of address space for the child
TIME_LIMIT = 60


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def load_limited(db: str, path: str) -> tuple[int, str, float]:
    """`orgchart load PATH` in a child process: (exit code, stderr, seconds)."""
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "orgchart", "--db", db, "load", "-q", path],
                       capture_output=True, text=True, timeout=TIME_LIMIT,
                       preexec_fn=_limit_memory, env={**os.environ})
    return p.returncode, p.stderr, time.monotonic() - t0


def alias_bomb(levels: int, field: str) -> str:
    """An appointment whose `field` holds `levels` levels of nine aliases each."""
    base = {"type": "appoint", "date": "2020", "unit": "u", "person": "p", field: ""}
    lines = ["format: orgchart/v1", "events:"]
    lines += [f"  {'-' if i == 0 else ' '} {k}: {v}" for i, (k, v) in enumerate(base.items())
              if k != field]
    lines += [f"    {field}:", "      - &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"      - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("field", ["title", "name", "note", "date", "type"])
def test_a_600_byte_alias_bomb_is_refused_at_once(field: str, tmp_path: Path) -> None:
    text = alias_bomb(9, field)
    assert len(text) < 620
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    code, err, seconds = load_limited(str(tmp_path / "store.db"), str(path))
    assert code == 1
    assert re.fullmatch(rf"Error: {re.escape(str(path))}:[89]: not valid YAML: its aliases "
                        rf"expand it to 490,329,0\d\d values; at most 10,2\d\d are allowed "
                        rf"\(aliases may repeat as many values as the file writes out, plus "
                        rf"10,000\)\n", err), err
    assert seconds < 30


def test_the_schema_explains_a_value_with_shared_parts_without_expanding_it() -> None:
    """jsonschema puts repr(value) into its messages: 9 levels of sharing are 387 million
    items. The check runs in a child with a memory limit."""
    code = (
        "from orgchart.adapters.eventfile.schema import explain, first_error\n"
        "v = ['x'] * 9\n"
        "for _ in range(8): v = [v] * 9\n"
        "e = {'type': 'appoint', 'date': '2020', 'unit': 'u', 'person': 'p', 'title': v}\n"
        "print(explain(first_error(e, 'appoint')))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=TIME_LIMIT, preexec_fn=_limit_memory, env={**os.environ})
    assert (p.returncode, p.stdout) == (0, "field 'title' must be string or null\n"), p.stderr


def test_an_alias_that_contains_itself_is_refused(run: Run,
                                                   write: Callable[[str, str], str]) -> None:
    path = write("cycle.yaml", "format: orgchart/v1\ntitle: &t [a, *t]\nevents: []\n")
    r = run("load", path)
    assert (r.exit_code, r.stderr) == (
        1, f"Error: {path}:2: not valid YAML: an alias refers to a value that contains it\n")


def test_anchors_and_aliases_within_the_allowance_load(run: Run,
                                                       write: Callable[[str, str], str]) -> None:
    path = write("ok.yaml", """\
format: orgchart/v1
sources:
  a: {title: A}
  b: {title: B}
events:
  - {type: establish, date: 2020, unit: r, name: &n Root, source: &s [a, b]}
  - {type: rename, date: 2021, unit: r, name_en: *n, source: *s}
""")
    r = run("load", path)
    assert (r.exit_code, r.stdout) == (0, f"{path}: 2 new events\n"), r.output


# -- nesting, surrogates, keys: one line each, never a traceback (issue 17, item 6) ---------

def load_in_process(tmp_path: Path, name: str, text: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from orgchart.cli import cli

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "store.db"), "load", str(path)],
                           obj={})
    return r.exit_code, r.stderr, str(path)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [100_000, 500, 65])
def test_deep_json_nesting_is_one_error(depth: int, tmp_path: Path) -> None:
    text = ('{"format": "orgchart/v1",\n"events": [\n{"type": "establish", "date": "2020", '
            f'"unit": "u",\n"name": {nested(depth)}}}]}}\n')
    code, err, path = load_in_process(tmp_path, "deep.json", text)
    where = "4: not valid JSON" if depth > 900 else "4: event 1 (establish, 2020)"
    assert (code, err) == (1, f"Error: {path}:{where}: lists and mappings nested more than 64 "
                              f"levels deep\n")


def test_nesting_within_the_limit_is_a_plain_schema_error(tmp_path: Path) -> None:
    text = ('{"format": "orgchart/v1", "events": [{"type": "establish", "date": "2020", '
            f'"unit": "u", "name": {nested(63)}}}]}}\n')
    code, err, path = load_in_process(tmp_path, "deep.json", text)
    assert (code, err) == (1, f"Error: {path}:1: event 1 (establish, 2020): field 'name' "
                              f"must be text\n")


@pytest.mark.parametrize("field", ["name", "title"])
def test_deep_yaml_nesting_is_one_error(field: str, tmp_path: Path) -> None:
    event = "  - {type: establish, date: 2020, unit: u, name: N}\n"
    if field == "name":
        event = f"  - type: establish\n    date: 2020\n    unit: u\n    name: {nested(990)}\n"
        line = "6: event 1 (establish, 2020)"
    else:
        line = "2"
    text = "format: orgchart/v1\n" + (f"title: {nested(990)}\n" if field == "title" else "") \
        + "events:\n" + event
    code, err, path = load_in_process(tmp_path, "deep.yaml", text)
    assert (code, err) == (1, f"Error: {path}:{line}: lists and mappings nested more than 64 "
                              f"levels deep\n")


def test_yaml_deeper_than_its_parser_allows_is_one_error(tmp_path: Path) -> None:
    code, err, path = load_in_process(
        tmp_path, "deep.yaml", f"format: orgchart/v1\ntitle: {nested(100_000)}\nevents: []\n")
    assert (code, err) == (1, f"Error: {path}:2: not valid YAML: exceeded maximum nesting "
                              f"depth\n")


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\ud83d\\ud83d"])
def test_a_lone_surrogate_in_json_is_one_error(escape: str, tmp_path: Path) -> None:
    text = ('{"format": "orgchart/v1", "events": [\n'
            '{"type": "establish", "date": "2020", "unit": "u", "name": "N"},\n'
            f'{{"type": "rename", "date": "2021", "unit": "u", "name": "a{escape}b"}}]}}\n')
    code, err, path = load_in_process(tmp_path, "s.json", text)
    first = escape[1:6]
    assert (code, err) == (1, f"Error: {path}:3: not valid JSON: '\\{first}' is half of a "
                              f"UTF-16 surrogate pair without its other half (not a "
                              f"character)\n")


def test_a_surrogate_pair_and_an_escaped_backslash_are_fine(tmp_path: Path) -> None:
    text = ('{"format": "orgchart/v1", "events": [{"type": "establish", "date": "2020", '
            '"unit": "u", "name": "\\ud83d\\ude00 \\\\ud800"}]}\n')
    code, err, _ = load_in_process(tmp_path, "s.json", text)
    assert (code, err) == (0, "")


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}"])
def test_a_yaml_key_that_is_a_list_or_mapping_is_one_error(key: str, tmp_path: Path) -> None:
    code, err, path = load_in_process(tmp_path, "k.yaml",
                                      f"format: orgchart/v1\nevents: []\n? {key}\n: x\n")
    kind = "list" if key.startswith("[") else "mapping"
    assert (code, err) == (1, f"Error: {path}:3: not valid YAML: a key must be text, not a "
                              f"{kind}\n")
