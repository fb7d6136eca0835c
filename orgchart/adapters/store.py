"""The event store: the `eventsourcing` application on SQLite or PostgreSQL.

One stream (`OrgHistory`) holds the whole history; appends go at an expected
version, so a concurrent writer causes a `Conflict`, never a lost event.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, cast, runtime_checkable
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    DatetimeAsISO,
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    StoredEvent,
)

from orgchart.adapters.dbconfig import empty_store, not_a_store, safe_db_label, store_env
from orgchart.adapters.logversion import entry_state, log_version, sqlite_entries
from orgchart.domain.codec import FACT_CLASS, fact_of_state, to_fact
from orgchart.domain.codec import to_stored as fact_to_stored
from orgchart.domain.errors import EmptyStore, OrgchartError, StoreError
from orgchart.domain.facts import Fact
from orgchart.domain.history import (
    GENESIS,
    OrgHistory,
    chain_hash,
    content_fields,
    start_history,
)


class TamperedLog(OrgchartError):
    """The log was edited, truncated or reordered behind orgchart's back."""


class Conflict(Exception):
    """Another writer appended first; re-read, re-validate and try again."""


SNAPSHOT_EVERY = 500


class OrgChartApp(Application[UUID]):
    """The library application holding the one `OrgHistory` stream.

    Snapshots of the (tiny) aggregate state let a writer get the stream's head
    without replaying the whole log.
    """

    name = "orgchart"
    is_snapshotting_enabled = True


@dataclass
class StoredHistory:
    """Everything the store holds, decoded."""

    version: int = 0  # the stream's version (0: empty store)
    facts: list[Fact] = field(default_factory=list)
    people: dict[str, dict[str, str]] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    title: str | None = None
    horizon: str | None = None  # the latest `covers_to` recorded (HorizonRecorded)
    events: list[Aggregate.Event] = field(default_factory=list)  # decoded by the library
    chain: str | None = None  # the chain hash of the last entry read that carries one

    @property
    def head(self) -> str:
        """The chain hash of the last entry read (GENESIS if none of them carries one)."""
        if self.chain is not None:
            return self.chain
        return next((e.chain for e in reversed(self.events)
                     if isinstance(e, OrgHistory.Chained)), GENESIS)


@runtime_checkable
class StoredForms(Protocol):
    """Events that give their stored forms themselves (`orgchart.adapters.scratch`)."""

    def stored(self) -> Iterator[tuple[type[OrgHistory.Recorded], dict[str, Any]]]: ...


