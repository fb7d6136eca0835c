"""The log's version (how many entries its one stream holds), read one way for every caller.

A SQLite store's file holds the library's events table, read here with plain
`sqlite3`, so that a command that only reads never imports the `eventsourcing`
library (`orgchart at` starts faster); a PostgreSQL store is asked through the
library's recorder, which `recorder()` opens when it is needed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol
from uuid import UUID

from orgchart.adapters.dbconfig import is_postgres
from orgchart.adapters.readmodel.connection import QueryDB, ReadDB
from orgchart.domain.stream import STREAM_ID, STREAM_ID_HEX

#: The table the library's SQLite recorder keeps events in (its default name), and how it
#: writes the stream's id there.
SQLITE_EVENTS_TABLE = "stored_events"


class Recorder(Protocol):
    """The part of the library's recorder this reads."""

    def select_events(self, originator_id: UUID, *, gt: int | None = ...,
                      lte: int | None = ..., desc: bool = ...,
                      limit: int | None = ...) -> Sequence[Any]: ...

#: The chain value before the first chained entry (`orgchart.domain.history.GENESIS`, kept
#: here as text so that reading it needs no import of the library).
GENESIS = "0" * 64


def log_version(db: str, recorder: Callable[[], Recorder],
                conn: QueryDB | None = None) -> int:
    """The version of the one stream in the store `db` (0: no events, or no store yet).

    `conn`, if given, is an open connection to a SQLite store's file to read it on
    (opening another costs more than the query).
    """
    if is_postgres(db):
        rows = recorder().select_events(STREAM_ID, desc=True, limit=1)
        return int(rows[0].originator_version) if rows else 0
    if conn is None:
        if not os.path.exists(db):
            return 0
        own = ReadDB(db)
        try:
            return log_version(db, recorder, own)
        finally:
            own.close()
    try:
        row = conn.execute(f"select max(originator_version) from {SQLITE_EVENTS_TABLE} "
                           f"where originator_id = ?", [STREAM_ID_HEX]).fetchone()
    except sqlite3.OperationalError:  # the library has not made its table yet
        return 0
    return int(row[0] or 0)


def entry_state(db: str, recorder: Callable[[], Recorder], version: int,
                conn: QueryDB | None = None) -> bytes | None:
    """The stored state (the library's JSON) of log entry `version`; None if there is none."""
    if is_postgres(db):
        rows = recorder().select_events(STREAM_ID, gt=version - 1, lte=version, limit=1)
        return bytes(rows[0].state) if rows else None
    if conn is None:
        if not os.path.exists(db):
            return None
        own = ReadDB(db)
        try:
            return entry_state(db, recorder, version, own)
        finally:
            own.close()
    try:
        row = conn.execute(f"select state from {SQLITE_EVENTS_TABLE} where originator_id = ? "
                           f"and originator_version = ?", [STREAM_ID_HEX, version]).fetchone()
    except sqlite3.OperationalError:
        return None
    return bytes(row[0]) if row else None


def sqlite_entries(db: str, gt: int = 0) -> Iterator[tuple[int, str, bytes]]:
    """The SQLite store `db`'s log entries after version `gt`, in order, as stored:
    (version, topic, state), read with plain `sqlite3` in one statement."""
    conn = ReadDB(db)
    try:
        yield from conn.execute(
            f"select originator_version, topic, state from {SQLITE_EVENTS_TABLE} "
            f"where originator_id = ? and originator_version > ? order by originator_version",
            [STREAM_ID_HEX, gt])
    finally:
        conn.close()


def chain_of(state: bytes | None) -> str | None:
    """The `chain` hash a stored entry carries (GENESIS for the `Started` entry, which has
    none); None when there is no entry or it cannot be read."""
    if state is None:
        return None
    try:
        data = json.loads(state)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    chain = data.get("chain", GENESIS)
    return chain if isinstance(chain, str) else None


def entry_chain(db: str, recorder: Callable[[], Recorder], version: int,
                conn: QueryDB | None = None) -> str | None:
    """The chain head of the log up to entry `version` (see `chain_of`)."""
    return chain_of(entry_state(db, recorder, version, conn))


def has_log(db: str) -> bool:
    """Whether the SQLite file `db` holds the library's events table."""
    conn = ReadDB(db)
    try:
        return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?",
                            [SQLITE_EVENTS_TABLE]).fetchone() is not None
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
