"""What-if scenarios (`--with FILE`) and dry runs (`load --check`): the history as if some
files were loaded, answered without storing anything.

The query tables are copied into memory (`Storage.scratch_copy`) and each file is
validated and applied to the copy through the same path `load` takes
(`commands.apply_file`: the rules of `orgchart.domain.validation`, the table writes
of `orgchart.adapters.readmodel.incremental`). `ScenarioStorage` hands that copy to
every query as its view, so each command answers on it unchanged; the event store
and its query tables are never written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from orgchart.application.storage import Storage
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import EmptyStore, OrgchartError

if TYPE_CHECKING:
    import sqlite_utils

    from orgchart.adapters.readmodel.connection import QueryDB
    from orgchart.domain.facts import Fact


@dataclass
class Applied:
    """One scenario file: its path and the new events it adds."""

    path: str
    facts: list[Fact]


class ScenarioStorage(Storage):
    """A store seen as if `paths` were loaded after it (in order, each as `load` would)."""

    def __init__(self, db: str | None, paths: Sequence[str],
                 now: datetime | None = None) -> None:
        super().__init__(db)
        self.paths = list(paths)
        self.now = now
        self.applied: list[Applied] = []
        self._scratch: sqlite_utils.Database | None = None
        self._stack = ExitStack()

    def scenario(self) -> sqlite_utils.Database:
        """The scratch copy with every file applied (built on first use)."""
        if self._scratch is None:
            self._scratch = self._stack.enter_context(self.scratch_copy())
            for path in self.paths:
                self._apply(path)
        return self._scratch

    def add(self, path: str) -> Applied:
        """Apply one more file to the scenario."""
        self.scenario()
        self.paths.append(path)
        return self._apply(path)

    def _apply(self, path: str) -> Applied:
        from orgchart.application.commands import apply_file, utcnow

        assert self._scratch is not None
        self.now = self.now or utcnow()
        self.applied.append(Applied(path, apply_file(self._scratch, path, self.now)))
        return self.applied[-1]

    def impact_start(self) -> date | None:
        """The earliest effective date the scenario's files change (None: none)."""
        self.scenario()
        days = self.touched_days([f for a in self.applied for f in a.facts])
        return days[0] if days else None

    def touched_days(self, facts: Sequence[Fact]) -> list[date]:
        """The distinct effective dates `facts` change, in order (a retraction changes its
        event's date; an annotation none)."""
        from orgchart.adapters.readmodel.state import StoredState
        from orgchart.domain.facts import Retract

        state = StoredState(self.scenario())
        days: set[date] = set()
        for f in facts:
            if f.DATED:
                days.add(f.day)
                continue
            if not isinstance(f, Retract):
                continue
            found = state.fact(f.event)
            if found is not None and found[0].date is not None:
                days.add(found[0].day)
        return sorted(days)

    def close(self) -> None:
        self._stack.close()
        self._scratch = None
        super().close()

    @contextmanager
    def query_db(self) -> Iterator[QueryDB]:
        from orgchart.adapters.readmodel import tables

        db = self.scenario()
        if tables.position(db) <= 0:
            raise EmptyStore(self.empty_message())
        yield db

    def meta(self, key: str) -> str | None:
        """A `meta` value of the scenario's tables (e.g. the horizon a file's covers_to moved)."""
        from orgchart.adapters.readmodel import tables

        db = self.scenario()
        return tables.meta(db, key) if tables.position(db) > 0 else None

    @contextmanager
    def view(self, known: EffDate | None) -> Iterator[QueryDB]:
        if known is not None:
            raise OrgchartError("--with answers on the history as known now (with the "
                                "scenario's events): it cannot be combined with --known-at")
        with self.query_db() as db:
            yield db


@dataclass
class FileCheck:
    """What loading one file would change: its new events and, for each distinct
    effective date they touch, `explain_diff` from the day before to that date."""

    path: str
    new_events: int
    diffs: list[dict[str, Any]]


def check_load(db: str | None, paths: Sequence[str],
               now: datetime | None = None) -> list[FileCheck]:
    """`load --check`: validate each file as `load` would (after the ones before it) and
    say what it would change; nothing is written."""
    from orgchart.application import queries
    from orgchart.domain.dates import parse_day

    storage = ScenarioStorage(db, [], now)
    try:
        checks = []
        for path in paths:
            applied = storage.add(path)
            diffs = []
            for day in storage.touched_days(applied.facts):
                d1 = parse_day((day - timedelta(days=1)).isoformat())
                diffs.append(queries.explain_diff(storage, d1, parse_day(day.isoformat())))
            checks.append(FileCheck(path, len(applied.facts), diffs))
        return checks
    finally:
        storage.close()
