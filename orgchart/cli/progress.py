"""A progress bar for long loads: on a terminal only, on stderr, with events/s and ETA."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

import click

PHASES = 4  # read, validate, append, index


class LoadProgress:
    """Shows one bar per file whose load takes more than a moment."""

    def __init__(self, enabled: bool = True, min_events: int = 5000) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.min_events = min_events
        self.bar: Any = None
        self.started = 0.0
        self.events = 0

    def __enter__(self) -> LoadProgress:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._close()

    def update(self, path: str, phase: str, done: int, events: int) -> None:
        if not self.enabled:
            return
        if phase == "read" and done == 0:
            self._close()
            self.started = time.monotonic()
            return
        if self.bar is None:
            if events < self.min_events:
                return
            self.events = events
            self.bar = click.progressbar(length=PHASES, label=path, file=sys.stderr,
                                         show_eta=True, item_show_func=self._rate)
            self.bar.__enter__()
        self.phase = phase
        self.bar.update(done - self.bar.pos)
        if done >= PHASES:
            self._close()

    def _rate(self, _: Any) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        pos = self.bar.pos if self.bar is not None else 0
        rate = self.events * pos / PHASES / elapsed
        return f"{getattr(self, 'phase', '')}: {rate:,.0f} events/s"

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
