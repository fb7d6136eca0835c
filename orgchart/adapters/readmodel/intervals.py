"""The time predicates of the query tables, each written once, as SQL fragments.

Valid time: a unit version, a leader tenure or a unit's life holds during
[start, end), from its first day up to (not including) the day it ended; an
open end (null) holds on. A lineage link, or a version that lasted no day, is
an instant: its start is its end.

- **alive on D**: start <= D < end (`alive_on`, `alive_rows`);
- a replay window from day d0 keeps what *ended before* d0, starts from what
  was alive on the day before d0 (`day_before`), and says again what *begins*
  or *ends from* d0 on (`incremental`, `knownat`).

Knowledge time (the Python form is `orgchart.domain.knowledge.counts_at`):

- **known at K** (`counts_at`): an event recorded by the end of day K and not
  retracted by the end of day K (a retraction itself never counts);
- in a connection that sees one knowledge state (the latest, or a
  `--known-at` view, whose `events` show only what was recorded by K and only
  retractions made by K), an event counts when `COUNTS`;
- **in force on D** (`in_force_on`): it counts and takes effect on or before D.

Each fragment takes its days as placeholders or literals (`"?"`, `":day"` or
`"'2026-04-01'"`, views cannot take parameters) and says which it binds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Span:
    """A table's valid-time columns (ISO days): the first day, the day it ended."""

    start: str
    end: str

    def of(self, alias: str) -> Span:
        """The same columns of a table named `alias` in a query."""
        return Span(f"{alias}.{self.start}", f"{alias}.{self.end}")


VERSION = Span("valid_from", "valid_to")
TENURE = Span("start_day", "end_day")
LIFE = Span("began_day", "ended_day")
LINK = Span("day", "day")  # an instant
TRANSIENT = Span("day", "day")  # a version replaced on the day it was made
ALIAS = Span("day", "day")  # an alias given to a unit: an instant (it then holds for good)


def alive_on(span: Span, day: str = "?") -> str:
    """Rows alive on `day` (it binds `day` twice)."""
    return f"{span.start} <= {day} and ({span.end} is null or {span.end} > {day})"


def alive_during(span: Span, day: str = "?") -> str:
    """Rows alive at some point of `day`: begun by it and not ended before it, those that
    end on it included (it binds `day` twice)."""
    return f"{span.start} <= {day} and ({span.end} is null or {span.end} >= {day})"


def alive_rows(select: str, span: Span, day: str = "?", also: str = "") -> str:
    """`select` (up to its FROM clause) of the rows alive on `day`, as two index range scans:
    open rows, and rows ending after the day (binds `day` three times; `also`, a further
    condition ` and ...` of both scans, binds its own after the first and the third).

    The same predicate as `alive_on`, split so that the cost follows the rows alive on
    the day rather than every row that began before it (`+` keeps SQLite from scanning
    the start's index instead).
    """
    return (f"{select} where {span.end} is null and {span.start} <= {day}{also} union all "
            f"{select} where {span.end} > {day} and +{span.start} <= {day}{also}")


def day_before(d0: date) -> str:
    """The ISO day before `d0`, the last day a replay window from `d0` starts from."""
    return (d0 - timedelta(days=1)).isoformat() if d0 > date.min else "0000-12-31"


def began_before(span: Span, d0: str = "?") -> str:
    """Rows that began before `d0` (binds `d0` once)."""
    return f"{span.start} < {d0}"


def began_after(span: Span, day: str = "?") -> str:
    """Rows that began after `day`: not yet there at its end (binds `day` once)."""
    return f"{span.start} > {day}"


def begins_from(span: Span, d0: str = "?") -> str:
    """Rows that begin on `d0` or later (binds `d0` once)."""
    return f"{span.start} >= {d0}"


def ended_before(span: Span, d0: str = "?") -> str:
    """Rows that ended before `d0` (binds `d0` once)."""
    return f"{span.end} < {d0}"


def ends_from(span: Span, d0: str = "?") -> str:
    """Rows that end on `d0` or later (binds `d0` once)."""
    return f"{span.end} >= {d0}"


# -- knowledge time: the `events` table -------------------------------------------------

#: An event that counts in the knowledge state the connection sees.
COUNTS = "type != 'retract' and retracted_by is null"


def recorded_by(k: str = "?") -> str:
    """Events recorded by the end of day `k` (binds `k` once)."""
    return f"recorded_day <= {k}"


def recorded_after(k: str = "?") -> str:
    """Events recorded after day `k`: not yet known then (binds `k` once)."""
    return f"recorded_day > {k}"


def retracted_by_day(k: str = "?") -> str:
    """Events retracted by the end of day `k` (binds `k` once)."""
    return f"retracted_day <= {k}"


def retracted_after(k: str = "?") -> str:
    """Events retracted after day `k`: still counting then (binds `k` once)."""
    return f"retracted_day > {k}"


def counts_at(k: str = "?") -> str:
    """Events that count in the state known at the end of day `k`, whatever the
    connection sees (binds `k` twice)."""
    return (f"type != 'retract' and {recorded_by(k)} "
            f"and (retracted_day is null or not {retracted_by_day(k)})")


def in_force_on(day: str = "?") -> str:
    """Events that count and take effect on or before `day` (binds `day` once)."""
    return f"day <= {day} and {COUNTS}"
