"""Queries on the query tables. Each returns plain data shaped like SPEC §3 JSON."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from orgchart.adapters.readmodel.connection import QueryDB, named
from orgchart.adapters.readmodel.damage import stored_json
from orgchart.adapters.readmodel.intervals import (
    COUNTS,
    TENURE,
    VERSION,
    Span,
    alive_on,
    alive_rows,
)
from orgchart.adapters.readmodel.tables import NOTED_TENURE, NOTED_VERSION, P, has_note
from orgchart.domain.errors import AmbiguousUnit, OrgchartError, UnknownUnit
from orgchart.domain.hints import unit_hint

Unit = dict[str, Any]


#: The unit versions alive on a day, with when each unit began. Two index range scans (see
#: `intervals.alive_rows`), so the cost follows the size of the chart, not the length of the
#: history before the day; the index covers the columns. Binds the day three times.
_VERSIONS = alive_rows(
    f"select v.unit, v.name, v.name_en, v.kind, v.parent, v.since, v.display_order "
    f"from {P}versions v", VERSION.of("v"))

#: `_VERSIONS` with what made each version (see `Behind`), kept on the version's row: the
#: event that made it and its note, and (when the unit began before the version's first
#: day) the event that began the unit and its note.
_VERSION_COLUMNS = ("select v.unit, v.name, v.name_en, v.kind, v.parent, v.since, "
                    "v.display_order, v.event, v.note, v.began_event, v.began_note ")
_VERSIONS_NOTED = alive_rows(_VERSION_COLUMNS + f"from {P}versions v", VERSION.of("v"))

#: `_VERSIONS_NOTED` with the citations of its two events (`Behind.events`), looked up by
#: id as the rows are read (what a second query by event id cost, without its binding and
#: chunking): for the event that made the version, then the one that began the unit, the
#: id as the events table has it (null: not there), its note and its sources (JSON).
_CITED_VERSIONS = (f"left join {P}events e on e.id = v.event "
                   f"left join {P}events b on b.id = v.began_event ")
_VERSION_CITED_COLUMNS = (_VERSION_COLUMNS.rstrip()
                          + ", e.id, e.note, e.sources, b.id, b.note, b.sources ")
_VERSIONS_CITED = alive_rows(_VERSION_CITED_COLUMNS + f"from {P}versions v {_CITED_VERSIONS}",
                             VERSION.of("v"))

#: The rows of `_VERSIONS_NOTED` whose events have a note (few): the same two scans, of
#: the partial index that holds these rows alone (`tables.NOTED_INDEXES`), so a chart that
#: wants only its notes makes no row of the others and passes none of their entries.
_VERSIONS_WITH_NOTES = f"select * from ({_VERSIONS_NOTED}) where {NOTED_VERSION}"

#: The leader tenures running on a day, with the people's names and the appointment's note
#: (kept on the tenure's row): the same two scans.
_TENURE_COLUMNS = (f"select t.unit, t.person, t.person_name, t.person_name_en, t.role, "
                   f"t.title, t.start, t.start_event, t.start_note from {P}tenures t ")
_TENURES = alive_rows(_TENURE_COLUMNS, TENURE.of("t"))
#: `_TENURES` with the appointment's citation (as `_VERSIONS_CITED`): its id as the events
#: table has it, its note and its sources.
_TENURE_CITED_COLUMNS = (f"select t.unit, t.person, t.person_name, t.person_name_en, t.role, "
                         f"t.title, t.start, t.start_event, t.start_note, e.id, e.note, "
                         f"e.sources from {P}tenures t "
                         f"left join {P}events e on e.id = t.start_event ")
_TENURES_CITED = alive_rows(_TENURE_CITED_COLUMNS, TENURE.of("t"))
#: `_TENURES` without the appointments (a chart that cites nothing)...
_TENURES_PLAIN = alive_rows(
    f"select t.unit, t.person, t.person_name, t.person_name_en, t.role, t.title, t.start "
    f"from {P}tenures t", TENURE.of("t"))
#: ... and its rows whose appointments have a note (as `_VERSIONS_WITH_NOTES`).
_TENURES_WITH_NOTES = f"select * from ({_TENURES}) where {NOTED_TENURE}"

#: The unit and parent of every version alive on a day: the two scans of `_VERSIONS`, on
#: its covering index alone (no row, no note is read). Binds the day three times.
_DAY_TREE = alive_rows(f"select v.unit, v.parent from {P}versions v", VERSION.of("v"))

#: Of some units (a JSON array of ids, `json_each`), the version alive on a day: the one
#: that began last by the day, when it has not ended by then (a unit's versions do not
#: overlap), with what made it (see `Behind`). One index lookup per unit, however many
#: versions its history has: the version's row is found by its unit and first day (the
#: `+` keeps SQLite from taking `v.valid_from <= ?` for that lookup instead, which passed
#: every version of the unit before the day, each with the subquery again: a third of the
#: query's time, with citations, for 860 units of a 1M-event history). `columns` as
#: `_VERSION_COLUMNS`, `joins` what they need. Binds the units, then the day three times.
def _unit_versions(columns: str, joins: str = "") -> str:
    return (f"{columns}from json_each(?) j join {P}versions v on v.unit = j.value "
            f"and v.valid_from = (select x.valid_from from {P}versions x "
            f"where x.unit = j.value and x.valid_from <= ? order by x.valid_from desc limit 1) "
            f"{joins}where {alive_on(Span('+v.valid_from', 'v.valid_to'))}")


_UNIT_VERSIONS = _unit_versions(_VERSION_COLUMNS)
#: ... and with the citations of those events (as `_VERSIONS_CITED`).
_UNIT_VERSIONS_CITED = _unit_versions(_VERSION_CITED_COLUMNS, _CITED_VERSIONS)

#: How many versions are open (the chart as the history leaves it), counted by SQLite on
#: the first columns of the day's covering index: what sets the limit of a walk down a
#: subtree (`_walked`), which only chooses between two reads of the same rows, so the
#: chart of the latest day stands in for the day's. 3.9 M instructions at a million
#: events, where counting the day's versions (its two scans, each entry's first days
#: compared) took 10.3 M. Binds nothing.
_OPEN_COUNT = f"select count(*) from {P}versions v where v.valid_to is null"

#: A unit and every unit under it on a day, as the versions alive then, with the
#: citations of their events (the columns of `_VERSIONS_CITED`): walked down from the
#: unit's version (found as `_unit_versions` finds it) along the parent index, a level at
#: a time, each child version's end looked at on its row. Its cost follows the versions
#: the subtree's units ever had under those parents; no other unit of the day is read.
#: Stops after as many versions as it is told (a cycle, in inconsistent tables, cannot
#: loop), and then gives no row: the walk is kept whole before any citation is looked
#: up, so one left there costs no lookup. Binds the day (?1), the unit (?2) and that
#: limit (?3).
_WALK_COLUMNS = ("v.unit, v.name, v.name_en, v.kind, v.parent, v.since, v.display_order, "
                 "v.event, v.note, v.began_event, v.began_note")
_SUBTREE_VERSIONS_CITED = (
    f"with recursive sub({_WALK_COLUMNS.replace('v.', '')}) as materialized ("
    f"select {_WALK_COLUMNS} from {P}versions v where v.unit = ?2 "
    f"and v.valid_from = (select x.valid_from from {P}versions x where x.unit = ?2 "
    f"and x.valid_from <= ?1 order by x.valid_from desc limit 1) "
    f"and {alive_on(Span('+v.valid_from', 'v.valid_to'), '?1')} "
    f"union all select {_WALK_COLUMNS} from sub s join {P}versions v on v.parent = s.unit "
    f"and v.valid_from <= ?1 where v.valid_to is null or v.valid_to > ?1 limit ?3) "
    f"{_VERSION_CITED_COLUMNS.rstrip()} from sub v {_CITED_VERSIONS}"
    f"where (select count(*) from sub) < ?3")

#: The leader tenures running on a day in some units (a JSON array of ids): the day's two
#: scans of `_TENURES`, each row's unit looked for among them before anything else is read
#: (a unit's tenures before the day, which its own index would pass, grow with its
#: history; these scans follow the chart). Binds the day, the units, the day twice, the
#: units...
_IN_UNITS = " and +t.unit in (select value from json_each(?))"
_UNIT_TENURES = alive_rows(_TENURE_COLUMNS, TENURE.of("t"), also=_IN_UNITS)
#: ... and with the appointments' citations (as `_TENURES_CITED`).
_UNIT_TENURES_CITED = alive_rows(_TENURE_CITED_COLUMNS, TENURE.of("t"), also=_IN_UNITS)


#: A line of a chart and the event behind it: (unit, person, role, event, the event's note
#: if it has one) — person and role None for a unit's own events: the one that made its
#: version of the day and, when the unit began before that version, the one that began it.
Line = tuple[str, str | None, str | None, str, str | None]


class Behind:
    """What made each line of a chart, as the chart's queries read it (see `chart`): the
    rows themselves, made into `Line`s only when asked (`lines`), and then only those of
    the units shown. With `noted`, only the lines whose event has a note are wanted (a
    chart with its notes alone), so the whole chart's queries read only those; without,
    the rows carry their events' citations too (`events`)."""

    def __init__(self, noted: bool = False) -> None:
        self.noted = noted
        # rows as `_VERSIONS_NOTED` has them (noted), else as `_VERSIONS_CITED`
        self.versions: list[Any] = []
        # rows as `_TENURES` has them (noted), else as `_TENURES_CITED`
        self.tenures: list[Any] = []
        # (noted) the units a chart shows that are behind a noted line, in its order
        self.shown: list[str] = []

    def events(self) -> dict[str, tuple[str | None, Any]]:
        """The events behind the rows read (not `noted`) that the events table has: each
        one's note and sources (JSON text), as the rows' citations read them."""
        out: dict[str, tuple[str | None, Any]] = {}
        # by position: the columns of `_VERSION_CITED_COLUMNS` and `_TENURE_CITED_COLUMNS`
        for r in self.versions:
            if r[11] is not None:
                out[r[11]] = (r[12], r[13])
            if r[14] is not None:
                out[r[14]] = (r[15], r[16])
        for r in self.tenures:
            if r[9] is not None:
                out[r[9]] = (r[10], r[11])
        return out

    def units(self) -> set[str]:
        """The units of the rows read (with `noted`, only those behind a noted line)."""
        return {r[0] for r in self.versions} | {r[0] for r in self.tenures}

    def lines(self, units: Collection[str], noted: bool = False) -> dict[Line, None]:
        """The lines of these units (with `noted`, only those whose event has a note), each
        once: each unit's version, then its beginning, then the leaders."""
        out: dict[Line, None] = {}
        # by position: the columns of `_VERSION_COLUMNS` and `_TENURE_COLUMNS`
        for r in self.versions:
            if (r[8] or not noted) and r[0] in units:
                out[(r[0], None, None, r[7], r[8])] = None
        for r in self.versions:
            if (r[10] or (r[9] and not noted)) and r[0] in units:
                out[(r[0], None, None, r[9], r[10])] = None
        for r in self.tenures:
            if (r[8] or not noted) and r[0] in units:
                out[(r[0], r[1], r[4], r[7], r[8])] = None
        return out


