"""`tables.insert_rows` writes every row, in order, however many there are."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from orgchart.adapters.readmodel import tables


def fresh() -> sqlite_utils.Database:
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    tables.create(db)
    return db


@pytest.mark.parametrize("count", [0, 1, tables.ROWS_PER_INSERT - 1, tables.ROWS_PER_INSERT,
                                   tables.ROWS_PER_INSERT + 1, 5 * tables.ROWS_PER_INSERT + 7])
def test_every_row_is_written_in_order(count: int) -> None:
    db = fresh()
    rows = [(f"u{i}", f"a{i}", f"k{i}" if i % 3 else None, f"e{i}", "2020", "2020-01-01")
            for i in range(count)]
    tables.insert_rows(db, "aliases", iter(rows))
    got = db.execute(f"select unit, alias, key, event, date, day from {tables.P}aliases "
                     f"order by rowid").fetchall()
    assert got == rows


def test_a_row_of_the_wrong_width_is_refused() -> None:
    db = fresh()
    rows: list[tuple[str, ...]] = [("u", "a", "k", "e", "2020", "2020-01-01")] * 40
    rows[3] = ("u", "a", "k", "e", "2020")
    rows[4] = ("u", "a", "k", "e", "2020", "2020-01-01", "x")
    with pytest.raises(sqlite3.ProgrammingError):
        tables.insert_rows(db, "aliases", rows)


def test_none_is_written_as_null() -> None:
    """None goes through the adapter `tables` registers for it (no failed lookup): still
    NULL, in a multi-row statement and a single one."""
    db = fresh()
    rows = [(f"u{i}", f"a{i}", None, f"e{i}", "2020", None)
            for i in range(tables.ROWS_PER_INSERT + 1)]
    tables.insert_rows(db, "aliases", rows)
    got = db.execute(f"select distinct typeof(key), typeof(day) from {tables.P}aliases"
                     ).fetchall()
    assert got == [("null", "null")]
