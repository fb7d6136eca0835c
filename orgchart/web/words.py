"""The explorer's pages in words: history entries, lineage edges and diff changes as
lists of parts (plain text, or text linked to a unit or person page).

Pure functions on the dicts of `OrgChartService.explain_*` and
`orgchart.application.browse`. A part's text is data: the templates escape it
(Jinja2 autoescape), and a link's target is built here from a quoted id,
never taken from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from orgchart.presentation.explain_text import Words, open_end, story_entry
from orgchart.presentation.names import label
from orgchart.presentation.page import safe_url


@dataclass(frozen=True)
class Part:
    """A piece of a sentence: `text`, linked to `href` when there is one."""

    text: str
    href: str | None = None


Parts = list[Part]


def unit_href(unit: str, day: str | None = None) -> str:
    query = f"?{urlencode({'date': day})}" if day else ""
    return f"/unit/{quote(unit, safe='')}{query}"


def person_href(person: str) -> str:
    return f"/person/{quote(person, safe='')}"


def chart_href(day: str, unit: str | None = None) -> str:
    params = {"date": day, **({"unit": unit} if unit else {})}
    return f"/?{urlencode(params)}"


def diff_href(start: str, end: str) -> str:
    return f"/diff?{urlencode({'from': start, 'to': end})}"


class Phrases:
    """Links to units and people, named from an `explain.context` dict."""

    def __init__(self, ctx: Mapping[str, Any]) -> None:
        self.words = Words(dict(ctx))

    def unit(self, unit: str | None, day: str | None, full: bool = False) -> Part:
        if unit is None:
            return Part("the top level")
        name = self.words.full(unit, day) if full else self.words.name(unit, day)
        return Part(name, unit_href(unit))

    def units(self, units: Iterable[str], day: str | None, full: bool = False) -> Parts:
        out: Parts = []
        for i, u in enumerate(units):
            if i:
                out.append(Part(", "))
            out.append(self.unit(u, day, full))
        return out

    def person(self, person: str | None) -> Part:
        if person is None:
            return Part("(vacant)")
        return Part(self.words.person(person), person_href(person))

    def cause(self, event: str, subject: str | None, dated: bool = True) -> str:
        """The event in a sentence from `subject`'s point of view, dated."""
        return self.words.sentence(event, subject, dated)

    def citations(self, event: str) -> list[dict[str, Any]]:
        """The event's sources: publisher, date, title and a safe http(s) url (or None)."""
        ev = self.words.ctx["events"].get(event) or {}
        return [source_view(sid, self.words.ctx["sources"].get(sid) or {})
                for sid in ev.get("sources", [])]


def source_view(sid: str, s: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": sid, "publisher": s.get("publisher"), "date": s.get("date"),
            "title": s.get("title") or sid, "url": safe_url(s.get("url"))}


# -- history -------------------------------------------------------------------------------