#: A day's chart as its queries read it: the version rows (the columns of `_VERSIONS`
#: first: unit, name, name_en, kind, parent, since, display_order) and each unit's leaders
#: (`_leaders`), unordered.
DayRows = tuple[list[Any], dict[str, list[dict[str, Any]]]]


def units_on(db: QueryDB, day: date, behind: Behind | None = None) -> dict[str, Unit]:
    """Every unit alive on `day` with its version and leaders, keyed by id (unordered);
    with `behind`, what made each version and leader is added to it."""
    return _keyed(*_day_rows(db, day.isoformat(), behind))


def _day_rows(db: QueryDB, day: str, behind: Behind | None,
              keep: Collection[str] | None = None) -> DayRows:
    """The rows of `units_on` (of the units `keep` only, when given): the whole day's two
    scans."""
    d = [day] * 3

    def kept(rows: list[Any]) -> list[Any]:
        return rows if keep is None else [r for r in rows if r[0] in keep]

    if behind is None or behind.noted:
        rows = kept(db.execute(_VERSIONS, d).fetchall())
        tenures = db.execute(_TENURES_PLAIN, d)  # read as made into leaders (`_leaders`)
        leaders = _leaders(tenures if keep is None else kept(tenures.fetchall()), None)
        if behind is not None:
            behind.versions += kept(db.execute(_VERSIONS_WITH_NOTES, d).fetchall())
            behind.tenures += kept(db.execute(_TENURES_WITH_NOTES, d).fetchall())
    else:
        rows = kept(db.execute(_VERSIONS_CITED, d).fetchall())
        behind.versions += rows
        leaders = _leaders(kept(db.execute(_TENURES_CITED, d).fetchall()), behind)
    return rows, leaders


