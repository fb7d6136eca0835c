"""One store as the commands and queries see it: the event log and its query tables.

`Storage` resolves which store a `--db` value names, opens the event store
(`orgchart.adapters.store`, which imports the `eventsourcing` library) only
when something is written or the query tables are behind the log, and keeps
the tables caught up: `query_db()` is a light read connection to them, `view(K)`
the same as the history was known on day K.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from orgchart.adapters.readmodel import tables
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import EmptyStore, OrgchartError

if TYPE_CHECKING:  # the library is imported where it is used: `at` needs none of it
    import sqlite3

    import sqlite_utils

    from orgchart.adapters.readmodel.connection import QueryDB
    from orgchart.adapters.store import EventStore, StoredHistory

#: How many times a writer retries when other writers keep moving the log on.
MAX_ATTEMPTS = 20


class Storage:
    """The event store and query tables of one store (a SQLite path or a PostgreSQL URL)."""

    def __init__(self, db: str | None = None) -> None:
        from orgchart.adapters.dbconfig import resolve_db  # light: no library import

        self.db = resolve_db(db)
        self._store: EventStore | None = None

    @property
    def postgres(self) -> bool:
        from orgchart.adapters.dbconfig import is_postgres

        return is_postgres(self.db)

    def store(self) -> EventStore:
        """The event store (opened on first use)."""
        if self._store is None:
            from orgchart.adapters.store import EventStore

            self._store = EventStore(self.db)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def log_version(self, db: QueryDB | None = None) -> int:
        """How many entries the log holds (on SQLite, without importing the library; `db`:
        the query tables' connection, the store's own file on SQLite)."""
        from orgchart.adapters.logversion import log_version

        return log_version(self.db, lambda: self.store().app.recorder,
                           None if self.postgres else db)

    def cache_path(self) -> str:
        """Where the query tables live: in the SQLite store, or a local cache for PostgreSQL."""
        if not self.postgres:
            return self.db
        import hashlib

        base = os.environ.get("ORGCHART_CACHE") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "orgchart")
        os.makedirs(base, exist_ok=True)
        digest = hashlib.sha256(self.db.encode()).hexdigest()[:16]
        return os.path.join(base, f"readmodel-{digest}.db")

    def open_tables(self) -> sqlite_utils.Database:
        """A writing connection to the query tables."""
        return tables.open_db(self.cache_path())

    def empty_message(self) -> str:
        from orgchart.adapters.dbconfig import safe_db_label

        return (f"the store {safe_db_label(self.db)} holds no events yet: "
                f"load some with `orgchart load FILE.yaml`")

    # -- reading -----------------------------------------------------------------------

    @contextmanager
    def query_db(self) -> Iterator[QueryDB]:
        """The query tables (a light read-only connection), caught up with the log first."""
        from orgchart.adapters.readmodel.connection import ReadDB

        if not self.postgres and not os.path.exists(self.db):
            raise EmptyStore(self.empty_message())
        db = ReadDB(self.cache_path())
        try:
            if tables.position(db) != self.log_version(db):
                writer = self.open_tables()
                try:
                    self.catch_up(writer)
                finally:
                    writer.close()
            if tables.position(db) <= 0:
                raise EmptyStore(self.empty_message())
            yield db
        finally:
            db.close()

    @contextmanager
    def view(self, known: EffDate | None) -> Iterator[QueryDB]:
        """The query tables, seen as the history was known on `known` (default: now)."""
        with self.query_db() as db:
            if known is None:
                yield db
                return
            from orgchart.adapters.readmodel import knownat

            state = knownat.departure(db, known.day)
            if state is None:
                yield db
                return
            writer = self.open_tables()
            try:
                knownat.ensure_overlay(writer, state)
            finally:
                writer.close()
            view = knownat.open_view(self.cache_path(), state)
            try:
                yield view
            finally:
                view.close()

    @contextmanager
    def scratch_copy(self) -> Iterator[sqlite_utils.Database]:
        """The query tables, caught up with the log, copied into memory: a scratch view
        that events can be applied to (`load --check`, `--with`) while the store and its
        tables stay untouched. Only the query tables are copied (not the event log that
        shares their SQLite file), in one read transaction. An empty store gives empty
        tables."""
        import sqlite3

        import sqlite_utils

        memory = sqlite_utils.Database(sqlite3.connect("file::memory:", uri=True,
                                                       isolation_level=None))
        try:
            try:
                with Storage.query_db(self):  # caught up (and not empty)
                    pass
                _copy_query_tables(self.cache_path(), memory.conn)
            except EmptyStore:
                pass
            memory.conn.isolation_level = "DEFERRED"  # the default, as the writers expect
            tables.create(memory)
            yield memory
        finally:
            memory.close()

    # -- keeping the tables up with the log ----------------------------------------------

    def refresh(self, db: sqlite_utils.Database | None = None,
                history: StoredHistory | None = None, force: bool = False) -> None:
        """Rebuild the query tables from the whole log (unless they are already as new)."""
        from orgchart.adapters.gcpause import paused_gc
        from orgchart.domain.knowledge import known_at
        from orgchart.domain.rules import replay

        with paused_gc():
            h = history or self.store().read()
            own = db is None
            db = db or self.open_tables()
            try:
                tl = replay(known_at(h.facts, None))
                tables.write_all(db, h.facts, tl, h.people, h.sources, h.title, h.version,
                                 force)
            finally:
                if own:
                    db.close()

    def catch_up(self, db: sqlite_utils.Database) -> None:
        """Bring the query tables up to the log: apply only the entries they lack."""
        from orgchart.adapters.readmodel.incremental import apply_events

        store = self.store()
        for _ in range(MAX_ATTEMPTS):
            have = tables.position(db)
            if have <= 0:
                self.refresh(db)
                return
            tail = store.read(gt=have)
            if tail.version == 0:
                if self.log_version() < have:  # the log lost entries: rebuild from it
                    self.refresh(db, force=True)
                return
            if apply_events(db, have, tail.facts, tail.people, tail.sources, tail.title,
                            tail.version):
                return
        raise OrgchartError("the query tables could not catch up with the log; try again")


def _copy_query_tables(path: str, into: sqlite3.Connection) -> None:
    """Copy the query tables (`oc_*`, with their indexes) of the SQLite file `path` into
    the connection `into` (in autocommit mode), reading them in one transaction."""
    from urllib.parse import quote

    into.execute("attach database ? as src", [f"file:{quote(path)}?mode=ro"])
    try:
        into.execute("begin")
        schema = into.execute(
            "select type, name, sql from src.sqlite_master where substr(name, 1, ?) = ? "
            "and sql is not null order by type = 'index'", [len(tables.P), tables.P]
        ).fetchall()
        for kind, name, sql in schema:
            into.execute(sql)
            if kind == "table":
                into.execute(f'insert into main."{name}" select * from src."{name}"')
        into.execute("commit")
    finally:
        into.execute("detach database src")
