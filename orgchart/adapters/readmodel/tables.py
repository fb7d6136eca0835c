"""Query tables (sqlite-utils) built from the event log and a timeline replay.

Everything here can be rebuilt from the log: `write_all()` replaces every
table from the facts; `position` records the stream version they reflect and
`head` the chain hash of the log entry at that position, so that a log which
no longer extends what the tables were built from is noticed (`chain_head`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import chain, islice, repeat
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import orjson

from orgchart.adapters.readmodel.connection import QueryDB, named
from orgchart.adapters.readmodel.damage import damaged, stored_json
from orgchart.adapters.readmodel.intervals import COUNTS, counts_at
from orgchart.domain.dates import EffDate

if TYPE_CHECKING:  # the domain's classes are imported where used: queries need none
    import sqlite_utils

    from orgchart.adapters.readmodel.aside import AsideFiles
    from orgchart.domain.facts import Fact
    from orgchart.domain.rules import (
        LineageLink,
        Tenure,
        Timeline,
        UnitAlias,
        UnitLife,
        UnitVersion,
    )

P = "oc_"  # table prefix: the event store's own tables share a SQLite file
TABLES = ("events", "event_units", "versions", "transient", "lives", "tenures", "links", "aliases",
          "people", "sources", "meta")


def open_db(path: str) -> sqlite_utils.Database:
    """The query tables' database, waiting for other writers rather than failing."""
    import sqlite3

    import sqlite_utils

    return sqlite_utils.Database(sqlite3.connect(path, timeout=60))


#: Bumped whenever what the tables hold or how it is encoded changes: tables of
#: another layout read as absent, so the next command rebuilds them from the log.
LAYOUT = "16"

#: Each table's columns (the first of `PK` is its primary key) and indexes.
COLUMNS: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "events": ("seq", "id", "type", "date", "day", "recorded", "recorded_day", "body",
               "sources", "note", "retracted_by", "retracted_day"),
    "event_units": ("seq", "unit"),
    # `since`: when the unit began (its life's `began`), kept on each version so that `at`
    # reads one table (a lookup in lives per unit cost twice the rest of the query);
    # `display_order`: the unit's place among its siblings (`order`), null for by name;
    # what a chart cites for the version (`queries.Behind`), kept here so that `at` reads
    # no other table: `note`, the note of `event` (null: none); `began_event` and
    # `began_note`, the event that began the unit and its note, when the unit began before
    # the version's first day (null otherwise)
    "versions": ("unit", "valid_from", "valid_to", "name", "name_en", "kind", "parent", "event",
                 "since", "display_order", "note", "began_event", "began_note"),
    # versions replaced on the day they were made (`Timeline.transient`): never in a chart,
    # they say which event made which change (`explain`)
    "transient": ("unit", "day", "name", "name_en", "kind", "parent", "event"),
    "lives": ("unit", "began", "began_day", "began_event", "began_how", "ended", "ended_day",
              "ended_event", "ended_how"),
    # read with the tenure by `at`: `start_note`, the note of `start_event` (null: none);
    # `person_name`, `person_name_en`: the person's names as `people` has them
    "tenures": ("unit", "role", "person", "title", "start", "start_day", "start_event", "end",
                "end_day", "end_event", "start_note", "person_name", "person_name_en"),
    "links": ("source", "target", "how", "event", "date", "day"),
    # the aliases units were given (`establish`, `rename`); `key`: the alias compared by
    # (`orgchart.domain.rules.alias_key`), `day`: when the event giving it takes effect
    "aliases": ("unit", "alias", "key", "event", "date", "day"),
    "people": ("id", "name", "name_en"),
    "sources": ("id", "title", "publisher", "date", "url"),
    # earlier knowledge states, each kept as its difference from the latest (`knownat`)
    "k_states": ("known", "d0", "position"),
    "k_versions": ("known", "unit", "valid_from", "valid_to", "name", "name_en", "kind",
                   "parent", "event", "since", "display_order", "note", "began_event",
                   "began_note"),
    "k_transient": ("known", "unit", "day", "name", "name_en", "kind", "parent", "event"),
    "k_lives": ("known", "unit", "began", "began_day", "began_event", "began_how", "ended",
                "ended_day", "ended_event", "ended_how"),
    "k_tenures": ("known", "unit", "role", "person", "title", "start", "start_day",
                  "start_event", "end", "end_day", "end_event", "start_note", "person_name",
                  "person_name_en"),
    "k_links": ("known", "source", "target", "how", "event", "date", "day"),
    "k_aliases": ("known", "unit", "alias", "key", "event", "date", "day"),
}
OVERLAYS = ("k_states", "k_versions", "k_transient", "k_lives", "k_tenures", "k_links",
            "k_aliases")
