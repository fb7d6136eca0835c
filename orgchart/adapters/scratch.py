"""A load's events on disk: the file's events, read once, kept in a temporary SQLite file.

A load into an empty store reads a file of maybe a million events; held as
values they would take a kilobyte each. `LoadScratch` keeps each event as the
row the query tables' `events` table will hold (and what the other passes of
a load need: the units it names, its unit, role and person), and gives the
events back one at a time, in the order each pass needs: as a `History`
(`orgchart.domain.knowledge.check_states`: effective order, knowledge states,
who held which role; the latest state's intervals written back here as they
close, `intervals`, and read as its timeline, `timeline`), as the store's
entries (`stored`, no event value made), and as the rows of `events` and
`event_units` (`event_rows`, `event_unit_rows`).
A unique index on the id finds a repeated id (`Duplicate`). The file is SQLite's
private temporary database: deleted when the load ends, however it ends.
"""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    ValuesView,
)
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson

from orgchart.domain.dates import EffDate
from orgchart.domain.errors import OrgchartError
from orgchart.domain.facts import FACT_TYPES, Fact, Retract, units_named
from orgchart.domain.knowledge import counts_at
from orgchart.domain.rules import (
    OPEN,
    IntervalOut,
    LineageLink,
    Tenure,
    Timeline,
    UnitAlias,
    UnitIds,
    UnitLife,
    UnitVersion,
    held_a_day,
)

if TYPE_CHECKING:
    from orgchart.domain.history import OrgHistory

#: Rows written per `executemany`.
BATCH = 5_000

_COLUMNS = ("i", "id", "type", "date", "day", "recorded", "recorded_day", "body", "sources",
            "note", "units", "unit", "role", "person")
#: What a fact is made from (`_facts`).
_FACT = "i, id, type, date, recorded, body, sources, note"
#: The appointments and steppings-down (`f_leader`, the index `by_role`, `by_person` read).
_LEADER = "type in ('appoint', 'step_down')"


class Duplicate(Exception):
    """Two events of the file have one id (the file is read again to say which)."""


@contextmanager
def _writing() -> Iterator[None]:
    """SQLite's error writing the scratch file (a full temporary folder) as one sentence."""
    try:
        yield
    except sqlite3.OperationalError as e:
        raise OrgchartError(f"cannot keep the file's events in the temporary folder ({e}): "
                            f"free some space there, or name a folder with room in "
                            f"TMPDIR") from None


