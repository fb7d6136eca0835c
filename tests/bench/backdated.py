"""One-event files dated mid-history, and late reports, for the benchmark's append.

Read from a loaded store's query tables with plain `sqlite3`:

- `backdated(db)`: a rename, a move and an appointment dated on the middle day of the
  history's effective dates (recorded today, the usual append), each in its own file;
- `late(db)`: a rename and an appointment dated mid-history and recorded on the store's
  first recorded day, before its latest one (a late report: every knowledge state
  from that day on takes it in).

The move is of a unit that is a leaf on that day and that no later event names but
its own renames, leaders and end, under a unit that lives on to the end: the
history stays valid. Each is checked by loading it into a scratch copy first
(`pick_valid`), so that the timed appends are accepted ones.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Doc = dict[str, Any]

PERSON = {"bench-backdated-p": {"name": "白晓", "name_en": "Bai Xiao"}}
OWN_STATE = ("rename", "appoint", "step_down")


def _read(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def middle_day(con: sqlite3.Connection) -> str:
    (n,) = con.execute("select count(*) from oc_events where day is not null").fetchone()
    (day,) = con.execute("select day from oc_events where day is not null order by day "
                         "limit 1 offset ?", [n // 2]).fetchone()
    return str(day)


def _alive(con: sqlite3.Connection, day: str) -> list[str]:
    return [u for (u,) in con.execute(
        "select unit from oc_versions where valid_from <= ? and (valid_to is null or "
        "valid_to > ?) order by unit", [day, day])]


def _doc(event: Doc, people: bool = False) -> Doc:
    return {"format": "orgchart/v1", **({"people": PERSON} if people else {}),
            "events": [event]}


def candidates(db: Path, kind: str, recorded: str | None = None) -> Iterator[Doc]:
    """Files of one event of `kind` (rename, appoint, move, any-move) on the middle day, best
    first (`any-move`: every pair of units alive that day)."""
    con = _read(db)
    try:
        day = middle_day(con)
        alive = _alive(con, day)
        extra = {"recorded": recorded} if recorded else {}
        start = len(alive) // 3  # not the first units in id order, which are the oldest
        order = alive[start:] + alive[:start]
        if kind == "rename":
            for u in order:
                yield _doc({"type": "rename", "date": day, "unit": u,
                            "name": "回溯更名", "name_en": "Renamed in hindsight", **extra})
        elif kind == "appoint":
            for u in order:
                yield _doc({"type": "appoint", "date": day, "unit": u,
                            "person": "bench-backdated-p", "role": "bench-advisor",
                            "title": "顾问", **extra}, people=True)
        elif kind == "any-move":  # every unit alive that day under every other one
            for x in order:
                for p in order:
                    if p != x:
                        yield _doc({"type": "move", "date": day, "unit": x, "parent": p,
                                    **extra})
        else:
            lasting = [u for (u,) in con.execute(
                "select unit from oc_lives where ended is null and began_day <= ? "
                "order by unit", [day])]
            parents = {u: p for u, p in con.execute(
                "select unit, parent from oc_versions where valid_from <= ? and "
                "(valid_to is null or valid_to > ?)", [day, day])}
            has_kids = set(parents.values())
            for x in order:
                if x in has_kids or x in lasting or _named_later(con, x, day):
                    continue
                for p in lasting:
                    if p not in (x, parents.get(x)):
                        yield _doc({"type": "move", "date": day, "unit": x, "parent": p,
                                    **extra})
                        break
    finally:
        con.close()


def _named_later(con: sqlite3.Connection, unit: str, day: str) -> bool:
    """Whether an event after `day` names `unit` other than as its own rename, leaders or
    end (a move, a split or a transfer naming it as a child would read its old parent)."""
    marks = ", ".join("?" for _ in OWN_STATE)
    return con.execute(
        f"select 1 from oc_events e join oc_event_units u on u.seq = e.seq where "
        f"u.unit = ? and e.day >= ? and e.type not in ({marks}, 'dissolve') "
        f"and e.id not in (select ended_event from oc_lives where unit = ? and "
        f"ended_event is not null) limit 1", [unit, day, *OWN_STATE, unit]).fetchone() \
        is not None


def first_recorded(db: Path) -> str:
    con = _read(db)
    try:
        (day,) = con.execute("select min(recorded_day) from oc_events").fetchone()
        return str(day)
    finally:
        con.close()


def pick_valid(docs: Iterator[Doc], accepts: Callable[[Path], bool], path: Path,
               tries: int = 20) -> Path:
    """Write the first of `docs` that `accepts` (a load into a scratch copy) to `path`."""
    for i, doc in enumerate(docs):
        if i >= tries:
            break
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        if accepts(path):
            return path
    raise RuntimeError(f"no valid event for {path.name} in {tries} tries")