def history_entries(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`explain_history`'s entries: date, kind (`what`), parts, event, citations."""
    h, ph = data["history"], Phrases(data["context"])
    uid = h["unit"]
    out = []
    for e in h["story"]:
        day = ph.words.event(e["event"])["day"]
        out.append({"date": e["date"], "what": e["what"], "parts": _entry(e, uid, day, ph),
                    "event": e["event"], "sources": ph.citations(e["event"])})
    return out


def _entry(e: Mapping[str, Any], uid: str, day: str, ph: Phrases) -> Parts:
    what = e["what"]
    if what == "began":
        return _began(e, uid, day, ph)
    if what in ("renamed", "transferred"):  # no unit or person to link: the text form's words
        return [Part(story_entry(dict(e), uid, day, ph.words))]
    if what == "moved":
        return [Part("moved from "), ph.unit(e["before"], day), Part(" to "),
                ph.unit(e["after"], day)]
    if what == "leader":
        title = f", {e['title']}" if e.get("title") else ""
        return [Part(f"{e['role']}: "), ph.person(e["person"]),
                Part(f"{title}, {e['since']} – "
                     f"{e['until'] or open_end(ph.words.ctx.get('horizon'))}")]
    if what == "stepped_down":
        return [ph.person(e["person"]), Part(f" stepped down as {e['role']}")]
    if what == "spun_off":
        return [Part("spun off "), *ph.units(e["into"], day, full=True)]
    if what == "absorbed":
        return [Part("absorbed "), *ph.units(e["from"], day, full=True)]
    if what == "ended":
        if e["how"] == "split":
            return [Part("split into "), *ph.units(e["into"], day, full=True)]
        if e["how"] == "merge":
            return [Part("merged into "), *ph.units(_ids(e.get("into")), day, full=True)]
        if e.get("children_to"):
            return [Part("dissolved, its units going to "), ph.unit(e["children_to"], day)]
        return [Part("dissolved")]
    return [Part(str(what))]


def _began(e: Mapping[str, Any], uid: str, day: str, ph: Phrases) -> Parts:
    name = label(e["name"], e["name_en"]) if e.get("name") else ph.words.full(uid, day)
    kind = f", {e['kind']}" if e.get("kind") else ""
    where: Parts = [Part(", under "), ph.unit(e["parent"], day)] if e.get("parent") \
        else [Part(", at the top level")]
    if e["how"] == "establish":
        return [Part(f"established as {name}{kind}"), *where]
    if e["how"] == "merge":
        return [Part(f"created as {name}{kind}"), *where, Part(", by merging "),
                *ph.units(e["from"], day)]
    return [Part(f"created as {name}{kind}"), *where, Part(", out of "),
            *ph.units(e["from"], day)]


def _ids(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


# -- lineage -------------------------------------------------------------------------------


def lineage_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """`explain_lineage` as: `came_from` and `went_on` (events in words, with sources) and
    `nodes` by generation."""
    g, ph = data["lineage"], Phrases(data["context"])
    generation = {n["id"]: n["generation"] for n in g["nodes"]}
    groups: dict[str, list[dict[str, Any]]] = {"came_from": [], "went_on": []}
    seen: set[str] = set()
    for edge in g["edges"]:
        if edge["event"] in seen:
            continue
        seen.add(edge["event"])
        side = "came_from" if generation[edge["source"]] < 0 else "went_on"
        groups[side].append({"date": edge["date"],
                             "text": ph.cause(edge["event"], None, dated=False),
                             "event": edge["event"], "sources": ph.citations(edge["event"])})
    nodes = [{**n, "href": unit_href(n["id"]), "label": label(n["name"], n["name_en"])}
             for n in g["nodes"]]
    return {**groups, "nodes": nodes}


# -- diff ----------------------------------------------------------------------------------

GROUPS = (("added", "Added"), ("removed", "Removed"), ("moved", "Moved"),
          ("renamed", "Renamed"), ("leader", "Leaders"))


def diff_groups(data: Mapping[str, Any], limit: int) -> list[dict[str, Any]]:
    """`explain_diff`'s changes grouped by kind, each with parts, causes and sources; at most
    `limit` changes per group (`more` says how many were left out)."""
    d, ph = data["diff"], Phrases(data["context"])
    days = (first_day(d["from"]), first_day(d["to"]))
    before, after = data["before"], data["after"]
    out = []
    for kind, heading in GROUPS:
        group = [c for c in d["changes"] if c["change"] == kind]
        if not group:
            continue
        items = []
        for c in group[:limit]:
            uid = c["unit"]
            events = [*c["events"], *data.get("related", {}).get(uid, [])]
            items.append({"kind": kind, "unit": uid,
                          "parts": _change(c, before, after, days, ph),
                          "causes": [{"text": ph.cause(e, uid), "event": e,
                                      "sources": ph.citations(e)} for e in events]})
        out.append({"kind": kind, "heading": heading, "items": items,
                    "more": max(0, len(group) - limit), "count": len(group)})
    return out


def _change(c: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any],
            days: tuple[str, str], ph: Phrases) -> Parts:
    uid, kind = c["unit"], c["change"]
    if kind == "added":
        u = after[uid]
        where = [Part(", under "), ph.unit(u["parent"], days[1])] if u["parent"] \
            else [Part(", at the top level")]
        return [Part(label(u["name"], u["name_en"]), unit_href(uid)), *where]
    if kind == "removed":
        u = before[uid]
        where = [Part(", was under "), ph.unit(u["parent"], days[0])] if u["parent"] \
            else [Part(", was at the top level")]
        return [Part(label(u["name"], u["name_en"]), unit_href(uid)), *where]
    if kind == "moved":
        u = after[uid]
        return [Part(label(u["name"], u["name_en"]), unit_href(uid)), Part(": from "),
                ph.unit(c["before"], days[0]), Part(" to "), ph.unit(c["after"], days[1])]
    if kind == "renamed":
        return [Part(label(c["before"], c["before_en"]), unit_href(uid)), Part(" → "),
                Part(label(c["after"], c["after_en"]))]
    u = after.get(uid) or before[uid]
    return [Part(label(u["name"], u["name_en"]), unit_href(uid)), Part(f", {c['role']}: "),
            ph.person(c["before"]), Part(" → "), ph.person(c["after"])]


def first_day(text: str) -> str:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the first day of its period."""
    return (text + "-01-01")[:10] if len(text) == 4 else (text + "-01")[:10]
