"""Tenures and reshuffles: shorter ways to write `appoint` and `step_down` events.

A file's `tenures:` and `reshuffle:` lists stand for events a file could write
by hand under `events:`. Each entry is checked against its own entry of the
JSON Schema, then expanded into exactly the event mappings a hand-written file
would contain (`Written`). Those are read as hand-written events are (the same
checks, the same derived ids), so a tenure and the same events written by hand
are the same events.

- A tenure `{person, unit, from, to?, role?, title?, source?, note?,
  recorded?}` is `appoint {unit, person, role?, title?}` on `from` and, with
  `to`, `step_down {unit, person, role?}` on `to`: the fields the declaration
  of each type has, and the tenure's `source`, `note` and `recorded` on both.
  The stepping-down names the role only when the tenure does.
- A reshuffle block `{date, source?, note?, recorded?, step_down: [...],
  appoint: [...]}` is one event per entry, on `date`, with the block's
  `source`, `note` and `recorded`; an entry's own `source` or `note` replaces
  the block's.

Where the events go among the file's own (`place`): on one date, effective
order follows file order, and the expanded steppings-down come before the
events under `events:`, the expanded appointments after them. So a person
steps down from a unit that ends that day, and is appointed to a unit that
begins that day, in whatever order the entries are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orgchart.adapters.eventfile.schema import error_path, explain, first_error
from orgchart.adapters.eventfile.yamlio import Path_
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import FACT_TYPES

#: Where an event goes in the file's list of events (see the module docstring).
LEAVING, WRITTEN, ARRIVING = 0, 1, 2

#: The fields every event has in a file besides `type` and `date`, as tenures and
#: reshuffles pass them on.
COMMON = ("source", "note", "recorded")

#: (path, entry name, message) -> the error to raise.
Fail = Callable[[Path_, str, str], Exception]


@dataclass(frozen=True)
class Written:
    """One event as the file writes it: the mapping a hand-written event would be, the
    entry that wrote it (`event 3`, `tenure 2`, `reshuffle 1, appoint 4`) and where."""

    raw: Any  # a mapping, unless the file is wrong
    name: str
    at: Path_  # the entry; its line is the one an error about the event names
    fields: Mapping[str, Path_] | None = None  # where each field is written; None: under `at`
    place: int = WRITTEN
    index: int | None = None  # the entry's index under `events:` (None: a tenure's, ...)

    def locate(self, path: Path_) -> Path_:
        """Where in the document the event's field at `path` is written."""
        if self.fields is None:
            return [*self.at, *path]
        if path and path[0] in self.fields:
            return [*self.fields[str(path[0])], *path[1:]]
        return self.at


def written_events(events: Sequence[Any]) -> Iterator[Written]:
    """The events under `events:`, as written."""
    for i, raw in enumerate(events):
        yield written_event(raw, i)


def written_event(raw: Any, i: int) -> Written:
    """Entry `i` of `events:` (`raw`: what it writes): `Written(raw, f"event {i + 1}",
    ["events", i], index=i)`, made without the frozen dataclass's `__init__` (which sets
    each field through `object.__setattr__`): a load makes one per event."""
    w = object.__new__(Written)
    w.__dict__.update(raw=raw, name=f"event {i + 1}", at=["events", i], fields=None,
                      place=WRITTEN, index=i)
    return w


def tenure_events(entries: Sequence[Any], fail: Fail) -> Iterator[Written]:
    """The `appoint` (and `step_down`) event of each tenure, entry by entry."""
    step_down_fields = {*FACT_TYPES["step_down"].file_fields(), *COMMON}
    for i, entry in enumerate(entries):
        at: Path_ = ["tenures", i]
        name = f"tenure {i + 1}"
        _check(entry, "tenure", at, name, fail,
               "a tenure is a mapping with `person`, `unit` and `from`")
        given = {k: v for k, v in entry.items() if k not in ("from", "to")}
        where = {k: [*at, k] for k in given}
        if "to" in entry and not _after(entry["to"], entry["from"]):
            raise fail([*at, "to"], name, f"`to` ({entry['to']}) must be after `from` "
                                          f"({entry['from']})")
        yield Written({"type": "appoint", "date": entry["from"], **given}, name, at,
                      {**where, "date": [*at, "from"]}, ARRIVING)
        if "to" in entry:
            leave = {k: v for k, v in given.items() if k in step_down_fields}
            yield Written({"type": "step_down", "date": entry["to"], **leave}, name,
                          [*at, "to"], {**where, "date": [*at, "to"]}, LEAVING)


def reshuffle_events(blocks: Sequence[Any], fail: Fail) -> Iterator[Written]:
    """One event per entry of each reshuffle block, in the order the block writes them."""
    for i, block in enumerate(blocks):
        at: Path_ = ["reshuffle", i]
        name = f"reshuffle {i + 1}"
        _check(block, "reshuffle", at, name, fail, "a reshuffle is a mapping with `date` and "
                                                   "lists `step_down` and `appoint`")
        if not block.get("step_down") and not block.get("appoint"):
            raise fail(at, name, "a reshuffle needs at least one entry under `step_down` "
                                 "or `appoint`")
        shared = {k: block[k] for k in COMMON if k in block}
        shared_where = {k: [*at, k] for k in shared}
        for kind in [k for k in block if k in ("step_down", "appoint")]:
            for j, entry in enumerate(block[kind]):
                where: Path_ = [*at, kind, j]
                yield Written({"type": kind, "date": block["date"], **shared, **entry},
                              f"{name}, {kind} {j + 1}", where,
                              {**shared_where, **{k: [*where, k] for k in entry},
                               "date": [*at, "date"]},
                              LEAVING if kind == "step_down" else ARRIVING)


def _check(entry: Any, definition: str, at: Path_, name: str, fail: Fail,
           shape: str) -> None:
    """An entry against its JSON Schema entry; an error names the innermost list entry."""
    if not isinstance(entry, dict):
        raise fail(at, name, shape)
    err = first_error(entry, definition)
    if err is None:
        return
    path = list(err.absolute_path)
    in_entry = len(path) > 2 or (len(path) == 2 and isinstance(err.instance, dict))
    if definition == "reshuffle" and in_entry and isinstance(path[1], int):
        name = f"{name}, {path[0]} {path[1] + 1}"  # in an entry of its `step_down` or `appoint`
    raise fail([*at, *error_path(err)], name, explain(err))


def _after(later: str, earlier: str) -> bool:
    """Whether date `later` is after `earlier`; True when either is not a calendar date
    (the event with it says so)."""
    try:
        return EffDate.parse(later).day > EffDate.parse(earlier).day
    except ValueError:
        return True