class LoadScratch:
    """The events of one file being loaded, in append order (`add`), on disk."""

    def __init__(self) -> None:
        # SQLite's private temporary database: a file of its own, in the temporary folder,
        # gone when the connection closes (or the process ends, however it ends); its pages
        # spill there beyond the page cache
        self.conn = sqlite3.connect("", isolation_level=None)
        self.conn.execute("pragma journal_mode = off")
        self.conn.execute("pragma synchronous = off")
        self.conn.execute(f"create table f (i integer primary key, {', '.join(_COLUMNS[1:])})")
        self.conn.execute("begin")
        self.count = 0
        #: the log position of the first event (`seq` of event `i` is `first + i`)
        self.first = 0
        self._batch: list[tuple[Any, ...]] = []
        self._intervals: list[tuple[str, int, bytes]] = []
        self._versions: list[tuple[Any, ...]] = []
        self._lives: list[tuple[Any, ...]] = []
        self._recorded_days: dict[str, str] = {}  # recorded time -> its day's ISO text
        self.finished = False

    # -- writing -------------------------------------------------------------------------

    def add(self, fact: Fact) -> None:
        """Keep the next event of the file."""
        d = fact.date
        dumps = orjson.dumps
        recorded = fact.recorded
        recorded_day = self._recorded_days.get(recorded)
        if recorded_day is None:  # a file has few recorded times: each day's text made once
            recorded_day = self._recorded_days[recorded] = fact.recorded_day.isoformat()
        self._batch.append((
            self.count, fact.id, fact.TYPE, d.text if d else None, d.iso if d else None,
            recorded, recorded_day, dumps(fact.plain_fields()).decode(),
            dumps(fact.sources).decode(), fact.note,
            dumps(list(dict.fromkeys(units_named(fact)))).decode(),
            getattr(fact, "unit", None), getattr(fact, "role", None),
            getattr(fact, "person", None)))
        self.count += 1
        if len(self._batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        with _writing():
            self.conn.executemany(f"insert into f values ({', '.join('?' * len(_COLUMNS))})",
                                  self._batch)
        self._batch.clear()

    def finish(self) -> None:
        """Every event is in: index them for the passes that follow."""
        if self.finished:
            return
        self._flush()
        try:  # built once the rows are in: several times faster than row by row
            with _writing():
                self.conn.execute("create unique index f_id on f (id)")
        except sqlite3.IntegrityError:
            raise Duplicate() from None
        with _writing():
            self.conn.execute("create index f_day on f (day, i) where day is not null")
            self.conn.execute("create index f_recorded on f (recorded_day)")
            self.conn.execute(f"create index f_leader on f (unit, role) where {_LEADER}")
            self.conn.execute("create table iv (kind, n, data, primary key (kind, n)) "
                              "without rowid")
            # the units' lives (`KeptLives`), in the order made (`n`), found by unit too
            self.conn.execute("create table lv (n integer primary key, unit unique, began, "
                              "began_day, began_event, data)")
            # the versions, in the order made (`n`), with their unit and days (ordinals) to
            # read them joined to their unit's life and filtered (`KeptVersions`)
            self.conn.execute("create table vs (n integer primary key, unit, valid_from, "
                              "valid_to, data)")
            self.conn.execute("commit")
            self.conn.execute("begin")  # the intervals (`intervals`), written in batches
        self.finished = True

    def close(self) -> None:
        self.conn.close()

    def keep_references(self, section: str, entries: Mapping[str, Mapping[str, str]]
                        ) -> Mapping[str, Mapping[str, str]]:
        """The file's `people` or `sources` (`section`), kept here, read back as a mapping
        (`KeptReferences`; `entries` as they are if an entry is not plain text)."""
        try:
            rows = [(section, key, marshal.dumps(dict(entry))) for key, entry in entries.items()]
        except ValueError:  # (a value marshal cannot write: kept as it is)
            return entries
        with _writing():
            self.conn.execute("create table if not exists rf (n integer primary key, section, "
                              "key, data, unique (section, key))")
            self.conn.executemany("insert into rf (section, key, data) values (?, ?, ?)", rows)
        return KeptReferences(self, section, len(rows))

    # -- reading: events ---------------------------------------------------------------

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Fact]:
        """Every event, in append order."""
        return self._facts(f"select {_FACT} from f order by i")

    def _facts(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Fact]:
        first, parse = self.first, EffDate.parse
        types, loads = FACT_TYPES, orjson.loads
        for i, eid, t, d, recorded, body, sources, note in self.conn.execute(sql, params):
            yield types[t].from_plain(loads(body), id=eid,
                                      date=parse(d) if d else None, recorded=recorded,
                                      sources=tuple(loads(sources)), note=note, seq=first + i)

    def index_of(self, event_id: str) -> int | None:
        """The index under `events:` of the event with this id (None: not in the file)."""
        row = self.conn.execute("select i from f where id = ?", [event_id]).fetchone()
        return None if row is None else int(row[0])

    # -- reading: `History` (orgchart.domain.knowledge) --------------------------------

    def undated(self) -> list[Fact]:
        return list(self._facts(f"select {_FACT} from f where date is null order by i"))

    def find(self, event_id: str) -> Fact | None:
        return next(self._facts(f"select {_FACT} from f where id = ?", [event_id]), None)

    def recorded_days(self) -> list[date]:
        return [date.fromisoformat(d) for (d,) in self.conn.execute(
            "select distinct recorded_day from f order by recorded_day")]

    def counted(self, k: date | None, retracted: Mapping[str, date]) -> Iterator[Fact]:
        if k is None:
            facts = self._facts(f"select {_FACT} from f where day is not null order by day, i")
        else:
            facts = self._facts(f"select {_FACT} from f where day is not null and "
                                f"recorded_day <= ? order by day, i", [k.isoformat()])
        if not retracted:
            return facts
        get = retracted.get
        return (f for f in facts if counts_at(f.recorded_day, get(f.id), k))

    def arrived(self, after: date, upto: date | None) -> Iterator[Fact]:
        # (by the index: the planner would rather read the whole table in order)
        rows = f"select {_FACT} from f indexed by f_recorded where day is not null and "
        if upto is None:
            return self._facts(rows + "recorded_day > ? order by i", [after.isoformat()])
        return self._facts(rows + "recorded_day > ? and recorded_day <= ? order by i",
                           [after.isoformat(), upto.isoformat()])

    def by_role(self, unit: str, role: str) -> Sequence[Fact]:
        return list(self._facts(f"select {_FACT} from f where {_LEADER} and unit = ? and "
                                f"role = ? order by i", [unit, role]))

    def by_person(self, unit: str, person: str) -> Sequence[Fact]:
        return list(self._facts(f"select {_FACT} from f where {_LEADER} and unit = ? and "
                                f"type = 'step_down' and role is null and person = ? "
                                f"order by i", [unit, person]))

    def everything(self) -> Sequence[Fact]:
        return list(self)

    @property
    def intervals(self) -> IntervalOut:
        """The latest state's replay writes its intervals here, each as it closes (those of
        a replay before, if any, are dropped)."""
        self._intervals.clear()
        self._lives.clear()
        self._versions.clear()
        self.conn.execute("delete from iv")
        self.conn.execute("delete from lv")
        self.conn.execute("delete from vs")
        return self._interval

    def _interval(self, kind: str, n: int, item: Any) -> None:
        if kind == "lives":
            began = item.began
            self._lives.append((n, item.unit, began.text, began.iso, item.began_event,
                                marshal.dumps(_ENCODE[kind](item))))
            if len(self._lives) >= BATCH:
                self._flush_intervals()
            return
        if kind == "versions":
            self._versions.append((n, item.unit, item.valid_from.toordinal(),
                                   _day(item.valid_to), marshal.dumps(_ENCODE[kind](item))))
            if len(self._versions) >= BATCH:
                self._flush_intervals()
            return
        self._intervals.append((kind, n, marshal.dumps(_ENCODE[kind](item))))
        if len(self._intervals) >= BATCH:
            self._flush_intervals()

    def _flush_intervals(self) -> None:
        with _writing():
            self.conn.executemany("insert into iv values (?, ?, ?)", self._intervals)
            self.conn.executemany("insert into lv values (?, ?, ?, ?, ?, ?)", self._lives)
            self.conn.executemany("insert into vs values (?, ?, ?, ?, ?)", self._versions)
        self._intervals.clear()
        self._lives.clear()
        self._versions.clear()

    def timeline(self, replayed: Timeline) -> KeptTimeline:
        """The latest state's timeline: its lives and intervals as written here
        (`intervals`; `replayed` holds none), read back one at a time in the order the
        replay made them."""
        assert not replayed.lives and not replayed.versions
        self._flush_intervals()
        return KeptTimeline(KeptLives(self), KeptVersions(self, _SHOWN),
                            KeptVersions(self, _TRANSIENT),
                            _Read(self, "tenures", held_a_day), _Read(self, "links"),
                            _Read(self, "aliases"))

    def unit_ids(self, replays: int) -> UnitIds:
        """The replays' unit ids, those no replay has open kept here (`KeptUnitIds`)."""
        return KeptUnitIds(self, replays)

    def read_intervals(self, kind: str) -> Iterator[Any]:
        decode, loads = _DECODE[kind], marshal.loads
        for (data,) in self.conn.execute("select data from iv where kind = ? order by n",
                                         [kind]):
            yield decode(loads(data))

    # -- reading: what is written ----------------------------------------------------

    def stored(self) -> Iterator[tuple[type[OrgHistory.Recorded], dict[str, Any]]]:
        """Each event's stored class and fields (`codec.to_stored`), in append order, made
        from the kept row without an event value."""
        from orgchart.domain.history import STORED_CLASS

        loads = orjson.loads
        classes = {name: STORED_CLASS[cls] for name, cls in FACT_TYPES.items()}
        for eid, t, d, recorded, body, sources, note in self.conn.execute(
                "select id, type, date, recorded, body, sources, note from f order by i"):
            yield classes[t], {"event_id": eid, "date": d, "recorded": recorded,
                               "sources": loads(sources), "note": note, **loads(body)}

    def event_rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows of the query tables' `events` (`tables.iter_event_rows`), made by SQLite
        (a cursor: no Python per row), each with the retraction of its event if any (the
        last one of the file, as a mapping of them keeps)."""
        retracted = [(f.event, f.id, f.recorded_day.isoformat())
                     for f in self.undated() if isinstance(f, Retract)]
        with _writing():
            self.conn.execute("drop table if exists rt")
            self.conn.execute("create table rt (event primary key, by, day) without rowid")
            self.conn.executemany("insert or replace into rt values (?, ?, ?)", retracted)
        return self.conn.execute(
            "select ? + f.i, f.id, f.type, f.date, f.day, f.recorded, f.recorded_day, f.body, "
            "f.sources, f.note, rt.by, rt.day from f left join rt on rt.event = f.id "
            "order by f.i", [self.first])

    def event_unit_rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows of the query tables' `event_units` (`tables.iter_event_unit_rows`): each
        unit of each event's `units` (a JSON list), in order, made by SQLite (a cursor)."""
        return self.conn.execute("select ? + f.i, j.value from f, json_each(f.units) j "
                                 "order by f.i, j.key", [self.first])

    def notes(self) -> dict[str, str]:
        """The notes of the events that have one, by id (`tables.fact_notes`)."""
        return dict(self.conn.execute(
            "select id, note from f where note is not null and note != ''").fetchall())


