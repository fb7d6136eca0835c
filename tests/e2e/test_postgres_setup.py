"""Using PostgreSQL without its driver installed: one clear line naming the extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from orgchart.cli import cli
from tests.conftest import SEED


def test_a_postgres_url_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` fails as if absent
    monkeypatch.setenv("ORGCHART_CACHE", str(tmp_path))
    url = "postgresql://someone:secret@127.0.0.1:5432/db"
    for args in (["at", "2026-04-01"], ["load", str(SEED)]):
        r = CliRunner().invoke(cli, ["--db", url, *args], obj={})
        assert (r.exit_code, r.stderr) == (
            1, "Error: cannot open the store postgresql://someone:***@127.0.0.1:5432/db: "
               "PostgreSQL needs the `postgres` extra: pip install 'orgchart[postgres]'\n")
