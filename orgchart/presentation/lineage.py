"""A unit's lineage as Graphviz DOT, drawn left to right over time.

Input: `OrgChartService.lineage(unit)`: {"unit", "nodes": [{id, name, name_en,
kind, began, began_how, ended, ended_how, generation}], "edges": [{source,
target, how, event, date}], "known_at"}. Units are boxes with their lifespans;
each split or merge event is a small node joining the units it ended to the
units it made (or grew); a transfer's node names the function, with dashed arrows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orgchart.presentation.graph import FAINT, FONT, INK, MUTED, small, table
from orgchart.presentation.names import later_names, names_label
from orgchart.presentation.sentences import link_kind
from orgchart.presentation.text import html, quoted

HOW = {"split": "split", "merge": "merge", "transfer": "transfer", "spin-off": "spun off"}
EVENT_FILL = {"split": "#fff1d0", "merge": "#e4eefb", "transfer": "#eef6ee",
              "spin-off": "#fff1d0"}
EVENT_LINE = {"split": "#d98e04", "merge": "#1e63b5", "transfer": "#3f7f3f",
              "spin-off": "#d98e04"}


def lineage_dot(lineage: Mapping[str, Any], title: str | None = None,
                horizon: str | None = None) -> str:
    """The lineage graph: units as boxes with lifespans, events as small joining nodes; a
    unit that has not ended ends `now`, or `as of` the `horizon` of the facts."""
    focus = lineage["unit"]
    nodes = list(lineage["nodes"])
    me = next((n for n in nodes if n["id"] == focus), None)
    shown = names_label(me.get("names"), me["name"], None) if me else focus
    heading = f"Lineage of {shown} ({focus})"
    sub = "splits and merges"
    if lineage.get("known_at"):
        sub += f", as known on {lineage['known_at']}"
    rows = [f"<FONT POINT-SIZE=\"16\"><B>{html(heading)}</B></FONT>"]
    if title:
        rows.append(small(title, MUTED, 11))
    rows.append(small(sub, MUTED, 11))
    label = ("<TABLE BORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"1\">"
             + "".join(f"<TR><TD ALIGN=\"LEFT\">{r}</TD></TR>" for r in rows)
             + "<TR><TD> </TD></TR></TABLE>")
    out = ["digraph lineage {",
           f"  graph [rankdir=LR, nodesep=0.25, ranksep=0.45, pad=0.3, bgcolor=\"white\", "
           f"fontname={quoted(FONT)}, fontcolor=\"{INK}\", labelloc=t, labeljust=l, "
           f"label=<{label}>];",
           f"  node [shape=box, style=\"rounded,filled\", fillcolor=\"white\", "
           f"color=\"#5b6770\", fontname={quoted(FONT)}, fontsize=11, fontcolor=\"{INK}\", "
           f"margin=\"0.14,0.07\", penwidth=1.2];",
           f"  edge [color=\"#8b98a5\", penwidth=1.2, arrowsize=0.7, fontname={quoted(FONT)}];"]
    spun_off = {e["target"] for e in lineage["edges"] if link_kind(e) == "spin-off"}
    for n in nodes:
        out.append(_unit(n, n["id"] == focus, horizon, n["id"] in spun_off))
    events: dict[str, list[Mapping[str, Any]]] = {}
    for e in lineage["edges"]:
        events.setdefault(e["event"], []).append(e)
    for eid, links in events.items():
        how = link_kind(links[0])
        node = quoted("event:" + eid)
        text = (f"<FONT POINT-SIZE=\"9\"><B>{html(HOW.get(how, how))}</B></FONT><BR/>"
                f"<FONT POINT-SIZE=\"8\" COLOR=\"{MUTED}\">{html(str(links[0]['date']))}</FONT>")
        if links[0].get("what"):  # a transfer: the function that moved
            text += f"<BR/><FONT POINT-SIZE=\"8\">{html(str(links[0]['what']))}</FONT>"
        dashed = ", style=dashed" if how == "transfer" else ""
        out.append(f"  {node} [id={quoted('event-' + eid)}, class=\"oc-event oc-{how}\", "
                   f"shape=ellipse, style=filled, margin=\"0.04,0.02\", "
                   f"fillcolor=\"{EVENT_FILL.get(how, '#eeeeee')}\", "
                   f"color=\"{EVENT_LINE.get(how, FAINT)}\", label=<{text}>];")
        for src in dict.fromkeys(k["source"] for k in links):
            out.append(f"  {quoted(src)} -> {node} [arrowhead=none{dashed}];")
        for dst in dict.fromkeys(k["target"] for k in links):
            out.append(f"  {node} -> {quoted(dst)}" + (f" [{dashed[2:]}];" if dashed else ";"))
    out.append("}")
    return "\n".join(out) + "\n"


def _unit(n: Mapping[str, Any], focus: bool, horizon: str | None = None,
          spun_off: bool = False) -> str:
    names = n.get("names") or []
    first = names[0] if len(names) > 1 else n  # renamed: the box begins with its first name
    rows: list[str | tuple[str, str | None]] = [
        f"<FONT POINT-SIZE=\"12\"><B>{html(first['name'])}</B></FONT>"]
    if first.get("name_en") and first["name_en"] != first["name"]:
        rows.append(small(first["name_en"], MUTED, 9.5))
    for later in later_names(names):  # then its later names, from the date each began
        rows.append(small(f"→ {later}", INK, 10))
    rows.append(small(" · ".join(x for x in (n["id"], n.get("kind")) if x), MUTED, 8.5,
                       italic=True))
    how = "spun off" if spun_off else n.get("began_how")
    began = f"{n['began']}" + (f" ({how})" if how not in (None, "establish") else "")
    ended = (f"{n['ended']}" + (f" ({n['ended_how']})" if n.get("ended_how") else "")
             if n.get("ended") else f"as of {horizon}" if horizon else "now")
    rows.append(small(f"{began} – {ended}", INK, 9.5))
    style = "rounded,filled" if not n.get("ended") else "rounded,filled,dashed"
    fill = "#e3f4e1" if not n.get("ended") else "#f4f4f4"
    line, width = ("#1f2933", 2.4) if focus else ("#5b6770", 1.2)
    classes = "oc-unit" + (" oc-focus" if focus else "") + (" oc-ended" if n.get("ended") else "")
    return (f"  {quoted(n['id'])} [id={quoted('unit-' + n['id'])}, class={quoted(classes)}, "
            f"style=\"{style}\", fillcolor=\"{fill}\", color=\"{line}\", penwidth={width}, "
            f"label=<{table(rows)}>];")
