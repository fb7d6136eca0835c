"""One store as the commands and queries see it: the event log and its query tables.

`Storage` resolves which store a `--db` value names, opens the event store
(`orgchart.adapters.store`, which imports the `eventsourcing` library) only
when something is written or the query tables are behind the log, and keeps
the tables caught up: `query_db()` is a light read connection to them, `view(K)`
the same as the history was known on day K.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from typing import TYPE_CHECKING

from orgchart.adapters.readmodel import tables
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import EmptyStore, OrgchartError, StoreError

if TYPE_CHECKING:  # the library is imported where it is used: `at` needs none of it
    import sqlite3

    import sqlite_utils

    from orgchart.adapters.readmodel.connection import QueryDB, ReadDB
    from orgchart.adapters.store import EventStore, StoredHistory
    from orgchart.domain.facts import Fact
    from orgchart.domain.rules import Timeline

#: How many times a writer retries when other writers keep moving the log on.
MAX_ATTEMPTS = 20


class LogChanged(OrgchartError):
    """The log no longer extends what the query tables were built from: entries were
    removed from its end, or edited, or the whole log was replaced."""


class Storage:
    """The event store and query tables of one store (a SQLite path or a PostgreSQL URL)."""

    def __init__(self, db: str | None = None) -> None:
        from orgchart.adapters.dbconfig import resolve_db  # light: no library import

        self.db = resolve_db(db)
        self._store: EventStore | None = None
        self._cache: str | None = None  # the PostgreSQL cache, once the store has a log
        # the read connection to the query tables, kept from one query to the next (a new
        # connection reads the schema again), with the file it was opened on
        self._reader: tuple[ReadDB, str, tuple[int, int]] | None = None

    @property
    def postgres(self) -> bool:
        from orgchart.adapters.dbconfig import is_postgres

        return is_postgres(self.db)

    def store(self, create: bool = False) -> EventStore:
        """The event store (opened on first use). Only a command that writes passes
        `create`: the library then makes its tables (and on PostgreSQL the schema) if they
        are missing; a reader runs no DDL and finds a database without a log refused."""
        if self._store is not None and create and not self._store.create:
            try:  # opened by a reader: keep it if the log's tables are there already
                self._store.version()
            except OrgchartError:
                self.close()
        if self._store is None:
            from orgchart.adapters.store import EventStore

            if not create:
                self.require_log()
            self._store = EventStore(self.db, create)
        return self._store

    def require_log(self) -> None:
        """On SQLite, refuse before the library opens it a file that is missing or holds no
        orgchart log (opening would create the file, or the log's tables in another
        application's database)."""
        if self.postgres:
            return
        if not os.path.exists(self.db):
            raise EmptyStore(self.empty_message())
        from orgchart.adapters.logversion import has_log

        if not has_log(self.db):
            from orgchart.adapters.dbconfig import not_a_store

            raise StoreError(not_a_store(self.db))

    def close(self) -> None:
        self.close_store()
        if self._reader is not None:
            self._reader[0].close()
            self._reader = None

    def close_store(self) -> None:
        """Close the event store (if open), keeping the read connection to the tables."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def log_version(self, db: QueryDB | None = None) -> int:
        """How many entries the log holds (on SQLite, without importing the library; `db`:
        the query tables' connection, the store's own file on SQLite)."""
        from orgchart.adapters.logversion import log_version

        if self.postgres:
            return self.store().version()
        return log_version(self.db, lambda: self.store().app.recorder, db)

    def entry_chain(self, version: int, db: QueryDB | None = None) -> str | None:
        """The chain hash of log entry `version` (None: no such entry), read as lightly as
        the log's version is."""
        from orgchart.adapters.logversion import chain_of, entry_state

        if self.postgres:
            return chain_of(self.store().entry_state(version))
        return chain_of(entry_state(self.db, lambda: self.store().app.recorder, version, db))

    def check_extends(self, db: QueryDB, have: int, head: str | None, version: int) -> None:
        """Refuse when the log (of `version` entries) no longer extends what the tables at
        position `have`, chain head `head`, were built from: one row of the log read, and
        compared."""
        if have <= 0:
            return
        what = ("check it with `orgchart verify`; if the log is the true one, "
                "`orgchart rebuild` rebuilds the query tables from it")
        if version < have:
            raise LogChanged(f"the log holds {version} entries but the query tables were built "
                             f"from {have}: entries were removed from its end; {what}")
        if head is not None and self.entry_chain(have, db) != head:
            raise LogChanged(f"log entry {have} is not the one the query tables were built "
                             f"from: the log was edited or replaced; {what}")

    def cache_path(self) -> str:
        """Where the query tables live: in the SQLite store, or for PostgreSQL a local cache
        named by the URL (so the schema) and the store's identity: its first log entry,
        which records when the store was made. A dropped and reloaded schema is another
        store, with a cache of its own; a store not yet made uses a `-new` cache, which the
        first reader after the first load adopts (`check_extends` still compares it)."""
        if not self.postgres:
            return self.db
        if self._cache is not None:
            return self._cache
        import hashlib

        base = os.environ.get("ORGCHART_CACHE") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "orgchart")
        os.makedirs(base, exist_ok=True)
        url = hashlib.sha256(self.db.encode()).hexdigest()[:16]
        pending = os.path.join(base, f"readmodel-{url}-new.db")
        first = self.store().entry_state(1)
        if first is None:
            return pending
        ident = hashlib.sha256(first).hexdigest()[:16]
        path = os.path.join(base, f"readmodel-{url}-{ident}.db")
        if not os.path.exists(path) and os.path.exists(pending):
            with suppress(OSError):  # another process adopted it first
                os.replace(pending, path)
        self._cache = path
        return path

    def open_tables(self) -> sqlite_utils.Database:
        """A writing connection to the query tables (for a PostgreSQL store not made yet, a
        fresh `-new` cache: what one there held came from a store since dropped)."""
        path = self.cache_path()
        if self.postgres and self._cache is None and os.path.exists(path):
            os.remove(path)
        return tables.open_db(path)

    def empty_message(self) -> str:
        from orgchart.adapters.dbconfig import empty_store

        return empty_store(self.db)

    # -- reading -----------------------------------------------------------------------

    @contextmanager
    def query_db(self) -> Iterator[QueryDB]:
        """The query tables (a light read-only connection), caught up with the log first."""
        if not self.postgres and not os.path.exists(self.db):
            raise EmptyStore(self.empty_message())
        db = self.reader()
        try:
            (have, head), version = tables.built_from(db), self.log_version(db)
            if version == 0:  # nothing to build tables from: create none
                self.require_log()
                raise EmptyStore(self.empty_message())
            self.check_extends(db, have, head, version)
            if have != version or (have > 0 and head is None):
                writer = self.open_tables()
                try:
                    self.catch_up(writer)
                finally:
                    writer.close()
                have = tables.position(db)
            if have <= 0:
                raise EmptyStore(self.empty_message())
            yield db
        except BaseException:
            self._drop_reader()
            raise

    def reader(self) -> ReadDB:
        """The read connection to the query tables: the one kept from the last query while
        its file is the same file (not replaced since), else a new one."""
        from orgchart.adapters.readmodel.connection import ReadDB

        path = self.cache_path()
        try:
            st = os.stat(path)
            ident = (st.st_dev, st.st_ino)
        except OSError:
            ident = (-1, -1)
        if self._reader is not None:
            db, was, had = self._reader
            if was == path and had == ident and ident != (-1, -1):
                return db
            self._drop_reader()
        db = ReadDB(path)
        self._reader = (db, path, ident)
        return db

    def _drop_reader(self) -> None:
        if self._reader is not None:
            self._reader[0].close()
            self._reader = None

    def meta(self, key: str) -> str | None:
        """A `meta` value of the query tables as they are, without catching up first: for
        reference data read right after a query that caught up (e.g. the horizon)."""
        if not self.postgres and not os.path.exists(self.db):
            return None
        db = self.reader()
        return tables.meta(db, key) if tables.position(db) > 0 else None

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

        with paused_gc():
            h = history or self.store().read()
            own = db is None
            db = db or self.open_tables()
            try:
                # replayed while the events' indexes are built (`write_all`)
                tables.write_all(db, h.facts, partial(_replayed, h.facts), h.people,
                                 h.sources, h.title, h.version, force, horizon=h.horizon,
                                 head=h.head)
            finally:
                if own:
                    db.close()
            # freed while the collector is paused: its first pass after the pause would
            # otherwise walk every object of the history once more (the timeline was
            # freed when `write_all` returned)
            del h

    def catch_up(self, db: sqlite_utils.Database) -> None:
        """Bring the query tables up to the log: apply only the entries they lack. Refuses
        (`LogChanged`) when the log no longer extends what they were built from."""
        from orgchart.adapters.readmodel.incremental import apply_events

        store = self.store()
        for _ in range(MAX_ATTEMPTS):
            have, head = tables.built_from(db)
            if have <= 0:
                self.refresh(db)
                return
            self.check_extends(db, have, head, self.log_version(db))
            if head is None:  # written just after an append, without it: record it now
                found = self.entry_chain(have, db)
                if found is not None:
                    tables.fill_chain_head(db, have, found)
            tail = store.read(gt=have)
            if tail.version == 0:
                return
            if apply_events(db, have, tail.facts, tail.people, tail.sources, tail.title,
                            tail.version, horizon=tail.horizon, head=tail.head):
                return
        raise OrgchartError("the query tables could not catch up with the log; try again")

    def rebuild(self) -> int:
        """Rebuild the query tables from the whole log, whatever they held (`orgchart
        rebuild`); returns the log's version."""
        h = self.store().read()
        if h.version == 0:
            raise EmptyStore(self.empty_message())
        self.refresh(history=h, force=True)
        return h.version


def _replayed(facts: Sequence[Fact]) -> Timeline:
    """The timeline of every event as known now."""
    from orgchart.domain.knowledge import known_at
    from orgchart.domain.rules import replay

    return replay(known_at(facts, None))


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
