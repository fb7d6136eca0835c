"""Conversion between event values (`facts`) and stored events (`OrgHistory.*`).

Both directions are derived from the event type declarations: the stored
class is `STORED_CLASS[type(fact)]` and its fields are the common ones plus
the fact's own fields as plain data.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from orgchart.domain.dates import EffDate
from orgchart.domain.facts import Fact
from orgchart.domain.history import STORED_CLASS, OrgHistory

FACT_CLASS: dict[type[OrgHistory.Recorded], type[Fact]] = {v: k for k, v in STORED_CLASS.items()}


def to_stored(fact: Fact) -> tuple[type[OrgHistory.Recorded], dict[str, Any]]:
    """The stored event class and its fields for one fact."""
    fields: dict[str, Any] = {
        "event_id": fact.id,
        "date": str(fact.date) if fact.date else None,
        "recorded": fact.recorded,
        "sources": list(fact.sources),
        "note": fact.note,
        **fact.own_fields(),
    }
    return STORED_CLASS[type(fact)], fields


def to_fact(event: Aggregate.Event, seq: int) -> Fact | None:
    """The fact a stored event records (None for reference-data events)."""
    cls = FACT_CLASS.get(type(event))  # type: ignore[arg-type]
    if cls is None:
        return None
    assert isinstance(event, OrgHistory.Recorded)
    own = {k: v for k, v in event.__dict__.items() if k not in _STORED_COMMON}
    return cls.from_plain(own, id=event.event_id,
                          date=EffDate.parse(event.date) if event.date else None,
                          recorded=event.recorded, sources=tuple(event.sources), note=event.note,
                          seq=seq)


_STORED_COMMON = {"originator_id", "originator_version", "timestamp", "originator_topic", "chain",
                  "event_id", "date", "recorded", "sources", "note"}