class EventStore:
    """Read and append the history through the `eventsourcing` library."""

    def __init__(self, db: str, create: bool = True) -> None:
        """Open the store `db`; unless `create`, run no DDL at all (a reader: it creates
        nothing, and never waits for a writer's table lock to make tables that exist)."""
        self.db = db
        self.create = create
        env = store_env(db)
        if not create:
            env["CREATE_TABLE"] = "false"
        try:
            self.app = _open_app(env)
        except Exception as e:  # the library raises many kinds on a bad DSN or file
            raise StoreError(f"cannot open the store {safe_db_label(db)}: {e}") from None

    def close(self) -> None:
        self.app.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """The library's and SQLite's errors (a damaged or foreign database, a read-only
        folder) as one StoreError sentence."""
        try:
            yield
        except (PersistenceError, sqlite3.Error) as e:
            if not self.create and _no_log(str(e)):  # a reader creates nothing
                if is_postgres_env(store_env(self.db)):  # a schema not loaded into yet
                    raise EmptyStore(empty_store(self.db)) from None
                raise StoreError(not_a_store(self.db)) from None
            raise StoreError(f"cannot read the store {safe_db_label(self.db)}: {e}") from None

    def version(self) -> int:
        """The stream's version (`orgchart.adapters.logversion`)."""
        with self._reading():
            return log_version(self.db, lambda: self.app.recorder)

    def entry_state(self, version: int) -> bytes | None:
        """The stored state of log entry `version` (`orgchart.adapters.logversion`)."""
        with self._reading():
            return entry_state(self.db, lambda: self.app.recorder, version)

    def read(self, gt: int = 0) -> StoredHistory:
        """The stream's events after version `gt`, decoded (all of them by default)."""
        with self._reading():
            return self._read(gt)

    def _read(self, gt: int) -> StoredHistory:
        """The entries' stored state decoded straight into facts and reference data
        (`decode_entry`); the library decodes only what that cannot."""
        mapper = self.app.mapper
        if mapper.cipher is not None or mapper.compressor is not None:
            return self._read_decoded(gt)
        from eventsourcing.persistence import StoredEvent

        h = StoredHistory()
        decoded = mapper.to_domain_event
        if is_postgres_env(store_env(self.db)):
            entries: Iterable[tuple[int, str, bytes]] = (
                (int(e.originator_version), e.topic, e.state)
                for e in self.app.recorder.select_events(OrgHistory.STREAM_ID, gt=gt or None))
        else:  # plain sqlite3: no event objects of the library's for the rows
            entries = sqlite_entries(self.db, gt)
        for version, topic, state in entries:
            h.version = version
            if not decode_entry(h, topic, state, version):
                ev = cast(Aggregate.Event, decoded(StoredEvent(
                    originator_id=OrgHistory.STREAM_ID, originator_version=version,
                    topic=topic, state=state)))
                apply_reference(h, ev)
                if isinstance(ev, OrgHistory.Chained):
                    h.chain = ev.chain
                fact = to_fact(ev, version)
                if fact is not None:
                    h.facts.append(fact)
        return h

    def _read_decoded(self, gt: int) -> StoredHistory:
        """As `_read`, every entry decoded by the library."""
        h = StoredHistory()
        for raw in self.app.events.get(OrgHistory.STREAM_ID, gt=gt or None):
            ev = cast(Aggregate.Event, raw)
            h.events.append(ev)
            h.version = ev.originator_version
            apply_reference(h, ev)
            fact = to_fact(ev, ev.originator_version)
            if fact is not None:
                h.facts.append(fact)
        return h

    def audit(self) -> StoredHistory:
        """Read the whole log, checking order and the hash chain; name the first bad entry."""
        with self._reading():
            return self._audit()

    def _audit(self) -> StoredHistory:
        h = StoredHistory()
        previous = GENESIS
        for expected, stored in enumerate(
                self.app.recorder.select_events(OrgHistory.STREAM_ID), start=1):
            where = f"log entry {expected}"
            if stored.originator_version != expected:
                raise TamperedLog(f"the log is broken at {where}: found entry "
                                  f"{stored.originator_version} instead (an entry was removed)")
            try:
                ev = cast(Aggregate.Event, self.app.mapper.to_domain_event(stored))
            except Exception as e:
                raise TamperedLog(f"the log is broken at {where}: it cannot be decoded "
                                  f"({type(e).__name__})") from None
            if isinstance(ev, OrgHistory.Chained):
                label = f"{where} ({getattr(ev, 'event_id', type(ev).__name__)})"
                if ev.chain != chain_hash(previous, type(ev).__name__, content_fields(ev)):
                    raise TamperedLog(f"the log is broken at {label}: its hash does not match "
                                      f"its content and the entry before it (edited or "
                                      f"reordered)")
                previous = ev.chain
            elif expected != 1:
                raise TamperedLog(f"the log is broken at {where}: unexpected "
                                  f"{type(ev).__name__}")
            h.events.append(ev)
            h.version = expected
            apply_reference(h, ev)
            fact = to_fact(ev, expected)
            if fact is not None:
                h.facts.append(fact)
        return h

    def snapshot_heads(self) -> list[tuple[int, str | None]]:
        """Each stored snapshot's log entry and the chain head it carries (None: none
        readable)."""
        snapshots = self.app.snapshots
        if snapshots is None:
            return []
        out: list[tuple[int, str | None]] = []
        with self._reading():
            for stored in snapshots.recorder.select_events(OrgHistory.STREAM_ID):
                try:
                    snap = self.app.mapper.to_domain_event(stored)
                    head = getattr(snap, "state", {}).get("chain_head")
                except Exception:
                    head = None
                out.append((int(stored.originator_version),
                            head if isinstance(head, str) else None))
        return out

    def head(self) -> Any:
        """The `OrgHistory` aggregate at its latest version (None for an empty store)."""
        from eventsourcing.application import AggregateNotFoundError

        try:
            with self._reading():
                return self.app.repository.get(OrgHistory.STREAM_ID)
        except AggregateNotFoundError:
            return None

    def append_at(self, version: int, facts: Iterable[Fact],
                  people: Mapping[str, Mapping[str, str]],
                  sources: Mapping[str, Mapping[str, str]], title: str | None,
                  horizon: str | None = None) -> int:
        """Append after log entry `version`; raise Conflict if the log has moved on."""
        agg = self.head()
        if (agg.version if agg is not None else 0) != version:
            raise Conflict()
        return self._save(agg if agg is not None else start_history(), facts, people, sources,
                          title, horizon)

    def _save(self, agg: Any, facts: Iterable[Fact], people: Mapping[str, Mapping[str, str]],
              sources: Mapping[str, Mapping[str, str]], title: str | None,
              horizon: str | None = None) -> int:
        """Write the new entries in one transaction of the library's recorder, each made and
        encoded as it is written (`EntryWriter`): a generator, so no list of a million
        entries is ever held."""
        before = agg.version
        started = list(agg.collect_events())  # the `Started` event of a new history
        writer = EntryWriter(self.app.mapper, agg)

        def entries() -> Iterator[tuple[type[OrgHistory.Chained], dict[str, Any]]]:
            for pid, fields in people.items():
                yield OrgHistory.PersonRecorded, {"person": pid, "fields": dict(fields)}
            for sid, fields in sources.items():
                yield OrgHistory.SourceRecorded, {"source": sid, "fields": dict(fields)}
            if title is not None:
                yield OrgHistory.TitleRecorded, {"title": title}
            if horizon is not None:
                yield OrgHistory.HorizonRecorded, {"covers_to": horizon}
            if isinstance(facts, StoredForms):  # kept as stored forms: no event values
                yield from facts.stored()
            else:
                for fact in facts:
                    yield fact_to_stored(fact)

        def stored() -> Iterator[StoredEvent]:
            for ev in started:
                yield self.app.mapper.to_stored_event(ev)
            for cls, fields in entries():
                yield writer.entry(cls, fields)

        try:
            _insert(self.app.recorder, stored())
        except IntegrityError:
            raise Conflict() from None
        except OperationalError as e:
            if "readonly" in str(e) or "read-only" in str(e):
                raise StoreError(f"the store {safe_db_label(self.db)} is read-only: {e}") from None
            raise StoreError(f"the store is busy or unavailable: {e}") from None
        except (PersistenceError, sqlite3.Error) as e:
            raise StoreError(f"cannot write to the store {safe_db_label(self.db)}: {e}") from None
        if agg.version // SNAPSHOT_EVERY > before // SNAPSHOT_EVERY:
            self.app.snapshots.put([OrgHistory.Snapshot.take(agg)])  # type: ignore[union-attr]
        return int(agg.version)