class KeptReferences(Mapping[str, Mapping[str, str]]):
    """A file's people or sources kept in its scratch file (`LoadScratch.keep_references`):
    {id: {field: value}} in the file's order, each entry read when asked for."""

    def __init__(self, scratch: LoadScratch, section: str, count: int) -> None:
        self.conn, self.section, self.count = scratch.conn, section, count

    def __getitem__(self, key: str) -> dict[str, str]:
        row = self.conn.execute("select data from rf where section = ? and key = ?",
                                [self.section, key]).fetchone()
        if row is None:
            raise KeyError(key)
        entry: dict[str, str] = marshal.loads(row[0])
        return entry

    def __iter__(self) -> Iterator[str]:
        return (key for (key,) in self.conn.execute(
            "select key from rf where section = ? order by n", [self.section]))

    def __len__(self) -> int:
        return self.count

    def items(self) -> ItemsView[str, Mapping[str, str]]:
        return _ReferencesRead(self)


class _ReferencesRead(ItemsView[str, Mapping[str, str]]):
    """Every entry kept, decoded one at a time in order."""

    def __init__(self, refs: KeptReferences) -> None:
        super().__init__(refs)
        self.refs = refs

    def __iter__(self) -> Iterator[tuple[str, Mapping[str, str]]]:
        loads = marshal.loads
        for key, data in self.refs.conn.execute(
                "select key, data from rf where section = ? order by n", [self.refs.section]):
            yield key, loads(data)


