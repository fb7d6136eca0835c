"""`verify` detects a stored event that was edited, deleted or reordered in the database.

The tampering is done with plain SQL on the library's events table, on both back-ends.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from orgchart.adapters.dbconfig import is_postgres, store_env
from orgchart.application.service import OrgChartService
from orgchart.domain.errors import OrgchartError
from tests.conftest import SEED


class RawLog:
    """Direct SQL access to the stored events, bypassing orgchart and the library."""

    def __init__(self, db: str) -> None:
        self.db = db
        if is_postgres(db):
            import psycopg

            env = store_env(db)
            self.conn: Any = psycopg.connect(db.split("?")[0], autocommit=True)
            self.table = f'"{env["POSTGRES_SCHEMA"]}".orgchart_events'
            self.p = "%s"
        else:
            self.conn = sqlite3.connect(db, isolation_level=None)
            self.table, self.p = "stored_events", "?"

    def sql(self, text: str, *params: Any) -> Any:
        return self.conn.execute(text.replace("?", self.p).replace("EVENTS", self.table),
                                 params)

    def get(self, version: int) -> tuple[str, bytes]:
        topic, state = self.sql("select topic, state from EVENTS where originator_version = ?",
                                version).fetchone()
        return topic, bytes(state)

    def put(self, version: int, topic: str, state: bytes) -> None:
        self.sql("update EVENTS set topic = ?, state = ? where originator_version = ?",
                 topic, state, version)


@pytest.fixture
def log(db_path: str) -> Iterator[RawLog]:
    svc = OrgChartService(db_path)
    svc.load([str(SEED)])
    assert svc.verify().startswith("ok: 15 events")
    svc.close()
    raw = RawLog(db_path)
    yield raw
    raw.conn.close()


def verify_error(db_path: str) -> str:
    svc = OrgChartService(db_path)
    try:
        with pytest.raises(OrgchartError) as e:
            svc.verify()
    finally:
        svc.close()
    return str(e.value)


def test_edited_event(log: RawLog) -> None:
    topic, blob = log.get(12)
    assert b"search-rec" in blob
    log.put(12, topic, blob.replace(b"search-rec", b"search-rex"))
    msg = verify_error(log.db)
    assert msg.startswith("the log is broken at log entry 12 (")
    assert "its hash does not match its content" in msg


def test_deleted_event(log: RawLog) -> None:
    log.sql("delete from EVENTS where originator_version = ?", 9)
    assert verify_error(log.db) == ("the log is broken at log entry 9: found entry 10 instead "
                                    "(an entry was removed)")


def test_deleted_last_event_is_caught_by_the_query_tables(log: RawLog) -> None:
    log.sql("delete from EVENTS where originator_version = ?", 21)
    assert verify_error(log.db) == ("the log is broken after log entry 20: the query tables "
                                    "were built from 21 entries (entries were removed from the "
                                    "end)")


def test_reordered_events(log: RawLog) -> None:
    a, b = log.get(10), log.get(11)
    log.put(10, *b)
    log.put(11, *a)
    assert verify_error(log.db).startswith("the log is broken at log entry 10 (")


def test_edited_query_table(log: RawLog) -> None:
    cache = sqlite3.connect(OrgChartService(log.db).cache_path(), isolation_level=None)
    cache.execute("update oc_versions set name = 'X' where unit = 'ath'")
    cache.close()
    assert verify_error(log.db).startswith("the query tables do not match a replay")
