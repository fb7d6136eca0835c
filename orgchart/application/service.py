"""The application service: one function per command, speaking in plain data.

Writes go through the event store (`orgchart.adapters.store`, which imports the
`eventsourcing` library); reads go to the query tables and import it only
when the tables are behind the log.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from orgchart.adapters.readmodel import queries, tables
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import EmptyStore, FileError, OrgchartError, UnknownEvent, UnknownUnit
from orgchart.domain.hints import did_you_mean

if TYPE_CHECKING:  # the domain's classes are imported where they are used: `at` needs none
    import sqlite_utils

    from orgchart.adapters.eventfile.parse import ParsedFile
    from orgchart.adapters.readmodel.connection import QueryDB
    from orgchart.adapters.readmodel.state import StoredState
    from orgchart.adapters.store import EventStore, StoredHistory
    from orgchart.domain.facts import Fact
    from orgchart.domain.knowledge import Breach
    from orgchart.domain.rules import Timeline

MAX_ATTEMPTS = 20


@dataclass
class LoadReport:
    path: str
    added: int


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class OrgChartService:
    """Commands and queries on one store (a SQLite path or a PostgreSQL URL)."""

    def __init__(self, db: str | None = None) -> None:
        from orgchart.adapters.dbconfig import resolve_db  # light: no library import

        self.db = resolve_db(db)
        self._store: EventStore | None = None

    # -- plumbing ----------------------------------------------------------

    @property
    def postgres(self) -> bool:
        return self.db.startswith(("postgresql://", "postgres://"))

    def store(self) -> EventStore:
        if self._store is None:
            from orgchart.adapters.store import EventStore

            self._store = EventStore(self.db)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def cache_path(self) -> str:
        """Where the query tables live: in the SQLite store, or a local cache for PostgreSQL."""
        if not self.postgres:
            return self.db
        import hashlib

        base = os.environ.get("ORGCHART_CACHE") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "orgchart")
        os.makedirs(base, exist_ok=True)
        digest = hashlib.sha256(self.db.encode()).hexdigest()[:16]
        return os.path.join(base, f"readmodel-{digest}.db")

    @contextmanager
    def query_db(self) -> Iterator[QueryDB]:
        """The query tables (a light read-only connection), caught up with the log first."""
        from orgchart.adapters.readmodel.connection import ReadDB

        if not self.postgres and not os.path.exists(self.db):
            raise EmptyStore(self._empty_message())
        db = ReadDB(self.cache_path())
        try:
            if tables.position(db) != self._log_position(db):
                writer = tables.open_db(self.cache_path())
                try:
                    self.catch_up(writer)
                finally:
                    writer.close()
            if tables.position(db) <= 0:
                raise EmptyStore(self._empty_message())
            yield db
        finally:
            db.close()

    def _log_position(self, db: QueryDB) -> int:
        from orgchart.adapters.logversion import log_version

        return log_version(self.db, lambda: self.store().app.recorder)

    def _empty_message(self) -> str:
        from orgchart.adapters.dbconfig import safe_db_label

        return (f"the store {safe_db_label(self.db)} holds no events yet: "
                f"load some with `orgchart load FILE.yaml`")

    def refresh(self, db: sqlite_utils.Database | None = None,
                history: StoredHistory | None = None, force: bool = False) -> None:
        """Rebuild the query tables from the whole log (unless they are already as new)."""
        from orgchart.adapters.gcpause import paused_gc

        with paused_gc():
            self._refresh(db, history, force)

    def _refresh(self, db: sqlite_utils.Database | None, history: StoredHistory | None,
                 force: bool) -> None:
        from orgchart.domain.knowledge import known_at
        from orgchart.domain.rules import replay

        h = history or self.store().read()
        own = db is None
        db = db or tables.open_db(self.cache_path())
        try:
            tl = replay(known_at(h.facts, None))
            tables.write_all(db, h.facts, tl, h.people, h.sources, h.title, h.version, force)
        finally:
            if own:
                db.close()

    def catch_up(self, db: sqlite_utils.Database) -> None:
        """Bring the query tables up to the log: apply only the entries they lack."""
        from orgchart.adapters.readmodel.incremental import apply_events

        store = self.store()
        for _ in range(MAX_ATTEMPTS):
            have = tables.position(db)
            if have <= 0:
                self.refresh(db)
                return
            tail = store.read(gt=have)
            if tail.version == 0:
                if store.version() < have:  # the log lost entries: rebuild from what is there
                    self.refresh(db, force=True)
                return
            if apply_events(db, have, tail.facts, tail.people, tail.sources, tail.title,
                            tail.version):
                return
        raise OrgchartError("the query tables could not catch up with the log; try again")

    # -- commands ----------------------------------------------------------

    def load(self, paths: Sequence[str], now: datetime | None = None,
             on_file: Callable[[LoadReport], None] | None = None,
             on_progress: ProgressFn | None = None) -> list[LoadReport]:
        """Validate and append each file (atomic per file, idempotent).

        `on_progress(path, phase, done, events)` is told when each phase
        (read, validate, append, index) of a file's load is done.
        """
        from orgchart.adapters.gcpause import paused_gc

        now = now or utcnow()
        reports = []
        with paused_gc():
            for path in paths:
                reports.append(self._load_one(path, now, on_progress))
                if on_file:
                    on_file(reports[-1])
        return reports

    def _load_one(self, path: str, now: datetime, on_progress: ProgressFn | None) -> LoadReport:
        """Validate and append one file."""
        from orgchart.adapters.eventfile.parse import (
            check_references,
            parse_file,
            reference_additions,
            references_used,
        )
        from orgchart.adapters.store import first_fact_position
        from orgchart.domain.knowledge import check_states

        tell = _progress_for(path, on_progress)
        tell("read", 0, 0)
        pf = parse_file(path, now)
        tell("read", 1, len(pf.facts))

        def prepare(state: StoredState, pf: ParsedFile = pf,
                    tell: Callable[[str, int, int], None] = tell) -> _Append:
            people_used, sources_used = references_used(pf)
            people_known = state.reference_ids("people", people_used)
            sources_known = state.reference_ids("sources", sources_used)
            if people_known != people_used or sources_known != sources_used:
                # an error follows: read every id, to suggest the nearest
                people_known = state.reference_ids("people")
                sources_known = state.reference_ids("sources")
            check_references(pf, people_known, sources_known)
            people = reference_additions(pf, "people",
                                         state.reference("people", list(pf.people)))
            sources = reference_additions(pf, "sources",
                                          state.reference("sources", list(pf.sources)))
            title = pf.title if pf.title != state.title() else None
            first = first_fact_position(state.version, len(people) + len(sources)
                                        + (title is not None))
            new = _new_facts(pf, state, first)
            timeline = None
            if state.version == 0:  # an empty store: check every state, keep the latest
                breach, timeline = check_states(new)
            else:
                breach = check_new(state, new)
            if breach is not None:
                raise _explain(pf, breach)
            tell("validate", 2, len(pf.facts))
            return _Append(new, people, sources, title, timeline)

        report = LoadReport(path, self._append(prepare, tell))
        tell("index", 4, len(pf.facts))
        return report

    def retract(self, event_id: str, reason: str, now: datetime | None = None) -> str:
        """Append a retraction of `event_id`; return the retraction's id."""
        from orgchart.domain.facts import Retract, derive_id, with_seq

        now = now or utcnow()
        if not reason.strip():
            raise OrgchartError("a retraction needs a --reason")
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        draft = Retract(id="", date=None, recorded=stamp, event=event_id, reason=reason)
        fact = replace(draft, id=derive_id(draft))

        def prepare(state: StoredState) -> _Append:
            if state.fact(event_id) is None:
                raise UnknownEvent(f"unknown event '{event_id}'"
                                   f"{did_you_mean(event_id, state.ids_like(event_id))}")
            new: list[Fact] = [with_seq(fact, state.version + 1)]
            breach = check_new(state, new)
            if breach is not None:
                where = f" (in the history as known on {breach.state})" if breach.state else ""
                broken = (f"it would break event '{breach.broken.id}' {breach.broken.label()}: "
                          if breach.broken else "")
                raise OrgchartError(f"cannot retract '{event_id}': {broken}{breach.rule}{where}")
            return _Append(new, {}, {}, None)

        self._append(prepare)
        return fact.id

    def _append(self, prepare: Callable[[StoredState], _Append],
                tell: Callable[[str, int, int], None] | None = None) -> int:
        """Catch up, validate against the tables, append at their position; on a conflict
        (another writer was first), do it all again."""
        from orgchart.adapters.readmodel.state import StoredState
        from orgchart.adapters.store import Conflict

        store = self.store()
        db = tables.open_db(self.cache_path())
        try:
            for _ in range(MAX_ATTEMPTS):
                self.catch_up(db)
                state = StoredState(db)
                plan = prepare(state)
                if not (plan.facts or plan.people or plan.sources or plan.title is not None):
                    return 0
                try:
                    version = store.append_at(state.version, plan.facts, plan.people,
                                              plan.sources, plan.title)
                except Conflict:
                    continue
                if tell is not None:
                    tell("append", 3, len(plan.facts))
                if plan.timeline is not None:  # validated from nothing: write it as it is
                    tables.write_all(db, plan.facts, plan.timeline, plan.people, plan.sources,
                                     plan.title, version)
                self.catch_up(db)
                return len(plan.facts)
        finally:
            db.close()
        raise OrgchartError("the store is too busy: other writers kept appending; try again")

    # -- queries -------------------------------------------------------------

    @contextmanager
    def _view(self, known: EffDate | None) -> Iterator[QueryDB]:
        """The query tables, seen as the history was known on `known` (default: now)."""
        with self.query_db() as db:
            if known is None:
                yield db
                return
            from orgchart.adapters.readmodel import knownat

            state = knownat.departure(db, known.day)
            if state is None:
                yield db
                return
            writer = tables.open_db(self.cache_path())
            try:
                knownat.ensure_overlay(writer, state)
            finally:
                writer.close()
            view = knownat.open_view(self.cache_path(), state)
            try:
                yield view
            finally:
                view.close()

    def at(self, day: EffDate, known: EffDate | None = None, root: str | None = None,
           depth: int | None = None) -> dict[str, Any]:
        """The chart on `day` (SPEC §3 `at --format json`)."""
        with self._view(known) as db:
            return _chart(db, day, known, root, depth)

    def log(self, start: EffDate | None = None, end: EffDate | None = None,
            unit: str | None = None) -> list[dict[str, Any]]:
        with self.query_db() as db:
            if unit is not None and not queries.unit_exists(db, unit):
                raise UnknownUnit(queries.unit_absence(db, unit, date.today()))
            return list(queries.log_rows(db, start.day if start else None,
                                         end.day if end else None, unit))

    def export(self) -> dict[str, Any]:
        """Every recorded event as an `orgchart/v1` document that loads back the same."""
        from orgchart.adapters.eventfile.export import document

        with self.query_db() as db:
            facts = tables.facts_from_tables(db)
            people = tables.reference_rows(db, "people")
            sources = tables.reference_rows(db, "sources")
            return document(facts, people, sources, tables.meta(db, "title"))

    def verify(self) -> str:
        """Check the log (order, hash chain) and that the query tables equal a fresh replay."""
        from orgchart.domain.knowledge import known_at
        from orgchart.domain.rules import replay

        h = self.store().audit()
        if h.version == 0:
            raise EmptyStore(self._empty_message())
        try:
            replay(known_at(h.facts, None))
        except OrgchartError as e:
            raise OrgchartError(f"the log does not replay: {e}") from None
        import sqlite_utils

        scratch = sqlite_utils.Database(memory=True)
        self.refresh(scratch, h)
        live = tables.open_db(self.cache_path())
        if tables.position(live) < h.version:  # behind (e.g. a writer was killed): catch up
            self.refresh(live, h)
        try:
            if tables.position(live) > h.version:
                raise OrgchartError(f"the log is broken after log entry {h.version}: the query "
                                    f"tables were built from {tables.position(live)} entries "
                                    f"(entries were removed from the end)")
            mine, fresh = tables.dump(live), tables.dump(scratch)
            if tables.position(live) != h.version or mine != fresh:
                bad = next((t for t in tables.TABLES if mine.get(t) != fresh.get(t)), "meta")
                if os.environ.get("ORGCHART_DEBUG"):
                    print("live", mine.get(bad), "\nreplay", fresh.get(bad))
                raise OrgchartError(f"the query tables do not match a replay of the log "
                                    f"(table {bad} differs; run any query to rebuild them)")
        finally:
            live.close()
        return (f"ok: {len(h.facts)} events in {h.version} log entries; hash chain intact; "
                f"query tables match a replay from scratch")

    def render_data(self, day: EffDate, known: EffDate | None = None, root: str | None = None,
                    depth: int | None = None, since: EffDate | None = None) -> dict[str, Any]:
        """What `render` draws: {"chart": the chart of `at` plus its "sources",
        "delta": None, or with `since` the changes since then
        (`orgchart.presentation.graph.Delta`)}.
        """
        from orgchart.adapters.readmodel import changes, gather

        with self._view(known) as db:  # one view (one connection) for it all
            chart = _chart(db, day, known, root, depth)
            shown = {u["id"] for u in chart["units"]}
            delta: dict[str, Any] | None = None
            if since is not None:
                found = changes.diff(db, since.day, day.day, root, (str(since), str(day)))
                try:
                    before = queries.chart(db, since.day, root, depth)
                except UnknownUnit:  # the root did not exist yet (or any more) on `since`
                    before = []
                removed = {c["unit"] for c in found if c["change"] == "removed"}
                shown |= removed
                delta = {"since": str(since), "reverse": since.day > day.day, "changes": found,
                         "before": before, "links": gather.links_between(db, since.day, day.day),
                         "lives": gather.lives(db, removed)}
            upto = max(day.day, since.day) if since is not None else day.day
            chart["sources"] = gather.chart_sources(db, upto, shown)
        return {"chart": chart, "delta": delta}

    # -- explaining: diff, history, lineage (orgchart.adapters.readmodel.changes / story) --------

    def diff(self, d1: EffDate, d2: EffDate, known: EffDate | None = None,
             root: str | None = None) -> dict[str, Any]:
        """What changed from the chart on `d1` to the chart on `d2` (SPEC §3 `diff` JSON)."""
        from orgchart.adapters.readmodel import changes

        with self._view(known) as db:
            return {"from": str(d1), "to": str(d2), "known_at": str(known) if known else None,
                    "changes": changes.diff(db, d1.day, d2.day, root, (str(d1), str(d2)))}

    def explain_diff(self, d1: EffDate, d2: EffDate, known: EffDate | None = None,
                     root: str | None = None) -> dict[str, Any]:
        """`diff` plus what its text form needs: the changed units on both dates, the
        events (causes, and for added or removed units their leaders' events), names."""
        from orgchart.adapters.readmodel import changes
        from orgchart.adapters.readmodel.explain import context

        with self._view(known) as db:
            found = changes.diff(db, d1.day, d2.day, root, (str(d1), str(d2)))
            units = {c["unit"] for c in found}
            before = {u: x for u, x in queries.units_on(db, d1.day).items() if u in units}
            after = {u: x for u, x in queries.units_on(db, d2.day).items() if u in units}
            related = changes.related_events(db, found, d1.day, d2.day)
            parents = {x["parent"] for x in [*before.values(), *after.values()] if x["parent"]}
            people = {p for c in found if c["change"] == "leader"
                      for p in (c["before"], c["after"]) if p}
            event_ids = {e for c in found for e in c["events"]} | {
                e for ids in related.values() for e in ids}
            diff = {"from": str(d1), "to": str(d2), "known_at": str(known) if known else None,
                    "changes": found}
            return {"diff": diff, "root": root, "before": before, "after": after,
                    "related": related,
                    "context": context(db, event_ids, units | parents, people)}

    @contextmanager
    def _unit_view(self, unit: str, known: EffDate | None) -> Iterator[QueryDB]:
        """`_view(known)`, once `unit` is known there (else a clear UnknownUnit)."""
        from orgchart.adapters.readmodel.story import need_unit

        with self._view(known) as db:
            try:
                need_unit(db, unit)
            except UnknownUnit:
                if known is not None:
                    with self.query_db() as full:
                        if queries.unit_exists(full, unit):
                            raise UnknownUnit(f"unit '{unit}' was not yet recorded "
                                              f"on {known} (--known-at)") from None
                raise
            yield db

    def history(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        """One unit's story in effective order (see orgchart.adapters.readmodel.story)."""
        from orgchart.adapters.readmodel import story

        with self._unit_view(unit, known) as db:
            return _known_first(story.history(db, unit), known)

    def explain_history(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        """`history` plus the names, people and sources its text form shows."""
        from orgchart.adapters.readmodel import story
        from orgchart.adapters.readmodel.explain import context

        with self._unit_view(unit, known) as db:
            h = _known_first(story.history(db, unit), known)
            units = {unit} | {x for e in h["story"] if e["what"] != "renamed"
                              for key in ("from", "into", "before", "after", "parent",
                                          "children_to")
                              for x in _ids(e.get(key))}
            people = {e["person"] for e in h["story"] if "person" in e}
            return {"history": h,
                    "context": context(db, [e["event"] for e in h["story"]], units, people)}

    def lineage(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        """The unit's ancestry and descendants through splits and merges (nodes and edges)."""
        from orgchart.adapters.readmodel import story

        with self._unit_view(unit, known) as db:
            return _known_first(story.lineage(db, unit), known)

    def explain_lineage(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        """`lineage` plus the names and sources its text form shows."""
        from orgchart.adapters.readmodel import story
        from orgchart.adapters.readmodel.explain import context

        with self._unit_view(unit, known) as db:
            g = _known_first(story.lineage(db, unit), known)
            return {"lineage": g, "context": context(db, [e["event"] for e in g["edges"]],
                                                     [n["id"] for n in g["nodes"]])}


ProgressFn = Callable[[str, str, int, int], None]


def _progress_for(path: str, fn: ProgressFn | None) -> Callable[[str, int, int], None]:
    def tell(phase: str, done: int, events: int) -> None:
        if fn is not None:
            fn(path, phase, done, events)

    return tell


@dataclass
class _Append:
    facts: list[Fact]
    people: dict[str, dict[str, str]]
    sources: dict[str, dict[str, str]]
    title: str | None
    timeline: Timeline | None = None  # the whole validated history (into an empty store)


def _new_facts(pf: ParsedFile, state: StoredState, first: int) -> list[Fact]:
    """The file's events not yet recorded, at their append positions from `first` on."""
    from orgchart.domain.facts import with_seq

    new: list[Fact] = []
    stored = state.facts([f.id for f in pf.facts]) if state.version else {}
    for f in pf.facts:
        found = stored.get(f.id)
        if found is None:
            new.append(with_seq(f, first + len(new)))
        elif found.content() != f.content():
            raise pf.event_error(f, f"event id '{f.id}' is already recorded with different "
                                    f"content; history is append-only: retract it and record "
                                    f"the corrected event under a new id")
    return new


def check_new(state: StoredState, new: Sequence[Fact]) -> Breach | None:
    from orgchart.domain.validation import check_new as check

    return check(state, new)


def _explain(pf: ParsedFile, b: Breach) -> FileError:
    where = f" (in the history as known on {b.state})" if b.state else ""
    if b.broken is None:
        return pf.event_error(b.culprit, b.rule + where)
    return pf.event_error(b.culprit, f"makes stored event '{b.broken.id}' {b.broken.label()} "
                                     f"invalid: {b.rule}{where}")


def _chart(db: QueryDB, day: EffDate, known: EffDate | None, root: str | None,
           depth: int | None) -> dict[str, Any]:
    """`at`'s answer from the query tables in `db`."""
    return {"date": str(day), "known_at": str(known) if known else None,
            "units": queries.chart(db, day.day, root, depth), "title": tables.meta(db, "title")}


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
