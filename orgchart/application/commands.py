"""The commands that write: `load` and `retract`, and the append loop they share.

Each validates its new events against the history as the query tables hold
it (`orgchart.domain.validation`, the tables supplying the state through
`StoredState`), appends them at the tables' log position, and when another
writer was first (a `Conflict`), catches up and does it all again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from orgchart.application.storage import MAX_ATTEMPTS, Storage
from orgchart.domain.dates import parse_day
from orgchart.domain.errors import FileError, OrgchartError, UnknownEvent
from orgchart.domain.hints import did_you_mean

if TYPE_CHECKING:
    import sqlite_utils

    from orgchart.adapters.eventfile.parse import ParsedFile
    from orgchart.adapters.readmodel.state import StoredState
    from orgchart.adapters.readmodel.tables import Intervals
    from orgchart.adapters.scratch import LoadScratch
    from orgchart.domain.facts import Fact
    from orgchart.domain.knowledge import Breach

#: `on_progress(path, phase, done, events)`: a phase (read, validate, append, index) of
#: a file's load is done.
ProgressFn = Callable[[str, str, int, int], None]

#: Recorded fields of people or sources, by id.
References = Mapping[str, Mapping[str, str]]


@dataclass
class LoadReport:
    path: str
    added: int


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Append:
    """What one append writes: new events, people and sources, a new title."""

    facts: Sequence[Fact] | LoadScratch  # a load into an empty store: the events on disk
    people: References
    sources: References
    title: str | None
    timeline: Intervals | None = None  # the whole validated history (into an empty store)
    horizon: str | None = None  # a `covers_to` that reaches further than the stored one

    def empty(self) -> bool:
        return not (self.facts or self.people or self.sources or self.title is not None
                    or self.horizon is not None)


def load(storage: Storage, paths: Sequence[str], now: datetime | None = None,
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
            reports.append(_load_one(storage, path, now, on_progress))
            if on_file:
                on_file(reports[-1])
    return reports


def _load_one(storage: Storage, path: str, now: datetime,
              on_progress: ProgressFn | None) -> LoadReport:
    """Validate and append one file."""
    from orgchart.adapters.eventfile.parse import parse_file

    tell = _progress_for(path, on_progress)
    tell("read", 0, 0)
    pf = parse_file(path, now, scratch=True)  # into an empty store, its events stay on disk
    try:
        tell("read", 1, pf.count)
        report = LoadReport(path, _append_parsed(storage, pf, tell))
        tell("index", 4, pf.count)
    finally:
        if pf.scratch is not None:
            pf.scratch.close()
    return report


@dataclass
class Added:
    """What `add` did: the event's id, and whether it was new."""

    event_id: str
    new: bool


def add(storage: Storage, doc: dict[str, Any], label: str,
        now: datetime | None = None) -> Added:
    """Validate and append the one event of `doc` (the mapping an event file would hold,
    with its people and sources) exactly as `load` would; errors start with `label`."""
    from orgchart.adapters.eventfile.parse import parse_document

    pf = parse_document(doc, label, now or utcnow(), None)
    added = _append_parsed(storage, pf, _progress_for(label, None))
    return Added(pf.facts[-1].id, added > 0)


def _append_parsed(storage: Storage, pf: ParsedFile,
                   tell: Callable[[str, int, int], None]) -> int:
    """Validate and append a parsed file's new events, people, sources and title."""

    def prepare(state: StoredState) -> Append:
        plan = _file_append(pf, state)
        tell("validate", 2, pf.count)
        return plan

    return append(storage, prepare, tell)


