"""Text, JSON and CSV output for query results. Pure functions: data in, text out."""

from __future__ import annotations

import io
from typing import Any

import orjson

from orgchart.presentation.names import display_order, label
from orgchart.presentation.notes import Footnotes


def to_json(data: Any) -> str:
    """`json.dumps(data, ensure_ascii=False, indent=2)`, byte for byte, several times faster
    (a property test holds the two equal)."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()


def leader_text(leader: dict[str, Any]) -> str:
    who = label(leader["name"] or leader["person"], leader["name_en"])
    parts = [f"{leader['role']}: {who}"]
    if leader["title"]:
        parts.append(leader["title"])
    parts.append(f"since {leader['since']}")
    return ", ".join(parts)


def chart_tree(chart: dict[str, Any]) -> str:
    """A readable Unicode tree of a chart; a unit renamed since it began says since when it
    bears its name (`named_since`, when the chart has it). Siblings in the order people
    read (`display_order`)."""
    units = display_order(chart["units"])
    named_since = chart.get("named_since") or {}
    header = f"{chart.get('title') or 'Organisation'} — on {chart['date']}"
    if chart.get("known_at"):
        header += f", as known on {chart['known_at']}"
    lines = [header, ""]
    if not units:
        lines.append("(no units on this date)")
        return "\n".join(lines) + "\n"
    by_id = {u["id"]: u for u in units}
    notes = Footnotes()
    own: dict[str, list[tuple[str, str]]] = {}  # unit -> (event, note) behind its line
    led: dict[tuple[str, str, str], list[tuple[str, str]]] = {}  # (unit, role, person) -> ...
    for n in chart.get("notes") or []:
        for uid in n["units"]:
            own.setdefault(uid, []).append((n["event"], n["note"]))
        for x in n["leaders"]:
            led.setdefault((x["unit"], x["role"], x["person"]), []).append(
                (n["event"], n["note"]))
    kids: dict[str | None, list[str]] = {}
    for u in units:
        parent = u["parent"] if u["parent"] in by_id else None
        kids.setdefault(parent, []).append(u["id"])

    def walk(uid: str, prefix: str, last: bool, top: bool) -> None:
        u = by_id[uid]
        branch = "" if top else ("└── " if last else "├── ")
        facts = [x for x in (u["kind"], f"since {u['since']}") if x]
        if uid in named_since:
            facts.append(f"named so since {named_since[uid]}")
        lines.append(f"{prefix}{branch}{label(u['name'], u['name_en'])}  [{', '.join(facts)}]"
                     + notes.marks(own.get(uid, ())))
        child_prefix = prefix + ("" if top else ("    " if last else "│   "))
        children = kids.get(uid, [])
        for leader in u["leaders"]:
            bar = "│   " if children else "    "
            lines.append(f"{child_prefix}{bar}◆ {leader_text(leader)}" + notes.marks(
                led.get((uid, leader["role"], leader["person"]), ())))
        for i, k in enumerate(children):
            walk(k, child_prefix, i == len(children) - 1, False)

    roots = kids.get(None, [])
    for i, r in enumerate(roots):
        walk(r, "", True, True)
        if i < len(roots) - 1:
            lines.append("")
    lines += notes.block()
    return "\n".join(lines) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula: one starting with
    `= + - @`, a tab or a carriage return gets a leading `'` (OWASP, CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def chart_csv(chart: dict[str, Any]) -> str:
    import csv  # here: only this form needs it

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    # the writer quotes a field with "\n" but not one with a lone "\r" (not in the line
    # terminator), which readers take for a line break: such rows are quoted whole
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(["id", "name", "name_en", "kind", "parent", "since", "leaders"])
    for u in display_order(chart["units"]):  # parents before children, siblings by name
        leaders = "; ".join(
            f"{x['role']}={x['person']}" + (f" ({x['title']})" if x["title"] else "")
            for x in u["leaders"])
        cells = [csv_cell(c) for c in (u["id"], u["name"], u["name_en"] or "", u["kind"] or "",
                                       u["parent"] or "", u["since"], leaders)]
        (quoted if any("\r" in c for c in cells) else w).writerow(cells)
    return out.getvalue()


def _without_order(unit: dict[str, Any]) -> dict[str, Any]:
    """A unit of a chart without its display order, its keys in the same order (a copy)."""
    out = unit.copy()
    out.pop("order", None)
    return out


def chart_json(chart: dict[str, Any]) -> str:
    """`at --format json`: date, known_at, units (depth-first, siblings by id, without the
    display order), and (when the chart has them) the notes of the events behind what it
    shows."""
    return chart_json_bytes(chart).decode()


def chart_json_bytes(chart: dict[str, Any]) -> bytes:
    """`chart_json` as UTF-8 bytes, as they are written out (no text made on the way)."""
    units = [_without_order(u) if "order" in u else u for u in chart["units"]]
    out = {"date": chart["date"], "known_at": chart["known_at"], "units": units}
    if "notes" in chart:
        out["notes"] = chart["notes"]
    return orjson.dumps(out, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def log_text(rows: list[dict[str, Any]]) -> str:
    # imported here: the sentences import every event declaration, which `at` never needs
    from orgchart.presentation.sentences import annotation_line, sentences_of

    lines = []
    for e in rows:
        when = e["date"] or "—"
        src = f"  [{', '.join(e['sources'])}]" if e["sources"] else ""
        lines.append(f"{when:<10}  {e['type']:<9}  {sentences_of(e['type']).log_line(e)}{src}")
        meta = f"{'':<10}  id {e['id']}, recorded {e['recorded']}"
        if e["retracted_by"]:
            meta += f", RETRACTED on {e['retracted_on']} by {e['retracted_by']}"
        lines.append(meta)
        if e["note"]:
            lines.append(f"{'':<10}  note: {e['note']}")
        lines += [f"{'':<10}  {annotation_line(a)} ({a['id']})" + _cited(a["sources"])
                  for a in e.get("annotations") or ()]
    return "\n".join(lines) + ("\n" if lines else "")


def _cited(sources: list[str]) -> str:
    return f"  [{', '.join(sources)}]" if sources else ""
