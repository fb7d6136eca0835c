"""A light, read-only connection to the query tables.

Queries need only `execute`; plain `sqlite3` answers them, so commands such as
`orgchart at` do not pay for importing sqlite-utils (which the writers use).
`sqlite_utils.Database` satisfies the same protocol.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol


class QueryDB(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] | None = ...) -> sqlite3.Cursor: ...


def named(cursor: sqlite3.Cursor) -> sqlite3.Cursor:
    """`cursor` with its rows read by column name (`sqlite3.Row`), not by position."""
    cursor.row_factory = sqlite3.Row
    return cursor


class ReadDB:
    """The query tables opened with plain sqlite3."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, timeout=60)

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters or ())

    def close(self) -> None:
        self.conn.close()
