"""One unit's story (`history`) and its family through splits and merges (`lineage`).

Both return plain data for `--format json`; `orgchart.presentation.explain_text` puts
them into words.

A history is a list of entries in effective order, each with the event that
made it and that event's sources:

- `began`: how (establish, split, merge), `from` (the units it came out of),
  name, name_en, kind, parent;
- `renamed`: before/after (name) and before_en/after_en, and before_kind/after_kind
  when the kind changed (a `rename` with `kind`; the names may then be equal);
- `moved`: before/after (parent ids; null is a root);
- `leader`: role, person, title, `until` (end of the tenure, or null) and
  `ended_by` (the event that ended it);
- `stepped_down`: role, person (a step-down event; successions and the end of
  the unit end tenures too, and are in the leader's `until`);
- `spun_off`: `into` (a split with `keep: true`: the unit continues);
- `absorbed`: `from` (units merged into this one);
- `transferred`: a function moved between this unit and another (both continue):
  `from`, `to` (unit ids), `responsibility` (the event's `what`), `function` (its
  optional id) and `units` (the children of `from` that went with it);
- `ended`: how (split, merge, dissolve), `into` (parts or merge target),
  `children_to` (dissolve).

After the story, its corrections: `annotations` (by the id of a story event it
annotates: `{id, recorded, note, sources}` each) and `retracted` (the retracted events
that named the unit, as `log` gives them, with the retraction's `reason`); last, `names`:
the names the unit bore, each `{name, name_en, from}` (the date text the name began), so
that every period is shown under the name of the day.

A lineage is a graph: `nodes` (the unit, its ancestors and its descendants,
each with `generation`: negative for ancestors, 0 for the unit, positive for
descendants, by the fewest links, and its `names` as in a history) and `edges`
(source, target, how, event, date, sources, and `what` for a transfer), so it can
be drawn left to right. Transfers ("functions from A") are followed from the unit
itself only, one link: a function moving does not make the other unit's family this unit's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from orgchart.adapters.readmodel import corrections
from orgchart.adapters.readmodel.connection import QueryDB, named
from orgchart.adapters.readmodel.explain import (
    Effect,
    event_details,
    link_extras,
    unit_effects,
)
from orgchart.adapters.readmodel.queries import names_of, unknown_unit_message
from orgchart.adapters.readmodel.tables import P
from orgchart.domain.errors import UnknownUnit

Entry = dict[str, Any]

_SUB = {"began": 0, "renamed": 1, "moved": 1, "absorbed": 2, "spun_off": 2, "transferred": 2,
        "leader": 3, "stepped_down": 3, "ended": 9}


def need_unit(db: QueryDB, unit: str) -> dict[str, Any]:
    """The `oc_lives` row of `unit`, or UnknownUnit with a "did you mean" hint."""
    row = db.execute(f"select unit, began, began_day, began_event, began_how, ended, ended_day, "
                     f"ended_event, ended_how from {P}lives where unit = ?", [unit]).fetchone()
    if row is None:
        raise UnknownUnit(unknown_unit_message(db, unit))
    keys = ("unit", "began", "began_day", "began_event", "began_how", "ended", "ended_day",
            "ended_event", "ended_how")
    return dict(zip(keys, row, strict=True))


_LINK = "select source, target, how, event, date, day from " + P + "links"


def _links(db: QueryDB, where: str, params: list[str]) -> list[dict[str, Any]]:
    return [{"source": s, "target": t, "how": h, "event": e, "date": d, "day": day}
            for s, t, h, e, d, day in db.execute(f"{_LINK} where {where}", params).fetchall()]


def _latest_names(db: QueryDB, unit: str) -> dict[str, Any]:
    row = named(db.execute(f"select name, name_en, kind, parent from {P}versions "
                           f"where unit = ? order by valid_from desc limit 1", [unit])).fetchone()
    if row is None:  # a unit whose only version lasted zero days
        return {"name": unit, "name_en": None, "kind": None, "parent": None}
    return dict(row)


def history(db: QueryDB, unit: str) -> dict[str, Any]:
    """The whole story of `unit` in effective order (see the module docstring)."""
    life = need_unit(db, unit)
    links = _links(db, "source = ? or target = ?", [unit, unit])
    mine = unit_effects(db, unit)
    tenures = db.execute(f"select role, person, title, start, start_event, end, end_event "
                         f"from {P}tenures where unit = ?", [unit]).fetchall()
    events = event_details(db, [life["began_event"], life["ended_event"] or "",
                                *(e.event for e in mine), *(k["event"] for k in links),
                                *(t[4] for t in tenures), *(t[6] or "" for t in tenures)])
    entries: list[Entry] = []

    def add(event: str, what: str, **fields: Any) -> None:
        ev = events[event]
        entries.append({"date": ev["date"], "what": what, **fields, "event": event,
                        "sources": ev["sources"]})

    first: Effect | None = mine[0] if mine and mine[0].before is None else None
    began_from = [k["source"] for k in links
                  if k["target"] == unit and k["event"] == life["began_event"]]
    start = first.after if first is not None else None
    add(life["began_event"], "began", how=life["began_how"], **{"from": began_from},
        name=start.name if start else None, name_en=start.name_en if start else None,
        kind=start.kind if start else None, parent=start.parent if start else None)
    for e in mine:
        if e.before is None:
            continue
        if e.renames or e.rekinds:
            kinds = {"before_kind": e.before.kind, "after_kind": e.after.kind} \
                if e.rekinds else {}
            add(e.event, "renamed", before=e.before.name, after=e.after.name,
                before_en=e.before.name_en, after_en=e.after.name_en, **kinds)
        if e.moves:
            add(e.event, "moved", before=e.before.parent, after=e.after.parent, how=e.type)
    for event in dict.fromkeys(k["event"] for k in links if k["target"] == unit
                               and k["how"] == "merge" and k["event"] != life["began_event"]):
        add(event, "absorbed", **{"from": [k["source"] for k in links
                                           if k["event"] == event and k["target"] == unit]})
    for event in dict.fromkeys(k["event"] for k in links if k["source"] == unit
                               and k["how"] == "split" and k["event"] != life["ended_event"]):
        add(event, "spun_off", into=[k["target"] for k in links
                                     if k["event"] == event and k["source"] == unit])
    for event in dict.fromkeys(k["event"] for k in links if k["how"] == "transfer"):
        ev = events[event]
        add(event, "transferred", **{"from": ev["from_unit"], "to": ev["to_unit"]},
            responsibility=ev["what"], function=ev.get("function"), units=ev.get("units") or [])
    for role, person, title, start_, start_event, end, end_event in tenures:
        add(start_event, "leader", role=role, person=person, title=title, since=start_,
            until=end, ended_by=end_event)
        if end_event is not None and events[end_event]["type"] == "step_down":
            add(end_event, "stepped_down", role=role, person=person)
    if life["ended_event"] is not None:
        how = life["ended_how"]
        into = [k["target"] for k in links
                if k["source"] == unit and k["event"] == life["ended_event"]]
        ended = events[life["ended_event"]]
        add(life["ended_event"], "ended", how=how, into=into,
            children_to=ended.get("children_to") if how == "dissolve" else None)
    entries.sort(key=lambda x: (events[x["event"]]["day"] or "", events[x["event"]]["seq"],
                                _SUB[x["what"]]))
    latest = _latest_names(db, unit)
    aliases = aliases_of(db, unit)
    return {"unit": unit, "name": latest["name"], "name_en": latest["name_en"],
            "kind": latest["kind"], "began": life["began"], "began_how": life["began_how"],
            "ended": life["ended"], "ended_how": life["ended_how"], "story": entries,
            "annotations": corrections.by_event(db, [x["event"] for x in entries]),
            "retracted": corrections.retracted_naming(db, unit),
            "names": names_of(db, [unit])[unit], **({"aliases": aliases} if aliases else {})}


def aliases_of(db: QueryDB, unit: str) -> list[str]:
    """The aliases `unit` was given, in the order given, each once."""
    return list(dict.fromkeys(r[0] for r in db.execute(
        f"select alias from {P}aliases where unit = ? order by day, rowid", [unit]).fetchall()))


def _walk(start: str, step: Callable[[str], list[dict[str, Any]]],
          key: str) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Units reachable from `start` following `step`, with the fewest links to each,
    and the links followed."""
    dist = {start: 0}
    seen: list[dict[str, Any]] = []
    todo = deque([start])
    while todo:
        cur = todo.popleft()
        for link in step(cur):
            seen.append(link)
            nxt = link[key]
            if nxt not in dist:
                dist[nxt] = dist[cur] + 1
                todo.append(nxt)
    del dist[start]
    return dist, seen


