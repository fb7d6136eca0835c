"""Run snapshots against a store: plan each step, validate it like any load, write or apply.

Every snapshot is read and checked before anything else happens. The steps
are then planned in date order against a scratch copy of the store (a
temporary SQLite file holding the store's export): the chart on each
snapshot's date comes from that copy, and each step's events are loaded into
it, so they are validated exactly like `orgchart load` would validate them.
Only when every step is valid is the combined file written, or — with
`apply` — loaded into the real store as one file (all or nothing).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgchart.application.snapshot.plan import StepPlan, plan_step, units_created
from orgchart.application.snapshot.read import ID_RE, MAX_ID, Columns, SnapshotError, read_snapshot
from orgchart.application.snapshot.render import render
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import EmptyStore, FileError

if TYPE_CHECKING:
    from orgchart.application.service import OrgChartService

SERIES_SUFFIXES = (".csv", ".tsv", ".tab", ".xlsx", ".json")
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{8})(?!\d)")


@dataclass
class ImportResult:
    """The planned file's text, the steps, and with `apply` how many events were appended."""

    text: str
    steps: list[StepPlan] = field(default_factory=list)
    added: int | None = None

    @property
    def events(self) -> int:
        return sum(len(s.events) for s in self.steps)


def series_files(directory: str) -> list[tuple[EffDate, str]]:
    """The snapshot files of a folder, named by date (`2025-01-31.csv`, `2025-01.xlsx`,
    `export-20250131.csv`), in date order."""
    folder = Path(directory)
    if not folder.is_dir():
        raise SnapshotError(f"{directory}: not a folder")
    problems: list[str] = []
    found: list[tuple[EffDate, str]] = []
    for f in sorted(folder.iterdir()):
        if f.name.startswith((".", "~$")) or not f.is_file() \
                or f.suffix.lower() not in SERIES_SUFFIXES:
            continue
        matches = _DATE_IN_NAME.findall(f.stem)
        if not matches:
            problems.append(f"{f}: no date in the file name (name each snapshot by its date, "
                            f"e.g. 2025-01-31.csv)")
            continue
        text = matches[-1]
        if len(text) == 8 and "-" not in text:
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        try:
            found.append((EffDate.parse(text), str(f)))
        except ValueError as e:
            problems.append(f"{f}: {e}")
    by_day: dict[str, str] = {}
    for day, path in found:
        if day.iso in by_day:
            problems.append(f"{path}: another snapshot has the same date ({by_day[day.iso]})")
        by_day.setdefault(day.iso, path)
    if problems:
        raise SnapshotError("\n".join(problems))
    if not found:
        raise SnapshotError(f"{directory}: no snapshot files in the folder (CSV, TSV, XLSX or "
                            f"JSON files named by date, e.g. 2025-01-31.csv)")
    return sorted(found, key=lambda x: x[0].day)


def import_snapshots(svc: OrgChartService, items: Sequence[tuple[EffDate, str]],
                     columns: Columns | None = None, source: str | None = None,
                     apply: bool = False, now: datetime | None = None) -> ImportResult:
    """Plan the events for each (date, snapshot file) in order; with `apply`, append them."""
    from orgchart.adapters.eventfile.dump import dump_document
    from orgchart.application.service import OrgChartService

    snaps = []
    problems = []
    for day, path in sorted(items, key=lambda x: x[0].day):
        try:
            snaps.append((day, read_snapshot(path, columns)))
        except SnapshotError as e:
            problems.append(str(e))
    if problems:
        raise SnapshotError("\n".join(problems))

    try:
        base: dict[str, Any] | None = _clean(svc.export())
    except EmptyStore:
        base = None
    people: dict[str, dict[str, str]] = {k: dict(v) for k, v in (base or {}).get("people",
                                                                                 {}).items()}
    used = units_created((base or {}).get("events", []))
    source_id, sources = _source(source, (base or {}).get("sources", {}),
                                 [p for _, p in items])
    steps: list[StepPlan] = []
    added_people: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="orgchart-import-") as tmp:
        scratch = OrgChartService(os.path.join(tmp, "scratch.db"))
        try:
            if base is not None:
                copy = os.path.join(tmp, "store.json")
                Path(copy).write_text(dump_document(base, "json"), encoding="utf-8")
                scratch.load([copy], now=now)
            for i, (day, snap) in enumerate(snaps, start=1):
                try:
                    chart = scratch.at(day)["units"]
                except EmptyStore:
                    chart = []
                step = plan_step(snap, chart, str(day), people, used, source_id)
                path = os.path.join(tmp, f"step-{i}.yaml")
                Path(path).write_text(render([step], step.people, sources), encoding="utf-8")
                try:
                    scratch.load([path], now=now)
                except FileError as e:
                    raise SnapshotError(_unplace(str(e), path, f"{snap.path}: the events planned "
                                                               f"for {day} cannot be recorded")
                                        ) from None
                for pid, entry in step.people.items():
                    people.setdefault(pid, {}).update(entry)
                    added_people.setdefault(pid, {}).update(entry)
                used |= step.created_units()
                steps.append(step)
        finally:
            scratch.close()

    names = ", ".join(Path(p).name for _, p in items)
    header = [f"Events planned by `orgchart import-snapshot` from {names}.",
              "Review them before loading (`orgchart load FILE`): splits and merges are "
              "proposals, marked with the evidence for them."]
    text = render(steps, added_people, sources, header)
    result = ImportResult(text=text, steps=steps)
    if apply:
        with tempfile.TemporaryDirectory(prefix="orgchart-import-") as tmp:
            path = os.path.join(tmp, "import-snapshot.yaml")
            Path(path).write_text(text, encoding="utf-8")
            try:
                [report] = svc.load([path], now=now)
            except FileError as e:
                raise SnapshotError(_unplace(str(e), path, "the planned events cannot be "
                                                           "recorded")) from None
        result.added = report.added
    return result


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    """The export with people and sources as a file gives them (no `id` inside an entry)."""
    for section in ("people", "sources"):
        if section in doc:
            doc[section] = {k: {f: v for f, v in e.items() if f != "id"}
                            for k, e in doc[section].items()}
    return doc


def _source(text: str | None, known: Mapping[str, Mapping[str, Any]],
            paths: Sequence[str]) -> tuple[str | None, dict[str, dict[str, str]]]:
    """`--source`: a recorded source id, a new id, or a title for a new source."""
    if text is None or not text.strip():
        return None, {}
    t = text.strip()
    if t in known:
        return t, {}
    files = ", ".join(Path(p).name for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
    if ID_RE.match(t) and len(t) <= MAX_ID:
        return t, {t: {"title": f"HR snapshot{'s' if len(paths) > 1 else ''} {files}"}}
    slug = re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")[:48].strip("-")
    digest = hashlib.sha256(t.encode("utf-8")).hexdigest()[:8]
    sid = slug if slug and slug.isascii() else f"src-{digest}"
    if sid in known and known[sid].get("title") != t:
        sid = f"{sid}-{digest}"
    if sid in known:
        return sid, {}
    return sid, {sid: {"title": t}}


def _unplace(message: str, path: str, what: str) -> str:
    """A load error about a scratch file, told about the snapshot instead."""
    rest = message
    if message.startswith(path):
        rest = re.sub(r"^:\d+:\s*", "", message[len(path):])
    return f"{what}: {rest}"
