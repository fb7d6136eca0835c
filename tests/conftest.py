"""Shared fixtures: a fresh store path, a CLI runner, the seed file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from orgchart.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "alibaba-2026.yaml"


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "store.db")


Run = Callable[..., Result]


@pytest.fixture
def run(db_path: str) -> Run:
    """Invoke the CLI against the test store: run("at", "2026-04-01")."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", db_path, *args], input=input, obj={})

    return invoke


@pytest.fixture
def seeded(run: Run) -> Run:
    r = run("load", str(SEED))
    assert r.exit_code == 0, r.output
    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    """Write a file under the test's tmp dir and return its path."""

    def w(name: str, text: str) -> str:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return str(p)

    return w