def lineage(db: QueryDB, unit: str) -> dict[str, Any]:
    """`unit`, its ancestors and descendants through splits and merges (any generations)."""
    need_unit(db, unit)

    def linked(where: str, u: str) -> list[dict[str, Any]]:
        # a transfer moves a function, not the unit: followed from `unit` itself only
        return [k for k in _links(db, where, [u]) if k["how"] != "transfer" or u == unit]

    ancestors, up_links = _walk(unit, lambda u: linked("target = ?", u), "source")
    descendants, down_links = _walk(unit, lambda u: linked("source = ?", u), "target")
    generation = {u: -n for u, n in ancestors.items()}
    for u, n in descendants.items():
        generation.setdefault(u, n)  # in a cycle (a spin-off merged back) ancestry wins
    generation[unit] = 0
    up = set(ancestors) | {unit}
    down = set(descendants) | {unit}
    edges = list({(k["source"], k["target"], k["event"]): k for k in [*up_links, *down_links]
                  if (k["target"] in up and k["source"] in ancestors)
                  or (k["source"] in down and k["target"] in descendants)}.values())
    events = event_details(db, [k["event"] for k in edges])
    edges.sort(key=lambda k: (k["day"], events[k["event"]]["seq"], k["source"], k["target"]))
    nodes = []
    names = names_of(db, list(generation))
    for u in generation:
        row = db.execute(f"select began, began_day, began_how, ended, ended_how from {P}lives "
                         f"where unit = ?", [u]).fetchone()
        began, began_day, began_how, ended, ended_how = row
        latest = _latest_names(db, u)
        nodes.append({"id": u, "name": latest["name"], "name_en": latest["name_en"],
                      "kind": latest["kind"], "began": began, "began_how": began_how,
                      "ended": ended, "ended_how": ended_how, "generation": generation[u],
                      "_day": began_day, "names": names[u]})
    nodes.sort(key=lambda x: (x["generation"], x["_day"], x["id"]))
    for node in nodes:
        del node["_day"]
    return {"unit": unit, "nodes": nodes,
            "edges": [{"source": k["source"], "target": k["target"], "how": k["how"],
                       "event": k["event"], "date": k["date"],
                       "sources": events[k["event"]]["sources"],
                       **link_extras(k["how"], events[k["event"]])} for k in edges]}