def subtree_on(db: QueryDB, day: date, root: str,
               behind: Behind | None = None) -> dict[str, Unit]:
    """`root` and every unit under it on `day` (as `units_on`; empty if `root` is not
    alive)."""
    return _keyed(*_subtree_day_rows(db, day, root, behind))


def _subtree_day_rows(db: QueryDB, day: date, root: str, behind: Behind | None) -> DayRows:
    """The rows of `subtree_on`.

    The subtree is found by walking the parent links of the day's versions as the day's
    index has them (`_DAY_TREE`: the cost of reading two columns of the chart). A large
    subtree is then read as the whole chart is (`units_on`'s scans, the rows outside it
    dropped); a smaller one by its units (`_unit_versions`: an index lookup per unit,
    whatever its history; its tenures from the day's scans of the running ones, each
    unit looked for as it is read: see `_UNIT_TENURES`). Large: half the chart or more
    when the rows carry their events' citations (each row read costs their lookups: at
    100,000 events the whole chart's rows cost about what half of them do by
    unit), a third when they do not (the whole chart's scans then read covering indexes
    alone: about what a third of them cost by unit).

    When the rows carry citations, a subtree of less than `WALKED` of the chart is read
    by walking down from `root` instead (`_walked`)."""
    d = day.isoformat()
    if behind is not None and not behind.noted:
        walked = _walked(db, d, root, behind)
        if walked is not None:
            return walked
    tree = db.execute(_DAY_TREE, [d, d, d]).fetchall()
    below = subtree_units(tree, root)
    if not below:
        return [], {}
    cited = behind is not None and not behind.noted
    share = 2 if cited else 3
    return _subtree_read(db, d, below, whole=share * len(below) >= len(tree), behind=behind)


