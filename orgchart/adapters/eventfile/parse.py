"""Read an `orgchart/v1` file (YAML or JSON) into event values, with file:line errors.

Structure is checked with the JSON Schema in `events/`; this module adds what
a schema cannot say (calendar dates, derived ids, duplicates, references) and
turns every problem into one line: `FILE:LINE: event N (type, date): rule`.
Tenures and reshuffles are read as the events they stand for (`expand`), and
a problem with one names its entry: `FILE:LINE: tenure N (type, date): rule`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgchart.adapters.eventfile.brief import shown
from orgchart.adapters.eventfile.expand import (
    Written,
    reshuffle_events,
    tenure_events,
    written_event,
    written_events,
)
from orgchart.adapters.eventfile.schema import error_path, event_types, explain, first_error
from orgchart.adapters.eventfile.yamlio import DocumentError, LineFinder, Path_, load_text
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import FileError
from orgchart.domain.facts import FACT_TYPES, Fact, derive_id, set_id
from orgchart.domain.hints import did_you_mean

if TYPE_CHECKING:
    from orgchart.adapters.scratch import LoadScratch


@dataclass
class ParsedFile:
    """One event file, checked for structure, as event values in append order."""

    path: str
    title: str | None
    #: (a load into an empty store keeps them in its scratch file: `_into_scratch`)
    people: Mapping[str, Mapping[str, str]]
    sources: Mapping[str, Mapping[str, str]]
    facts: list[Fact]
    #: event id -> where it is written: for an entry of `events:` only its index (a load
    #: of a million events keeps no copy of what each entry wrote)
    origins: dict[str, Written | int] = field(default_factory=dict)
    lines: LineFinder | None = field(default_factory=lambda: LineFinder(""))
    covers_to: str | None = None  # how far the file's facts reach (date text)
    #: the events kept on disk instead of in `facts` (`parse_file(..., scratch=True)`)
    scratch: LoadScratch | None = None
    #: the people and the sources the events name (None: dropped, `forget_named`)
    named: tuple[set[str], set[str]] | None = field(default_factory=lambda: (set(), set()))

    @property
    def count(self) -> int:
        """How many events the file writes."""
        return len(self.facts) if self.scratch is None else len(self.scratch)

    def as_values(self) -> None:
        """Hold the events kept on disk as values in `facts` (an append to a history, which
        reads them as values) and close the scratch file."""
        if self.scratch is not None:
            self.facts = list(self.scratch)
            self.people, self.sources = dict(self.people.items()), dict(self.sources.items())
            self.origins = {f.id: i for i, f in enumerate(self.facts)}  # all under `events:`
            self.scratch.close()
            self.scratch = None

    def names(self) -> tuple[set[str], set[str]]:
        """The people and the sources the events name (`named`; read from the events again
        if dropped)."""
        if self.named is None:
            people: set[str] = set()
            sources: set[str] = set()
            for fact in self.events():
                people.update(fact.people_named())
                sources.update(fact.sources)
            self.named = people, sources
        return self.named

    def forget_named(self) -> None:
        """Drop `named` once the references are checked (a file of a million events names
        57,000 people: not held while its events are checked and written)."""
        self.named = None

    def events(self) -> Iterable[Fact]:
        """The file's events in append order: `facts`, or those kept on disk."""
        return self.facts if self.scratch is None else self.scratch

    def where(self, p: Path_) -> str:
        """`FILE:LINE` of a node; only the name when the events come from no file."""
        return self.path if self.lines is None else f"{self.path}:{self.lines.line(p)}"

    def origin(self, event_id: str) -> Written | None:
        """Where the event with this id is written (None: not in this file)."""
        found = self.origins.get(event_id)
        if found is None and self.scratch is not None:
            found = self.scratch.index_of(event_id)
        return written_event(None, found) if isinstance(found, int) else found

    def event_error(self, fact: Fact, rule: str) -> FileError:
        origin = self.origin(fact.id)
        if origin is None:
            return FileError(f"{self.where([])}: event ? {fact.label()}: {rule}")
        return FileError(f"{self.where(origin.at)}: {origin.name} {fact.label()}: {rule}")

    def ref_error(self, section: str, key: str, message: str) -> FileError:
        return FileError(f"{self.where([section, key])}: {message}")


