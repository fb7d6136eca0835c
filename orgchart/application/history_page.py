"""The steps of the `timeline` page, gathered on one view of the query tables.

One step per distinct effective date on which an event in force (as known
at `--known-at`) took effect, from `--from` to `--to`: the chart on that date
with what changed since the previous step (as `render --since` draws it),
the units on both dates (to name them) and the step's events. With `--root`,
only the dates on which something under the root changed, and only the
events that concern it. `orgchart.presentation.page` makes the page of it.

The steps come one at a time while the view is open (a page of a long history
has thousands, each with whole charts), so that only the step being drawn is
in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from orgchart.adapters.readmodel import browse, corrections, tables
from orgchart.adapters.readmodel.queries import (
    Unit,
    event_days,
    events_by_id,
    log_rows,
    people_table,
    sources_table,
    units_on,
)
from orgchart.application.queries import (
    Delta,
    RenderData,
    chart_or_nothing,
    drawing_on,
    need_unit,
    resolve_root,
)
from orgchart.application.storage import Storage
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import OrgchartError, UnknownUnit

if TYPE_CHECKING:
    from orgchart.adapters.readmodel.connection import QueryDB

Row = dict[str, Any]


@dataclass
class PageStep:
    """One date of the page."""

    date: str  # the day (ISO)
    written: list[str]  # the dates as its events wrote them (`2025`, `2025-01`), in order
    since: str | None  # the previous step's date (None: the first step)
    chart: dict[str, Any]  # the chart on the date, as `render` draws it
    delta: Delta  # what changed since the previous step (or the day before)
    before: dict[str, Unit]  # the units on the previous step's date, by id
    after: dict[str, Unit]  # the units on the date, by id
    events: list[Row]  # the step's events (as `log` gives them, with their `annotations`)
    retracted: list[Row]  # the step's retracted events, each with its `retraction` (a row)


@dataclass
class PageData:
    """Everything the page shows, as plain data."""

    root: str | None
    known_at: str | None
    steps: Iterator[PageStep]  # in date order; OrgchartError at the end if there is none
    people: dict[str, Row]  # by id: name, name_en
    sources: dict[str, Row]  # by id: title, publisher, date, url
    #: a person's roles as `orgchart person` gives them (None: unknown), read from the
    #: page's view while it is open: the page has a section for each person it names
    roles_of: Callable[[str], Row | None] = lambda person: None
    horizon: str | None = None  # how far the recorded facts reach (the latest `covers_to`)


@contextmanager
def history_page(storage: Storage, start: EffDate | None = None, end: EffDate | None = None,
                 root: str | None = None, known: EffDate | None = None) -> Iterator[PageData]:
    """The page's data (see the module docstring); its steps are read while it is open."""
    if start is not None and end is not None and start.day > end.day:
        raise OrgchartError(f"--from {start} is after --to {end}")
    with storage.query_db() as latest:
        root = resolve_root(latest, root)
        if root is not None:  # an unknown unit fails here, with a "did you mean"
            need_unit(latest, root)
    with storage.view(known) as db:  # one view (one connection) for the whole page
        yield PageData(root, str(known) if known else None,
                       _steps(db, start, end, root, known), people_table(db),
                       sources_table(db), lambda person: browse.person_roles(db, person),
                       tables.meta(db, "horizon"))