#: The share of the chart under which a subtree is walked (`_walked`). The walk reads
#: only the subtree, but each version its units ever had under their parents (at a
#: million events about 4 per unit, each looked at on its row), where the day's scans
#: read the whole chart on the covering index: at 862 units of 10,000 (a million events)
#: the walk and its citations cost 60 M instructions where the scan, the walk in Python
#: and the lookups by unit cost 102 M; at half the chart about as much CPU; at the whole
#: chart 1.5 times as much. A walk that reaches this share is left, its cost wasted
#: (render_data's CPU at a million events: 2,613 units 39 -> 52 ms, the whole chart
#: 99 -> 127 ms, where `dot` takes seconds).
WALKED = 0.25


def _walked(db: QueryDB, d: str, root: str, behind: Behind,
            most: int | None = None) -> DayRows | None:
    """The rows of `_subtree_day_rows` with their citations, read by walking down from
    `root` (`_SUBTREE_VERSIONS_CITED`, the tenures as `_subtree_read` reads them), when
    the subtree has fewer than `most` units (by default `WALKED` of the chart as the
    history leaves it: see `_OPEN_COUNT`); else None."""
    if most is None:
        most = int(db.execute(_OPEN_COUNT).fetchone()[0] * WALKED)
    if most < 1:
        return None
    rows = db.execute(_SUBTREE_VERSIONS_CITED, [d, root, most]).fetchall()
    if not rows:  # too many, or `root` not alive: the other path says which
        return None
    behind.versions += rows
    ids = json.dumps([r[0] for r in rows])
    return rows, _leaders(db.execute(_UNIT_TENURES_CITED, [d, ids, d, d, ids]).fetchall(),
                          behind)


def _subtree_rows(db: QueryDB, d: str, below: set[str], whole: bool,
                  behind: Behind | None) -> dict[str, Unit]:
    """The units `below` on the day `d` with their leaders (as `units_on`): with `whole`,
    from the rows of the whole day's chart; else looked up by unit."""
    return _keyed(*_subtree_read(db, d, below, whole, behind))


def _subtree_read(db: QueryDB, d: str, below: set[str], whole: bool,
                  behind: Behind | None) -> DayRows:
    """The rows of `_subtree_rows`."""
    if whole:
        return _day_rows(db, d, behind, keep=below)
    ids = json.dumps(sorted(below))
    cited = behind is not None and not behind.noted
    versions, tenures = ((_UNIT_VERSIONS_CITED, _UNIT_TENURES_CITED) if cited
                         else (_UNIT_VERSIONS, _UNIT_TENURES))
    rows = db.execute(versions, [ids, d, d, d]).fetchall()
    if behind is not None:
        behind.versions += rows
    return rows, _leaders(db.execute(tenures, [d, ids, d, d, ids]).fetchall(), behind)


def subtree_units(tree: Iterable[tuple[str, str | None]], root: str) -> set[str]:
    """The units under `root` (itself included) in `tree`, (unit, parent) pairs of one
    day's chart; empty when `root` is not in it."""
    kids: dict[str | None, list[str]] = {}
    found = False
    for unit, parent in tree:
        found = found or unit == root
        siblings = kids.get(parent)
        if siblings is None:
            kids[parent] = [unit]
        else:
            siblings.append(unit)
    if not found:
        return set()
    below = {root}
    todo = [root]
    while todo:
        for kid in kids.get(todo.pop(), ()):
            if kid not in below:  # a cycle (inconsistent tables) cannot loop
                below.add(kid)
                todo.append(kid)
    return below


