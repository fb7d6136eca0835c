"""The log's version (how many entries its one stream holds), read one way for every caller.

A SQLite store's file holds the library's events table, read here with plain
`sqlite3`, so that a command that only reads never imports the `eventsourcing`
library (`orgchart at` starts faster); a PostgreSQL store is asked through the
library's recorder, which `recorder()` opens when it is needed.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Sequence
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

    def select_events(self, originator_id: UUID, *, desc: bool = ...,
                      limit: int | None = ...) -> Sequence[Any]: ...


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