def _steps(db: QueryDB, start: EffDate | None, end: EffDate | None, root: str | None,
           known: EffDate | None) -> Iterator[PageStep]:
    """The steps in date order; OrgchartError when there is none."""
    # a date whose events are all retracted is a step too: its corrections are shown there
    days = event_days(db, start.day if start else None, end.day if end else None,
                      retracted=True)
    notes = corrections.by_event(db)
    prev: EffDate | None = None
    for iso in days:  # one date's events at a time
        day = date.fromisoformat(iso)
        rows = [{**r, "annotations": notes.get(r["id"], [])} for r in log_rows(db, day, day)]
        counted = [r for r in rows if r["type"] != "retract" and r["retracted_by"] is None]
        retracted = [r for r in rows if r["type"] != "retract" and r["retracted_by"]]
        since = prev or EffDate(day - timedelta(days=1) if day > date.min else day)
        when = _finest(r["date"] for r in counted or retracted)
        step = _step(db, since, when, known, root, counted)
        if step is None:
            continue  # nothing under `root` changed on this date
        retracted = [r for r in retracted if root is None or _units_named(r) & _shown(step)]
        undone = events_by_id(db, (r["retracted_by"] for r in retracted))
        step.retracted = [{**r, "retraction": undone.get(r["retracted_by"], {})}
                          for r in retracted]
        step.since = str(since) if prev is not None else None
        prev = when
        yield step
    if prev is None:
        span = " ".join(x for x in (f"from {start}" if start else "",
                                    f"to {end}" if end else "") if x)
        under = f" under '{root}'" if root else ""
        raise OrgchartError(f"no changes{under} to show{' ' + span if span else ''}"
                            + (f" as known on {known}" if known else ""))


def _step(db: QueryDB, since: EffDate, when: EffDate, known: EffDate | None,
          root: str | None, rows: list[Row]) -> PageStep | None:
    """The step on `when`, with the changes since `since` (None: nothing under `root`)."""
    from orgchart.adapters.readmodel import changes

    try:
        found = changes.diff(db, since.day, when.day, root, (str(since), str(when)))
    except UnknownUnit:
        if root is None:
            raise
        return None  # `root` exists on neither date
    if root is not None and not found:
        return None
    before = units_on(db, since.day)
    after = units_on(db, when.day)
    drawing = _drawing(db, when, known, root, since, found)
    chart, delta = drawing["chart"], drawing["delta"]
    assert delta is not None
    step = PageStep(when.iso, [r["date"] for r in rows], None, chart, delta, before, after,
                    rows, [])
    if root is not None:
        shown = _shown(step)
        caused = {e for c in delta["changes"] for e in c["events"]}
        step.events = [r for r in rows if r["id"] in caused or _units_named(r) & shown]
    return step


def _shown(step: PageStep) -> set[str]:
    """The units a step's chart shows, before or after, or names as changed."""
    return ({u["id"] for u in step.chart["units"]} | {u["id"] for u in step.delta["before"]}
            | {c["unit"] for c in step.delta["changes"]})


def _drawing(db: QueryDB, day: EffDate, known: EffDate | None, root: str | None,
             since: EffDate, found: list[dict[str, Any]]) -> RenderData:
    """What `render --since` draws, also when `root` does not exist on `day` (it ended
    there): then no chart, only what changed."""
    try:
        return drawing_on(db, day, known, root, None, since, found)
    except UnknownUnit:
        if root is None:
            raise
    chart: dict[str, Any] = {"date": str(day), "known_at": str(known) if known else None,
                             "units": [], "title": tables.meta(db, "title"), "sources": []}
    return {"chart": chart,
            "delta": {"since": str(since), "reverse": False, "changes": found,
                      "before": chart_or_nothing(db, since, root, None), "links": [],
                      "lives": {}}}


def _finest(written: Iterable[str]) -> EffDate:
    """Of dates written for the same first day (`2025`, `2025-01`), the most precise."""
    rank = {"year": 0, "month": 1, "day": 2}
    return max((EffDate.parse(w) for w in written), key=lambda d: rank[d.precision])


def _units_named(r: Row) -> set[str]:
    """The unit ids an event names (its unit, parts, merged units, target, parents)."""
    out: set[str] = set()
    for key in ("unit", "parent", "children_to"):
        if isinstance(r.get(key), str):
            out.add(r[key])
    for x in r.get("units") or []:
        out.add(x)
    into = r.get("into")
    for part in (into if isinstance(into, list) else [into]):
        if isinstance(part, str):
            out.add(part)
        elif isinstance(part, Mapping):
            out.update(v for k, v in part.items() if k in ("unit", "parent") and v)
    return out
