"""A file's events in a scratch table while it is loaded, instead of a list in memory.

A load of a million events would hold a million event values (and, checking
its knowledge states, several sets of their ids). `ScratchFacts` keeps them in
a private temporary SQLite database (deleted when it is closed, its page cache
small and bounded): each row one event, encoded, with the columns the checks
query (effective day, recorded day, the day it was retracted, the leader role
it names). An event value is made only while it is used: iterated in append
order (for the tables' rows and the store's write), in effective order as a
knowledge state counts it (`counted`, for the replay), or found by id. It is the
load's `LoadedHistory` (`orgchart.domain.knowledge`).
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import fields
from datetime import date
from typing import Any, overload

from orgchart.domain.dates import EffDate
from orgchart.domain.facts import FACT_TYPES, Appoint, Fact, StepDown

#: `n`, the append position, is the order read, or once events of another place come
#: (`Written.place`: a tenure's step-down goes before written events, its appointment
#: after) `place << _PLACE_BITS | order read` while the file is read; 0, 1, 2, ... once
#: it is read (`finish`).
_PLACE_BITS = 40

_SCHEMA = """
create table facts (
    n integer primary key,
    id text not null unique,
    type text not null,
    day integer,            -- the effective date's ordinal (null: undated)
    recorded text not null, -- the recorded day, YYYY-MM-DD
    retracted text,         -- the day it was retracted on (set by `finish`)
    target text,            -- the event a retraction or annotation names
    unit text, role text, person text,  -- an appointment's or a step-down's
    origin integer,         -- its entry's index under `events:` (null: another entry)
    state blob not null     -- the event's fields but `seq` (`_encode`)
)"""


class ScratchFacts(Sequence[Fact]):
    """A file's events, in append order, in a temporary table (see the module)."""

    def __init__(self) -> None:
        # "": a private temporary database on disk, deleted when the connection closes
        self.conn = sqlite3.connect("", isolation_level=None)
        self.conn.execute("pragma journal_mode = off")
        self.conn.execute("pragma synchronous = off")
        self.conn.execute(_SCHEMA)
        self.conn.execute("begin")
        self.size = 0
        self.first = 0  # the append position of the first event (`position`)
        self._place: int | None = None  # the place of the events read so far, if one
        self._mixed = False
        self._mention_index = False
        self.shared: dict[Any, Any] = {}  # `_decode`'s

    # -- writing, while the file is read --------------------------------------------------

    def add(self, fact: Fact, place: int, origin: int | None) -> bool:
        """Add the next event read (False: an event with its id is there already)."""
        unit = role = person = target = None
        if isinstance(fact, Appoint | StepDown):
            unit, role, person = fact.unit, fact.role, fact.person
        elif not fact.DATED:
            target = fact.event  # type: ignore[attr-defined]
        if self._place is None:
            self._place = place
        elif place != self._place and not self._mixed:  # number by place from here on
            self.conn.execute("update facts set n = n + ?", (self._place << _PLACE_BITS,))
            self._mixed = True
        try:
            self.conn.execute(
                "insert into facts (n, id, type, day, recorded, target, unit, role, person, "
                "origin, state) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (place << _PLACE_BITS | self.size if self._mixed else self.size, fact.id, fact.TYPE,
                 fact.date.day.toordinal() if fact.date is not None else None,
                 fact.recorded_day.isoformat(), target, unit, role, person, origin,
                 _encode(fact)))
        except sqlite3.IntegrityError:
            return False
        self.size += 1
        return True

    def origin(self, event_id: str) -> int | None:
        """The index under `events:` of the entry that wrote this event (None: none)."""
        row = self.conn.execute("select origin from facts where id = ?", (event_id,)).fetchone()
        return row[0] if row is not None else None

    def finish(self) -> None:
        """The file is read: number the events 0, 1, 2, ... in append order, note the day
        each retracted one was retracted on, and index what the checks query."""
        c = self.conn
        if self._mixed:
            c.execute("create temporary table renumbered (old integer primary key, new int)")
            c.execute("insert into renumbered select n, row_number() over (order by n) - 1 "
                      "from facts")
            c.execute("update facts set n = -1 - (select new from renumbered where old = facts.n)")
            c.execute("update facts set n = -1 - n")
            c.execute("drop table renumbered")
        retracted = c.execute("select target, recorded from facts where type = 'retract' "
                              "order by n").fetchall()  # the last retraction of each counts
        c.executemany("update facts set retracted = ? where id = ?",
                      [(day, target) for target, day in retracted])
        c.execute("create index facts_effective on facts (day, n) where day is not null")
        c.execute("commit")

    def position(self, first: int) -> None:
        """Events are read from here on at append positions `first`, `first + 1`, ..."""
        self.first = first

    def close(self) -> None:
        self.conn.close()

    # -- reading ----------------------------------------------------------------------

    def _facts(self, sql: str, args: Sequence[Any] = ()) -> Iterator[Fact]:
        first, shared = self.first, self.shared
        for n, kind, state in self.conn.execute(sql, args):
            yield _decode(kind, state, first + n, shared)

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Fact]:
        return self._facts("select n, type, state from facts order by n")

    @overload
    def __getitem__(self, i: int) -> Fact: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Fact]: ...

    def __getitem__(self, i: int | slice) -> Fact | Sequence[Fact]:
        if isinstance(i, slice):
            return list(self)[i]
        n = i + self.size if i < 0 else i
        if not 0 <= n < self.size:
            raise IndexError(i)
        return next(self._facts("select n, type, state from facts where n = ?", (n,)))

    def get(self, event_id: str) -> Fact | None:
        return next(self._facts("select n, type, state from facts where id = ?", (event_id,)),
                    None)

    def annotating(self) -> Iterator[Fact]:
        return self._facts("select n, type, state from facts where day is null order by n")

    def counted(self, k: date | None) -> Iterator[Fact]:
        where, args = _counts(k)
        return self._facts(f"select n, type, state from facts indexed by facts_effective "
                           f"where day is not null and {where} order by day, n", args)

    def recorded_days(self) -> list[date]:
        return [date.fromisoformat(d) for d, in
                self.conn.execute("select distinct recorded from facts order by recorded")]

    def gained(self, k: date, later: date | None) -> list[Fact] | None:
        lost = self.conn.execute(
            "select 1 from facts where day is not null and recorded <= ?1 and retracted > ?1 "
            "and (?2 is null or retracted <= ?2) limit 1",
            (k.isoformat(), later.isoformat() if later else None)).fetchone()
        if lost is not None:
            return None
        where, args = _counts(later)
        return list(self._facts(f"select n, type, state from facts where day is not null "
                                f"and recorded > ? and {where} order by n",
                                (k.isoformat(), *args)))

    def retracted_on(self, event_id: str) -> date | None:
        row = self.conn.execute("select retracted from facts where id = ?",
                                (event_id,)).fetchone()
        return date.fromisoformat(row[0]) if row is not None and row[0] else None

    def role_mentions(self, unit: str, role: str) -> list[Fact]:
        self._index_mentions()
        return list(self._facts("select n, type, state from facts where unit = ? and role = ? "
                                "order by n", (unit, role)))

    def person_mentions(self, unit: str, person: str) -> list[Fact]:
        self._index_mentions()
        return list(self._facts("select n, type, state from facts where unit = ? and "
                                "person = ? and type = 'step_down' and role is null order by n",
                                (unit, person)))

    def _index_mentions(self) -> None:
        if not self._mention_index:
            self.conn.execute("create index facts_mentions on facts (unit, role, person) "
                              "where unit is not null")
            self._mention_index = True


