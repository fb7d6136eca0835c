"""Write the recorded history back out as one `orgchart/v1` document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orgchart.domain.facts import Fact


def event_dict(fact: Fact) -> dict[str, Any]:
    """One event as it appears in a file, with its id and recorded day made explicit."""
    out: dict[str, Any] = {"type": fact.TYPE, "id": fact.id}
    if fact.date is not None:
        out["date"] = str(fact.date)
    out.update(fact.own_to_file())
    if fact.sources:
        out["source"] = fact.sources[0] if len(fact.sources) == 1 else list(fact.sources)
    if fact.note is not None:
        out["note"] = fact.note
    out["recorded"] = fact.recorded[:10] if len(fact.recorded) > 10 else fact.recorded
    return out


def document(facts: Sequence[Fact], people: Mapping[str, Mapping[str, Any]],
             sources: Mapping[str, Mapping[str, Any]], title: str | None,
             covers_to: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": "orgchart/v1"}
    if title:
        doc["title"] = title
    if covers_to:
        doc["covers_to"] = covers_to
    if sources:
        doc["sources"] = {k: dict(v) for k, v in sorted(sources.items())}
    if people:
        doc["people"] = {k: dict(v) for k, v in sorted(people.items())}
    doc["events"] = [event_dict(f) for f in sorted(facts, key=lambda f: f.seq)]
    return doc
