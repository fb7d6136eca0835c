"""Corrections of recorded events, read from the `events` table: annotations (a `note`
and/or sources added to an event by an `annotate`) and retractions.

Both are read in the knowledge state the connection sees (the latest, or a
`--known-at` view, whose `events` show only what was recorded by K and only
retractions made by K): an annotation counts while it is not retracted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orgchart.adapters.readmodel.connection import QueryDB
from orgchart.adapters.readmodel.damage import stored_json
from orgchart.adapters.readmodel.tables import P

Annotation = dict[str, Any]


def by_event(db: QueryDB, ids: Iterable[str] | None = None) -> dict[str, list[Annotation]]:
    """The annotations that count, by the id of the event each annotates (each `{id,
    recorded, note, sources}`, in append order); with `ids`, only for those events."""
    wanted = None if ids is None else set(ids)
    out: dict[str, list[Annotation]] = {}
    # `type = 'annotate'` as written here is what the partial index on it needs
    for eid, recorded, sources, note, body in db.execute(
            f"select id, recorded, sources, note, body from {P}events "
            f"where type = 'annotate' and retracted_by is null order by seq").fetchall():
        target = stored_json(body, f"event '{eid}'").get("event")
        if wanted is not None and target not in wanted:
            continue
        out.setdefault(str(target), []).append(
            {"id": eid, "recorded": recorded, "note": note,
             "sources": stored_json(sources, f"event '{eid}'")})
    return out


def retracted_naming(db: QueryDB, unit: str) -> list[dict[str, Any]]:
    """The retracted events that name `unit` (as `log` gives them), each with the
    retraction's `reason`, in the order they were retracted."""
    sql = (f"select e.id, e.type, e.date, e.recorded, e.sources, e.note, e.body, "
           f"e.retracted_by, e.retracted_day, r.recorded, r.body from {P}events e "
           f"join {P}events r on r.id = e.retracted_by "
           f"where e.seq in (select seq from {P}event_units where unit = ?) "
           f"order by r.seq, e.seq")
    out = []
    for (eid, typ, d, recorded, sources, note, body, rby, rday, rrec,
         rbody) in db.execute(sql, [unit]).fetchall():
        where = f"event '{eid}'"
        out.append({"id": eid, "type": typ, "date": d, "recorded": recorded,
                    "sources": stored_json(sources, where), "note": note,
                    **stored_json(body, where), "retracted_by": rby, "retracted_on": rday,
                    "retraction_recorded": rrec,
                    "reason": stored_json(rbody, f"event '{rby}'").get("reason")})
    return out