def _counts(k: date | None) -> tuple[str, tuple[str, ...]]:
    """Whether an event counts at the end of day `k` (None: the latest state), in SQL:
    `orgchart.domain.knowledge.counts_at`."""
    if k is None:
        return "retracted is null", ()
    return "recorded <= ? and (retracted is null or retracted > ?)", (k.isoformat(),) * 2


def _encode(fact: Fact) -> bytes:
    """The event's fields but `seq`, in their declared order."""
    values = fact.__dict__
    return pickle.dumps(tuple([values[k] if k != "date" else _date_text(values[k])
                               for k in _names(fact.TYPE)]), protocol=pickle.HIGHEST_PROTOCOL)


def _date_text(d: EffDate | None) -> str | None:
    return str(d) if d is not None else None


def _decode(kind: str, state: bytes, seq: int, shared: dict[Any, Any]) -> Fact:
    """The event `_encode` wrote, at append position `seq`. Its texts but its id and
    note are the ones in `shared` when equal ones are there (else added), and its date
    the one `EffDate.parse` keeps: the timeline a replay builds keeps them, once each
    rather than once per event."""
    fact = object.__new__(FACT_TYPES[kind])
    values = fact.__dict__
    for name, value in zip(_names(kind), pickle.loads(state), strict=True):
        if name == "date":
            value = EffDate.parse(value) if value is not None else None
        elif name not in _UNSHARED and type(value) is str:
            value = shared.setdefault(value, value)
        values[name] = value
    values["seq"] = seq
    return fact


_UNSHARED = frozenset({"id", "note"})


_NAMES: dict[str, tuple[str, ...]] = {}


def _names(kind: str) -> tuple[str, ...]:
    """The fields of an event type but `seq`, in their declared order."""
    names = _NAMES.get(kind)
    if names is None:
        names = _NAMES[kind] = tuple(f.name for f in fields(FACT_TYPES[kind])
                                     if f.name != "seq")
    return names