class KeptLives(Mapping[str, UnitLife]):
    """The units' lives kept in a scratch file (`LoadScratch.intervals`), by unit, in the
    order the replay made them."""

    def __init__(self, scratch: LoadScratch) -> None:
        self.conn = scratch.conn

    def __getitem__(self, unit: str) -> UnitLife:
        row = self.conn.execute("select data from lv where unit = ?", [unit]).fetchone()
        if row is None:
            raise KeyError(unit)
        life: UnitLife = _DECODE["lives"](marshal.loads(row[0]))
        return life

    def __iter__(self) -> Iterator[str]:
        return (unit for (unit,) in self.conn.execute("select unit from lv order by n"))

    def __len__(self) -> int:
        return int(self.conn.execute("select count(*) from lv").fetchone()[0])

    def values(self) -> ValuesView[UnitLife]:
        return _LivesRead(self)


class _LivesRead(ValuesView[UnitLife]):
    """Every life kept, decoded one at a time in order."""

    def __init__(self, lives: KeptLives) -> None:
        super().__init__(lives)
        self.conn = lives.conn

    def __iter__(self) -> Iterator[UnitLife]:
        decode, loads = _DECODE["lives"], marshal.loads
        for (data,) in self.conn.execute("select data from lv order by n"):
            yield decode(loads(data))


