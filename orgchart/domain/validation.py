"""Validating new events against the history recorded so far, without replaying all of it.

New events change the timeline only from their earliest effective date `d0`
on (or, for a retraction, from the retracted event's date; an annotation, or a
retraction of one, changes no timeline). So the replay
starts from the state at the end of the day before `d0` (a `Seed`) and covers
only the counted events effective on or after `d0`: its cost follows the size
of the chart and the number of events in that window, not the length of the
history. Whoever keeps the history so far (the query tables,
`orgchart.adapters.readmodel.state`) supplies it through `HistorySoFar`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from orgchart.domain.errors import RuleViolation
from orgchart.domain.facts import Fact, Retract
from orgchart.domain.knowledge import Breach, blame, check_append, check_retractions_with
from orgchart.domain.rules import Seed, Timeline, replay


class HistorySoFar(Protocol):
    """What validation reads from the history recorded so far (its latest knowledge state)."""

    def fact(self, event_id: str) -> tuple[Fact, str | None] | None:
        """The recorded event with this id, and the id of its retraction if any."""

    def last_recorded_day(self) -> date | None:
        """The latest recorded day of any event (None: no events yet)."""

    def all_facts(self) -> list[Fact]:
        """Every recorded event, in append order."""

    def counted_from(self, d0: date) -> list[Fact]:
        """The events that count now and take effect on or after `d0`, in effective order."""

    def seed(self, d0: date) -> Seed:
        """The state at the end of the day before `d0`."""


@dataclass(frozen=True)
class Window:
    """A replay of the dates some new events change: from `start` on, `facts` gave
    `timeline` (seeded with the state the day before)."""

    start: date
    timeline: Timeline
    facts: list[Fact]


def window_start(history: HistorySoFar, new: Sequence[Fact]) -> date | None:
    """The earliest effective date the new events change (None: they change no timeline)."""
    days = [f.day for f in new if f.DATED]
    new_days = {f.id: f.day for f in new if f.DATED}
    for f in new:
        if not isinstance(f, Retract):
            continue
        if f.event in new_days:
            days.append(new_days[f.event])
            continue
        found = history.fact(f.event)
        if found is not None and found[0].date is not None:
            days.append(found[0].day)
    return min(days) if days else None


def _dropped(new: Sequence[Fact]) -> set[str]:
    """The events the new retractions retract."""
    return {f.event for f in new if isinstance(f, Retract)}


def _stored_from(history: HistorySoFar, d0: date, dropped: set[str]) -> list[Fact]:
    """The stored events that still count, effective on or after `d0`."""
    return [f for f in history.counted_from(d0) if f.id not in dropped]


def replay_window(history: HistorySoFar, new: Sequence[Fact]) -> Window | None:
    """Replay the window the new events change; None when they change no timeline.

    Raises RuleViolation for the first event (stored or new) that breaks a rule.
    """
    d0 = window_start(history, new)
    if d0 is None:
        return None
    dropped = _dropped(new)
    facts = [*_stored_from(history, d0, dropped),
             *(f for f in new if f.DATED and f.id not in dropped)]
    return Window(d0, replay(facts, history.seed(d0)), facts)


def check_new(history: HistorySoFar, new: Sequence[Fact]) -> Breach | None:
    """Would the history stay valid, in every knowledge state, with `new` appended?

    When the new events are recorded no earlier than anything stored (the
    usual case), only the latest knowledge state changes and a window replay
    decides. Otherwise (importing old reporting), every knowledge state from
    the earliest new recorded day on is replayed in full.
    """
    if not new:
        return None
    breach = check_retractions_with(history.fact, new)
    if breach is not None:
        return breach
    last = history.last_recorded_day()
    if last is not None and min(f.recorded_day for f in new) < last:
        return check_append(history.all_facts(), new)
    # the new events may span several recorded days: each is a knowledge state
    days = sorted({f.recorded_day for f in new})
    for k in [None, *reversed(days[:-1])]:
        subset = [f for f in new if k is None or f.recorded_day <= k]
        try:
            replay_window(history, subset)
        except RuleViolation as e:
            d0 = window_start(history, subset)
            dropped = _dropped(subset)
            counted = _stored_from(history, d0, dropped) if d0 else []
            return blame([*counted, *(f for f in subset if f.id not in dropped)], subset, e, k)
    return None
