"""Read commands create nothing, and a PostgreSQL cache belongs to one store (issue 17,
items 11 and 5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from orgchart.cli import cli
from tests.conftest import SEED, drop_pg_schema, fresh_pg_schema, postgres_url

READS = (("at", "2026"), ("log",), ("verify",), ("export",), ("history", "x"))


def run(db: str, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, ["--db", db, *args], obj={})
    return r.exit_code, r.stdout, r.stderr


def sqlite_tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute("select name from sqlite_master"))
    finally:
        conn.close()


@pytest.mark.parametrize("args", READS)
def test_a_read_on_another_applications_sqlite_file_changes_nothing(
        args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGCHART_CACHE", str(tmp_path / "cache"))
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("create table invoices (id integer primary key, total real)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    assert run(str(other), *args) == (
        1, "", f"Error: {other} is not an orgchart store (it has no orgchart event log); "
               f"`orgchart load FILE.yaml` makes one\n")
    assert sqlite_tables(other) == ["invoices"]
    assert other.read_bytes() == before


def test_a_read_on_a_missing_sqlite_file_creates_none(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    code, _, err = run(str(missing), "verify")
    assert (code, err) == (1, f"Error: the store {missing} holds no events yet: load some "
                              f"with `orgchart load FILE.yaml`\n")
    assert not missing.exists()


def pg_names(base: str, schema: str) -> list[str]:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        found = conn.execute("select nspname from pg_namespace where nspname = %s",
                             (schema,)).fetchall()
        objects = conn.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s union all select p.proname from pg_proc p join "
            "pg_namespace n on n.oid = p.pronamespace where n.nspname = %s union all "
            "select t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace "
            "where n.nspname = %s", (schema, schema, schema)).fetchall()
    return [r[0] for r in found] + sorted(r[0] for r in objects)


@pytest.mark.postgres
@pytest.mark.parametrize("args", READS)
def test_a_read_on_a_postgres_url_creates_nothing(args: tuple[str, ...], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGCHART_CACHE", str(tmp_path / "cache"))
    with fresh_pg_schema() as url:
        schema = url.rsplit("schema=", 1)[1]
        code, out, err = run(url, *args)
        assert (code, out) == (1, "")
        assert err == (f"Error: the store {url} holds no events yet: load some with "
                       f"`orgchart load FILE.yaml`\n")
        assert pg_names(postgres_url(), schema) == []  # no schema, table, type or function
        # a schema that exists, holding another application's table, stays as it was
        import psycopg

        with psycopg.connect(postgres_url(), autocommit=True) as conn:
            conn.execute(f'create schema "{schema}"')
            conn.execute(f'create table "{schema}".invoices (id int)')
        assert run(url, *args)[0] == 1
        assert pg_names(postgres_url(), schema) == [schema, "_invoices", "invoices", "invoices"]


@pytest.mark.postgres
def test_a_postgres_cache_follows_the_store_not_the_url(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema dropped and another history of the same length loaded: a reader with
    the old cache shows the new history, not the old one with the new grafted on."""
    monkeypatch.setenv("ORGCHART_CACHE", str(tmp_path / "cache"))
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_text("format: orgchart/v1\nevents:\n"
                     "  - {type: establish, date: 2020, unit: a, name: Alpha}\n",
                     encoding="utf-8")
    second.write_text("format: orgchart/v1\nevents:\n"
                      "  - {type: establish, date: 2020, unit: b, name: Beta}\n",
                      encoding="utf-8")
    with fresh_pg_schema() as url:
        assert run(url, "load", str(first))[0] == 0
        assert "Alpha" in run(url, "at", "2021")[1]
        drop_pg_schema(postgres_url(), url.rsplit("schema=", 1)[1])
        assert run(url, "load", str(second))[0] == 0
        code, out, err = run(url, "at", "2021")
        assert (code, err) == (0, "") and "Beta" in out and "Alpha" not in out
        assert run(url, "verify")[0] == 0
        # the same file loaded again after a drop is another store as well
        drop_pg_schema(postgres_url(), url.rsplit("schema=", 1)[1])
        assert run(url, "load", str(SEED))[0] == 0
        assert run(url, "verify")[0] == 0


@pytest.mark.postgres
def test_a_reader_is_answered_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    """A writer's append holds `LOCK TABLE … EXCLUSIVE`; a reader (a fresh cache, so it reads
    the log) runs no table-creation SQL, which would wait for that lock without a limit."""
    import os
    import subprocess
    import sys
    import time

    import psycopg

    with fresh_pg_schema() as url:
        assert run(url, "load", str(SEED))[0] == 0
        schema = url.rsplit("schema=", 1)[1]
        with psycopg.connect(postgres_url()) as writer:
            writer.execute(f'lock table "{schema}".orgchart_events in exclusive mode')
            started = time.monotonic()
            reader = subprocess.run(
                [sys.executable, "-m", "orgchart", "--db", url, "at", "2026-04-01"],
                capture_output=True, text=True, timeout=60,
                env={**os.environ, "ORGCHART_CACHE": str(tmp_path / "fresh")})
            took = time.monotonic() - started
            writer.rollback()
        assert (reader.returncode, reader.stderr) == (0, "")
        assert took < 20