#: `shown_on_a_day` and `transient` (orgchart.domain.rules) on the columns of `vs`
_SHOWN = "valid_to is null or valid_to > valid_from"
_TRANSIENT = "valid_to = valid_from"


class KeptVersions:
    """The versions kept in a scratch file (`LoadScratch.intervals`) that `where` (SQL on
    the days of `vs`) selects, in the order the replay made them."""

    def __init__(self, scratch: LoadScratch, where: str) -> None:
        self.conn, self.where = scratch.conn, where

    def __iter__(self) -> Iterator[UnitVersion]:
        decode, loads = _DECODE["versions"], marshal.loads
        for (data,) in self.conn.execute(f"select data from vs where {self.where} order by n"):
            yield decode(loads(data))

    def began(self) -> Iterator[tuple[UnitVersion, tuple[str, str, str]]]:
        """Each version with its unit's (began, began_day, began_event) (`KeptLives.began`),
        read together: one query, not one per version."""
        decode, loads = _DECODE["versions"], marshal.loads
        for unit, data, began, began_day, began_event in self.conn.execute(
                f"select vs.unit, vs.data, lv.began, lv.began_day, lv.began_event from vs "
                f"left join lv on lv.unit = vs.unit where {self.where} order by vs.n"):
            if began is None:
                raise KeyError(unit)
            yield decode(loads(data)), (began, began_day, began_event)


@dataclass(frozen=True)
class KeptTimeline:
    """A timeline whose lives and intervals are read from a scratch file
    (`LoadScratch.timeline`): what `tables.write_all` reads of a `Timeline`."""

    lives: KeptLives
    versions: KeptVersions
    transient: KeptVersions
    tenures: Iterable[Tenure]
    links: Iterable[LineageLink]
    aliases: Iterable[UnitAlias]

    def versions_began(self) -> Iterator[tuple[UnitVersion, tuple[str, str, str]]]:
        """`versions`, each with its unit's (began, began_day, began_event)."""
        return self.versions.began()


class _Read:
    """The intervals of one kind kept in a scratch file (those `keep` says), in order."""

    def __init__(self, scratch: LoadScratch, kind: str,
                 keep: Callable[[Any], bool] | None = None) -> None:
        self.scratch, self.kind, self.keep = scratch, kind, keep

    def __iter__(self) -> Iterator[Any]:
        items = self.scratch.read_intervals(self.kind)
        return items if self.keep is None else filter(self.keep, items)


def _day(d: date | None) -> int | None:
    return None if d is None else d.toordinal()


def _from_day(n: int | None) -> date | None:
    return None if n is None else date.fromordinal(n)


def _text(d: EffDate | None) -> str | None:
    return None if d is None else d.text


def _parsed(text: str | None) -> EffDate | None:
    return None if text is None else EffDate.parse(text)