PK = {"meta": "key", "events": "seq", "lives": "unit", "people": "id", "sources": "id",
      "k_states": "known"}
INTEGER = {("events", "seq"), ("event_units", "seq"), ("k_states", "position"),
           ("versions", "display_order"), ("k_versions", "display_order")}
#: The day's covering indexes (see `INDEXES`): what `queries.units_on` reads.
_DAY_INDEXES: dict[str, tuple[str, ...]] = {
    "versions": ("valid_to", "valid_from", "unit", "name", "name_en", "kind", "parent",
                 "since", "event", "display_order", "note", "began_event", "began_note"),
    "tenures": ("end_day", "start_day", "unit", "person", "person_name", "person_name_en",
                "role", "title", "start", "start_event", "start_note"),
}
INDEXES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("events", ("id",), True),
    ("events", ("day", "seq"), False),
    ("event_units", ("unit", "seq"), False),
    ("versions", ("valid_from",), False),
    # the day's chart (`queries.units_on`) reads these two indexes alone: they cover the
    # columns it selects, so no row of the table (nor of another table) is looked up
    ("versions", _DAY_INDEXES["versions"], False),
    ("versions", ("unit", "valid_from"), False),
    ("versions", ("parent", "valid_from"), False),
    ("transient", ("day",), False),
    ("transient", ("unit", "day"), False),
    ("tenures", _DAY_INDEXES["tenures"], False),
    ("tenures", ("unit", "start_day"), False),
    ("tenures", ("person",), False),
    ("links", ("source",), False),
    ("links", ("target",), False),
    ("lives", ("began_day",), False),
    ("lives", ("ended_day",), False),
    ("tenures", ("start_day",), False),
    ("links", ("day",), False),
    ("aliases", ("key",), False),
    ("aliases", ("unit",), False),
    ("aliases", ("day",), False),
    ("events", ("recorded_day",), False),
    ("events", ("retracted_day",), False),
    ("k_versions", ("known", "valid_from"), False),
    ("k_versions", ("known", "valid_to", "valid_from"), False),
    ("k_versions", ("known", "unit", "valid_from"), False),
    ("k_transient", ("known", "day"), False),
    ("k_transient", ("known", "unit", "day"), False),
    ("k_lives", ("known", "unit"), False),
    ("k_tenures", ("known", "end_day", "start_day"), False),
    ("k_tenures", ("known", "unit", "start_day"), False),
    ("k_tenures", ("known", "person"), False),
    ("k_links", ("known", "source"), False),
    ("k_links", ("known", "target"), False),
    ("k_aliases", ("known", "key"), False),
)


def create(db: sqlite_utils.Database) -> None:
    """Create the tables and indexes if missing (safe when several processes race)."""
    if db.table(P + "meta").exists():
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if not db.table(P + "meta").exists():
            _create_tables(db)
            _create_indexes(db)
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise


def _create_tables(db: sqlite_utils.Database, only: Container[str] | None = None) -> None:
    # plain DDL inside the caller's transaction (sqlite-utils' helpers commit on their own)
    for name, cols in COLUMNS.items():
        if only is not None and name not in only:
            continue
        defs = ", ".join(
            f'"{c}" {"INTEGER" if (name, c) in INTEGER else "TEXT"}'
            f'{" PRIMARY KEY" if PK.get(name) == c else ""}' for c in cols)
        db.conn.execute(f'CREATE TABLE IF NOT EXISTS "{P}{name}" ({defs})')


#: The annotations (few), found without reading every event (`corrections.by_event`).
ANNOTATIONS_INDEX = (f'CREATE INDEX IF NOT EXISTS "idx_{P}events_annotate" ON "{P}events" '
                     f"(seq) WHERE type = 'annotate'")


def has_note(alias: str = "") -> str:
    """An event with a note, as SQL (on the `note` column of `alias`, else unqualified)."""
    col = f"{alias}.note" if alias else "note"
    return f"{col} is not null and {col} != ''"


