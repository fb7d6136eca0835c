"""Tables written by forked processes into SQLite files of their own, then copied into
the caller's transaction by SQLite alone.

The caller's connection writes its own tables meanwhile: Python's work runs on more than
one core, and the copy (`INSERT ... SELECT *` between tables of one schema) moves
records as they are, with no Python per row. The files are scratch: in a temporary
directory of their own, attached to the caller's connection as `aside0`, `aside1`, ...,
removed when `close()`d however the work ended (or, if the caller was killed, by the
process that wrote them once it is done).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from functools import partial
from typing import Generic, TypeVar

from orgchart.adapters.forked import Forked

T = TypeVar("T")

#: What makes a file's tables (at once, in the caller's process): `prepare(conn, names)`.
Prepare = Callable[[sqlite3.Connection, Sequence[str]], None]


class AsideFiles(Generic[T]):
    """`make()` run once in a forked child; then each part (the names of its tables, each
    part a file) written by `fill(made, conn, names)`: the first part by that child, each
    other one by a child of its own forked from it once `make()` is done (starting with
    what it made). Make this before the caller's transaction begins (SQLite attaches a
    file only outside one) and begin that with `begin`."""

    def __init__(self, conn: sqlite3.Connection, parts: Sequence[Sequence[str]],
                 prepare: Prepare, make: Callable[[], T],
                 fill: Callable[[T, sqlite3.Connection, Sequence[str]], None]) -> None:
        self._dir = tempfile.mkdtemp(prefix="orgchart-")
        self._conn = conn
        self._parts = parts
        self._attached = 0
        self._child: Forked | None = None
        try:
            files = [(os.path.join(self._dir, f"aside{i}.db"), names)
                     for i, names in enumerate(parts)]
            for i, (path, names) in enumerate(files):
                with closing(sqlite3.connect(path)) as made:
                    prepare(made, names)
                    made.commit()
                conn.execute(f"ATTACH DATABASE ? AS aside{i}", [path])
                self._attached += 1
            self._child = Forked(partial(_make_and_fill, make, fill, files, os.getpid(),
                                         self._dir))
        except BaseException:
            self.close()
            raise

    @staticmethod
    def begin(conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE for the main database alone. `BEGIN IMMEDIATE` would take the
        write lock of every attached file too (keeping the children out of their files);
        here the first statement writes to main (an empty table made and dropped), which
        takes main's write lock at once, waiting for other writers as `BEGIN IMMEDIATE`
        does, and an attached file is first read once its writer is done (`copy`)."""
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE main.aside_begun (x)")
        conn.execute("DROP TABLE main.aside_begun")

    def wait(self) -> None:
        """Wait for the children; raise what one raised (or that one died)."""
        assert self._child is not None
        self._child.result()

    def copy(self) -> None:
        """Once `wait` returned: copy each table of each part into the table of that name
        in main, in the caller's transaction."""
        for i, names in enumerate(self._parts):
            for name in names:
                self._conn.execute(f'INSERT INTO main."{name}" SELECT * FROM aside{i}."{name}"')

    def close(self) -> None:
        """Stop the children if still working, detach the files (after the caller's
        transaction) and remove them."""
        try:
            if self._child is not None:
                self._child.cancel()
            for i in range(self._attached):
                self._conn.execute(f"DETACH DATABASE aside{i}")
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)


def _make_and_fill(make: Callable[[], T],
                   fill: Callable[[T, sqlite3.Connection, Sequence[str]], None],
                   parts: list[tuple[str, Sequence[str]]], caller: int, scratch: str) -> None:
    """In the child: make, then fill the first part while a child of its own fills each
    other; if the caller was killed meanwhile (nobody will read the files or remove
    them), remove them."""
    try:
        made = make()
        others = [Forked(partial(_fill, fill, made, path, names)) for path, names in parts[1:]]
        try:
            _fill(fill, made, *parts[0])
        except BaseException:
            for other in others:
                other.cancel()
            raise
        for other in others:
            other.result()
    finally:
        if os.getppid() != caller:
            shutil.rmtree(scratch, ignore_errors=True)


def _fill(fill: Callable[[T, sqlite3.Connection, Sequence[str]], None], made: T, path: str,
          names: Iterable[str]) -> None:
    """One part: a connection of its own to its file, in one transaction."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        fill(made, conn, list(names))
        conn.execute("COMMIT")
