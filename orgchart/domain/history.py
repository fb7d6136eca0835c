"""The `OrgHistory` aggregate: one ordered stream of events per store.

The whole history of the store is one consistency boundary: a new event can
make a later one invalid (a 2015 move can create a cycle with a 2020 move), so
every append goes to this single stream at an expected version and two
writers that race get one success and one conflict.

The nested past-tense event classes are a stored, public schema: their names
and fields change only by addition (with `class_version` and upcasting). The
class of each event type is built from its declaration in
`orgchart.domain.facts`: named `STORED`, with the type's own fields (as plain
data) after those of `Recorded`; `tests/unit/test_event_types.py` pins every
stored name and field.
Validation happens before an event is triggered (see `orgchart.application.service`);
the aggregate itself only counts versions, so replaying it is cheap.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from orgchart.domain.canonical import canonical_json
from orgchart.domain.facts import FACT_TYPES, Fact, own_fields_of
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

    # The stored class of each event type (`UnitEstablished`, `UnitSplit`, ...) is built
    # from its declaration below the class: see `_declare_stored_classes`.

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

    class HorizonRecorded(Chained):
        """Reference data: how far the history's facts reach (a file's `covers_to`, date
        text); recorded when it reaches further than the one before."""

        covers_to: str

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


def _declare_stored_classes() -> dict[type[Fact], type[OrgHistory.Recorded]]:
    """`OrgHistory.<STORED>` for every declared event type, as if written in the class body
    (so their topics are `orgchart.domain.history:OrgHistory.<STORED>`)."""
    out: dict[type[Fact], type[OrgHistory.Recorded]] = {}
    for fact_cls in FACT_TYPES.values():
        name = fact_cls.STORED
        assert name and not hasattr(OrgHistory, name), f"stored class name {name!r}"
        namespace = {
            "__module__": __name__,
            "__qualname__": f"{OrgHistory.__qualname__}.{name}",
            "__doc__": f"A `{fact_cls.TYPE}` event.",
            "__annotations__": {f.name: f.form.stored for f in own_fields_of(fact_cls)},
            **{name: None for name in fact_cls.LATER},  # absent from older stored events
        }
        stored: type[OrgHistory.Recorded] = type(name, (OrgHistory.Recorded,), namespace)
        setattr(OrgHistory, name, stored)
        out[fact_cls] = stored
    return out


#: The stored class of each declared event type.
STORED_CLASS = _declare_stored_classes()

_LATER: dict[type[OrgHistory.Chained], frozenset[str]] = {
    stored: fact.LATER for fact, stored in STORED_CLASS.items() if fact.LATER}


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
    later = _LATER.get(type(event), frozenset())  # left out while empty (see Fact.LATER)
    return {k: v for k, v in event.__dict__.items()
            if k not in skip and not (k in later and v is None)}


def start_history() -> OrgHistory:
    return OrgHistory._create(OrgHistory.Started, id=OrgHistory.STREAM_ID)