#: The tables whose rows are the events' own (not the replay's): `write_all` indexes them
#: while the replay runs.
EVENT_TABLES = ("events", "event_units")
#: The tables whose rows are the replay's (`iter_timeline_rows`).
TIMELINE_TABLES = ("versions", "transient", "lives", "tenures", "links", "aliases")
#: A rebuild of this many events or more replays in forked processes beside the events'
#: rows where it can (`orgchart.adapters.forked.can_fork`): at 100,000 events 3.9 s
#: against 4.9 in one process; below this a rebuild takes about a second in one process,
#: not worth a copy of it in memory (a choice, not measured at the threshold).
FORK_AT = 20_000
#: It forks only where the memory available is this many times the process's size:
#: the forked processes copy the pages of the history they read (at 1,000,000 events,
#: ~1.5 GB more at the peak for a 1.9 GB process).
FORK_ROOM = 2.0


#: The version and tenure rows whose events have a note (few; the predicates as SQL, on
#: the tables' own column names). `at` reads them again after the day's chart
#: (`queries._VERSIONS_WITH_NOTES`, `_TENURES_WITH_NOTES`) from partial copies of the day's
#: covering indexes that hold these rows alone (`NOTED_INDEXES`), instead of passing every
#: entry of the chart again; a query uses such an index only when its condition says the
#: index's own, so both say these.
NOTED_VERSION = "note is not null or began_note is not null"
NOTED_TENURE = "start_note is not null"
NOTED_INDEXES: dict[str, tuple[str, str]] = {
    "versions": (f"idx_{P}versions_noted", NOTED_VERSION),
    "tenures": (f"idx_{P}tenures_noted", NOTED_TENURE),
}


#: The indexes of `INDEXES` on a column that few rows set (an event is seldom retracted):
#: each holds only the rows that set it (`WHERE column IS NOT NULL`: at 100,000 events, 10
#: entries instead of 100,000, about a third of the whole column's build time). SQLite
#: reads such an index for any comparison on its column (`intervals.retracted_after`),
#: which no null satisfies.
SPARSE_INDEXES: frozenset[tuple[str, tuple[str, ...]]] = frozenset({("events", ("retracted_day",))})


def _create_indexes(db: sqlite_utils.Database, only: Container[str] | None = None,
                    but: Container[str] = ()) -> None:
    """Create the indexes (of the tables `only` if given, and not of those `but`)."""
    def cols_sql(cols: tuple[str, ...]) -> str:
        return ", ".join(chr(34) + c + chr(34) for c in cols)

    for name, cols, unique in INDEXES:
        if (only is not None and name not in only) or name in but:
            continue
        sparse = f' WHERE "{cols[0]}" IS NOT NULL' if (name, cols) in SPARSE_INDEXES else ""
        db.conn.execute(
            f'CREATE {"UNIQUE " if unique else ""}INDEX IF NOT EXISTS '
            f'"idx_{P}{name}_{"_".join(cols)}" ON "{P}{name}" ({cols_sql(cols)}){sparse}')
        noted = NOTED_INDEXES.get(name)
        if noted is not None and cols == _DAY_INDEXES[name]:
            db.conn.execute(f'CREATE INDEX IF NOT EXISTS "{noted[0]}" ON "{P}{name}" '
                            f"({cols_sql(cols)}) WHERE {noted[1]}")
    if (only is None or "events" in only) and "events" not in but:
        db.conn.execute(ANNOTATIONS_INDEX)


def position(db: QueryDB) -> int:
    """The log position the tables reflect (-1: no tables yet, or of an older layout)."""
    return built_from(db)[0]


def built_from(db: QueryDB) -> tuple[int, str | None]:
    """The log position the tables reflect (-1: no tables yet, or of an older layout) and
    the chain hash of the log entry there (None: not recorded yet), read together."""
    exists = db.execute("select 1 from sqlite_master where type = 'table' and name = ?",
                        [P + "meta"]).fetchone()
    if not exists:
        return -1, None
    rows = dict(db.execute(f"select key, value from {P}meta "
                           f"where key in ('position', 'layout', 'head')").fetchall())
    if rows.get("layout") != LAYOUT or rows.get("position") is None:
        return -1, None
    return int(rows["position"]), rows.get("head")