def _unit_dicts(rows: Iterable[Any], leaders: dict[str, list[dict[str, Any]]],
                noted: Collection[str] = (), shown: list[str] | None = None) -> list[Unit]:
    """Unit dicts as SPEC's `at` JSON has them, in the order of `rows` (as `DayRows` has
    them), each with its `leaders` and (when the unit has one) `order`, its display order
    among its siblings, which the JSON form leaves out. They are made in the order they
    are shown, so that what walks them next (the JSON encoder) reads memory in the order
    it was written; the units of `noted` met on the way go to `shown`, in that order
    (another pass over the units would cost about as much as making them)."""
    out: list[Unit] = []
    for r in rows:
        uid = r[0]
        unit = {"id": uid, "name": r[1], "name_en": r[2], "kind": r[3], "parent": r[4],
                "since": r[5], "leaders": leaders.get(uid) or []}
        if r[6] is not None:
            unit["order"] = r[6]
        out.append(unit)
        if uid in noted and shown is not None:
            shown.append(uid)
    return out


def _keyed(rows: list[Any], leaders: dict[str, list[dict[str, Any]]]) -> dict[str, Unit]:
    """`_unit_dicts` keyed by id."""
    return {u["id"]: u for u in _unit_dicts(rows, leaders)}


def _leaders(rows: Iterable[Any], behind: Behind | None) -> dict[str, list[dict[str, Any]]]:
    """Each unit's leader tenures of `rows` (as `_TENURES` or `_TENURES_PLAIN` have them),
    heads first, then by role and person; with `behind`, the appointment behind each
    (`_TENURES`), which keeps the rows. Without, `rows` may be the cursor itself: each row
    is then freed as soon as its leader is made, while it is still in the cache (where
    the list of all of them, freed after, came back to each row's values in turn)."""
    if behind is not None:
        rows = rows if isinstance(rows, list) else list(rows)
        behind.tenures += rows
    out: dict[str, list[dict[str, Any]]] = {}
    several: list[list[dict[str, Any]]] = []  # the leader lists that need sorting
    for r in rows:
        leader = {"person": r[1], "name": r[2], "name_en": r[3], "role": r[4],
                  "title": r[5], "since": r[6]}
        leaders = out.get(r[0])
        if leaders is None:
            out[r[0]] = [leader]
        else:
            leaders.append(leader)
            if len(leaders) == 2:
                several.append(leaders)
    for leaders in several:
        leaders.sort(key=_leader_order)
    return out


def _leader_order(x: dict[str, Any]) -> tuple[bool, str, str]:
    """Heads first, then by role and person."""
    return (x["role"] != "head", x["role"], x["person"])


#: A row's unit id (`DayRows`), the key siblings are sorted by.
_BY_ID = itemgetter(0)


def tree_order(rows: list[Any], root: str | None = None,
               depth: int | None = None) -> list[Any]:
    """A day's version rows (`DayRows`: unit and parent at 0 and 4) depth-first from the
    roots (or from `root`), siblings by id, to `depth` levels; empty when `root` is not
    among them. The rows are ordered before any unit dict is made (see `_unit_dicts`)."""
    kids: dict[str | None, list[Any]] = {}
    get = kids.get
    for r in rows:
        siblings = get(r[4])
        if siblings is None:
            kids[r[4]] = [r]
        else:
            siblings.append(r)
    for siblings in kids.values():
        if len(siblings) > 1:
            siblings.sort(key=_BY_ID)
    tops = get(None, []) if root is None else [r for r in rows if r[0] == root][:1]
    out: list[Any] = []
    limit = len(rows)
    if depth is None:  # a stack of the units still to write, the next one last
        todo = tops[::-1]
        while todo:
            r = todo.pop()
            out.append(r)
            below = get(r[0])
            if below:
                if len(out) > limit:
                    raise _cycle(r[0])
                todo += below[::-1]
        return out
    # the siblings still to write at each level, the deepest last (its length - 1: the level)
    stack = [iter(tops)]
    while stack:
        for r in stack[-1]:
            out.append(r)
            if len(out) > limit:
                raise _cycle(r[0])
            below = get(r[0])
            if below and len(stack) <= depth:
                stack.append(iter(below))
                break
        else:
            stack.pop()
    return out


def _cycle(uid: str) -> OrgchartError:
    return OrgchartError(f"the query tables are inconsistent: the units under '{uid}' form a "
                         f"cycle; run `orgchart verify`")


def chart(db: QueryDB, day: date, root: str | None = None,
          depth: int | None = None, behind: Behind | None = None) -> list[Unit]:
    """The chart on `day` (from `root`, to `depth`) in tree order; with `behind`, what made
    its units' versions and leaders (of every unit read, shown or not) is added to it, and
    (`noted`) the units shown behind a noted line to its `shown`, in the chart's order."""
    rows, leaders = (_day_rows(db, day.isoformat(), behind) if root is None
                     else _subtree_day_rows(db, day, root, behind))
    ordered = tree_order(rows, root, depth)
    if root is not None and not ordered:
        raise UnknownUnit(unit_absence(db, root, day))
    if behind is not None and behind.noted:
        return _unit_dicts(ordered, leaders, behind.units(), behind.shown)
    return _unit_dicts(ordered, leaders)