class EntryWriter:
    """The next entries of the history `agg`, as the library's stored events.

    What `OrgHistory.record` and the library's mapper make (the event object, applied
    to `agg`, then encoded from its `vars()`), made without the event object: the state
    is the same dict in the same order (the event class's dataclass fields after the
    originator's id and version, defaults for the fields not given), encoded by the
    library's own transcoder, and `agg` moves on as the event's `mutate` moves it. A
    mapper that compresses or encrypts, or an event class of another `class_version`,
    goes the library's way.
    """

    def __init__(self, mapper: Any, agg: Any) -> None:
        self.mapper = mapper
        self.agg = agg
        self.direct = mapper.cipher is None and mapper.compressor is None
        self.encode = _json_encoder(mapper.transcoder)

    def entry(self, cls: type[OrgHistory.Chained], fields: dict[str, Any]) -> StoredEvent:
        layout = _layout(cls) if self.direct else None
        if layout is None:
            return cast(StoredEvent, self.mapper.to_stored_event(self.agg.record(cls, **fields)))
        agg = self.agg
        chain = chain_hash(agg.chain_head, cls.__name__, fields)
        timestamp = cls.create_timestamp()
        # the class's fields after `timestamp` and `chain` (its dataclass fields, an
        # event's `vars()`), in order, each given or its default: two merges
        state: dict[str, Any] = {"timestamp": timestamp, "chain": chain, **layout.template,
                                 **fields}
        for name in layout.required:
            if state[name] is _REQUIRED:
                raise TypeError(f"{cls.__name__} needs `{name}`")
        if not fields.keys() <= layout.names:
            raise TypeError(f"{cls.__name__} has no field {sorted(fields.keys() - layout.names)}")
        version = agg.version + 1
        # what the event's `mutate` does: `Chained.apply`, then the version and the time
        agg.chain_head = chain
        agg.version = version
        agg.modified_on = timestamp
        return StoredEvent(originator_id=agg.id, originator_version=version,
                           topic=layout.topic, state=self.encode(state))


_REQUIRED = object()


