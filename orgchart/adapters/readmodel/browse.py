"""Read queries for browsing a chart piece by piece (`orgchart serve`).

A chart of 10,000 units is read one level at a time: the children of one unit
on a day (with how many children each of them has), the chain of parents above
a unit, a search over units and people, and every role a person held. Each
query costs what it returns (index range scans on `parent`, `unit` and
`person`), never the size of the whole chart.

The units come in the shape of `orgchart at --format json`'s units, plus a
`children` count. Every query runs unchanged on a `--known-at` view
(`orgchart.adapters.readmodel.knownat.open_view`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from orgchart.adapters.readmodel.connection import QueryDB
from orgchart.adapters.readmodel.tables import P

Unit = dict[str, Any]

_CHUNK = 500  # SQLite host parameters per `in (...)` query
_ON = "v.valid_from <= ? and (v.valid_to is null or v.valid_to > ?)"
_UNIT_COLUMNS = "v.unit, v.name, v.name_en, v.kind, v.parent, v.since"


def unit_on(db: QueryDB, day: date, unit: str) -> Unit | None:
    """`unit` as it stood on `day` (as a unit of `at`, with leaders and `children`), or None
    when it was not alive then."""
    d = day.isoformat()
    rows = db.execute(f"select {_UNIT_COLUMNS} from {P}versions v where v.unit = ? and {_ON}",
                      [unit, d, d]).fetchall()
    return _complete(db, d, rows)[0] if rows else None


def children_on(db: QueryDB, day: date, parent: str | None) -> list[Unit]:
    """The units directly under `parent` on `day` (the top-level units when None), by id,
    each with its leaders and its number of `children` that day."""
    d = day.isoformat()
    if parent is None:
        rows = db.execute(f"select {_UNIT_COLUMNS} from {P}versions v "
                          f"where v.parent is null and {_ON}", [d, d]).fetchall()
    else:
        rows = db.execute(f"select {_UNIT_COLUMNS} from {P}versions v "
                          f"where v.parent = ? and {_ON}", [parent, d, d]).fetchall()
    return sorted(_complete(db, d, rows), key=lambda u: str(u["id"]))


def parents_on(db: QueryDB, day: date, unit: str) -> list[str] | None:
    """The ids above `unit` on `day`, from its top-level unit down to its parent (None when
    `unit` was not alive then)."""
    d = day.isoformat()
    chain: list[str] = []
    current: str | None = unit
    while current is not None:
        row = db.execute(f"select v.parent from {P}versions v where v.unit = ? and {_ON}",
                         [current, d, d]).fetchone()
        if row is None:
            return None if current == unit else chain[::-1]
        if current != unit:
            chain.append(current)
        current = row[0]
        if current in chain or current == unit:  # a cycle: tables to verify; stop here
            break
    return chain[::-1]


def span(db: QueryDB) -> tuple[str | None, str | None]:
    """The first and last effective days of the recorded events (None when there are none)."""
    # two lookups at the ends of the (day, seq) index; retractions have no day
    row = db.execute(f"select (select min(day) from {P}events), "
                     f"(select max(day) from {P}events)").fetchone()
    return (row[0], row[1]) if row else (None, None)


# -- search ------------------------------------------------------------------------------


def search(db: QueryDB, text: str, day: date, limit: int = 20) -> dict[str, list[dict[str, Any]]]:
    """Units and people whose id or name contains `text` (case-insensitive for Latin letters).

    Units match on any name they ever had; each comes with its name on `day` (or its last
    name), `alive` (on `day`) and `matched` (the name that matched, when it is another).
    People come with the units they led on `day`. Best first: an exact match, then a
    prefix, then anywhere; units alive on `day` before the others. Units match on their
    aliases too (`matched`: the alias). This is the one place search looks, so more ways
    to match belong here.
    """
    needle = text.strip()
    if not needle:
        return {"units": [], "people": []}
    return {"units": _search_units(db, needle, day, limit),
            "people": _search_people(db, needle, day, limit)}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _rank(needle: str, *values: str | None) -> int:
    """0: equal to a value, 1: a value starts with it, 2: contained, 3: not at all."""
    n = needle.casefold()
    best = 3
    for v in values:
        if v is None:
            continue
        f = v.casefold()
        best = min(best, 0 if f == n else 1 if f.startswith(n) else 2 if n in f else 3)
    return best


#: Unit versions of the day's chart (the two index range scans of `at`), to filter.
_VERSIONS_ON = (
    f"select * from (select v.unit, v.name, v.name_en, v.kind from {P}versions v "
    f"where v.valid_to is null and v.valid_from <= ? union all "
    f"select v.unit, v.name, v.name_en, v.kind from {P}versions v "
    f"where v.valid_to > ? and +v.valid_from <= ?) ")
_MATCH = ("(unit like ? escape '\\' or name like ? escape '\\' "
          "or name_en like ? escape '\\')")
#: Rows of other versions read at most, looking for units that are not in the day's chart
#: or that matched under another name: the scan stops there, so a search costs the day's
#: chart plus this, not the length of the history.
PAST_ROWS = 2000


def _search_units(db: QueryDB, needle: str, day: date, limit: int) -> list[dict[str, Any]]:
    like = _like(needle)
    d = day.isoformat()
    hits: dict[str, dict[str, Any]] = {}
    for unit, name, name_en, kind in db.execute(f"{_VERSIONS_ON} where {_MATCH}",
                                                [d, d, d, like, like, like]).fetchall():
        hits[unit] = {"id": unit, "name": name, "name_en": name_en, "kind": kind,
                      "alive": True, "matched": None,
                      "rank": _rank(needle, unit, name, name_en)}
    other: dict[str, tuple[int, str]] = {}  # unit: (rank, the other name that matched)
    for unit, name, name_en in db.execute(
            f"select unit, name, name_en from {P}versions where {_MATCH} "
            f"and not (valid_from <= ? and (valid_to is null or valid_to > ?)) limit ?",
            [like, like, like, d, d, PAST_ROWS]).fetchall():
        rank = _rank(needle, unit, name, name_en)
        if unit not in hits and (unit not in other or rank < other[unit][0]):
            other[unit] = (rank, name)
    # the aliases units were given (short names, old spellings): matched like names
    for unit, alias in db.execute(f"select unit, alias from {P}aliases "
                                  f"where alias like ? escape '\\' limit ?",
                                  [like, PAST_ROWS]).fetchall():
        rank = _rank(needle, alias)
        if unit in hits:
            if rank < hits[unit]["rank"]:
                hits[unit].update(rank=rank, matched=alias)
        elif unit not in other or rank < other[unit][0]:
            other[unit] = (rank, alias)
    for unit, (rank, matched) in sorted(other.items(), key=lambda x: (x[1][0], x[0])):
        if len(hits) >= 4 * limit:
            break
        now = unit_version(db, d, unit)
        alive = now is not None
        shown = now if now is not None else last_version(db, unit)
        if shown is None:
            continue
        name, name_en, kind = shown
        hits[unit] = {"id": unit, "name": name, "name_en": name_en, "kind": kind,
                      "alive": alive, "rank": rank,
                      "matched": matched if matched not in (name, name_en) else None}
    best = sorted(hits.values(), key=lambda h: (h["rank"], not h["alive"], h["name"] or "",
                                                h["id"]))[:limit]
    return [{k: v for k, v in h.items() if k != "rank"} for h in best]


def unit_version(db: QueryDB, d: str, unit: str) -> tuple[Any, ...] | None:
    """(name, name_en, kind) of `unit` on day `d`, or None."""
    row = db.execute(f"select v.name, v.name_en, v.kind from {P}versions v "
                     f"where v.unit = ? and {_ON}", [unit, d, d]).fetchone()
    return tuple(row) if row is not None else None


def last_version(db: QueryDB, unit: str) -> tuple[Any, ...] | None:
    """(name, name_en, kind) of `unit`'s last version, or None."""
    row = db.execute(f"select name, name_en, kind from {P}versions where unit = ? "
                     f"order by valid_from desc limit 1", [unit]).fetchone()
    return tuple(row) if row is not None else None