def unit_absence(db: QueryDB, unit: str, day: date) -> str:
    """Why `unit` is not in the chart on `day`, as one sentence."""
    row = db.execute(f"select began, began_day, ended, ended_how from {P}lives where unit = ?",
                     [unit]).fetchone()
    if row is None:
        return unknown_unit_message(db, unit)
    began, began_day, ended, ended_how = row
    if began_day > day.isoformat():
        return f"unit '{unit}' does not exist on {day} (it begins on {began})"
    return f"unit '{unit}' does not exist on {day} (it ended on {ended}, {ended_how})"


def log_rows(db: QueryDB, start: date | None = None, end: date | None = None,
             unit: str | None = None, counted: bool = False) -> Iterator[dict[str, Any]]:
    """The events in effective order (retractions last, by append order); with `counted`,
    only those that count in the knowledge state `db` sees."""
    where: list[str] = [COUNTS] if counted else []
    params: list[str] = []
    _day_window(where, params, start, end)
    if unit is not None:
        where.append(f"e.seq in (select seq from {P}event_units where unit = ?)")
        params.append(unit)
    if start is not None or end is not None:
        where.append("e.day is not null")
    sql = (f"select e.seq, e.id, e.type, e.date, e.recorded, e.sources, e.note, e.body, "
           f"e.retracted_by, e.retracted_day from {P}events e "
           + (f"where {' and '.join(where)} " if where else "")
           + "order by e.day is null, e.day, e.seq")
    for row in db.execute(sql, params).fetchall():
        _seq, eid, typ, d, recorded, sources, note, body, rby, rday = row
        yield {"id": eid, "type": typ, "date": d, "recorded": recorded,
               "sources": stored_json(sources, f"event '{eid}'"), "note": note,
               **stored_json(body, f"event '{eid}'"),
               "retracted_by": rby, "retracted_on": rday}


