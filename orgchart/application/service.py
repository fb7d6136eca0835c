"""The application's one entry point: `OrgChartService`, one method per command.

A thin facade over the rooms that do the work, so that the CLI (and a script)
calls one method per command: `storage` (the store and its query tables, kept
caught up), `commands` (load, retract, the append loop), `queries` (at, diff,
log, history, lineage, export, what `render` draws), `history_page` (the steps
of the `timeline` page) and `audit` (verify).
Everything it returns is plain data; nothing here formats it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from orgchart.application import queries
from orgchart.application.storage import Storage
from orgchart.domain.dates import EffDate

if TYPE_CHECKING:
    import sqlite_utils

    from orgchart.adapters.readmodel.connection import QueryDB
    from orgchart.adapters.store import EventStore, StoredHistory
    from orgchart.application import commands
    from orgchart.application.commands import LoadReport, ProgressFn
    from orgchart.application.history_page import PageData
    from orgchart.application.scenario import FileCheck

__all__ = ["LoadReport", "OrgChartService"]


def __getattr__(name: str) -> object:
    # the commands are imported when one runs: a query (`orgchart at`) never needs them
    if name == "LoadReport":
        from orgchart.application.commands import LoadReport

        return LoadReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class OrgChartService:
    """Commands and queries on one store (a SQLite path or a PostgreSQL URL)."""

    def __init__(self, db: str | None = None, with_files: Sequence[str] = ()) -> None:
        """`with_files`: answer every query as if these event files were loaded after the
        store's events (a what-if scenario; nothing is stored)."""
        if with_files:
            from orgchart.application.scenario import ScenarioStorage

            self.storage: Storage = ScenarioStorage(db, with_files)
        else:
            self.storage = Storage(db)

    @property
    def db(self) -> str:
        return self.storage.db

    # -- the store and its query tables ---------------------------------------------------

    def store(self) -> EventStore:
        return self.storage.store()

    def close(self) -> None:
        self.storage.close()

    def cache_path(self) -> str:
        return self.storage.cache_path()

    def query_db(self) -> AbstractContextManager[QueryDB]:
        """The query tables, caught up with the log (a context manager)."""
        return self.storage.query_db()

    @contextmanager
    def view(self, known: EffDate | None) -> Iterator[QueryDB]:
        """The query tables as the history was known on `known` (default: now)."""
        with self.storage.view(known) as db:
            yield db

    def refresh(self, db: sqlite_utils.Database | None = None,
                history: StoredHistory | None = None, force: bool = False) -> None:
        self.storage.refresh(db, history, force)

    def catch_up(self, db: sqlite_utils.Database) -> None:
        self.storage.catch_up(db)

    # -- commands -----------------------------------------------------------------------

    def load(self, paths: Sequence[str], now: datetime | None = None,
             on_file: Callable[[LoadReport], None] | None = None,
             on_progress: ProgressFn | None = None) -> list[LoadReport]:
        from orgchart.application import commands

        return commands.load(self.storage, paths, now, on_file, on_progress)

    def check_load(self, paths: Sequence[str],
                   now: datetime | None = None) -> list[FileCheck]:
        """`load --check`: what loading `paths` would change; nothing is written."""
        from orgchart.application.scenario import check_load

        return check_load(self.storage.db, paths, now)

    def scenario_since(self, day: EffDate) -> EffDate | None:
        """With `--with` files: the day before the earliest date they change, when it is
        before `day` (what `render --with` highlights changes since); else None."""
        from orgchart.application.scenario import ScenarioStorage
        from orgchart.domain.dates import parse_day

        if not isinstance(self.storage, ScenarioStorage):
            return None
        start = self.storage.impact_start()
        if start is None or start > day.day:
            return None
        return parse_day((start - timedelta(days=1)).isoformat())

    def add(self, doc: dict[str, Any], label: str,
            now: datetime | None = None) -> commands.Added:
        """Append the one event of `doc` (an event file's mapping), checked as `load` does."""
        from orgchart.application import commands

        return commands.add(self.storage, doc, label, now)

    def retract(self, event_id: str, reason: str, now: datetime | None = None) -> str:
        from orgchart.application import commands

        return commands.retract(self.storage, event_id, reason, now)

    def verify(self, expect: str | None = None) -> str:
        from orgchart.application.audit import verify

        return verify(self.storage, expect)

    def rebuild(self) -> int:
        return self.storage.rebuild()

    # -- queries ------------------------------------------------------------------------

    def at(self, day: EffDate, known: EffDate | None = None, root: str | None = None,
           depth: int | None = None) -> queries.Chart:
        return queries.at(self.storage, day, known, root, depth)

    def at_tree(self, day: EffDate, known: EffDate | None = None, root: str | None = None,
                depth: int | None = None) -> queries.Chart:
        return queries.at_tree(self.storage, day, known, root, depth)

    def horizon(self) -> str | None:
        return queries.horizon(self.storage)

    def beyond_horizon(self, *days: EffDate) -> str | None:
        return queries.beyond_horizon(self.storage, *days)

    def log(self, start: EffDate | None = None, end: EffDate | None = None,
            unit: str | None = None) -> list[dict[str, Any]]:
        return queries.log(self.storage, start, end, unit)

    def export(self) -> dict[str, Any]:
        return queries.export(self.storage)

    def render_data(self, day: EffDate, known: EffDate | None = None, root: str | None = None,
                    depth: int | None = None,
                    since: EffDate | None = None) -> queries.RenderData:
        return queries.render_data(self.storage, day, known, root, depth, since)

    def diff(self, d1: EffDate, d2: EffDate, known: EffDate | None = None,
             root: str | None = None) -> dict[str, Any]:
        return queries.diff(self.storage, d1, d2, known, root)

    def explain_diff(self, d1: EffDate, d2: EffDate, known: EffDate | None = None,
                     root: str | None = None) -> dict[str, Any]:
        return queries.explain_diff(self.storage, d1, d2, known, root)

    def history(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        return queries.history(self.storage, unit, known)

    def explain_history(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        return queries.explain_history(self.storage, unit, known)

    def lineage(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        return queries.lineage(self.storage, unit, known)

    def history_page(self, start: EffDate | None = None, end: EffDate | None = None,
                     root: str | None = None,
                     known: EffDate | None = None) -> AbstractContextManager[PageData]:
        """The `timeline` page's data; its steps are read while it is open."""
        from orgchart.application.history_page import history_page

        return history_page(self.storage, start, end, root, known)

    def explain_lineage(self, unit: str, known: EffDate | None = None) -> dict[str, Any]:
        return queries.explain_lineage(self.storage, unit, known)