def _search_people(db: QueryDB, needle: str, day: date, limit: int) -> list[dict[str, Any]]:
    like = _like(needle)
    # the person with exactly this id, then at most PAST_ROWS others (a bounded scan)
    rows = db.execute(f"select id, name, name_en from {P}people where id = ?",
                      [needle]).fetchall()
    rows += db.execute(f"select id, name, name_en from {P}people where id like ? escape '\\' "
                       f"or name like ? escape '\\' or name_en like ? escape '\\' limit ?",
                       [like, like, like, PAST_ROWS]).fetchall()
    unique = {r[0]: r for r in rows}.values()
    best = sorted(unique, key=lambda r: (_rank(needle, r[0], r[1], r[2]), r[1] or "", r[0]))
    people = [{"id": pid, "name": name, "name_en": name_en, "leads": []}
              for pid, name, name_en in best[:limit]]
    by_id = {p["id"]: p for p in people}
    d = day.isoformat()
    for chunk in _chunks(list(by_id)):
        for person, unit, role, title, name, name_en in db.execute(
                f"select t.person, t.unit, t.role, t.title, v.name, v.name_en "
                f"from {P}tenures t join {P}versions v on v.unit = t.unit and {_ON} "
                f"where t.start_day <= ? and (t.end_day is null or t.end_day > ?) "
                f"and t.person in ({_marks(chunk)}) order by t.unit, t.role",
                [d, d, d, d, *chunk]).fetchall():
            by_id[person]["leads"].append({"unit": unit, "role": role, "title": title,
                                           "name": name, "name_en": name_en})
    return people


