"""Text forms of `person` (every role one person held) and `people` (who is recorded, or
who held which role on a day).

Pure functions: the dicts of `orgchart.application.browse` in, text out. A role's unit
is named as it was named when the role began; below it, what became of the unit (its
later names, and how it ended and into what), then the events' ids and citations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orgchart.presentation.explain_text import Words, open_end
from orgchart.presentation.names import label


def person_text(data: dict[str, Any]) -> str:
    """The `person` text form; a role still held ends `now`, or `as of` the horizon."""
    p = data["person"]
    w = Words(data["context"])
    still = open_end(w.ctx.get("horizon"))
    head = f"{label(p['name'], p['name_en']) or p['person']}  [{p['person']}]"
    if p.get("known_at"):
        head += f", as known on {p['known_at']}"
    count = len(p["roles"])
    lines = [head, f"{count} role{'s' if count != 1 else ''}"] + ([""] if count else [])
    spans = [f"{r['from']} – {r['to'] or still}" for r in p["roles"]]
    width = max((len(s) for s in spans), default=0)
    for r, span in zip(p["roles"], spans, strict=True):
        title = f", {r['title']}" if r.get("title") else ""
        unit = label(r["name"], r["name_en"]) or r["unit"]
        lines.append(f"{span:<{width}}  {r['role']}{title}: {unit}  [{r['unit']}]")
        for event in dict.fromkeys(e for e in (r["event"], r["ended_by"]) if e):
            cite = w.cite(event)
            lines.append(f"{'':<{width}}    {event}" + (f"  {cite}" if cite else ""))
        for fate in _fate(r, w):
            lines.append(f"{'':<{width}}    {fate}")
    lines += w.sources_block()
    return "\n".join(lines) + "\n"


def fate_words(r: Mapping[str, Any]) -> list[str]:
    """What became of a role's unit (a role of `person`), in words: its later names, then
    its end (`merged into …`, `split into …`, `dissolved`)."""
    out = [f"renamed {label(n['name'], n['name_en'])} on {n['from']}" for n in r["renamed"]]
    if r["unit_ended"] is not None:
        into = ", ".join(label(s["name"], s["name_en"]) or s["id"] for s in r["successors"])
        how = {"merge": f"merged into {into}", "split": f"split into {into}"}.get(
            r["unit_ended_how"] or "", "dissolved")
        if r["unit_ended_how"] == "split" and not into:
            how = "split"
        out.append(f"{how} on {r['unit_ended']}")
    return out


def _fate(r: dict[str, Any], w: Words) -> list[str]:
    """`fate_words`, the end cited (unless the line above cites the same event)."""
    out = fate_words(r)
    if r["unit_ended"] is not None:
        seen = r["unit_ended_event"] in (None, r["ended_by"])  # cited on the line above
        cite = "" if seen else w.cite(r["unit_ended_event"])
        out[-1] += f"  {cite}" if cite else ""
    return out


def people_text(data: dict[str, Any]) -> str:
    """The `people` text form: everyone recorded, or the roles held on `date`."""
    if data.get("date") is None:
        rows = [f"{p['person']:<{_width(data['people'])}}  "
                f"{label(p['name'], p['name_en'])}" for p in data["people"]]
        if not rows:
            rows = ["(no people recorded)"]
        return "\n".join(rows) + "\n"
    head = f"Roles held on {data['date']}"
    if data.get("known_at"):
        head += f", as known on {data['known_at']}"
    lines = [head, ""]
    for r in data["roles"]:
        title = f", {r['title']}" if r.get("title") else ""
        unit = label(r["unit_name"], r["unit_name_en"])
        lines.append(f"{label(r['name'], r['name_en']) or r['person']}  [{r['person']}]  "
                     f"{r['role']}{title}: {unit}  [{r['unit']}], since {r['since']}")
    if not data["roles"]:
        lines.append("(nobody held a role that day)")
    return "\n".join(lines) + "\n"


def _width(people: list[dict[str, Any]]) -> int:
    return max((len(p["person"]) for p in people), default=0)