def chain_head(db: QueryDB) -> str | None:
    """The chain hash of the log entry at `position` (None: not recorded yet)."""
    return meta(db, "head")


def fill_chain_head(db: sqlite_utils.Database, have: int, head: str) -> None:
    """Record `head` for tables written without one, unless they have moved on since."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if built_from(db) == (have, None):
            set_chain_head(db, head)
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise


def set_chain_head(db: sqlite_utils.Database, head: str) -> None:
    """Record the chain hash of the log entry at `position` (in the caller's transaction)."""
    db.conn.execute(f"insert or replace into {P}meta (key, value) values ('head', ?)", [head])


def meta(db: QueryDB, key: str) -> str | None:
    row = db.execute(f"select value from {P}meta where key = ?", [key]).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def reference_rows(db: QueryDB, section: str) -> dict[str, dict[str, Any]]:
    """All people or sources as {id: {field: value}} (absent values left out)."""
    cur = db.execute(f"select * from {P}{section}")
    cols = [c[0] for c in cur.description]
    out: dict[str, dict[str, Any]] = {}
    for row in cur.fetchall():
        rec = dict(zip(cols, row, strict=True))
        key = rec.pop("id")
        out[key] = {k: v for k, v in rec.items() if v is not None}
    return out


Row = tuple[Any, ...]


def event_rows(facts: Sequence[Fact]) -> tuple[list[Row], list[Row]]:
    """Rows of `events` and `event_units` (columns as in COLUMNS) for these facts."""
    return list(iter_event_rows(facts)), list(iter_event_unit_rows(facts))


def iter_event_rows(facts: Sequence[Fact]) -> Iterator[Row]:
    """The rows of `events` for these facts, one at a time."""
    from orgchart.domain.facts import Retract

    retractions = {f.event: f for f in facts if isinstance(f, Retract)}
    dumps = orjson.dumps
    day = _RecordedDayText()
    no_sources = dumps(()).decode()
    for f in facts:
        r = retractions.get(f.id) if retractions else None
        d = f.date
        yield (f.seq, f.id, f.TYPE, d.text if d else None, d.iso if d else None,
               f.recorded, day[f.recorded], dumps(f.plain_fields()).decode(),
               dumps(f.sources).decode() if f.sources else no_sources, f.note,
               r.id if r else None, day[r.recorded] if r else None)


class _RecordedDayText(dict[str, str]):
    """`day[recorded]`: the ISO text of a recorded time's day (`Fact.recorded_day`), made
    once per distinct recorded time: the events of one load share theirs."""

    def __missing__(self, recorded: str) -> str:
        from orgchart.domain.facts import recorded_day

        text = self[recorded] = recorded_day(recorded).isoformat()
        return text


class _DayText(dict[Any, Any]):
    """`day[d]`: `d.isoformat()` (None for None), made once per distinct day: a table's
    rows name far fewer days than they have rows."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, d: date) -> str:
        text = self[d] = d.isoformat()
        return text


def iter_event_unit_rows(facts: Sequence[Fact]) -> Iterator[Row]:
    """The rows of `event_units` for these facts, one at a time (each event's made by
    `zip`, not a generator's step per row)."""
    from orgchart.domain.facts import units_named

    return chain.from_iterable(zip(repeat(f.seq), dict.fromkeys(units_named(f)))
                               for f in facts)


#: The notes of events, by id (only the events that have one).
Notes = Mapping[str, str]


class Cited(NamedTuple):
    """What the rows of a timeline keep from other tables (see `COLUMNS`): the notes of the
    events they cite, and people's (name, name_en) by id."""

    notes: Notes
    names: Mapping[str, tuple[str | None, str | None]]


def fact_notes(facts: Iterable[Fact]) -> dict[str, str]:
    """The notes of these events that have one, by id."""
    return {f.id: f.note for f in facts if f.note}


def cited(facts: Iterable[Fact], people: Mapping[str, Mapping[str, str]]) -> Cited:
    """`Cited` for a whole history: its events and its people."""
    return Cited(fact_notes(facts),
                 {k: (v.get("name"), v.get("name_en")) for k, v in people.items()})


def stored_notes(db: QueryDB, ids: Iterable[str], new: Iterable[Fact] = ()) -> dict[str, str]:
    """The notes of the events with these ids that have one, by id: those of `new` (events
    not written yet) as they are, the others as the `events` table has them (an event's
    note does not change once it is recorded, whatever the knowledge state)."""
    out = fact_notes(new)
    wanted = sorted(set(ids) - out.keys())
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        out.update(db.execute(
            f"select id, note from main.{P}events where id in "
            f"({', '.join('?' for _ in chunk)}) and {has_note()}", chunk).fetchall())
    return out


def stored_cited(db: QueryDB, tl: Timeline, new: Iterable[Fact] = ()) -> Cited:
    """`Cited` for the rows of `tl`, from the tables (see `stored_notes`; the people as
    `people` has them, so written before)."""
    ids = {v.event for v in tl.versions}
    ids.update(x.began_event for x in tl.lives.values())
    ids.update(t.start_event for t in tl.tenures)
    persons = sorted({t.person for t in tl.tenures})
    names: dict[str, tuple[str | None, str | None]] = {}
    for i in range(0, len(persons), 500):
        chunk = persons[i:i + 500]
        names.update((pid, (name, name_en)) for pid, name, name_en in db.execute(
            f"select id, name, name_en from main.{P}people where id in "
            f"({', '.join('?' for _ in chunk)})", chunk).fetchall())
    return Cited(stored_notes(db, ids, new), names)


def renamed_people(db: QueryDB, ids: Iterable[str]) -> None:
    """Say again the names of these people (as `people` now has them) on their tenures."""
    for pid in ids:
        for name in ("tenures", "k_tenures"):
            db.execute(f"update {P}{name} set (person_name, person_name_en) = (select name, "
                       f"name_en from {P}people where id = ?) where person = ?", [pid, pid])


def version_row(unit: str, valid_from: str, valid_to: str | None, name: str,
                name_en: str | None, kind: str | None, parent: str | None, event: str,
                life: tuple[str, str, str], order: int | None, notes: Notes) -> Row:
    """A row of `versions`: the version's own columns, then what a chart cites for it,
    from `life`, the unit's (began, began_day, began_event), and the events' `notes`."""
    began, began_day, began_event = life
    if valid_from == began_day:
        return (unit, valid_from, valid_to, name, name_en, kind, parent, event, began, order,
                notes.get(event), None, None)
    return (unit, valid_from, valid_to, name, name_en, kind, parent, event, began, order,
            notes.get(event), began_event, notes.get(began_event))


class Intervals(Protocol):
    """What the rows of a timeline are made from: a `Timeline`, or one whose intervals are
    read from disk (`orgchart.adapters.scratch.KeptTimeline`)."""

    @property
    def lives(self) -> Mapping[str, UnitLife]: ...

    @property
    def versions(self) -> Iterable[UnitVersion]: ...

    @property
    def transient(self) -> Iterable[UnitVersion]: ...

    @property
    def tenures(self) -> Iterable[Tenure]: ...

    @property
    def links(self) -> Iterable[LineageLink]: ...

    @property
    def aliases(self) -> Iterable[UnitAlias]: ...


def timeline_rows(tl: Timeline, refs: Cited) -> dict[str, list[Row]]:
    """Rows of `versions`, `transient`, `lives`, `tenures`, `links` and `aliases` (columns
    as in COLUMNS); `refs`: what they keep from other tables (`cited`, `stored_cited`)."""
    return {name: list(rows) for name, rows in iter_timeline_rows(tl, refs).items()}


def iter_timeline_rows(tl: Intervals, refs: Cited) -> dict[str, Iterator[Row]]:
    """`timeline_rows`, each table's rows made one at a time as they are written."""
    from orgchart.domain.rules import alias_key

    day = _DayText()
    notes, names = refs
    nobody = (None, None)
    return {
        "versions": (version_row(v.unit, day[v.valid_from], day[v.valid_to], v.name,
                                 v.name_en, v.kind, v.parent, v.event, life, v.order, notes)
                     for v, life in _versions_began(tl)),
        "transient": ((v.unit, day[v.valid_from], v.name, v.name_en, v.kind, v.parent,
                       v.event) for v in tl.transient),
        "lives": ((x.unit, x.began.text, x.began.iso, x.began_event, x.began_how,
                   x.ended.text if x.ended else None, x.ended.iso if x.ended else None,
                   x.ended_event, x.ended_how) for x in tl.lives.values()),
        "tenures": ((t.unit, t.role, t.person, t.title, t.start.text, t.start.iso,
                     t.start_event, t.end.text if t.end else None,
                     t.end.iso if t.end else None, t.end_event, notes.get(t.start_event),
                     *names.get(t.person, nobody)) for t in tl.tenures),
        "links": ((k.source, k.target, k.how, k.event, k.date.text, k.date.iso)
                  for k in tl.links),
        "aliases": ((a.unit, a.alias, alias_key(a.alias), a.event, a.date.text, a.date.iso)
                    for a in tl.aliases),
    }


def _versions_began(tl: Intervals) -> Iterator[tuple[UnitVersion, tuple[str, str, str]]]:
    """Each version of `tl` with its unit's (began, began_day, began_event): as the timeline
    reads them together itself (`versions_began`: a load's, kept on disk), or from a
    mapping of the lives made once."""
    together: Callable[[], Iterator[tuple[UnitVersion, tuple[str, str, str]]]] | None = \
        getattr(tl, "versions_began", None)
    if together is not None:
        return together()
    began = {u: (x.began.text, x.began.iso, x.began_event) for u, x in tl.lives.items()}
    return ((v, began[v.unit]) for v in tl.versions)


class EventRows(Protocol):
    """Events that make their `events` and `event_units` rows themselves, and say their
    notes (`orgchart.adapters.scratch`: a load's events, kept on disk)."""

    def event_rows(self) -> Iterator[Row]: ...

    def event_unit_rows(self) -> Iterator[Row]: ...

    def notes(self) -> dict[str, str]: ...


def write_all(db: sqlite_utils.Database, facts: Sequence[Fact] | EventRows,
              tl: Intervals | Callable[[], Timeline],
              people: Mapping[str, Mapping[str, str]], sources: Mapping[str, Mapping[str, str]],
              title: str | None, version: int, force: bool = False,
              horizon: str | None = None, head: str | None = None) -> bool:
    """Replace every query table with the given history, in one transaction.

    Unless `force`, tables already at `version` or newer (another process got
    there first) are left alone. Returns whether anything was written. The
    tables are dropped and made again, with their indexes built after the
    rows are in (several times faster than keeping them up row by row).

    `tl` is the replayed timeline, or what replays it: then the replay runs in a
    thread of its own (only if anything is written) while SQLite builds the
    events' indexes, which lets go of the interpreter while it works.
    """
    # SQLite as Debian and others build it overwrites freed pages with zeros by default
    # (`secure_delete`): the dropped tables' pages, all of them written to the WAL only to
    # be overwritten by the new rows. Nothing in them is secret beyond the log they were
    # made from, which the same file holds: for this transaction they are just freed.
    secure = db.conn.execute("PRAGMA secure_delete").fetchone()[0]
    db.conn.execute("PRAGMA secure_delete = 0")
    try:
        return _write_all(db, facts, tl, people, sources, title, version, force, horizon,
                          head)
    finally:
        db.conn.execute(f"PRAGMA secure_delete = {int(secure)}")


def _write_all(db: sqlite_utils.Database, facts: Sequence[Fact] | EventRows,
               tl: Intervals | Callable[[], Timeline],
               people: Mapping[str, Mapping[str, str]],
               sources: Mapping[str, Mapping[str, str]], title: str | None, version: int,
               force: bool, horizon: str | None, head: str | None) -> bool:
    aside = _replay_aside(db, facts, tl, people)
    try:
        try:
            if aside is None:
                db.conn.execute("BEGIN IMMEDIATE")
            else:
                aside.begin(db.conn)
            if not force and position(db) >= version:
                db.conn.rollback()
                return False
            for name in (*TABLES, *OVERLAYS):  # main's: never a table of the same name aside
                db.conn.execute(f'DROP TABLE IF EXISTS main."{P}{name}"')
            _create_tables(db)
            _write_rows(db, facts, tl, people, aside)
            insert_rows(db, "people", ((k, v.get("name"), v.get("name_en"))
                                       for k, v in people.items()))
            insert_rows(db, "sources", ((k, *(v.get(f) for f in ("title", "publisher", "date",
                                                                  "url")))
                                        for k, v in sources.items()))
            insert_rows(db, "meta", [("position", str(version)), ("title", title),
                                     ("layout", LAYOUT),
                                     *([("horizon", horizon)] if horizon is not None else [])])
            if head is not None:  # else the next catch-up reads it from the log
                set_chain_head(db, head)
            _create_indexes(db, but=EVENT_TABLES if callable(tl) else ())
            db.conn.commit()
        except BaseException:
            db.conn.rollback()
            raise
    finally:
        if aside is not None:
            aside.close()
    return True


def _write_rows(db: sqlite_utils.Database, facts: Sequence[Fact] | EventRows,
                tl: Intervals | Callable[[], Timeline],
                people: Mapping[str, Mapping[str, str]], aside: AsideFiles[Any] | None) -> None:
    """The rows of the events' tables and of the replay's, and the events' indexes when
    `tl` replays (built while it does). With `aside`, the replay's rows are being
    written by forked processes: they are copied in once those are done."""
    if isinstance(facts, Sequence):
        insert_rows(db, "events", iter_event_rows(facts))
        insert_rows(db, "event_units", iter_event_unit_rows(facts))
        if aside is not None and _copied_aside(db, aside):
            return
        refs = cited(facts, people)
    else:
        insert_rows(db, "events", facts.event_rows())
        insert_rows(db, "event_units", facts.event_unit_rows())
        refs = Cited(facts.notes(), cited((), people).names)
    timeline: Intervals
    if callable(tl):
        from orgchart.adapters.meanwhile import Meanwhile

        replaying = Meanwhile(tl)
        try:
            _create_indexes(db, only=EVENT_TABLES)
        finally:
            timeline = replaying.result()
    else:
        timeline = tl
    # each row made as it is written: no list of them all
    for name, table_rows in iter_timeline_rows(timeline, refs).items():
        insert_rows(db, name, table_rows)


def _copied_aside(db: sqlite_utils.Database, aside: AsideFiles[Any]) -> bool:
    """Once the events' indexes are built, the replay's tables copied from the forked
    processes' files (True); False, copying nothing, when those processes failed
    (a full temporary directory, a process killed): this process then replays and
    writes those tables itself, as it does without them (an error of the replay's own
    is raised there)."""
    _create_indexes(db, only=EVENT_TABLES)
    try:
        aside.wait()
    except Exception:
        return False
    aside.copy()
    return True


def _replay_aside(db: sqlite_utils.Database, facts: Sequence[Fact] | EventRows,
                  tl: Intervals | Callable[[], Timeline],
                  people: Mapping[str, Mapping[str, str]]) -> AsideFiles[Any] | None:
    """For a rebuild of `FORK_AT` events or more, where a process can fork: the replay
    and its tables' rows made by forked processes (`aside`) while this one writes the
    events' rows and indexes: one replays, then writes `versions` while a child of its
    own writes the other tables (about as many rows). Else None."""
    from orgchart.adapters.forked import can_fork

    if not (callable(tl) and isinstance(facts, Sequence) and len(facts) >= FORK_AT
            and can_fork(room=FORK_ROOM)):
        return None
    from orgchart.adapters.readmodel.aside import AsideFiles

    def prepare(conn: sqlite3.Connection, names: Sequence[str]) -> None:
        _create_tables(_database(conn), only=[name.removeprefix(P) for name in names])

    def make() -> tuple[Intervals, Cited]:
        return tl(), cited(facts, people)

    def fill(made: tuple[Intervals, Cited], conn: sqlite3.Connection,
             names: Sequence[str]) -> None:
        rows, into = iter_timeline_rows(*made), _database(conn)
        # the parts name every table of the replay, or `copy` would leave one out
        assert set(rows) == set(TIMELINE_TABLES), sorted(set(rows) ^ set(TIMELINE_TABLES))
        for name in names:
            insert_rows(into, name.removeprefix(P), rows[name.removeprefix(P)])

    first = ("versions",)
    parts = [first, [name for name in TIMELINE_TABLES if name not in first]]
    return AsideFiles(db.conn, [[P + name for name in part] for part in parts], prepare,
                      make, fill)


def _database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    import sqlite_utils

    return sqlite_utils.Database(conn)


#: Rows one INSERT statement writes (`insert_rows`).
ROWS_PER_INSERT = 32


def _bind_directly() -> None:
    """Let `sqlite3` bind None (NULL) and bytes (a BLOB) without looking for an adapter
    that is not there.

    It binds an int, float or str as it is, but asks every other value, None and bytes
    too, for an adapter: with none registered it looks up `__adapt__` on its
    `PrepareProtocol` class, which raises an AttributeError whose message is formatted,
    then cleared: about 2,000 instructions per value. The rows of the query tables hold
    several None per row (a note, a retraction, an end not there): about 620,000 at
    100,000 events; each entry of the event store is bytes (its state), and so is each
    interval of the scratch tables. Registered for their types, an adapter is found at
    once, one made in C (no Python frame): for None an empty dict's `get`, which gives
    back None, bound as NULL as before; for bytes `bytes`, which gives back the same
    object, bound as a BLOB as before. The registration is for the whole process: any
    None or bytes given to `sqlite3` is bound as it always was, only sooner."""
    nothing: dict[None, None] = {}
    sqlite3.register_adapter(type(None), nothing.get)
    sqlite3.register_adapter(bytes, bytes)


_bind_directly()


def insert_rows(db: sqlite_utils.Database, name: str, rows: Iterable[Row]) -> None:
    """Insert rows (columns as in COLUMNS) into table `name`, in the caller's transaction
    (an iterator's rows are written as it makes them, in order). `ROWS_PER_INSERT` rows go
    in one statement (`VALUES (...), (...), ...`, their values flattened), the last few
    one by one: about a seventh less CPU than a statement per row (SQLite's work for
    each statement, and `executemany`'s for each set of values)."""
    cols = COLUMNS[name]
    width = len(cols)
    one = f"({', '.join('?' for _ in cols)})"
    sql = f"insert into {P}{name} ({', '.join(cols)}) values "
    it = iter(rows)
    rest: list[Row] = []

    def flattened() -> Iterator[list[Any]]:
        while True:
            chunk = list(islice(it, ROWS_PER_INSERT))
            if len(chunk) < ROWS_PER_INSERT:
                rest.extend(chunk)
                return
            flat = list(chain.from_iterable(chunk))
            # as a statement per row would (no row longer, and together none shorter)
            if len(flat) != width * ROWS_PER_INSERT or max(map(len, chunk)) != width:
                raise sqlite3.ProgrammingError(f"a row of {P}{name} without {width} values")
            yield flat

    db.conn.executemany(sql + ", ".join([one] * ROWS_PER_INSERT), flattened())
    if rest:
        db.conn.executemany(sql + one, rest)


def dump(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every query table in a canonical order (for `verify`)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name in TABLES:
        cols = [c.name for c in db.table(P + name).columns]
        rows = db.execute(f"select {', '.join(cols)} from {P}{name}").fetchall()
        out[name] = sorted(rows, key=lambda r: tuple("" if x is None else str(x) for x in r))
    return out


#: The `events` columns `fact_from_row` reads.
FACT_COLUMNS = "seq, id, type, date, recorded, sources, note, body"


def fact_from_row(row: sqlite3.Row) -> Fact:
    """The event value of an `events` row with (at least) the FACT_COLUMNS, read by name."""
    from orgchart.domain.facts import build_fact

    eid, d = row["id"], row["date"]
    where = f"event '{eid}'"
    own, cited = stored_json(row["body"], where), stored_json(row["sources"], where)
    try:
        return build_fact(row["type"], own, id=eid, date=EffDate.parse(d) if d else None,
                          recorded=row["recorded"], sources=tuple(cited), note=row["note"],
                          seq=row["seq"])
    except (KeyError, ValueError, TypeError) as e:
        raise damaged(where, f"{type(e).__name__}: {e}") from None


def facts_from_tables(db: QueryDB) -> list[Fact]:
    """Every recorded event, in append order."""
    return [fact_from_row(row) for row in named(db.execute(
        f"select {FACT_COLUMNS} from {P}events order by seq")).fetchall()]


def counted_facts(db: QueryDB, first: date, last: date | None = None,
                  known: date | None = None) -> list[Fact]:
    """The events that count and take effect from `first` (to `last`), in effective order:
    in the knowledge state the connection sees, or in the one known at the end of `known`."""
    where, params = ["day >= ?"], [first.isoformat()]
    if last is not None:
        where.append("day <= ?")
        params.append(last.isoformat())
    if known is None:
        where.append(COUNTS)
    else:
        where.append(counts_at())
        params += [known.isoformat()] * 2
    return [fact_from_row(row) for row in named(db.execute(
        f"select {FACT_COLUMNS} from {P}events where {' and '.join(where)} order by day, seq",
        params)).fetchall()]
