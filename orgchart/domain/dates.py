"""Effective dates with a precision: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.

A partial date takes effect on the first day of its period and keeps its
precision for display.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import Literal

Precision = Literal["year", "month", "day"]

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class EffDate:
    """A date with its precision. Orders by the first day of its period."""

    day: date
    precision: Precision = "day"

    @classmethod
    def parse(cls, text: str) -> EffDate:
        """Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; raise ValueError otherwise."""
        return _parse(text)

    @classmethod
    def _parse_text(cls, text: str) -> EffDate:
        m = _DATE_RE.match(text.strip())
        if not m:
            raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")
        year, month, day = m.groups()
        try:
            if day is not None:
                return cls(date(int(year), int(month), int(day)), "day")
            if month is not None:
                return cls(date(int(year), int(month), 1), "month")
            return cls(date(int(year), 1, 1), "year")
        except ValueError:
            raise ValueError(f"'{text}' is not a valid calendar date") from None

    def __str__(self) -> str:
        return self.text

    # Both texts are kept on the value once made (not fields: equality, order and hash
    # are the fields'): a parsed date is shared by every event of that date (`_parse`),
    # and writing the query tables reads them once or twice per row.
    @cached_property
    def text(self) -> str:
        """The date as written, to its precision: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`."""
        if self.precision == "year":
            return f"{self.day.year:04d}"
        if self.precision == "month":
            return f"{self.day.year:04d}-{self.day.month:02d}"
        return self.day.isoformat()

    @cached_property
    def iso(self) -> str:
        """The first day of the period as `YYYY-MM-DD` (sortable text): for a day, its
        `text` (made once for both)."""
        return self.text if self.precision == "day" else self.day.isoformat()


@lru_cache(maxsize=1 << 16)
def _parse(text: str) -> EffDate:
    # a history has far fewer distinct dates than events; EffDate is immutable
    return EffDate._parse_text(text)


def parse_day(text: str, today: date | None = None) -> EffDate:
    """Parse a command-line date: the three forms, or `today`."""
    if text.strip().lower() == "today":
        return EffDate(today or date.today(), "day")
    return EffDate.parse(text)