def _utc_iso(t: datetime) -> str:
    """`t.isoformat()` of a UTC time (every entry's timestamp), written by orjson: the
    same text (`YYYY-MM-DDTHH:MM:SS`, `.ffffff` unless no microseconds, `+00:00`; a test
    holds the two equal) in about a third of the CPU: `isoformat` formats it through
    `PyUnicode_FromFormat` and `sprintf` (callgrind: ~10,000 instructions a time)."""
    return orjson.dumps(t)[1:-1].decode()


def _json_encoder(transcoder: Any) -> Any:
    """`transcoder.encode`, made by orjson when it is the library's `JSONTranscoder`: the same
    bytes (no spaces, UTF-8 text, the same escapes; a registered type as its
    `{"_type_": ..., "_data_": ...}`) for what an entry holds, text, whole numbers, null,
    booleans, lists and mappings with text keys, about ten times faster. A value orjson
    does not take (a number too large for it, text that is not valid Unicode) goes the
    library's way, which accepts or rejects it as before. A property test holds the two
    equal."""
    if type(transcoder) is not JSONTranscoder:
        return transcoder.encode
    types, slow = transcoder.types, transcoder.encode
    option = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def default(o: Any) -> dict[str, Any]:
        transcoding = types.get(type(o))
        if transcoding is None:
            raise TypeError(type(o))
        if type(transcoding) is DatetimeAsISO and o.tzinfo is UTC:
            return {"_type_": transcoding.name, "_data_": _utc_iso(o)}
        return {"_type_": transcoding.name, "_data_": transcoding.encode(o)}

    def encode(obj: Any) -> bytes:
        try:
            return orjson.dumps(obj, default=default, option=option)
        except (TypeError, orjson.JSONEncodeError):
            return slow(obj)

    return encode


@dataclass(frozen=True)
class _Layout:
    """How `EntryWriter` writes one event class."""

    topic: str
    names: frozenset[str]
    template: dict[str, Any]  # the fields after `timestamp` and `chain`, in the order of
    # the dataclass fields (an event's `vars()`), each with its default (or `_REQUIRED`)
    required: tuple[str, ...]  # the names of the fields without a default, in order


_LAYOUTS: dict[type[Any], _Layout | None] = {}


def _layout(cls: type[OrgHistory.Chained]) -> _Layout | None:
    """How `EntryWriter` writes `cls`; None when it leaves the class to the library: one of
    another `class_version`, or that the library would make or apply otherwise than a
    plain `Chained` event (fields with default factories, its own `apply`, `mutate`, or
    checks after `__init__`)."""
    if cls in _LAYOUTS:
        return _LAYOUTS[cls]
    import dataclasses

    from eventsourcing.domain import MetaDomainEvent
    from eventsourcing.utils import get_topic

    base = OrgHistory.Chained
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    plain = (getattr(cls, "class_version", 1) == 1 and isinstance(cls, MetaDomainEvent)
             and [f.name for f in fields[:4]] == ["originator_id", "originator_version",
                                                  "timestamp", "chain"]
             and all(f.default_factory is dataclasses.MISSING for f in fields)
             and all(getattr(cls, m) is getattr(base, m)
                     for m in ("apply", "mutate", "__post_init__")))
    layout = _Layout(
        get_topic(cls),
        frozenset(f.name for f in fields[4:]),
        {f.name: _REQUIRED if f.default is dataclasses.MISSING else f.default
         for f in fields[4:]},
        tuple(f.name for f in fields[4:] if f.default is dataclasses.MISSING)) if plain else None
    _LAYOUTS[cls] = layout
    return layout


def _insert(recorder: Any, events: Iterator[StoredEvent]) -> None:
    """Insert `events` in one transaction of `recorder`. SQLite's application recorder
    inserts its rows one `execute` at a time (to return their notification ids, which no
    one here reads): its own statement, in its own transaction, is given them all in one
    `executemany` instead. Other recorders get them their way (PostgreSQL's counts them
    first, so gets a list)."""
    from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder

    if type(recorder) is SQLiteApplicationRecorder:
        with recorder.datastore.transaction(commit=True) as c:
            c.executemany(recorder.insert_events_statement, (
                (s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                 s.originator_version, s.topic, s.state) for s in events))
    elif isinstance(recorder, SQLiteAggregateRecorder):  # it only iterates them
        recorder.insert_events(cast(Sequence[StoredEvent], events))
    else:
        recorder.insert_events(list(events))


def _no_log(text: str) -> bool:
    """Whether a library error says the log's table (or schema) is missing."""
    return "does not exist" in text or "no such table" in text


