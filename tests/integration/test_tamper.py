"""`verify` detects a stored event that was edited, deleted or reordered in the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from orgchart.errors import OrgchartError
from orgchart.service import OrgChartService
from tests.conftest import SEED


@pytest.fixture
def store(db_path: str) -> str:
    svc = OrgChartService(db_path)
    svc.load([str(SEED)])
    assert svc.verify().startswith("ok: 15 events")
    svc.close()
    return db_path


def tamper(db_path: str, sql: Callable[[sqlite3.Connection], None]) -> None:
    con = sqlite3.connect(db_path)
    with con:
        sql(con)
    con.close()


def verify_error(db_path: str) -> str:
    svc = OrgChartService(db_path)
    try:
        with pytest.raises(OrgchartError) as e:
            svc.verify()
    finally:
        svc.close()
    return str(e.value)


def state(con: sqlite3.Connection, version: int) -> tuple[str, bytes]:
    row = con.execute("select topic, state from stored_events where originator_version = ?",
                      [version]).fetchone()
    return row[0], row[1]


def test_edited_event(store: str) -> None:
    def edit(con: sqlite3.Connection) -> None:
        topic, blob = state(con, 12)
        assert b"search-rec" in blob
        con.execute("update stored_events set state = ? where originator_version = 12",
                    [blob.replace(b"search-rec", b"search-rex")])

    tamper(store, edit)
    msg = verify_error(store)
    assert msg.startswith("the log is broken at log entry 12 (")
    assert "its hash does not match its content" in msg


def test_deleted_event(store: str) -> None:
    tamper(store, lambda con: con.execute("delete from stored_events where originator_version = 9"))
    assert verify_error(store) == ("the log is broken at log entry 9: found entry 10 instead "
                                   "(an entry was removed)")


def test_deleted_last_event_is_caught_by_the_query_tables(store: str) -> None:
    tamper(store, lambda con: con.execute(
        "delete from stored_events where originator_version = 21"))
    assert verify_error(store) == ("the log is broken after log entry 20: the query tables were "
                                   "built from 21 entries (entries were removed from the end)")


def test_reordered_events(store: str) -> None:
    def swap(con: sqlite3.Connection) -> None:
        a, b = state(con, 10), state(con, 11)
        for version, (topic, blob) in ((10, b), (11, a)):
            con.execute("update stored_events set topic = ?, state = ? "
                        "where originator_version = ?", [topic, blob, version])

    tamper(store, swap)
    assert verify_error(store).startswith("the log is broken at log entry 10 (")


def test_edited_query_table(store: str) -> None:
    tamper(store, lambda con: con.execute("update oc_versions set name = 'X' where unit = 'ath'"))
    assert verify_error(store).startswith("the query tables do not match a replay")
