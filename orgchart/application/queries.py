"""The queries: one function per question, each answered on one connection to the query
tables (seen as the history was known on `--known-at`, when given), in plain data shaped
like the JSON forms of SPEC §3.

`explain_*` add to an answer what its text form needs to name things (see
`orgchart.adapters.readmodel.explain.context`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from orgchart.adapters.gcpause import paused_gc
from orgchart.adapters.readmodel import queries, tables
from orgchart.application.storage import Storage
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import UnknownUnit

if TYPE_CHECKING:
    from orgchart.adapters.readmodel.connection import QueryDB


#: `at`'s answer: {"date", "known_at", "units", "title"} (and "sources" in what `render`
#: draws), as JSON prints it.
Chart = dict[str, Any]


class Delta(TypedDict):
    """What `render --since` adds to a chart (see `orgchart.presentation.graph.Delta`)."""

    since: str
    reverse: bool
    changes: list[dict[str, Any]]
    before: list[queries.Unit]
    links: list[dict[str, Any]]
    lives: dict[str, dict[str, Any]]


class RenderData(TypedDict):
    """What `render` draws: the chart with the sources it cites and, with `--since`, what
    changed since then."""

    chart: Chart
    delta: Delta | None


def at(storage: Storage, day: EffDate, known: EffDate | None = None, root: str | None = None,
       depth: int | None = None) -> Chart:
    """The chart on `day` (SPEC §3 `at --format json`). Tens of thousands of rows, dicts
    and lists at 10,000 units, none in a cycle: the cyclic garbage collector is paused
    meanwhile, instead of making the ~60 young and ~5 middle collections that their
    allocation would set off (callgrind, one call at 9,978 units with the JSON bytes: 334
    -> 321 million instructions, L1 data read misses 1.92 -> 1.05 million), and what the
    chart keeps is then moved to the oldest generation (`paused_gc(promote=True)`), not
    passed over by the first young collection after the pause (in the caller, the
    chart's JSON or text), which missed the cache on each dict and each of its values
    (~6 ms of ~75 at 10,000 units)."""
    with paused_gc(promote=True), storage.view(known) as db:
        behind = queries.Behind(noted=True)
        return with_notes(db, chart_on(db, day, known, resolve_root(db, root), depth, behind),
                          behind)


def with_notes(db: QueryDB, chart: Chart, behind: queries.Behind) -> Chart:
    """`chart` with `notes`: the notes of the events behind what it shows (`behind`, as
    its query read them, with the units shown behind a noted line: see `queries.chart`)."""
    shown = behind.shown
    chart["notes"] = queries.chart_notes(queries.shown_events(set(shown), behind), shown)
    return chart


def at_tree(storage: Storage, day: EffDate, known: EffDate | None = None,
            root: str | None = None, depth: int | None = None) -> Chart:
    """`at` plus `named_since`: for each unit renamed by `day`, the date its name of that
    day began (the text tree shows it; JSON keeps the SPEC's shape). The collector is
    paused meanwhile and the chart promoted, as in `at`."""
    with paused_gc(promote=True), storage.view(known) as db:
        behind = queries.Behind(noted=True)
        chart = with_notes(db, chart_on(db, day, known, resolve_root(db, root), depth, behind),
                           behind)
        return {**chart, "named_since": queries.named_since(
            db, day.day.isoformat(), [u["id"] for u in chart["units"]])}


def horizon(storage: Storage) -> str | None:
    """How far the recorded facts reach: the furthest `covers_to` loaded (date text), or
    None when no file said. Read as the query tables stand, without catching up: ask
    right after the query it goes with."""
    return storage.meta("horizon")


def beyond_horizon(storage: Storage, *days: EffDate) -> str | None:
    """The horizon when one of `days` lies after it (`at`, `diff` warn), else None."""
    from orgchart.domain.dates import parse_day

    h = horizon(storage)
    if h is None or not any(d.day > parse_day(h).day for d in days):
        return None
    return h


def chart_on(db: QueryDB, day: EffDate, known: EffDate | None, root: str | None,
             depth: int | None, behind: queries.Behind | None = None) -> Chart:
    """`at`'s answer from the query tables in `db` (with `behind`: see `queries.chart`)."""
    return {"date": str(day), "known_at": str(known) if known else None,
            "units": queries.chart(db, day.day, root, depth, behind),
            "title": tables.meta(db, "title")}


def resolve_root(db: QueryDB, unit: str | None) -> str | None:
    """The id of the unit a command's unit argument names, by id, alias or name (the one
    resolver: `orgchart.adapters.readmodel.queries.resolve_unit`); None stays None."""
    return None if unit is None else queries.resolve_unit(db, unit)


def need_unit(db: QueryDB, unit: str) -> None:
    """UnknownUnit (with a "did you mean") unless `unit` ever existed."""
    if not queries.unit_exists(db, unit):
        raise UnknownUnit(queries.unit_absence(db, unit, date.today()))


def log(storage: Storage, start: EffDate | None = None, end: EffDate | None = None,
        unit: str | None = None) -> list[dict[str, Any]]:
    """The events in effective order (SPEC §3 `log --format json`), each with the
    `annotations` that count (`{id, recorded, note, sources}`, as recorded)."""
    from orgchart.adapters.readmodel import corrections

    with storage.query_db() as db:
        unit = resolve_root(db, unit)
        if unit is not None:
            need_unit(db, unit)
        rows = list(queries.log_rows(db, start.day if start else None,
                                     end.day if end else None, unit))
        notes = corrections.by_event(db)
        for r in rows:
            r["annotations"] = notes.get(r["id"], [])
        return rows


def export(storage: Storage) -> dict[str, Any]:
    """Every recorded event as an `orgchart/v1` document that loads back the same."""
    from orgchart.adapters.eventfile.export import document

    with storage.query_db() as db:
        facts = tables.facts_from_tables(db)
        people = tables.reference_rows(db, "people")
        sources = tables.reference_rows(db, "sources")
        return document(facts, people, sources, tables.meta(db, "title"),
                        tables.meta(db, "horizon"))


def render_data(storage: Storage, day: EffDate, known: EffDate | None = None,
                root: str | None = None, depth: int | None = None,
                since: EffDate | None = None) -> RenderData:
    """What `render` draws: the chart of `at` plus its `sources`, and with `since` the
    changes since then. Thousands of rows and dicts, none in a cycle: the cyclic garbage
    collector is paused meanwhile (its passes over them took ~1-5 ms of a 990-unit chart's
    ~20)."""
    with paused_gc(), storage.view(known) as db:  # one view (one connection) for it all
        return drawing_on(db, day, known, resolve_root(db, root), depth, since)


def drawing_on(db: QueryDB, day: EffDate, known: EffDate | None, root: str | None,
               depth: int | None, since: EffDate | None,
               found: list[dict[str, Any]] | None = None) -> RenderData:
    """`render_data`'s answer from the query tables in `db` (`found`: the diff from `since`
    to `day`, when already known)."""
    from orgchart.adapters.readmodel import changes, gather

    behind = queries.Behind()
    chart = chart_on(db, day, known, root, depth, behind)
    delta: Delta | None = None
    if since is not None:
        if found is None:
            found = changes.diff(db, since.day, day.day, root, (str(since), str(day)))
        removed = {c["unit"] for c in found if c["change"] == "removed"}
        delta = {"since": str(since), "reverse": since.day > day.day, "changes": found,
                 "before": chart_or_nothing(db, since, root, depth),
                 "links": gather.links_between(db, since.day, day.day),
                 "lives": gather.lives(db, removed)}
    _cite_shown(db, chart, behind, delta)
    return {"chart": chart, "delta": delta}


#: The changes whose units a note names first: ends and beginnings, then the rest.
_FIRST = {"removed": 0, "added": 1, "renamed": 2, "moved": 3, "leader": 4}


def _cite_shown(db: QueryDB, chart: Chart, behind_rows: queries.Behind,
                delta: Delta | None) -> None:
    """`chart["sources"]` and `chart["notes"]`: the sources and notes of the events behind
    what the chart shows (see `queries.shown_citations`); with `delta`, those of the events
    of the highlighted changes come first (and the notes are theirs). The cost follows
    what is drawn, not the history."""
    ids = [u["id"] for u in chart["units"]]
    rest, noted = queries.shown_citations(set(ids), behind_rows)
    changed: dict[str, list[str]] = {}  # event -> the units it changed, ends first
    for c in sorted(delta["changes"] if delta else [], key=lambda c: _FIRST.get(c["change"], 5)):
        for e in c["events"]:
            units = changed.setdefault(e, [])
            if c["unit"] not in units:
                units.append(c["unit"])
    events = queries.notes_and_sources(db, changed)
    first = [s for e in changed for s in events.get(e, {}).get("sources", [])]
    known = queries.sources_of(db, [*first, *rest])  # by date, then id
    top = set(first)
    chart["sources"] = [*(x for s, x in known.items() if s in top),
                        *(x for s, x in known.items() if s not in top)]
    if delta is None:
        chart["notes"] = queries.chart_notes(noted, ids)
    else:
        chart["notes"] = [{"event": e, "note": events[e]["note"], "units": units,
                           "leaders": []}
                          for e, units in changed.items() if events.get(e, {}).get("note")]


def chart_or_nothing(db: QueryDB, day: EffDate, root: str | None,
                     depth: int | None) -> list[queries.Unit]:
    """The chart's units on `day`, or none when `root` did not exist (yet, or any more)."""
    try:
        return queries.chart(db, day.day, root, depth)
    except UnknownUnit:
        return []


# -- explaining: diff, history, lineage (orgchart.adapters.readmodel.changes / story) -------


def diff(storage: Storage, d1: EffDate, d2: EffDate, known: EffDate | None = None,
         root: str | None = None) -> dict[str, Any]:
    """What changed from the chart on `d1` to the chart on `d2` (SPEC §3 `diff` JSON), and
    the `annotations` of the events that did it (by event id, see `corrections.by_event`)."""
    from orgchart.adapters.readmodel import changes

    with storage.view(known) as db:
        root = resolve_root(db, root)
        found = changes.diff(db, d1.day, d2.day, root, (str(d1), str(d2)))
        found += changes.transferred(db, d1.day, d2.day, root)
        return _diff_answer(db, d1, d2, known, found)


def _diff_answer(db: QueryDB, d1: EffDate, d2: EffDate, known: EffDate | None,
                 found: list[dict[str, Any]]) -> dict[str, Any]:
    """`diff`'s JSON form of the changes `found`, with the annotations and notes of their
    events."""
    from orgchart.adapters.readmodel import corrections

    events = [e for c in found for e in c["events"]]
    return {"from": str(d1), "to": str(d2), "known_at": str(known) if known else None,
            "changes": found, "annotations": corrections.by_event(db, events),
            "notes": queries.notes_of(db, events)}


def explain_diff(storage: Storage, d1: EffDate, d2: EffDate, known: EffDate | None = None,
                 root: str | None = None) -> dict[str, Any]:
    """`diff` plus what its text form needs: the changed units on both dates, the
    events (causes, and for added or removed units their leaders' events), names."""
    from orgchart.adapters.readmodel import changes
    from orgchart.adapters.readmodel.explain import context

    with storage.view(known) as db:
        root = resolve_root(db, root)
        found = changes.diff(db, d1.day, d2.day, root, (str(d1), str(d2)))
        units = {c["unit"] for c in found}
        before = {u: x for u, x in queries.units_on(db, d1.day).items() if u in units}
        after = {u: x for u, x in queries.units_on(db, d2.day).items() if u in units}
        related = changes.related_events(db, found, d1.day, d2.day)
        chains = changes.successors(db, d1.day, d2.day, found)
        moved = changes.transferred(db, d1.day, d2.day, root)
        found += moved
        named = {u for c in moved for u in (c["from"], c["to"], *c["units"])} | {
            u for chain in chains.values() for step in chain for u in step}
        parents = {x["parent"] for x in [*before.values(), *after.values()] if x["parent"]}
        people = {p for c in found if c["change"] == "leader"
                  for p in (c["before"], c["after"]) if p}
        event_ids = {e for c in found for e in c["events"]} | {
            e for ids in related.values() for e in ids}
        diff = _diff_answer(db, d1, d2, known, found)
        return {"diff": diff, "root": root, "before": before, "after": after,
                "related": related, "successors": chains,
                "context": context(db, event_ids, units | parents | named, people)}


@contextmanager
def _unit_view(storage: Storage, word: str,
               known: EffDate | None) -> Iterator[tuple[QueryDB, str]]:
    """`storage.view(known)` and the id of the unit `word` names (by id, alias or name),
    once that unit is known there (else a clear UnknownUnit)."""
    from orgchart.adapters.readmodel.story import need_unit as need_story_unit

    with storage.view(known) as db:
        unit = queries.resolve_unit(db, word)
        try:
            need_story_unit(db, unit)
        except UnknownUnit:
            if known is not None:
                with storage.query_db() as full:
                    unit = queries.resolve_unit(full, word)
                    if queries.unit_exists(full, unit):
                        raise UnknownUnit(f"unit '{unit}' was not yet recorded "
                                          f"on {known} (--known-at)") from None
            raise
        yield db, unit


def history(storage: Storage, unit: str, known: EffDate | None = None) -> dict[str, Any]:
    """One unit's story in effective order (see orgchart.adapters.readmodel.story)."""
    from orgchart.adapters.readmodel import story

    with _unit_view(storage, unit, known) as (db, unit):
        h = _known_first(story.history(db, unit), known)
        notes = queries.notes_of(db, (e["event"] for e in h["story"]))
        tail: dict[str, Any] = {k: h.pop(k) for k in ("names", "aliases") if k in h}  # last
        return {**h, "notes": notes, **tail}


def explain_history(storage: Storage, unit: str,
                    known: EffDate | None = None) -> dict[str, Any]:
    """`history` plus the names, people and sources its text form shows."""
    from orgchart.adapters.readmodel import story
    from orgchart.adapters.readmodel.explain import context

    with _unit_view(storage, unit, known) as (db, unit):
        h = _known_first(story.history(db, unit), known)
        units = {unit} | {x for e in h["story"] if e["what"] != "renamed"
                          for key in ("from", "into", "before", "after", "parent",
                                      "children_to")
                          for x in _ids(e.get(key))}
        people = {e["person"] for e in h["story"] if "person" in e}
        return {"history": h,
                "context": context(db, [e["event"] for e in h["story"]], units, people)}


def lineage(storage: Storage, unit: str, known: EffDate | None = None) -> dict[str, Any]:
    """The unit's ancestry and descendants through splits and merges (nodes and edges)."""
    from orgchart.adapters.readmodel import story

    with _unit_view(storage, unit, known) as (db, unit):
        return _known_first(story.lineage(db, unit), known)


def explain_lineage(storage: Storage, unit: str,
                    known: EffDate | None = None) -> dict[str, Any]:
    """`lineage` plus the names and sources its text form shows."""
    from orgchart.adapters.readmodel import story
    from orgchart.adapters.readmodel.explain import context

    with _unit_view(storage, unit, known) as (db, unit):
        g = _known_first(story.lineage(db, unit), known)
        return {"lineage": g, "context": context(db, [e["event"] for e in g["edges"]],
                                                 [n["id"] for n in g["nodes"]])}


def _ids(value: Any) -> list[str]:
    """Unit ids in a history entry field: one id, a list of ids, or nothing."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _known_first(data: dict[str, Any], known: EffDate | None) -> dict[str, Any]:
    """`data` with `known_at` right after its `unit` (as `at` and `diff` put it up front)."""
    return {"unit": data["unit"], "known_at": str(known) if known else None, **data}
