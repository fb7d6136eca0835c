"""The `OrgHistory` aggregate: one ordered stream of events per store.

The whole history of the store is one consistency boundary: a new event can
make a later one invalid (a 2015 move can create a cycle with a 2020 move), so
every append goes to this single stream at an expected version and two
writers that race get one success and one conflict.

The nested past-tense event classes are a stored, public schema: their names
and fields change only by addition (with `class_version` and upcasting).
Validation happens before an event is triggered (see `orgchart.application.service`);
the aggregate itself only counts versions, so replaying it is cheap.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from orgchart.domain.canonical import canonical_json
from orgchart.domain.stream import STREAM_ID

GENESIS = "0" * 64


class OrgHistory(Aggregate):
    """The history of every organisation in one store."""

    STREAM_ID = STREAM_ID

    @classmethod
    def create_id(cls) -> UUID:
        return cls.STREAM_ID

    chain_head: str = GENESIS

    class Started(Aggregate.Created):
        """The store was initialised."""

    class Chained(Aggregate.Event):
        """An event carrying `chain`: a hash of its content and the previous event's hash."""

        chain: str

        def apply(self, aggregate: Any) -> None:
            aggregate.chain_head = self.chain

    class Recorded(Chained):
        """Base of every reorganisation event: the fields every event has."""

        event_id: str
        date: str | None  # effective date with its precision: YYYY, YYYY-MM or YYYY-MM-DD
        recorded: str  # when the fact became known (date form or ISO timestamp)
        sources: list[str]
        note: str | None

    class UnitEstablished(Recorded):
        unit: str
        name: str
        name_en: str | None
        kind: str | None
        parent: str | None

    class UnitRenamed(Recorded):
        unit: str
        name: str | None
        name_en: str | None

    class UnitMoved(Recorded):
        unit: str
        parent: str | None

    class UnitSplit(Recorded):
        unit: str
        into: list[dict[str, Any]]
        children: list[list[str]]
        keep: bool

    class UnitsMerged(Recorded):
        units: list[str]
        into: str
        new_unit: dict[str, Any] | None

    class UnitDissolved(Recorded):
        unit: str
        children_to: str | None

    class LeaderAppointed(Recorded):
        unit: str
        person: str
        role: str
        title: str | None

    class LeaderSteppedDown(Recorded):
        unit: str
        person: str
        role: str | None

    class EventRetracted(Recorded):
        event: str
        reason: str

    class PersonRecorded(Chained):
        """Reference data: a person, or fields added to one recorded earlier."""

        person: str
        fields: dict[str, str]

    class SourceRecorded(Chained):
        """Reference data: a source, or fields added to one recorded earlier."""

        source: str
        fields: dict[str, str]

    class TitleRecorded(Chained):
        """The title of the history, shown in charts."""

        title: str

    def record(self, event_class: type[OrgHistory.Chained], **fields: Any) -> OrgHistory.Chained:
        """The next event of the history (already validated by the service), applied.

        Unlike `trigger_event`, the event is returned rather than kept as
        pending: the caller saves it (`Application.save(*events)`), which
        lets a load of a million events skip the per-event bookkeeping of
        pending lists.
        """
        chain = chain_hash(self.chain_head, event_class.__name__, fields)
        make: Any = event_class  # the library's metaclass makes the dataclass __init__
        event: OrgHistory.Chained = make(originator_id=self.id,
                                         originator_version=self.version + 1,
                                         timestamp=event_class.create_timestamp(), chain=chain,
                                         **fields)
        event.mutate(self)
        return event


def chain_hash(previous: str, event_type: str, fields: dict[str, Any]) -> str:
    """sha256 over the previous hash and a canonical encoding of the event's content.

    The content includes the recorded time; it excludes the library's own
    `timestamp`, so the chain can be recomputed from the stored fields.
    """
    blob = canonical_json({"type": event_type, **fields})
    return hashlib.sha256(previous.encode() + b"\n" + blob).hexdigest()


def content_fields(event: OrgHistory.Chained) -> dict[str, Any]:
    """The fields `chain_hash` covers, read back from a stored event."""
    skip = {"originator_id", "originator_version", "timestamp", "chain"}
    return {k: v for k, v in event.__dict__.items() if k not in skip}


def start_history() -> OrgHistory:
    return OrgHistory._create(OrgHistory.Started, id=OrgHistory.STREAM_ID)

