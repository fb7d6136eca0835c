"""`verify` detects a stored event that was edited, deleted or reordered in the database.

The tampering is done with plain SQL on the library's events table, on both back-ends.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from orgchart.adapters.dbconfig import is_postgres, store_env
from orgchart.application.service import OrgChartService
from orgchart.cli import cli as main_cli
from orgchart.domain.errors import OrgchartError
from orgchart.domain.history import OrgHistory, chain_hash, content_fields
from orgchart.domain.stream import STREAM_ID
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
    assert svc.verify().startswith("ok: 16 events")
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
    log.sql("delete from EVENTS where originator_version = ?", 22)
    assert verify_error(log.db) == ("the log is broken after log entry 21: the query tables "
                                    "were built from 22 entries (entries were removed from the "
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


# -- issue 17, item 2: tamper evidence a read cannot erase, and an outside head ---------------

SEED_HEAD = "2f1d1a354be7305d22db29421b8ad0acd44bcd4d429aa028f6099de0b2934df4"
REBUILD = ("check it with `orgchart verify`; if the log is the true one, `orgchart rebuild` "
           "rebuilds the query tables from it")


def cli(db: str, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main_cli, ["--db", db, *args], obj={})
    return r.exit_code, r.stdout, r.stderr


def rechain(log: RawLog, first: int) -> None:
    """Recompute the chain from entry `first` to the end, as an attacker with the project's
    own `chain_hash` can (the chain starts from a fixed all-zero value)."""
    from eventsourcing.persistence import StoredEvent

    app = OrgChartService(log.db).store().app
    previous = json.loads(log.get(first - 1)[1])["chain"]
    last = int(log.sql("select max(originator_version) from EVENTS").fetchone()[0])
    for version in range(first, last + 1):
        topic, blob = log.get(version)
        ev = app.mapper.to_domain_event(StoredEvent(
            originator_id=STREAM_ID, originator_version=version, topic=topic, state=blob))
        data = json.loads(blob)
        assert isinstance(ev, OrgHistory.Chained)
        data["chain"] = previous = chain_hash(previous, type(ev).__name__, content_fields(ev))
        log.put(version, topic, json.dumps(data, ensure_ascii=False,
                                           separators=(",", ":")).encode())


def test_a_read_refuses_a_log_cut_short_and_verify_still_sees_it(log: RawLog) -> None:
    log.sql("delete from EVENTS where originator_version > ?", 19)
    code, out, err = cli(log.db, "at", "2026-04-01")
    assert (code, out, err) == (1, "", "Error: the log holds 19 entries but the query tables "
                                       f"were built from 22: entries were removed from its "
                                       f"end; {REBUILD}\n")
    assert verify_error(log.db) == ("the log is broken after log entry 19: the query tables "
                                    "were built from 22 entries (entries were removed from the "
                                    "end)")
    # the owner decides the shorter log is the true one: rebuild, and reads work again
    assert cli(log.db, "rebuild") == (0, "rebuilt the query tables from 19 log entries\n", "")
    code, out, _ = cli(log.db, "verify")
    assert code == 0 and out.startswith("ok: 13 events in 19 log entries")


def test_a_read_refuses_a_log_replaced_with_a_recomputed_chain(log: RawLog) -> None:
    topic, blob = log.get(12)  # a note rewritten: the log still replays
    log.put(12, topic, blob.replace(b"the core unit", b"a minor unit"))
    rechain(log, 12)
    code, out, err = cli(log.db, "at", "2026-04-01")
    assert (code, out, err) == (1, "", "Error: log entry 22 is not the one the query tables "
                                       f"were built from: the log was edited or replaced; "
                                       f"{REBUILD}\n")
    assert verify_error(log.db).startswith("the log is broken at or before log entry 22: the "
                                           "query tables were built from a different log")


def reset_tables(db: str) -> None:
    """The attacker's last step: make the tables forget what they were built from."""
    cache = sqlite3.connect(OrgChartService(db).cache_path(), isolation_level=None)
    cache.execute("delete from oc_meta")
    cache.close()