def _file_append(pf: ParsedFile, state: StoredState) -> Append:
    """A file's new events, people, sources and title, checked against the history so far."""
    from orgchart.adapters.eventfile.parse import (
        check_references,
        reference_additions,
        references_used,
    )
    from orgchart.adapters.store import first_fact_position
    from orgchart.domain.knowledge import check_states
    from orgchart.domain.validation import check_new

    if state.version:  # appended to a history: the events as values
        pf.as_values()
    people_used, sources_used = references_used(pf)
    people_known = state.reference_ids("people", people_used)
    sources_known = state.reference_ids("sources", sources_used)
    if people_known != people_used or sources_known != sources_used:
        # an error follows: read every id, to suggest the nearest
        people_known = state.reference_ids("people")
        sources_known = state.reference_ids("sources")
    check_references(pf, people_known, sources_known)
    pf.forget_named()  # (read again from the events if this is tried again)
    people = reference_additions(pf, "people", state.reference("people", list(pf.people)))
    sources = reference_additions(pf, "sources", state.reference("sources", list(pf.sources)))
    title = pf.title if pf.title != state.title() else None
    horizon = further(pf.covers_to, state.horizon())
    first = first_fact_position(state.version, len(people) + len(sources)
                                + (title is not None) + (horizon is not None))
    timeline: Intervals | None = None
    new: Sequence[Fact] | LoadScratch
    if pf.scratch is not None:  # an empty store, the events on disk: read pass by pass
        pf.scratch.first = first
        new = pf.scratch
        breach, replayed = check_states(pf.scratch)
        if replayed is not None:  # its intervals are on disk too
            timeline = pf.scratch.timeline(replayed)
    else:
        new = _new_facts(pf, state, first)
        if state.version == 0:  # an empty store: check every state, keep the latest
            breach, timeline = check_states(new)
        else:
            breach = check_new(state, new)
    if breach is not None:
        raise _explain(pf, breach, state, new)
    return Append(new, people, sources, title, timeline, horizon)


def further(covers_to: str | None, horizon: str | None) -> str | None:
    """`covers_to` when it reaches past the stored `horizon` (or there is none), else None:
    the store's horizon is the furthest one loaded."""
    if covers_to is None:
        return None
    if horizon is not None and parse_day(covers_to).day <= parse_day(horizon).day:
        return None
    return covers_to


#: The longest `--reason`, as the event files' schema caps a `reason` (and a `note`).
MAX_REASON = 10_000


def retract(storage: Storage, event_id: str, reason: str, now: datetime | None = None) -> str:
    """Append a retraction of `event_id`; return the retraction's id."""
    from orgchart.domain.facts import Retract, derive_id, with_seq
    from orgchart.domain.validation import check_new

    now = now or utcnow()
    if not reason.strip():
        raise OrgchartError("a retraction needs a --reason")
    if len(reason) > MAX_REASON:
        raise OrgchartError(f"the --reason is too long: {len(reason):,} characters "
                            f"(at most {MAX_REASON:,}, as in event files)")
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    draft = Retract(id="", date=None, recorded=stamp, event=event_id, reason=reason)
    fact = replace(draft, id=derive_id(draft))

    def prepare(state: StoredState) -> Append:
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
        return Append(new, {}, {}, None)

    append(storage, prepare)
    return fact.id


def append(storage: Storage, prepare: Callable[[StoredState], Append],
           tell: Callable[[str, int, int], None] | None = None) -> int:
    """Catch up, validate against the tables (`prepare`), append at their position; on a
    conflict (another writer was first), do it all again. Returns the events appended."""
    from orgchart.adapters.readmodel import tables
    from orgchart.adapters.readmodel.state import StoredState
    from orgchart.adapters.store import Conflict

    store = storage.store(create=True)
    db = storage.open_tables()
    try:
        for _ in range(MAX_ATTEMPTS):
            storage.catch_up(db)
            state = StoredState(db)
            plan = prepare(state)
            if plan.empty():
                return 0
            try:
                version = store.append_at(state.version, plan.facts, plan.people,
                                          plan.sources, plan.title, plan.horizon)
            except Conflict:
                continue
            if tell is not None:
                tell("append", 3, len(plan.facts))
            if plan.timeline is not None:  # validated from nothing: write it as it is
                tables.write_all(db, plan.facts, plan.timeline, plan.people, plan.sources,
                                 plan.title, version, horizon=plan.horizon)
            storage.catch_up(db)
            return len(plan.facts)
    finally:
        db.close()
    raise OrgchartError("the store is too busy: other writers kept appending; try again")


def _progress_for(path: str, fn: ProgressFn | None) -> Callable[[str, int, int], None]:
    def tell(phase: str, done: int, events: int) -> None:
        if fn is not None:
            fn(path, phase, done, events)

    return tell


def _new_facts(pf: ParsedFile, state: StoredState, first: int) -> list[Fact]:
    """The file's events not yet recorded, at their append positions from `first` on."""
    from orgchart.domain.facts import with_seq

    new: list[Fact] = []
    stored = state.facts([f.id for f in pf.facts]) if state.version else {}
    for i, f in enumerate(pf.facts):
        found = stored.get(f.id)
        if found is None:
            # the file's list holds the positioned event too: no second copy of each
            pf.facts[i] = with_seq(f, first + len(new))
            new.append(pf.facts[i])
        elif found.content() != f.content():
            raise pf.event_error(f, f"event id '{f.id}' is already recorded with "
                                    f"{_changed(found, f)}")
    return new


