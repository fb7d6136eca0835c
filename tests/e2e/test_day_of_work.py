"""The README's "A day of work", followed as written: every command in it is run in a
fresh folder, and its output is what the README shows (exactly, or line by line in
order where the README trims it with `…`)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from orgchart.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### A day of work")
    return text[start:text.index("\n#", start + 1)]


def blocks(text: str) -> list[tuple[str, str]]:
    """The fenced blocks of `text`: (language, body)."""
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)


def sessions(body: str) -> list[tuple[str, list[str]]]:
    """A terminal block as (command, expected output lines); `\\` continues a command."""
    out: list[tuple[str, list[str]]] = []
    lines = body.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        assert lines[i].startswith("$ "), lines[i]
        command = lines[i][2:]
        while command.endswith("\\"):
            i += 1
            command = command[:-1] + lines[i].strip()
        i += 1
        expected: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        out.append((command, expected))
    return out


def shown(expected: list[str], actual: str) -> None:
    """`actual` is `expected`, or, where `expected` has `…`, holds its lines in order (a
    line ending in `…` stands for one starting with what comes before it)."""
    got = actual.rstrip("\n").split("\n")
    if not any("…" in line for line in expected):
        assert got == expected
        return
    at = 0
    for line in expected:
        if line == "…":
            continue
        prefix = line[:-1].rstrip() if line.endswith("…") else None
        while at < len(got) and not (got[at] == line or (
                prefix is not None and got[at].startswith(prefix))):
            at += 1
        assert at < len(got), f"not shown in order: {line!r}\n{actual}"
        at += 1


def test_the_readme_day_of_work_runs_as_written(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORGCHART_DB", raising=False)
    text = section()
    found = blocks(text)
    assert len(found) >= 6
    ran = 0
    for lang, body in found:
        if lang == "yaml":  # the proposal the README writes out
            assert body.startswith("format: orgchart/v1\n")
            (tmp_path / "proposal.yaml").write_text(body, encoding="utf-8")
            continue
        for command, expected in sessions(body):
            words = shlex.split(command)
            assert words[0] == "orgchart"
            r = CliRunner().invoke(cli, words[1:], obj={})
            assert (r.exit_code, r.stderr) == (0, ""), f"{command}\n{r.output}"
            shown(expected, r.stdout)
            ran += 1
            if words[1] == "init":  # the edit the README asks for
                starter = (tmp_path / "uk.yaml").read_text(encoding="utf-8")
                starter = re.sub(r"^title: [^#\n]*", "title: UK departments ", starter,
                                 flags=re.M)
                cut = starter.index("events:\n") + len("events:\n")
                rest = starter[cut:]
                starter = starter[:cut] + rest[rest.index("  # One example"):]
                (tmp_path / "uk.yaml").write_text(starter, encoding="utf-8")
    assert ran == 9
    # the proposal was never stored
    r = CliRunner().invoke(cli, ["log"], obj={})
    assert "split" not in r.stdout and r.stdout.count("\n") == 6