def test_verify_prints_the_head_and_checks_an_expected_one(log: RawLog) -> None:
    ok = ("ok: 16 events in 22 log entries; hash chain intact; query tables match a replay "
          "from scratch")
    assert cli(log.db, "verify") == (0, f"{ok}\nhead: {SEED_HEAD}\n", "")
    assert cli(log.db, "verify", "--expect", SEED_HEAD) == (
        0, f"{ok}; the expected head is log entry 22, the history up to it is unchanged\n"
           f"head: {SEED_HEAD}\n", "")
    earlier = json.loads(log.get(12)[1])["chain"]
    code, out, _ = cli(log.db, "verify", "--expect", earlier)
    assert code == 0 and "the expected head is log entry 12" in out
    assert cli(log.db, "verify", "--expect", "nonsense") == (
        1, "", "Error: --expect takes a chain head as `orgchart verify` prints it (64 "
               "hexadecimal digits), not 'nonsense'\n")


def test_an_edit_with_a_recomputed_chain_is_caught_against_a_published_head(
        log: RawLog) -> None:
    published = json.loads(log.get(15)[1])["chain"]  # kept elsewhere, before the edit
    topic, blob = log.get(12)  # a note rewritten: the log still replays
    log.put(12, topic, blob.replace(b"the core unit", b"a minor unit"))
    rechain(log, 12)
    reset_tables(log.db)
    code, out, _ = cli(log.db, "verify")  # without an outside head, nothing shows
    assert code == 0 and out.startswith("ok: 16 events in 22 log entries")
    assert cli(log.db, "verify", "--expect", published) == (
        1, "", f"Error: the expected head {published} is not in the log: the history up to "
               f"it was changed (or it is another store's head)\n")


def test_verify_checks_the_snapshots(log: RawLog) -> None:
    store = OrgChartService(log.db).store()
    store.app.snapshots.put([OrgHistory.Snapshot.take(store.head())])  # type: ignore[union-attr]
    store.close()
    assert cli(log.db, "verify")[0] == 0
    snaps = log.table.replace("orgchart_events", "orgchart_snapshots").replace(
        "stored_events", "stored_snapshots")
    log.conn.execute(f"update {snaps} set state = {log.p}",
                     (bytes(log.conn.execute(f"select state from {snaps}").fetchone()[0])
                      .replace(SEED_HEAD.encode(), b"0" * 64),))
    assert verify_error(log.db) == ("the snapshots are broken: the snapshot of log entry 22 "
                                    "does not carry that entry's chain head (edited)")
    log.conn.execute(f"update {snaps} set originator_version = 500")
    assert verify_error(log.db) == ("the snapshots are broken: one claims log entry 500, but "
                                    "the log holds 22 entries")


def test_a_retraction_reason_is_capped(log: RawLog) -> None:
    code, out, err = cli(log.db, "retract", "2026-04-reorg", "--reason", "r" * 10_001)
    assert (code, out, err) == (1, "", "Error: the --reason is too long: 10,001 characters "
                                       "(at most 10,000, as in event files)\n")


def test_the_head_check_keeps_at_free_of_the_library(tmp_path: Path) -> None:
    """Comparing the tables' head with the log's entry is one plain SQLite read."""
    db = str(tmp_path / "store.db")
    OrgChartService(db).load([str(SEED)])
    probe = ("import sys; from orgchart.cli import cli\n"
             "try: cli(['--db', sys.argv[1], 'at', '2026-04-01'], obj={})\n"
             "except SystemExit as e: assert e.code == 0, e.code\n"
             "print('eventsourcing' in sys.modules)")
    root = str(Path(__file__).parents[2])
    r = subprocess.run([sys.executable, "-c", probe, db], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "PYTHONPATH": root})
    assert r.stdout.splitlines()[-1] == "False", r.stderr


def test_rebuild_repairs_damaged_query_tables(log: RawLog) -> None:
    cache = sqlite3.connect(OrgChartService(log.db).cache_path(), isolation_level=None)
    cache.execute("update oc_versions set name = 'X' where unit = 'ath'")
    cache.close()
    assert verify_error(log.db) == ("the query tables do not match a replay of the log (table "
                                    "versions differs; `orgchart rebuild` rebuilds them)")
    assert cli(log.db, "rebuild") == (0, "rebuilt the query tables from 22 log entries\n", "")
    assert cli(log.db, "verify")[0] == 0