def _day_window(where: list[str], params: list[str], start: date | None,
                end: date | None) -> None:
    """Add `start <= e.day <= end` (either end open) to a query's conditions."""
    if start is not None:
        where.append("e.day >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("e.day <= ?")
        params.append(end.isoformat())


def event_days(db: QueryDB, start: date | None = None, end: date | None = None,
               retracted: bool = False) -> list[str]:
    """The distinct first days (ISO) of the events that count (with `retracted`, of the
    retracted ones too), in order, from `start` to `end`: the dates of a timeline, without
    reading the events themselves."""
    where = ["e.type != 'retract'" if retracted else COUNTS, "e.day is not null"]
    params: list[str] = []
    _day_window(where, params, start, end)
    sql = (f"select distinct e.day from {P}events e where {' and '.join(where)} "
           "order by e.day")
    return [str(d) for (d,) in db.execute(sql, params).fetchall()]


def events_by_id(db: QueryDB, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The events with these ids (as `log_rows` gives them), by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    sql = (f"select e.id, e.type, e.date, e.recorded, e.sources, e.note, e.body, "
           f"e.retracted_by, e.retracted_day from {P}events e "
           f"where e.id in ({', '.join('?' * len(wanted))})")
    out: dict[str, dict[str, Any]] = {}
    for eid, typ, d, recorded, sources, note, body, rby, rday in db.execute(sql, wanted):
        out[eid] = {"id": eid, "type": typ, "date": d, "recorded": recorded,
                    "sources": stored_json(sources, f"event '{eid}'"), "note": note,
                    **stored_json(body, f"event '{eid}'"),
                    "retracted_by": rby, "retracted_on": rday}
    return out


def people_table(db: QueryDB) -> dict[str, dict[str, Any]]:
    rows = named(db.execute(f"select id, name, name_en from {P}people")).fetchall()
    return {r["id"]: {"name": r["name"], "name_en": r["name_en"]} for r in rows}


def sources_table(db: QueryDB) -> dict[str, dict[str, Any]]:
    rows = named(db.execute(f"select id, title, publisher, date, url from {P}sources")).fetchall()
    return {r["id"]: {"title": r["title"], "publisher": r["publisher"], "date": r["date"],
                      "url": r["url"]} for r in rows}


def unit_exists(db: QueryDB, unit: str) -> bool:
    return db.execute(f"select 1 from {P}lives where unit = ?", [unit]).fetchone() is not None


# -- names of the day ----------------------------------------------------------------------


def names_of(db: QueryDB, units: Sequence[str],
             day: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Each unit's names in valid-time order, up to `day` when given: `{"name", "name_en",
    "from"}`, `from` the date text of the event that gave the unit that name (its start for
    the first). A move or a change of kind keeps the name and adds nothing."""
    rows: list[tuple[str, str, str | None, str | None]] = []
    for i in range(0, len(units), 500):
        chunk = list(units[i:i + 500])
        marks = ", ".join("?" for _ in chunk)
        upto = "and v.valid_from <= ? " if day is not None else ""
        rows += db.execute(
            f"select v.unit, v.name, v.name_en, e.date from {P}versions v "
            f"left join {P}events e on e.id = v.event "
            f"where v.unit in ({marks}) {upto}order by v.unit, v.valid_from",
            [*chunk, *([day] if day is not None else [])]).fetchall()
    names: dict[str, list[dict[str, Any]]] = {u: [] for u in units}
    for unit, name, name_en, when in rows:
        seen = names[unit]
        if not seen or (seen[-1]["name"], seen[-1]["name_en"]) != (name, name_en):
            seen.append({"name": name, "name_en": name_en, "from": when})
    return names


def named_since(db: QueryDB, day: str, units: Sequence[str]) -> dict[str, str]:
    """For the units renamed by `day`: the date text their name of that day began."""
    return {u: ns[-1]["from"] for u, ns in names_of(db, units, day).items() if len(ns) > 1}


def unknown_unit_message(db: QueryDB, word: str) -> str:
    """`unknown unit 'x'`, with a "did you mean" hint from unit ids, aliases and names (a
    command takes any of them, see `resolve_unit`)."""
    return f"unknown unit '{word}'{unit_hint(word, *unit_words(db), by_name=True)}"


def unit_words(db: QueryDB) -> tuple[list[str], list[tuple[str, str]]]:
    """Every unit id, and every (alias or name, unit id) pair, aliases first, then names
    the earliest first: what a "did you mean" for a unit looks among."""
    ids = [r[0] for r in db.execute(f"select unit from {P}lives").fetchall()]
    aliases = [(alias, unit) for unit, alias in db.execute(
        f"select unit, alias from {P}aliases order by day, alias").fetchall()]
    names = [(n, unit) for unit, name, name_en in db.execute(
        f"select unit, name, name_en from {P}versions order by valid_from").fetchall()
        for n in (name, name_en) if n]
    return ids, aliases + names


def resolve_unit(db: QueryDB, word: str) -> str:
    """The id of the unit `word` names, wherever a command takes a unit: a unit id as it
    is; else the one unit that has `word` as an alias or as a name it ever bore (its name
    or English name, on any date), compared case-insensitively. AmbiguousUnit (naming the
    candidates) when several units do; `word` unchanged when none does, so that the
    caller's "unknown unit" says so, with a "did you mean"."""
    from orgchart.domain.rules import alias_key

    if unit_exists(db, word):
        return word
    key = alias_key(word.strip())
    found: dict[str, None] = dict.fromkeys(r[0] for r in db.execute(
        f"select unit from {P}aliases where key = ? order by day, unit", [key]).fetchall())
    # every name ever borne: a scan of the versions (about 0.1 s per 80,000), only for a
    # word that is not a unit id
    for unit, name, name_en in db.execute(f"select unit, name, name_en from {P}versions"):
        if alias_key(name) == key or (name_en is not None and alias_key(name_en) == key):
            found[unit] = None
    if len(found) == 1:
        return next(iter(found))
    if found:
        raise AmbiguousUnit(f"'{word}' names {len(found)} units: "
                            f"{', '.join(_candidate(db, u) for u in sorted(found))}; "
                            f"give one of these ids")
    return word


def _candidate(db: QueryDB, unit: str) -> str:
    """`id (began–ended)` of a unit, for telling units with one alias or name apart."""
    began, ended = db.execute(f"select began, ended from {P}lives where unit = ?",
                              [unit]).fetchone()
    return f"{unit} ({began}–{ended})" if ended else f"{unit} (since {began})"


def notes_of(db: QueryDB, ids: Iterable[str]) -> list[dict[str, str]]:
    """The notes of these events: `{"event", "note"}` for each that has one, in the order
    of `ids` (each once)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        found.update(db.execute(
            f"select id, note from {P}events where id in ({', '.join('?' for _ in chunk)}) "
            f"and {has_note()}", chunk).fetchall())
    return [{"event": e, "note": found[e]} for e in wanted if e in found]


def shown_events(units: Collection[str], behind: Behind) -> list[dict[str, Any]]:
    """The events with a note behind what a chart shows of `units` (as `behind`, what the
    chart's query read, has them: see `chart`): for each unit the event that made its
    version of the day and (when the unit began before that version) the one that began
    it, and for each leader the appointment. Rows `{"unit", "person", "role", "event",
    "note", "sources"}` (person and role None for a unit's own events; `sources` empty),
    unordered."""
    return [{"unit": unit, "person": person, "role": role, "event": eid, "note": note,
             "sources": []} for unit, person, role, eid, note in behind.lines(units, True)]


def shown_citations(units: Collection[str],
                    behind: Behind) -> tuple[set[str], list[dict[str, Any]]]:
    """What a chart cites of `units`: the ids of the sources of every event behind what it
    shows (as `shown_events` finds them, each with the note and sources the events table
    has for it), and the rows of those events that have a note (as `shown_events` gives
    them, `sources` with the event's). No query: the chart's queries read each event's
    note and sources with its rows (`Behind.events`, not `noted`), an index lookup per
    event, so the cost follows the chart, not the history."""
    if behind.noted:
        raise ValueError("the sources of a chart need every line behind it, not only the "
                         "noted ones")
    texts: dict[Any, str] = {}  # each sources text (events share them), and an event of it
    noted: dict[Line, tuple[str, Any]] = {}  # the lines whose event has a note: it, sources
    # `Behind.lines` and `Behind.events` in one pass, by position: the columns of
    # `_VERSION_CITED_COLUMNS` and `_TENURE_CITED_COLUMNS`; a line's event is found when
    # the events table has it (its id as read with the row is not null)
    for r in behind.versions:
        if r[0] in units and r[11] is not None:
            texts.setdefault(r[13], r[11])
            if r[12]:
                noted[(r[0], None, None, r[7], r[8])] = (r[12], r[13])
    for r in behind.versions:
        if (r[10] or r[9]) and r[0] in units and r[14] is not None:
            texts.setdefault(r[16], r[14])
            if r[15]:
                noted[(r[0], None, None, r[9], r[10])] = (r[15], r[16])
    for r in behind.tenures:
        if r[0] in units and r[9] is not None:
            texts.setdefault(r[11], r[9])
            if r[10]:
                noted[(r[0], r[1], r[4], r[7], r[8])] = (r[10], r[11])
    sources: set[str] = set()
    parsed: dict[Any, Any] = {}
    for text, eid in texts.items():
        parsed[text] = stored_json(text, f"event '{eid}'")
        sources.update(parsed[text])
    rows = [{"unit": unit, "person": person, "role": role, "event": eid, "note": note,
             "sources": parsed[text]}
            for (unit, person, role, eid, _), (note, text) in noted.items()]
    return sources, rows


def chart_notes(shown: Iterable[dict[str, Any]], order: Sequence[str]) -> list[dict[str, Any]]:
    """The notes of the events in `shown` (see `shown_events`) as a chart gives them: one
    entry per event `{"event", "note", "units", "leaders"}` (the units whose line rests on
    it, and the leaders `{"unit", "role", "person"}` it appointed), in the order of
    the units in `order` (the chart's), a unit's own events before its leaders'."""
    rank = {u: i for i, u in enumerate(order)}
    noted = sorted((r for r in shown if r["note"]),
                   key=lambda r: (rank.get(r["unit"], len(rank)), r["person"] is not None,
                                  r["role"] != "head", r["role"] or "", r["person"] or "",
                                  r["event"]))
    out: dict[str, dict[str, Any]] = {}
    for r in noted:
        entry = out.setdefault(r["event"], {"event": r["event"], "note": r["note"],
                                            "units": [], "leaders": []})
        if r["person"] is None:
            if r["unit"] not in entry["units"]:
                entry["units"].append(r["unit"])
        else:
            entry["leaders"].append({"unit": r["unit"], "role": r["role"],
                                     "person": r["person"]})
    return list(out.values())


def notes_and_sources(db: QueryDB, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each of these events' `note` and `sources` (a list of source ids), by event id."""
    wanted = sorted(set(ids))
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        for eid, note, sources in db.execute(
                f"select id, note, sources from {P}events "
                f"where id in ({', '.join('?' for _ in chunk)})", chunk).fetchall():
            out[eid] = {"note": note, "sources": stored_json(sources, f"event '{eid}'")}
    return out


def sources_of(db: QueryDB, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """These sources' `id`, `title`, `publisher`, `date` and `url`, by id, in the order a
    chart lists them: by date (none first), then by id. One query (the ids as a JSON
    array, the rows sorted by SQLite), its rows made into dicts directly (a chart of a
    long history cites about a thousand)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {sid: {"id": sid, "title": title, "publisher": publisher, "date": day, "url": url}
            for sid, title, publisher, day, url in db.execute(
                f"select id, title, publisher, date, url from {P}sources "
                f"where id in (select value from json_each(?)) "
                f"order by coalesce(date, ''), id", [json.dumps(wanted)])}