def first_fact_position(version: int, references: int) -> int:
    """The log position `append_at(version, ...)` gives its first fact, after `references`
    people, sources and title entries (and the `Started` entry of an empty store)."""
    return version + (0 if version else 1) + references + 1


def _open_app(env: dict[str, str]) -> OrgChartApp:
    """Open the library application; on PostgreSQL, create the schema if missing and retry
    when another process is creating the same tables at the same moment."""
    import random
    import time

    if is_postgres_env(env):
        _need_psycopg()
    for attempt in range(8):
        try:
            return OrgChartApp(env=env)
        except Exception as e:
            text = str(e)
            if ("POSTGRES_SCHEMA" in env and "does not exist" in text
                    and env.get("CREATE_TABLE") != "false"):
                create_schema(env)
            elif not (is_postgres_env(env) and attempt < 7 and _is_ddl_race(text)):
                raise
            time.sleep(random.uniform(0.05, 0.3))
    raise AssertionError("unreachable")


def _need_psycopg() -> None:
    """A PostgreSQL store needs the driver, which comes with the `postgres` extra."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise OrgchartError("PostgreSQL needs the `postgres` extra: "
                            "pip install 'orgchart[postgres]'") from None


def is_postgres_env(env: Mapping[str, str]) -> bool:
    return env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"


def _is_ddl_race(text: str) -> bool:
    return any(s in text for s in ("concurrently", "already exists", "duplicate key"))


def create_schema(env: Mapping[str, str]) -> None:
    """Create the PostgreSQL schema named in the URL (`?schema=NAME`)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]),
                         dbname=env["POSTGRES_DBNAME"], user=env["POSTGRES_USER"],
                         password=env["POSTGRES_PASSWORD"] or None, connect_timeout=10,
                         autocommit=True) as conn:
        conn.execute(sql.SQL("create schema if not exists {}").format(
            sql.Identifier(env["POSTGRES_SCHEMA"])))


def _topics() -> dict[str, type[OrgHistory.Chained]]:
    """The classes `decode_entry` reads, by the topic the library stores them under."""
    from eventsourcing.utils import get_topic

    from orgchart.domain.history import STORED_CLASS

    classes: list[type[OrgHistory.Chained]] = [
        *STORED_CLASS.values(), OrgHistory.PersonRecorded, OrgHistory.SourceRecorded,
        OrgHistory.TitleRecorded, OrgHistory.HorizonRecorded]
    return {get_topic(c): c for c in classes if getattr(c, "class_version", 1) == 1}


_TOPICS = _topics()
_TYPED = b'"_type_"'  # how the library's JSON marks a value of another type


def decode_entry(h: StoredHistory, topic: str, state: bytes, version: int) -> bool:
    """Add log entry `version` (its stored `topic` and `state`) to `h` by reading its
    state as plain JSON, as the library would decode it: True when done, False when it
    needs the library (a class it does not know here, or values of other types than
    the timestamp's). Several times faster than the library's decoding, which builds
    an event object per entry through a pure-Python JSON object hook."""
    cls = _TOPICS.get(topic)
    if cls is None or bytes(state).count(_TYPED) != 1:  # the timestamp's is the one
        return False
    data = orjson.loads(state)
    if not isinstance(data, dict) or "class_version" in data:
        return False
    h.chain = data["chain"]
    fact_class = FACT_CLASS.get(cls)  # type: ignore[arg-type]
    if fact_class is not None:  # most entries: asked first
        h.facts.append(fact_of_state(fact_class, data, version))
    elif cls is OrgHistory.PersonRecorded:
        h.people.setdefault(data["person"], {}).update(data["fields"])
    elif cls is OrgHistory.SourceRecorded:
        h.sources.setdefault(data["source"], {}).update(data["fields"])
    elif cls is OrgHistory.TitleRecorded:
        h.title = data["title"]
    elif cls is OrgHistory.HorizonRecorded:
        h.horizon = data["covers_to"]
    return True


def apply_reference(h: StoredHistory, ev: Aggregate.Event) -> None:
    if isinstance(ev, OrgHistory.PersonRecorded):
        h.people.setdefault(ev.person, {}).update(ev.fields)
    elif isinstance(ev, OrgHistory.SourceRecorded):
        h.sources.setdefault(ev.source, {}).update(ev.fields)
    elif isinstance(ev, OrgHistory.TitleRecorded):
        h.title = ev.title
    elif isinstance(ev, OrgHistory.HorizonRecorded):
        h.horizon = ev.covers_to