# -- a person's roles --------------------------------------------------------------------


def person_roles(db: QueryDB, person: str) -> dict[str, Any] | None:
    """Every role `person` held: unit (and its name then), role, title, from/to and the
    events that began and ended it, in the order they began; and what became of the unit:
    `renamed` (its later names, each with `from`), `unit_ended` (date text, or null while
    it lives), `unit_ended_how`, `unit_ended_event` and `successors` (the units it went
    into at its end). None for an unknown person."""
    row = db.execute(f"select id, name, name_en from {P}people where id = ?",
                     [person]).fetchone()
    tenures = db.execute(
        f"select unit, role, title, start, start_day, start_event, end, end_event "
        f"from {P}tenures where person = ? order by start_day, unit, role", [person]).fetchall()
    if row is None and not tenures:
        return None
    roles = []
    for unit, role, title, start, start_day, start_event, end, end_event in tenures:
        named = db.execute(
            f"select name, name_en from {P}versions where unit = ? "
            f"order by valid_from <= ? desc, case when valid_from <= ? then valid_from end "
            f"desc, valid_from limit 1", [unit, start_day, start_day]).fetchone()
        roles.append({"unit": unit, "name": named[0] if named else None,
                      "name_en": named[1] if named else None, "role": role, "title": title,
                      "from": start, "to": end, "event": start_event, "ended_by": end_event,
                      **_unit_fate(db, unit, start_day,
                                   (named[0], named[1]) if named else (None, None))})
    return {"person": person, "name": row[1] if row else None,
            "name_en": row[2] if row else None, "roles": roles}