def read_document(path: str) -> tuple[Any, LineFinder]:
    """The file as plain data, and a finder of line numbers for error messages (which
    reads the file again only when an error needs a line: its text is not kept)."""
    text = _read_text(path)
    try:
        data = load_text(text, path.lower().endswith(".json"))
    except DocumentError as e:
        raise FileError(f"{path}:{e.line}: {e}") from None
    del text
    return data, LineFinder(lambda: _read_again(path))


def _read_again(path: str) -> str:
    """The file's text once more, for the line of an error (empty if it is gone: line 1)."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise FileError(f"{path}: cannot read the file ({e})") from None


def parse_file(path: str, now: datetime, scratch: bool = False) -> ParsedFile:
    """Parse and structurally check one event file. `now` is the loading moment (UTC).

    With `scratch`, a file that writes its events under `events:` only (no tenures or
    reshuffles) keeps them on disk (`ParsedFile.scratch`, to be closed by the caller), not
    in `facts`; a JSON file is read event by event (`jsonstream`), never whole. Whatever
    such a reading finds wrong (or cannot read that way), the file is read again whole,
    as without `scratch`, which words the first error exactly as ever.
    """
    if scratch:
        from orgchart.adapters.eventfile.jsonstream import NotStreamable
        from orgchart.adapters.scratch import Duplicate

        if path.lower().endswith(".json"):
            try:
                return _into_scratch(lambda kept: _parse_streamed(path, now, kept))
            except (FileError, Duplicate, NotStreamable, OSError, ValueError,
                    RecursionError):
                pass  # read whole: the error, if any, as it has always been worded
        doc, lines = read_document(path)
        if isinstance(doc, dict) and not doc.keys() & {"tenures", "reshuffle"}:
            try:
                return _into_scratch(lambda kept: parse_document(
                    doc, path, now, lines, consume=True, scratch=kept))
            except Duplicate:
                doc, lines = read_document(path)  # its entries were consumed
        return parse_document(doc, path, now, lines, consume=True)
    doc, lines = read_document(path)
    return parse_document(doc, path, now, lines, consume=True)


def _into_scratch(read: Callable[[LoadScratch], ParsedFile]) -> ParsedFile:
    """`read(kept)` with a new scratch, indexed once read (closed if the reading fails);
    the file's people and sources, checked, are kept there too (57,000 people in a file of
    a million events: not held as values while its events are checked and written)."""
    from orgchart.adapters.scratch import LoadScratch

    kept = LoadScratch()
    try:
        pf = read(kept)
        kept.finish()
        pf.people = kept.keep_references("people", pf.people)
        pf.sources = kept.keep_references("sources", pf.sources)
        return pf
    except BaseException:
        kept.close()
        raise


def _parse_streamed(path: str, now: datetime, kept: LoadScratch) -> ParsedFile:
    """A JSON file read as `parse_document` reads it, its events one at a time into `kept`
    (`jsonstream`): the keys before `events` are read first, the others after them, and
    checked then. NotStreamable when a key the events depend on (`recorded`) or a shorthand
    list (tenures, reshuffles) comes where this reading cannot use it."""
    from orgchart.adapters.eventfile.jsonstream import JsonStream, NotStreamable

    pf = ParsedFile(path, None, {}, {}, [], lines=LineFinder(lambda: _read_again(path)),
                    scratch=kept)
    with JsonStream(path) as stream:
        before = stream.keys_before("events")
        if before.keys() & {"tenures", "reshuffle"}:
            raise NotStreamable()
        recorded = before.get("recorded")
        default_recorded = recorded if isinstance(recorded, str) else _stamp(now)
        _read_events(pf, (written_event(raw, i) for i, raw in stream.items()),
                     default_recorded, now.date(), None)
        after = stream.rest()
    if after.keys() & {"tenures", "reshuffle", "recorded"}:
        raise NotStreamable()
    _, checked_recorded = _read_header(pf, {**before, "events": [], **after}, now)
    if checked_recorded != default_recorded:
        raise NotStreamable()
    return pf


def _stamp(now: datetime) -> str:
    """The recorded time of events that give none in a file that gives none either."""
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_document(doc: Any, path: str, now: datetime, lines: LineFinder | None = None,
                   consume: bool = False, scratch: LoadScratch | None = None) -> ParsedFile:
    """Check a document as a file holds it (plain data), and read its events. Errors start
    with `path` and, given `lines` (the file's text), the line; `parse_file` for a file.
    With `consume`, each entry of `events:` is dropped from `doc` once read (a load of a
    million events then never holds both all the entries and all the events). With
    `scratch` (only for a file without tenures or reshuffles), the events go there, not
    into `facts`, and a repeated id is left to it (`Duplicate`)."""
    pf = ParsedFile(path, None, {}, {}, [], lines=lines, scratch=scratch)
    lists, default_recorded = _read_header(pf, doc, now)

    def entry_fail(p: Path_, name: str, message: str) -> FileError:
        return FileError(f"{pf.where(p)}: {name}: {message}")

    written = chain(written_events(lists["events"]),
                    tenure_events(lists.get("tenures", []), entry_fail),
                    reshuffle_events(lists.get("reshuffle", []), entry_fail))
    _read_events(pf, written, default_recorded, now.date(),
                 lists["events"] if consume else None)
    return pf


def _read_header(pf: ParsedFile, doc: Any, now: datetime) -> tuple[dict[str, Any], str]:
    """Check what a document holds besides its events, into `pf`; return its lists of
    events (`events`, `tenures`, `reshuffle`) and the recorded time of events that give
    none."""

    def fail(p: Path_, message: str) -> FileError:
        return FileError(f"{pf.where(p)}: {message}")

    if not isinstance(doc, dict):
        raise fail([], "an orgchart/v1 file is a mapping with `format` and `events`")
    if doc.get("format") != "orgchart/v1":
        got = doc.get("format")
        raise fail(["format"], "`format: orgchart/v1` is required" if got is None
                   else f"unknown format '{shown(got)}' (expected 'orgchart/v1')")
    # `events` may be left out of a file with tenures or reshuffles
    shorthands = {k: doc[k] for k in ("tenures", "reshuffle") if k in doc}
    lists: dict[str, Any] = {"events": doc.get("events", [] if shorthands else None),
                             **shorthands}
    top = {k: v for k, v in doc.items() if k not in lists}
    err = first_error({**top, "events": []})
    if err is not None:
        raise fail(error_path(err), explain(err))
    for key, value in lists.items():
        if not isinstance(value, list):
            raise fail([key], f"`{key}` must be a list")

    today = now.date()
    default_recorded = doc.get("recorded")
    if default_recorded is not None:
        _check_recorded(default_recorded, today, lambda m: fail(["recorded"], m))
    else:
        default_recorded = _stamp(now)

    pf.title, pf.people, pf.sources = (doc.get("title"), doc.get("people") or {},
                                       doc.get("sources") or {})
    pf.covers_to = doc.get("covers_to")
    if pf.covers_to is not None:
        _calendar(pf.covers_to, lambda m: fail(["covers_to"], m))
    for kind, refs in (("people", pf.people), ("sources", pf.sources)):
        for key, entry in refs.items():
            if entry.get("date") is not None:
                _calendar(entry["date"], lambda m, k=key, s=kind: fail([s, k, "date"], m))
    return lists, default_recorded


def _read_events(pf: ParsedFile, written_events: Iterable[Written], default_recorded: str,
                 today: date, consumed: list[Any] | None) -> None:
    """Check and read the events as written, into `pf` (its `scratch`, else `facts`); each
    entry of `events:` read is dropped from `consumed` if given."""
    people_named, sources_named = pf.names()
    scratch, where = pf.scratch, pf.where
    types = event_types()
    placed: tuple[list[Fact], ...] = ([], [], [])  # by `Written.place`
    for written in written_events:
        raw = written.raw

        def efail(p: Path_, message: str, _written: Written = written) -> FileError:
            return FileError(f"{where(_written.locate(p))}: {_label(_written)}: {message}")

        if not isinstance(raw, dict):
            raise efail([], "an event is a mapping with `type` and `date`")
        t = raw.get("type")
        if t is None:
            raise efail([], "missing field 'type'")
        if t not in types:
            raise efail(["type"], f"unknown event type '{shown(t)}'"
                                  f"{did_you_mean(shown(t), types)}")
        err = first_error(raw, t)
        if err is not None:
            raise efail(error_path(err), explain(err))
        fact = _to_fact(raw, default_recorded, today, efail)
        people_named.update(fact.people_named())
        sources_named.update(fact.sources)
        if scratch is not None:
            scratch.add(fact)
            if consumed is not None and written.index is not None:
                consumed[written.index] = None
            continue
        first = pf.origin(fact.id)
        if first is not None:
            raise efail([], f"duplicates {first.name} (same id '{fact.id}')")
        placed[written.place].append(fact)
        if written.index is None:
            pf.origins[fact.id] = written
        else:
            pf.origins[fact.id] = written.index
            if consumed is not None:
                consumed[written.index] = None
    if scratch is None:
        pf.facts = [fact for facts in placed for fact in facts]


def _label(written: Written) -> str:
    """How an error names an event as written: `event 3 (type, date)`. Made only for an
    error: the events that are right (nearly all) need none."""
    raw = written.raw
    if not isinstance(raw, dict):
        return written.name
    t, d = raw.get("type"), raw.get("date")
    return written.name + (f" ({shown(t)}, {shown(d)})" if d is not None else f" ({shown(t)})")


def _to_fact(raw: dict[str, Any], default_recorded: str, today: date, efail: Any) -> Fact:
    cls = FACT_TYPES[raw["type"]]
    d = _calendar(raw["date"], lambda m: efail(["date"], m)) if "date" in raw else None
    recorded = raw.get("recorded", default_recorded)
    if "recorded" in raw:
        _check_recorded(recorded, today, lambda m: efail(["recorded"], m))
    src = raw.get("source")
    sources = tuple([src] if isinstance(src, str) else src or [])
    problem = cls.file_problem(raw)
    if problem is not None:
        raise efail([], problem)
    given = raw.get("id")
    fact = cls.from_file(raw, id=given or "", date=d, recorded=recorded, sources=sources,
                        note=raw.get("note"))
    if not given:  # derived from the event itself, which no one else holds yet: set in place
        set_id(fact, derive_id(fact))
    return fact


def _calendar(text: str, fail: Any) -> EffDate:
    try:
        return EffDate.parse(text)
    except ValueError as e:
        raise fail(str(e)) from None


def _check_recorded(text: str, today: date, fail: Any) -> None:
    d = _calendar(text, fail)
    if d.day > today:
        raise fail(f"recorded date {text} is in the future")


def references_used(pf: ParsedFile) -> tuple[set[str], set[str]]:
    """The people and sources the file's events name but the file does not define."""
    people, sources = pf.names()
    return people - set(pf.people), sources - set(pf.sources)


def check_references(pf: ParsedFile, people: set[str], sources: set[str]) -> None:
    """Every source and person an event names is defined here or in the store."""
    all_people = people | set(pf.people)
    all_sources = sources | set(pf.sources)
    people_named, sources_named = pf.names()
    if people_named <= all_people and sources_named <= all_sources:
        return
    for fact in pf.events():
        for s in fact.sources:
            if s not in all_sources:
                raise pf.event_error(fact, f"source '{s}' is not defined under `sources`"
                                           f"{did_you_mean(s, sorted(all_sources))}")
        for p in fact.people_named():
            if p not in all_people:
                raise pf.event_error(fact, f"person '{p}' is not defined under `people`"
                                           f"{did_you_mean(p, sorted(all_people))}")


def reference_additions(pf: ParsedFile, section: str, known: Mapping[str, Mapping[str, str]]
                        ) -> Mapping[str, Mapping[str, str]]:
    """The people or sources fields this file adds; an error if it changes a recorded value."""
    entries: Mapping[str, Mapping[str, str]] = getattr(pf, section)
    if not known and all(e and None not in e.values() for _, e in entries.items()):
        return entries  # every entry new as it is (a load into an empty store): no copy
    added: dict[str, Mapping[str, str]] = {}
    for key, entry in entries.items():
        old = known.get(key, {})
        new: dict[str, str] = {}
        for f, v in entry.items():
            if v is None:
                continue
            if f in old and old[f] != v:
                raise pf.ref_error(section, key, f"{section} '{key}': {f} is already recorded "
                                                 f"as '{old[f]}', not '{v}' (recorded values "
                                                 f"cannot change)")
            if f not in old:
                new[f] = v
        if new:
            added[key] = new
    return added
