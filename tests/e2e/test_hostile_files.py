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
