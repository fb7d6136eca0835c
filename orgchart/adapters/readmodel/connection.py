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


#: How much of the store file a reader maps into memory (SQLite caps it at its build's
#: limit, 2 GiB here). A query's pages are then read in place, shared with every other
#: reader through the operating system's cache, instead of copied into a private page cache
#: of 2 MB: a `lineage` then a `history` on a store of a million events touch more pages
#: than that, and each call read about a thousand of them again from the file.
MMAP_BYTES = 1 << 40


class ReadDB:
    """The query tables opened with plain sqlite3, the file mapped into memory."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, timeout=60)
        self.conn.execute(f"pragma mmap_size = {MMAP_BYTES}")

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters or ())

    def close(self) -> None:
        self.conn.close()
