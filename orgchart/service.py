"""The application service: one function per command, speaking in plain data.

Writes go through the event store (`orgchart.store`, which imports the
`eventsourcing` library); reads go to the query tables and import it only
when the tables are behind the log.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from orgchart.domain.dates import EffDate
from orgchart.domain.facts import Fact, Retract, build_fact, derive_id
from orgchart.domain.knowledge import Breach, check_append, known_at
from orgchart.domain.timeline import replay
from orgchart.errors import EmptyStore, FileError, OrgchartError, UnknownEvent, UnknownUnit
from orgchart.readmodel import queries, tables

if TYPE_CHECKING:
    from orgchart.eventfile.parse import ParsedFile
    from orgchart.store import EventStore, StoredHistory

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
        from orgchart.store import resolve_db  # light: no library import at module level

        self.db = resolve_db(db)
        self._store: EventStore | None = None

    # -- plumbing ----------------------------------------------------------

    @property
    def postgres(self) -> bool:
        return self.db.startswith(("postgresql://", "postgres://"))

    def store(self) -> EventStore:
        if self._store is None:
            from orgchart.store import EventStore

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
    def query_db(self) -> Iterator[sqlite_utils.Database]:
        """The query tables, caught up with the log first."""
        if not self.postgres and not os.path.exists(self.db):
            raise EmptyStore(self._empty_message())
        db = tables.open_db(self.cache_path())
        try:
            have, log = tables.position(db), self._log_position(db)
            if have != log:
                self.refresh(db, force=have > log)
            if tables.position(db) <= 0:
                raise EmptyStore(self._empty_message())
            yield db
        finally:
            db.close()

    def _log_position(self, db: sqlite_utils.Database) -> int:
        if self.postgres:
            return self.store().version()
        # the SQLite store shares the file: ask it directly, without importing the library
        from orgchart.domain.stream import STREAM_ID_TEXT

        try:
            row = db.execute("select max(originator_version) from stored_events "
                             "where originator_id = ?", [STREAM_ID_TEXT]).fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0] or 0)

    def _empty_message(self) -> str:
        from orgchart.store import safe_db_label

        return (f"the store {safe_db_label(self.db)} holds no events yet: "
                f"load some with `orgchart load FILE.yaml`")

    def refresh(self, db: sqlite_utils.Database | None = None,
                history: StoredHistory | None = None, force: bool = False) -> None:
        """Rebuild the query tables from the log (unless they are already as new)."""
        h = history or self.store().read()
        own = db is None
        db = db or tables.open_db(self.cache_path())
        try:
            tl = replay(known_at(h.facts, None))
            tables.write_all(db, h.facts, tl, h.people, h.sources, h.title, h.version, force)
        finally:
            if own:
                db.close()

    # -- commands ----------------------------------------------------------

    def load(self, paths: Sequence[str], now: datetime | None = None,
             on_file: Callable[[LoadReport], None] | None = None) -> list[LoadReport]:
        """Validate and append each file (atomic per file, idempotent)."""
        from orgchart.eventfile.parse import check_references, parse_file, reference_additions

        now = now or utcnow()
        reports = []
        for path in paths:
            pf = parse_file(path, now)

            def prepare(h: StoredHistory, pf: ParsedFile = pf) -> _Append:
                check_references(pf, set(h.people), set(h.sources))
                people = reference_additions(pf, "people", h.people)
                sources = reference_additions(pf, "sources", h.sources)
                new = _new_facts(pf, h)
                breach = check_append(h.facts, new)
                if breach is not None:
                    raise _explain(pf, breach)
                return _Append(new, people, sources, pf.title)

            report = LoadReport(path, self._append(prepare))
            reports.append(report)
            if on_file:
                on_file(report)
        return reports

    def retract(self, event_id: str, reason: str, now: datetime | None = None) -> str:
        """Append a retraction of `event_id`; return the retraction's id."""
        now = now or utcnow()
        if not reason.strip():
            raise OrgchartError("a retraction needs a --reason")
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        draft = Retract(id="", date=None, recorded=stamp, event=event_id, reason=reason)
        fact = replace(draft, id=derive_id(draft))

        def prepare(h: StoredHistory) -> _Append:
            ids = [f.id for f in h.facts]
            if event_id not in ids:
                raise UnknownEvent(f"unknown event '{event_id}'{_hint(event_id, ids)}")
            new = [replace(fact, seq=h.version + 1)]
            breach = check_append(h.facts, new)
            if breach is not None:
                where = f" (in the history as known on {breach.state})" if breach.state else ""
                broken = (f"it would break event '{breach.broken.id}' {breach.broken.label()}: "
                          if breach.broken else "")
                raise OrgchartError(f"cannot retract '{event_id}': {broken}{breach.rule}{where}")
            return _Append(new, {}, {}, None)

        self._append(prepare)
        return fact.id

    def _append(self, prepare: Callable[[StoredHistory], _Append]) -> int:
        """Read, validate, append at the read version; on a conflict, do it all again."""
        from orgchart.store import Conflict

        store = self.store()
        for _ in range(MAX_ATTEMPTS):
            h = store.read()
            plan = prepare(h)
            if not (plan.facts or plan.people or plan.sources
                    or (plan.title is not None and plan.title != h.title)):
                self.refresh(history=h)
                return 0
            try:
                store.append(h, plan.facts, plan.people, plan.sources, plan.title)
            except Conflict:
                continue
            self.refresh()
            return len(plan.facts)
        raise OrgchartError("the store is too busy: other writers kept appending; try again")

    # -- queries -------------------------------------------------------------

    @contextmanager
    def _view(self, known: EffDate | None) -> Iterator[sqlite_utils.Database]:
        """The query tables, or for `--known-at` a scratch copy built for that state."""
        with self.query_db() as db:
            if known is None:
                yield db
                return
            facts = facts_from_tables(db)
            state = known_at(facts, known.day)
            scratch = sqlite_utils.Database(memory=True)
            people = {r["id"]: r for r in db.table(tables.P + "people").rows}
            sources = {r["id"]: r for r in db.table(tables.P + "sources").rows}
            tables.write_all(scratch, [f for f in facts if f.recorded_day <= known.day],
                             replay(state), people, sources, tables.meta(db, "title"),
                             tables.position(db))
            try:
                yield scratch
            finally:
                scratch.close()

    def at(self, day: EffDate, known: EffDate | None = None, root: str | None = None,
           depth: int | None = None) -> dict[str, Any]:
        """The chart on `day` (SPEC §3 `at --format json`)."""
        with self._view(known) as db:
            units = queries.chart(db, day.day, root, depth)
            return {"date": str(day), "known_at": str(known) if known else None,
                    "units": units, "title": tables.meta(db, "title")}

    def log(self, start: EffDate | None = None, end: EffDate | None = None,
            unit: str | None = None) -> list[dict[str, Any]]:
        with self.query_db() as db:
            if unit is not None and not queries.unit_exists(db, unit):
                raise UnknownUnit(queries.unit_absence(db, unit, date.today()))
            return list(queries.log_rows(db, start.day if start else None,
                                         end.day if end else None, unit))

    def export(self) -> dict[str, Any]:
        """Every recorded event as an `orgchart/v1` document that loads back the same."""
        from orgchart.eventfile.export import document

        with self.query_db() as db:
            facts = facts_from_tables(db)
            people = {r["id"]: {k: v for k, v in r.items() if k != "id" and v is not None}
                      for r in db.table(tables.P + "people").rows}
            sources = {r["id"]: {k: v for k, v in r.items() if k != "id" and v is not None}
                       for r in db.table(tables.P + "sources").rows}
            return document(facts, people, sources, tables.meta(db, "title"))

    def verify(self) -> str:
        """Check the log (order, hash chain) and that the query tables equal a fresh replay."""
        h = self.store().audit()
        if h.version == 0:
            raise EmptyStore(self._empty_message())
        try:
            replay(known_at(h.facts, None))
        except OrgchartError as e:
            raise OrgchartError(f"the log does not replay: {e}") from None
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
            if tables.position(live) != h.version or tables.dump(live) != tables.dump(scratch):
                raise OrgchartError("the query tables do not match a replay of the log "
                                    "(run any query to rebuild them)")
        finally:
            live.close()
        return (f"ok: {len(h.facts)} events in {h.version} log entries; hash chain intact; "
                f"query tables match a replay from scratch")

    def render_data(self, day: EffDate, known: EffDate | None = None, root: str | None = None,
                    depth: int | None = None, since: EffDate | None = None) -> dict[str, Any]:
        """What `render` draws: {"chart": the chart of `at` plus its "sources",
        "delta": None, or with `since` the changes since then (`orgchart.render.graph.Delta`)}.
        """
        from orgchart.render import gather

        chart = self.at(day, known, root, depth)
        delta: dict[str, Any] | None = None
        if since is not None:
            changes = self.diff(since, day, known, root)["changes"]
            try:
                before = self.at(since, known, root, depth)["units"]
            except UnknownUnit:  # the root did not exist yet (or any more) on `since`
                before = []
            removed = {c["unit"] for c in changes if c["change"] == "removed"}
            delta = {"since": str(since), "reverse": since.day > day.day, "changes": changes,
                     "before": before, "links": [], "lives": {}}
        with self._view(known) as db:
            shown = {u["id"] for u in chart["units"]}
            if delta is not None and since is not None:
                shown |= removed
                delta["links"] = gather.links_between(db, since.day, day.day)
                delta["lives"] = gather.lives(db, removed)
            upto = max(day.day, since.day) if since is not None else day.day
            chart["sources"] = gather.chart_sources(db, upto, shown)
        return {"chart": chart, "delta": delta}

    # -- explaining: diff, history, lineage (orgchart.readmodel.changes / story) --------

    def diff(self, d1: EffDate, d2: EffDate, known: EffDate | None = None,
             root: str | None = None) -> dict[str, Any]:
        """What changed from the chart on `d1` to the chart on `d2` (SPEC §3 `diff` JSON)."""
        from orgchart.readmodel import changes

        with self._view(known) as db:
            return {"from": str(d1), "to": str(d2), "known_at": str(known) if known else None,
                    "changes": changes.diff(db, d1.day, d2.day, root)}

    def explain_diff(self, d1: EffDate, d2: EffDate, known: EffDate | None = None,
                     root: str | None = None) -> dict[str, Any]:
        """`diff` plus what its text form needs: the changed units on both dates, the
        events (causes, and for added or removed units their leaders' events), names."""
        from orgchart.readmodel import changes
        from orgchart.readmodel.explain import context

        with self._view(known) as db:
            found = changes.diff(db, d1.day, d2.day, root)
            units = {c["unit"] for c in found}
            before = {u: x for u, x in queries.units_on(db, d1.day).items() if u in units}
            after = {u: x for u, x in queries.units_on(db, d2.day).items() if u in units}
            related = {c["unit"]: changes.related_events(db, c, d1.day, d2.day) for c in found
                       if c["change"] in ("added", "removed")}
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

    def history(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        """One unit's story in effective order (see orgchart.readmodel.story)."""
        from orgchart.readmodel import story

        with self._view(known) as db:
            return {**story.history(db, unit), "known_at": str(known) if known else None}

    def explain_history(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        """`history` plus the names, people and sources its text form shows."""
        from orgchart.readmodel import story
        from orgchart.readmodel.explain import context

        with self._view(known) as db:
            h = {**story.history(db, unit), "known_at": str(known) if known else None}
            units = {unit} | {x for e in h["story"] if e["what"] != "renamed"
                              for key in ("from", "into", "before", "after", "parent",
                                          "children_to")
                              for x in _ids(e.get(key))}
            people = {e["person"] for e in h["story"] if "person" in e}
            return {"history": h,
                    "context": context(db, [e["event"] for e in h["story"]], units, people)}

    def lineage(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        """The unit's ancestry and descendants through splits and merges (nodes and edges)."""
        from orgchart.readmodel import story

        with self._view(known) as db:
            return {**story.lineage(db, unit), "known_at": str(known) if known else None}

    def explain_lineage(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        """`lineage` plus the names and sources its text form shows."""
        from orgchart.readmodel import story
        from orgchart.readmodel.explain import context

        with self._view(known) as db:
            g = {**story.lineage(db, unit), "known_at": str(known) if known else None}
            return {"lineage": g, "context": context(db, [e["event"] for e in g["edges"]],
                                                     [n["id"] for n in g["nodes"]])}


@dataclass
class _Append:
    facts: list[Fact]
    people: dict[str, dict[str, str]]
    sources: dict[str, dict[str, str]]
    title: str | None


def _new_facts(pf: ParsedFile, h: StoredHistory) -> list[Fact]:
    """The file's events not yet recorded, with provisional append positions."""
    known = {f.id: f for f in h.facts}
    new: list[Fact] = []
    for f in pf.facts:
        old = known.get(f.id)
        if old is None:
            new.append(replace(f, seq=h.version + 1 + len(new)))
        elif old.content() != f.content():
            raise pf.event_error(f, f"event id '{f.id}' is already recorded with different "
                                    f"content; history is append-only: retract it and record "
                                    f"the corrected event under a new id")
    return new


def _explain(pf: ParsedFile, b: Breach) -> FileError:
    where = f" (in the history as known on {b.state})" if b.state else ""
    if b.broken is None:
        return pf.event_error(b.culprit, b.rule + where)
    return pf.event_error(b.culprit, f"makes stored event '{b.broken.id}' {b.broken.label()} "
                                     f"invalid: {b.rule}{where}")


def facts_from_tables(db: sqlite_utils.Database) -> list[Fact]:
    import json

    out = []
    for row in db.execute(f"select seq, id, type, date, recorded, sources, note, body "
                          f"from {tables.P}events order by seq").fetchall():
        seq, eid, typ, d, recorded, sources, note, body = row
        out.append(build_fact(typ, json.loads(body), id=eid,
                              date=EffDate.parse(d) if d else None, recorded=recorded,
                              sources=tuple(json.loads(sources)), note=note, seq=seq))
    return out


def _hint(word: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _ids(value: Any) -> list[str]:
    """Unit ids in a history entry field: one id, a list of ids, or nothing."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