# each kind of interval as a tuple of plain values (for marshal), and back
_ENCODE: dict[str, Callable[[Any], tuple[Any, ...]]] = {
    "versions": lambda v: (v.unit, v.valid_from.toordinal(), _day(v.valid_to), v.name,
                           v.name_en, v.kind, v.parent, v.event, v.order),
    "tenures": lambda t: (t.unit, t.role, t.person, t.title, t.start.text, t.start_event,
                          _text(t.end), t.end_event),
    "links": lambda k: (k.source, k.target, k.how, k.event, k.date.text),
    "aliases": lambda a: (a.unit, a.alias, a.event, a.date.text),
    "lives": lambda x: (x.unit, x.began.text, x.began_event, x.began_how, _text(x.ended),
                        x.ended_event, x.ended_how),
}
_DECODE: dict[str, Callable[[Any], Any]] = {
    "versions": lambda x: UnitVersion(x[0], date.fromordinal(x[1]), _from_day(x[2]), x[3],
                                      x[4], x[5], x[6], x[7], order=x[8]),
    "tenures": lambda x: Tenure(x[0], x[1], x[2], x[3], EffDate.parse(x[4]), x[5],
                                _parsed(x[6]), x[7]),
    "links": lambda x: LineageLink(x[0], x[1], x[2], x[3], EffDate.parse(x[4])),
    "aliases": lambda x: UnitAlias(x[0], x[1], x[2], EffDate.parse(x[3])),
    "lives": lambda x: UnitLife(x[0], EffDate.parse(x[1]), x[2], x[3], _parsed(x[4]), x[5],
                                x[6]),
}


class KeptUnitIds(UnitIds):
    """`UnitIds` whose ids no replay has open (ended, or begun by none) are kept in a scratch
    file: a load of a million events begins 280,000 units, of which 10,000 live on. Such
    an id is looked for there only when a filter of every id written says it may be there
    (`_maybe`): an id that is new (nearly every one a replay begins) is found in memory."""

    #: bits of the filter (a megabyte; each id written sets two)
    BITS = 1 << 23

    def __init__(self, scratch: LoadScratch, replays: int, bits: int = BITS,
                 batch: int = BATCH) -> None:
        super().__init__(replays)
        self.conn, self.bits, self.batch = scratch.conn, bits, batch
        self.conn.execute("drop table if exists ui")
        self.conn.execute("create table ui (unit primary key, row) without rowid")
        self._filter = bytearray(bits // 8)
        self._written: dict[str, tuple[int, ...]] = {}  # not yet in `ui`

    def _bits(self, unit: str) -> tuple[int, int]:
        h = hash(unit)
        return h % self.bits, (h >> 32) % self.bits

    def _maybe(self, unit: str) -> bool:
        a, b = self._bits(unit)
        f = self._filter
        return bool(f[a >> 3] & (1 << (a & 7))) and bool(f[b >> 3] & (1 << (b & 7)))

    def row(self, unit: str) -> tuple[int, ...] | None:
        row = self.rows.get(unit)
        if row is not None or not self._maybe(unit):
            return row
        row = self._written.get(unit)
        if row is None:
            found = self.conn.execute("select row from ui where unit = ?", [unit]).fetchone()
            if found is not None:
                row = tuple(marshal.loads(found[0]))
        return row

    def put(self, unit: str, row: tuple[int, ...]) -> None:
        if OPEN in row:
            self.rows[unit] = row
            return
        self.rows.pop(unit, None)
        self._written[unit] = row
        a, b = self._bits(unit)
        f = self._filter
        f[a >> 3] |= 1 << (a & 7)
        f[b >> 3] |= 1 << (b & 7)
        if len(self._written) >= self.batch:
            with _writing():
                self.conn.executemany("insert or replace into ui values (?, ?)",
                                      [(u, marshal.dumps(r)) for u, r in self._written.items()])
            self._written.clear()
