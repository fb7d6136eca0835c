"""Conversion between event values (`facts`) and stored events (`OrgHistory.*`).

Both directions are derived from the event type declarations: the stored
class is `STORED_CLASS[type(fact)]` and its fields are the common ones plus
the fact's own fields as plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    return fact_of_state(cls, event.__dict__, seq)


def fact_of_state(cls: type[Fact], state: Mapping[str, Any], seq: int) -> Fact:
    """The fact of type `cls` whose stored event has the field values `state` (a decoded
    event's `__dict__`, or its stored state decoded as plain JSON)."""
    when = state["date"]
    # the own fields are read from `state` by name: its other keys (`_STORED_COMMON`,
    # which no own field is named) are not read
    return cls.of_plain(state, {"sources": tuple(state["sources"]), "note": state["note"],
                                "seq": seq, "id": state["event_id"],
                                "date": EffDate.parse(when) if when else None,
                                "recorded": state["recorded"]}, keep_plain=True)


_STORED_COMMON = {"originator_id", "originator_version", "timestamp", "originator_topic", "chain",
                  "event_id", "date", "recorded", "sources", "note"}