def _changed(stored: Fact, new: Fact) -> str:
    """What differs between a stored event and a file's event of the same id, and the cure:
    an annotation when the file only changes the note or adds sources, else a retraction."""
    import shlex

    added = [s for s in new.sources if s not in stored.sources]
    removed = [s for s in stored.sources if s not in new.sources]
    note = new.note if new.note != stored.note else None
    if stored.identity() != new.identity() or removed or (new.note is None and stored.note):
        return ("different content; history is append-only: retract it and record the "
                "corrected event under a new id")
    what = " and ".join(x for x in ("a different note" if note is not None else "",
                                    "more sources" if added else "") if x)
    command = " ".join(["orgchart add annotate --event", shlex.quote(new.id),
                        *(["--note", shlex.quote(note)] if note is not None else []),
                        *(f"--source {shlex.quote(s)}" for s in added)])
    return (f"{what}; history is append-only: keep the event as recorded and add "
            f"{'the note' if note is not None else 'the sources'}"
            f"{' and sources' if note is not None and added else ''} with an annotation: "
            f"{command}" + (" (or an `annotate` event in this file)" if added else ""))


def _explain(pf: ParsedFile, b: Breach, state: StoredState, new: Iterable[Fact]) -> FileError:
    where = f" (in the history as known on {b.state})" if b.state else ""
    if b.broken is None:
        # (in an earlier knowledge state the unit may not be known yet: no hint then)
        hint = _missing_unit_hint(b, state, new) if b.missing_unit and not b.state else ""
        return pf.event_error(b.culprit, b.rule + hint + where)
    stored = b.broken
    return pf.event_error(
        b.culprit, f"makes stored event '{stored.id}' ({stored.TYPE}, {stored.date}, "
                   f"recorded {stored.recorded_day}) invalid: {b.rule}{where}; a stored "
                   f"event cannot be edited: retract it (orgchart retract {stored.id} "
                   f"--reason …) and record a corrected one, or change the new event")


def _missing_unit_hint(b: Breach, state: StoredState, new: Iterable[Fact]) -> str:
    """Why a unit is not there: it begins later, or a "did you mean" when it is unknown."""
    from orgchart.domain.facts import Establish, Merge, Split
    from orgchart.domain.hints import unit_hint

    unit = b.missing_unit
    assert unit is not None
    life = state.unit_life(unit)
    began = life.began if life is not None else next(
        (f.date for f in new if unit in f.creates()), None)
    if began is not None:
        same_day = b.culprit.date is not None and began.day == b.culprit.date.day
        return f" (it begins on {began}{', after this event' if same_day else ''})"
    ids, names = state.unit_words()
    for f in new:
        if isinstance(f, Establish | Split | Merge):
            parts = [f] if isinstance(f, Establish) else (
                list(f.into) if isinstance(f, Split) else [f.new_unit] if f.new_unit else [])
            for p in parts:
                ids.append(p.unit)
                names += [(n, p.unit) for n in (p.name, p.name_en) if n]
    return unit_hint(unit, ids, names)


# -- applying files to a scratch copy of the tables: `load --check` and `--with` -----------

def apply_file(db: sqlite_utils.Database, path: str, now: datetime) -> list[Fact]:
    """Validate `path` exactly as `load` does against the tables in `db` (a scratch copy,
    `Storage.scratch_copy`) and apply its new events to them; return those events.
    The event store is never opened for writing."""
    from orgchart.adapters.eventfile.parse import parse_file
    from orgchart.adapters.readmodel import tables
    from orgchart.adapters.readmodel.incremental import apply_events
    from orgchart.adapters.readmodel.state import StoredState

    pf = parse_file(path, now)
    state = StoredState(db)
    plan = _file_append(pf, state)
    assert isinstance(plan.facts, list)  # read without a scratch file
    if plan.empty():
        return []
    refs = (len(plan.people) + len(plan.sources) + (plan.title is not None)
            + (plan.horizon is not None))
    version = state.version + (0 if state.version else 1) + refs + len(plan.facts)
    if plan.timeline is not None:  # validated from nothing: write it as it is
        tables.write_all(db, plan.facts, plan.timeline, plan.people, plan.sources,
                         plan.title, version, horizon=plan.horizon)
    elif not apply_events(db, state.version, plan.facts, plan.people, plan.sources,
                          plan.title, version, horizon=plan.horizon):
        raise OrgchartError("the scratch copy of the query tables moved on")  # cannot happen
    return plan.facts