def _unit_fate(db: QueryDB, unit: str, start_day: str,
               named: tuple[Any, Any]) -> dict[str, Any]:
    """What became of `unit` after `start_day`: its later names, its end, its successors."""
    renamed: list[dict[str, Any]] = []
    last = named
    for name, name_en, valid_from in db.execute(
            f"select name, name_en, valid_from from {P}versions where unit = ? "
            f"and valid_from > ? order by valid_from", [unit, start_day]).fetchall():
        if (name, name_en) != last:
            renamed.append({"name": name, "name_en": name_en, "from": valid_from})
            last = (name, name_en)
    life = db.execute(f"select ended, ended_how, ended_event from {P}lives where unit = ?",
                      [unit]).fetchone()
    ended, how, event = life if life is not None else (None, None, None)
    successors = [] if event is None else [
        {"id": target, "name": shown[0] if shown else None,
         "name_en": shown[1] if shown else None}
        for target, day in db.execute(f"select distinct target, day from {P}links "
                                      f"where source = ? and event = ? order by target",
                                      [unit, event]).fetchall()
        for shown in [unit_version(db, day, target) or last_version(db, target)]]
    return {"renamed": renamed, "unit_ended": ended, "unit_ended_how": how,
            "unit_ended_event": event, "successors": successors}


def people_names(db: QueryDB) -> list[tuple[str, str | None, str | None]]:
    """(id, name, name_en) of every recorded person, by name then id."""
    rows = db.execute(f"select id, name, name_en from {P}people").fetchall()
    return sorted(((r[0], r[1], r[2]) for r in rows), key=lambda r: (r[1] or r[2] or "", r[0]))


def people_on(db: QueryDB, day: date) -> list[dict[str, Any]]:
    """The roles held on `day`: person (id, name, name_en), role, title, since, and the unit
    (id, name and name_en that day), by the person's name, then id, unit and role."""
    d = day.isoformat()
    rows = db.execute(
        f"select t.person, p.name, p.name_en, t.role, t.title, t.start, t.unit, v.name, "
        f"v.name_en from {P}tenures t left join {P}people p on p.id = t.person "
        f"join {P}versions v on v.unit = t.unit and {_ON} "
        f"where t.start_day <= ? and (t.end_day is null or t.end_day > ?)",
        [d, d, d, d]).fetchall()
    held = [{"person": r[0], "name": r[1], "name_en": r[2], "role": r[3], "title": r[4],
             "since": r[5], "unit": r[6], "unit_name": r[7], "unit_name_en": r[8]}
            for r in rows]
    return sorted(held, key=lambda h: (h["name"] or h["name_en"] or "", h["person"], h["unit"],
                                       h["role"]))


# -- helpers -----------------------------------------------------------------------------


def _complete(db: QueryDB, d: str, rows: Iterable[Sequence[Any]]) -> list[Unit]:
    """Units from version rows, with their leaders and children counts on day `d`."""
    units = {uid: {"id": uid, "name": name, "name_en": name_en, "kind": kind, "parent": parent,
                   "since": began, "leaders": [], "children": 0}
             for uid, name, name_en, kind, parent, began in rows}
    ids = list(units)
    for chunk in _chunks(ids):
        for uid, person, name, name_en, role, title, start in db.execute(
                f"select t.unit, t.person, p.name, p.name_en, t.role, t.title, t.start "
                f"from {P}tenures t left join {P}people p on p.id = t.person "
                f"where t.start_day <= ? and (t.end_day is null or t.end_day > ?) "
                f"and t.unit in ({_marks(chunk)})", [d, d, *chunk]).fetchall():
            units[uid]["leaders"].append({"person": person, "name": name, "name_en": name_en,
                                          "role": role, "title": title, "since": start})
        for parent, count in db.execute(
                f"select v.parent, count(*) from {P}versions v "
                f"where v.parent in ({_marks(chunk)}) and {_ON} group by v.parent",
                [*chunk, d, d]).fetchall():
            units[parent]["children"] = count
    for u in units.values():
        if len(u["leaders"]) > 1:  # as `at` orders them: heads first, then by role and person
            u["leaders"].sort(key=lambda x: (x["role"] != "head", x["role"], x["person"]))
    return list(units.values())


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def _marks(chunk: Sequence[str]) -> str:
    return ", ".join("?" for _ in chunk)
