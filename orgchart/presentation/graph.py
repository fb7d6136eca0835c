"""The chart as graph text: Graphviz DOT (what `render` draws) and Mermaid.

Pure functions from plain data to text. `chart_dot(chart, delta)` takes the
chart of `OrgChartService.at` (plus an optional `sources` list) and, for
`render --since`, a *delta* (see `Delta`) gathered by
`OrgChartService.render_data`: the diff's changes, the units as they stood on
the earlier date, and the split/merge links in between. Every piece of text
from the store goes through `orgchart.presentation.text` so it is shown as written.

In the SVG that Graphviz makes from this DOT, each unit is a `<g>` with the id
`unit-<id>` and the classes `oc-unit` plus one per change: `oc-added`,
`oc-renamed`, `oc-moved`, `oc-leader`, `oc-removed` (a ghost of a unit that
ended), so a stylesheet or a test can find them.

The tree is laid out by `layout`: `compact` (the default; `orgchart.presentation.compact`:
leaf children in columns in a box, wide rows wrapped onto a trunk whose junctions are
nodes of class `oc-junction`, lineage arrows of class `oc-lineage` drawn over the laid-out
chart by `draw`) or `wide` (every level on one row).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypedDict

from orgchart.presentation import compact, draw
from orgchart.presentation.names import citation_labels, display_order, source_line
from orgchart.presentation.sentences import link_kind
from orgchart.presentation.text import as_written, html, mermaid, quoted

Unit = Mapping[str, Any]
#: A size in points (width, height), as `compact` estimates it.
Size = tuple[float, float]
#: A unit's node: its DOT line and its estimated size (measured as its label is written).
Node = tuple[str, Size]

#: Fonts for every output: fontconfig (PNG, PDF) picks the first installed one;
#: SVG carries the list as its CSS font-family. Noto Sans CJK also has Latin.
FONT = ("Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, "
        "WenQuanYi Micro Hei, Noto Sans, DejaVu Sans, Arial, sans-serif")

#: A parent with more leaf children than this spreads them over staggered rows.
WIDE = 6
MAX_SOURCES = 4

INK = "#1f2933"
MUTED = "#5f6b76"
FAINT = "#8c959f"


class Style(TypedDict):
    fill: str
    line: str
    label: str


STYLES: dict[str, Style] = {
    "unit": {"fill": "#ffffff", "line": "#5b6770", "label": ""},
    "added": {"fill": "#e3f4e1", "line": "#2e7d32", "label": "added"},
    "changed": {"fill": "#fff1d0", "line": "#d98e04", "label": "renamed / moved"},
    "leader": {"fill": "#e4eefb", "line": "#1e63b5", "label": "leader changed"},
    "removed": {"fill": "#f4f4f4", "line": "#9ea4aa", "label": "ended (where it went →)"},
}


class Delta(TypedDict):
    """What `render --since D0` adds to a chart (plain data, from the service)."""

    since: str  # D0 as written
    reverse: bool  # D0 is after the chart's date (the story runs backwards)
    changes: list[dict[str, Any]]  # `diff D0 DATE` changes (SPEC §3 diff JSON)
    before: list[dict[str, Any]]  # the chart's units on D0 (same root and depth)
    links: list[dict[str, Any]]  # split/merge links between the dates: source, target, how, date
    lives: dict[str, dict[str, Any]]  # began/ended (and how) of the removed units


# -- DOT ----------------------------------------------------------------------


#: The class of the compact layout's lineage arrows (`draw` routes them after the layout).
LINEAGE_CLASS = draw.OVERLAY

#: The layouts `chart_dot` knows: `compact` (leaf children stacked in columns, wide levels
#: wrapped, about as wide as tall) and `wide` (every level on one row, as before).
LAYOUTS = ("compact", "wide")


def chart_dot(chart: Mapping[str, Any], delta: Delta | None = None,
              layout: str = "compact") -> str:
    """The chart as a top-down Graphviz digraph; with `delta`, changes highlighted.

    `layout` is one of `LAYOUTS`.
    """
    return "\n".join(chart_dot_lines(chart, delta, layout))


def chart_dot_lines(chart: Mapping[str, Any], delta: Delta | None = None,
                    layout: str = "compact") -> Iterator[str]:
    """`chart_dot`'s text, whose pieces joined by newlines it is, each piece as soon as it
    is written (a started `draw.Drawing` parses the units' lines while the tree's layout is
    planned). ValueError for an unknown `layout`, before any piece."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    return _dot_lines(chart, delta, layout)


def _dot_lines(chart: Mapping[str, Any], delta: Delta | None, layout: str) -> Iterator[str]:
    """The pieces of `chart_dot_lines`."""
    units: list[Unit] = list(chart["units"])
    by_id = {u["id"]: u for u in units}
    before = {u["id"]: u for u in delta["before"]} if delta else {}
    marks = _marks(delta)
    ghosts = _ghosts(by_id, before, marks)
    drawn = set(by_id) | {g["id"] for g in ghosts}

    title = _title(chart, delta, units, _shown_styles(marks, by_id, ghosts))
    spacing = ("ordering=out, newrank=true, nodesep=0.3, ranksep=0.5" if layout == "wide"
               else compact.SPACING)
    yield "digraph orgchart {"
    yield (f"  graph [rankdir=TB, {spacing}, "
           f"splines=spline, compound=true, pad=0.3, bgcolor=\"white\", fontname={quoted(FONT)}, "
           f"fontcolor=\"{INK}\", labelloc=t, labeljust=c,")
    yield f"         label=<{title}>];"
    yield (f"  node [shape=box, style=\"rounded,filled\", fontname={quoted(FONT)}, fontsize=11, "
           f"fontcolor=\"{INK}\", margin=\"0.14,0.07\", penwidth=1.2];")
    yield f"  edge [arrowhead=none, color=\"#8b98a5\", penwidth=1.2, fontname={quoted(FONT)}];"
    if not units and not ghosts:
        yield (f"  empty [shape=plaintext, style=\"\", label=<"
               f"<I>{html('(no units on this date)')}</I>>];")
    ghost_ids = {g["id"] for g in ghosts}
    reverse = bool(delta and delta["reverse"])
    read = display_order([*units, *ghosts])  # the order people read
    q = {x: quoted(x) for x in drawn}  # each id as DOT text, written once
    sizes: dict[str, Size] = {}  # each node's estimated size, its line given out as written
    for x in read:
        uid = x["id"]
        line, sizes[uid] = (
            _ghost_node(x, delta["lives"].get(uid, {}) if delta else {}, reverse)
            if uid in ghost_ids else _unit_node(x, marks.get(uid, []), by_id, before, q[uid]))
        yield line

    # tree edges, siblings (ghosts among them) in the order people read (`display_key`):
    # as `display_order` lists them, each parent's children in that order
    kids: dict[str, list[tuple[str, bool]]] = {}
    for x in read:
        ghost = x["id"] in ghost_ids
        if x["parent"] in (drawn if ghost else by_id):
            siblings = kids.get(x["parent"])
            if siblings is None:
                kids[x["parent"]] = [(x["id"], ghost)]
            else:
                siblings.append((x["id"], ghost))
    if layout == "wide":
        yield from _wide_tree(sizes, kids, q)
    else:
        yield from compact.tree(sizes, kids, q, compact.label_size(title))

    # where the ended units went (and what split off): dashed arrows along time; in the
    # compact layout without labels (the ended unit's box says how it ended), so no label
    # can lie on another, and drawn over the chart once it is laid out (`draw.OVERLAY`)
    added = {u for u, ms in marks.items() if any(m["change"] == "added" for m in ms)}
    for src, dst, how in _lineage(delta["links"] if delta else [], drawn):
        if {src, dst} & (ghost_ids | added):
            tail = (f", fontsize=9, fontcolor=\"{FAINT}\", label=<{html(how)}>"
                    if layout == "wide" else f", {LINEAGE_CLASS}")
            yield (f"  {quoted(src)} -> {quoted(dst)} [style=dashed, color=\"{FAINT}\", "
                   f"arrowhead=vee, arrowsize=0.7, constraint=false{tail}];")
    for k in delta["links"] if delta else []:  # functions moved between drawn units
        if k["how"] == "transfer" and k["source"] in drawn and k["target"] in drawn:
            css = "" if layout == "wide" else f", {LINEAGE_CLASS}"
            yield (f"  {quoted(k['source'])} -> {quoted(k['target'])} [style=dashed, "
                   f"color=\"{FAINT}\", arrowhead=vee, arrowsize=0.7, constraint=false, "
                   f"fontsize=9, fontcolor=\"{FAINT}\", label=<{html(k['what'])}>{css}];")
    yield "}\n"  # the text ends with a newline: a chart's text is copied only once


def _wide_tree(parents_first: Iterable[str], kids: Mapping[str, list[tuple[str, bool]]],
               q: Mapping[str, str]) -> list[str]:
    """The tree edges of the wide layout: each level on one row; a parent's leaf children,
    when more than `WIDE`, in rows inside a frame (`q`: each id as DOT text)."""
    out: list[str] = []
    for parent in parents_first:
        if parent not in kids:
            continue
        children = kids[parent]  # in the order people read
        leaves = [c for c, ghost in children if not ghost and c not in kids]
        grid = leaves if len(leaves) > WIDE else []
        in_grid = set(grid)
        for child, ghost in children:
            if child not in in_grid:
                style = " [style=dashed, color=\"#b3b9bf\"]" if ghost else ""
                out.append(f"  {q[parent]} -> {q[child]}{style};")
        if grid:
            out.extend(_grid(parent, grid, q))
    return out


def _grid(parent: str, leaves: Sequence[str], q: Mapping[str, str]) -> list[str]:
    """Many leaf children in rows inside one frame, with one edge from the parent to it
    (`q`: each id as DOT text)."""
    rows = math.ceil(len(leaves) / WIDE)
    cols = math.ceil(len(leaves) / rows)
    grid = [leaves[i:i + cols] for i in range(0, len(leaves), cols)]
    name = quoted("cluster_" + parent)
    out = [f"  subgraph {name} {{",
           "    graph [style=\"rounded,dashed\", color=\"#c3cad1\", label=\"\", margin=12];"]
    for row in grid:
        out.append(f"    {{ rank=same; {' -> '.join(q[c] for c in row)} [style=invis]; }}")
    for upper, lower in itertools.pairwise(grid):
        out.extend(f"    {q[a]} -> {q[b]} [style=invis];"
                   for a, b in zip(upper, lower, strict=False))
    out.append("  }")
    out.append(f"  {q[parent]} -> {q[grid[0][len(grid[0]) // 2]]} [lhead={name}];")
    return out


def _marks(delta: Delta | None) -> dict[str, list[dict[str, Any]]]:
    marks: dict[str, list[dict[str, Any]]] = {}
    for c in delta["changes"] if delta else []:
        marks.setdefault(c["unit"], []).append(c)
    return marks


def _ghosts(by_id: Mapping[str, Unit], before: Mapping[str, Unit],
            marks: Mapping[str, list[dict[str, Any]]]) -> list[Unit]:
    """The removed units to draw: those whose former parent is drawn, or former top units."""
    tops = {u for u, b in before.items() if b["parent"] not in before}
    out: list[Unit] = []
    drawn = set(by_id)
    for uid, b in before.items():  # depth-first: a parent before its children
        removed = any(m["change"] == "removed" for m in marks.get(uid, []))
        if removed and uid not in by_id and (b["parent"] in drawn or uid in tops):
            out.append(b)
            drawn.add(uid)
    return out


def _lineage(links: Sequence[Mapping[str, Any]], drawn: set[str]) -> list[tuple[str, str, str]]:
    """Edges between drawn units along split/merge links, through units not drawn."""
    if not links:
        return []
    onward: dict[str, list[tuple[str, str]]] = {}
    for k in links:
        if k["how"] == "transfer":  # drawn on its own, labelled with the function
            continue
        onward.setdefault(k["source"], []).append((k["target"], link_kind(k)))
    edges: dict[tuple[str, str], list[str]] = {}
    for start in sorted(drawn):
        stack = [(t, [how]) for t, how in onward.get(start, [])]
        seen = {start}
        while stack:
            unit, hows = stack.pop()
            if unit in seen:
                continue
            seen.add(unit)
            if unit in drawn:
                edges.setdefault((start, unit), hows)
            else:
                stack.extend((t, [*hows, how]) for t, how in onward.get(unit, []))
    return [(s, t, _how_text(hows)) for (s, t), hows in sorted(edges.items())]


def _how_text(hows: Iterable[str]) -> str:
    words = {"split": "split", "merge": "merged", "spin-off": "spun off"}
    return ", then ".join(words.get(h, h) for h in dict.fromkeys(hows))


def _kind_line(u: Unit, extra: str | None = None) -> Cell:
    bits = [x for x in (u.get("kind"), f"since {u['since']}" if u.get("since") else None, extra)
            if x]
    return cell(" · ".join(bits), MUTED, 8.5, italic=True)


def _name_lines(u: Unit, color: str = INK) -> list[Cell]:
    rows = [cell(u["name"], color, 12, bold=True)]
    if u.get("name_en") and u["name_en"] != u["name"]:
        rows.append(cell(u["name_en"], MUTED if color == INK else color, 9.5))
    return rows


def _font(shown: str, color: str, size: float, italic: bool = False, strike: bool = False,
          bold: bool = False) -> str:
    """The markup of a line of text (`shown`: already escaped, see `html`)."""
    body = f"<B>{shown}</B>" if bold else shown
    if italic:
        body = f"<I>{body}</I>"
    if strike:
        body = f"<S>{body}</S>"
    return f"<FONT POINT-SIZE=\"{size:g}\" COLOR=\"{color}\">{body}</FONT>"


def small(text: str, color: str, size: float, italic: bool = False,
          strike: bool = False) -> str:
    """`text` in a `size`-point font of `color` (for a label)."""
    return _font(html(text), color, size, italic, strike)


class Cell(NamedTuple):
    """A row of a node's table: its markup, its estimated size (`compact.cell_size`) and its
    background (None: the node's)."""

    markup: str
    size: Size
    bg: str | None = None


def cell(text: str, color: str, size: float, italic: bool = False, strike: bool = False,
         bold: bool = False, bg: str | None = None) -> Cell:
    """`small` (bold when told) as a row of a node's table, measured as it is written."""
    shown = html(text)
    return Cell(_font(shown, color, size, italic, strike, bold),
                compact.cell_size(shown, size, bold), bg)


def _person(x: Unit) -> str:
    who = x.get("name") or x["person"]
    if x.get("name_en") and x["name_en"] != who:
        who = f"{who} {x['name_en']}"
    return f"{who} · {x.get('title') or x['role']}"


_TABLE = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">"


def table(rows: Iterable[str | tuple[str, str | None]]) -> str:
    cells = []
    for r in rows:
        text, bg = r if isinstance(r, tuple) else (r, None)
        bgattr = f" BGCOLOR=\"{bg}\"" if bg else ""
        cells.append(f"<TR><TD{bgattr}>{text}</TD></TR>")
    return _TABLE + "".join(cells) + "</TABLE>"


def _node_table(rows: Sequence[Cell]) -> tuple[str, Size]:
    """`table` of a node's rows, and the node's estimated size (`compact.stacked`)."""
    return (table((r.markup, r.bg) for r in rows),
            compact.stacked(r.size for r in rows))


def _unit_node(u: Unit, marks: list[dict[str, Any]], by_id: Mapping[str, Unit],
               before: Mapping[str, Unit], node: str | None = None) -> Node:
    """A unit's node (`node`: its id as DOT text, when already made)."""
    if not marks:
        return _plain_node(u, node)
    return _marked_node(u, marks, by_id, before)


#: The pieces of a plain node's line (`_plain_node`), written once.
_NAME_ROW = f"<TR><TD><FONT POINT-SIZE=\"12\" COLOR=\"{INK}\"><B>"
_NAME_EN_ROW = f"</B></FONT></TD></TR><TR><TD><FONT POINT-SIZE=\"9.5\" COLOR=\"{MUTED}\">"
_KIND_AFTER_NAME = f"</B></FONT></TD></TR><TR><TD><FONT POINT-SIZE=\"8.5\" COLOR=\"{MUTED}\"><I>"
_KIND_AFTER_EN = f"</FONT></TD></TR><TR><TD><FONT POINT-SIZE=\"8.5\" COLOR=\"{MUTED}\"><I>"
_LEADER_ROW = f"<TR><TD><FONT POINT-SIZE=\"9.5\" COLOR=\"{INK}\">"
_ROW_END = "</FONT></TD></TR>"
_PLAIN = (f"class=\"oc-unit\", fillcolor=\"{STYLES['unit']['fill']}\", "
          f"color=\"{STYLES['unit']['line']}\", penwidth=1.2, label=<{_TABLE}")
#: What `_plain_node` measures its cells with: `compact.cell_size`, and for a cell of one
#: line (no `<BR/>`, no entity) its parts: each character's width in em, and the height of a
#: line at 12, 9.5 and 8.5 points.
_cell_size = compact.cell_size
_EM = compact.EMS.__getitem__
_LINE_12, _LINE_9_5, _LINE_8_5 = (_cell_size("", size)[1] for size in (12, 9.5, 8.5))


def _plain_node(u: Unit, node: str | None = None) -> Node:
    """Exactly what `_marked_node` writes for a unit without changes (most units), built
    directly: this runs once per unit of the chart (`node`: its id as DOT text, when
    already made). Its size is `compact.stacked` of the cells' `compact.cell_size`s, added
    up as that adds them (a one-line cell's written out: the same sums, in the same order).
    Its texts are looked at once, together: when they are all shown as written
    (`as_written`, most units), none is escaped or looked at again."""
    name, name_en = u["name"], u.get("name_en")
    en = name_en if name_en and name_en != name else None
    kind, since = u.get("kind"), u.get("since")
    kind_line = (f"{kind} · since {since}" if kind and since else
                 kind if kind else f"since {since}" if since else "")
    people = [_person(x) for x in u["leaders"]]
    plain = as_written("".join([name, en or "", kind_line, *people]))
    shown = name if plain else html(name)
    parts = [_NAME_ROW, shown]
    if not plain and ("<BR" in shown or "&" in shown):
        width, height = _cell_size(shown, 12, True)
    else:  # `_cell_size(shown, 12, True)`
        width, height = sum(map(_EM, shown)) * 12 * 1.07 + 8, _LINE_12
    if en is not None:
        shown = en if plain else html(en)
        parts += (_NAME_EN_ROW, shown, _KIND_AFTER_EN)
        if not plain and ("<BR" in shown or "&" in shown):
            w, h = _cell_size(shown, 9.5)
        else:
            w, h = sum(map(_EM, shown)) * 9.5 + 8, _LINE_9_5
        width, height = w if w > width else width, height + h
    else:
        parts.append(_KIND_AFTER_NAME)
    shown = kind_line if plain else html(kind_line)
    parts += (shown, "</I>", _ROW_END)
    if not plain and ("<BR" in shown or "&" in shown):
        w, h = _cell_size(shown, 8.5)
    else:
        w, h = sum(map(_EM, shown)) * 8.5 + 8, _LINE_8_5
    width, height = w if w > width else width, height + h
    for person in people:
        shown = person if plain else html(person)
        parts += (_LEADER_ROW, shown, _ROW_END)
        if not plain and ("<BR" in shown or "&" in shown):
            w, h = _cell_size(shown, 9.5)
        else:
            w, h = sum(map(_EM, shown)) * 9.5 + 8, _LINE_9_5
        width, height = w if w > width else width, height + h
    if node is None:
        node = quoted(u["id"])
    # "unit-" needs no escaping: the id attribute is "unit-" + node[1:]
    return (f"  {node} [id=\"unit-{node[1:]}, {_PLAIN}{''.join(parts)}</TABLE>>];",
            compact.node_box(width, height))


def _marked_node(u: Unit, marks: list[dict[str, Any]], by_id: Mapping[str, Unit],
                 before: Mapping[str, Unit]) -> Node:
    """A unit's node: its names, kind, leaders, and what `marks` (its changes) say."""
    rows = _name_lines(u)
    rows.append(_kind_line(u))
    kinds = [m["change"] for m in marks]
    new_holders = {(m.get("role"), m["after"]) for m in marks if m["change"] == "leader"}
    for x in u["leaders"]:
        if (x["role"], x["person"]) in new_holders:
            rows.append(cell("● " + _person(x), STYLES["leader"]["line"], 9.5,
                             bg="#d3e3f8"))
        else:
            rows.append(cell(_person(x), INK, 9.5))
    for m in marks:
        if m["change"] == "leader" and m["before"] is not None:
            old = next((x for x in before.get(u["id"], {}).get("leaders", [])
                        if x["person"] == m["before"] and x["role"] == m.get("role")),
                       {"person": m["before"], "role": m.get("role") or "head"})
            rows.append(cell(_person(old), FAINT, 9, strike=True))
    for m in marks:
        if m["change"] == "renamed":
            old = [x for x, y in ((m.get("before"), m.get("after")),
                                  (m.get("before_en"), m.get("after_en"))) if x and x != y]
            if old:
                rows.append(cell("was " + " / ".join(old), "#9a6400", 9))
        elif m["change"] == "moved":
            where = m["before"]
            if where is None:
                note = "was a top unit"
            else:
                prev = before.get(where) or by_id.get(where)
                note = "moved from " + (prev["name"] if prev else where)
            rows.append(cell(note, "#9a6400", 9))
    key = style_of(kinds)
    style = {**STYLES["leader"], "fill": "#ffffff"} if key == "leader" else STYLES[key]
    classes = " ".join(["oc-unit", *(f"oc-{k}" for k in dict.fromkeys(kinds))])
    width = 2.2 if marks else 1.2
    label, size = _node_table(rows)
    return (f"  {quoted(u['id'])} [id={quoted('unit-' + u['id'])}, class={quoted(classes)}, "
            f"fillcolor=\"{style['fill']}\", color=\"{style['line']}\", penwidth={width}, "
            f"label=<{label}>];", size)


def style_of(kinds: Iterable[str]) -> str:
    """The key in `STYLES` of a unit with these changes (`unit` for none)."""
    found = set(kinds)
    if "added" in found:
        return "added"
    if found & {"renamed", "moved"}:
        return "changed"
    return "leader" if "leader" in found else "unit"


def _shown_styles(marks: Mapping[str, list[dict[str, Any]]], by_id: Mapping[str, Unit],
                  ghosts: Sequence[Unit]) -> dict[str, set[str]]:
    """The highlight styles the chart's boxes use (what the legend shows), each with the
    kinds of change drawn in it (`changed`: renamed and/or moved)."""
    shown: dict[str, set[str]] = {}
    for uid, ms in marks.items():
        if uid in by_id:
            kinds = [m["change"] for m in ms]
            key = style_of(kinds)
            if key != "unit":
                shown.setdefault(key, set()).update(kinds)
    if ghosts:
        shown["removed"] = {"removed"}
    return shown


def _ghost_node(g: Unit, life: Mapping[str, Any], reverse: bool) -> Node:
    ended = life.get("ended")
    if reverse:
        note = f"not yet: begins {life['began']}" if life.get("began") else "not here yet"
    elif ended:
        note = f"ended {ended}" + (f" ({life['ended_how']})" if life.get("ended_how") else "")
    else:
        note = "no longer here"
    rows = _name_lines(g, FAINT)
    rows.append(cell(" · ".join(x for x in (g.get("kind"), note) if x), FAINT, 8.5,
                     italic=True))
    rows.extend(cell(_person(x), FAINT, 9, strike=True) for x in g.get("leaders", []))
    st = STYLES["removed"]
    label, size = _node_table(rows)
    return (f"  {quoted(g['id'])} [id={quoted('unit-' + g['id'])}, "
            f"class=\"oc-unit oc-removed\", style=\"rounded,filled,dashed\", "
            f"fillcolor=\"{st['fill']}\", color=\"{st['line']}\", penwidth=1.4, "
            f"label=<{label}>];", size)


def chart_title(chart: Mapping[str, Any], units: Sequence[Unit] = ()) -> str:
    """What the chart is of: the store's title, else the names of its top units."""
    if chart.get("title"):
        return str(chart["title"])
    ids = {u["id"] for u in units}
    tops = [u["name"] for u in units if u["parent"] not in ids]
    return ", ".join(tops) or "Organisation chart"


#: At most this many notes in the chart's header (then "… and K more notes"), each cut
#: to `NOTE_CHARS` characters.
MAX_NOTES = 4
NOTE_CHARS = 160


def _title(chart: Mapping[str, Any], delta: Delta | None, units: Sequence[Unit],
           styles: Mapping[str, set[str]] | None = None) -> str:
    when = f"as it stood on {chart['date']}"
    if chart.get("known_at"):
        when += f", as known on {chart['known_at']}"
    if delta:
        when += f" — changes since {delta['since']} highlighted"
    rows = [f"<FONT POINT-SIZE=\"18\"><B>{html(chart_title(chart, units))}</B></FONT>",
            small(when, MUTED, 12)]
    sources = list(chart.get("sources") or [])
    if sources:
        labels = citation_labels({s["id"]: s for s in sources[:MAX_SOURCES]})
        for i, s in enumerate(sources[:MAX_SOURCES]):
            lead = "Based on: " if i == 0 else ""
            rows.append(small(lead + source_line(labels, s["id"], s), MUTED, 9.5))
        if len(sources) > MAX_SOURCES:
            rows.append(small(f"and {len(sources) - MAX_SOURCES} more sources", MUTED, 9.5))
    elif "sources" in chart:
        rows.append(small("Based on: events that cite no source", MUTED, 9.5))
    rows.extend(small(line, MUTED, 9) for line in _note_lines(chart, delta, units))
    if delta and styles:
        rows.append(_legend(delta["since"], delta["reverse"], styles))
    return ("<TABLE BORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"1\">"
            + "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
            + "<TR><TD> </TD></TR></TABLE>")


def _note_lines(chart: Mapping[str, Any], delta: Delta | None,
                units: Sequence[Unit]) -> list[str]:
    """The chart's notes (`chart["notes"]`) as lines `Note on NAME: text`, at most
    `MAX_NOTES`, then `… and K more notes`."""
    notes = list(chart.get("notes") or [])
    names = {u["id"]: u["name"] for u in [*(delta["before"] if delta else []), *units]}
    out = []
    for n in notes[:MAX_NOTES]:
        about = [names.get(u, u) for u in dict.fromkeys(
            [*n.get("units", []), *(x["unit"] for x in n.get("leaders", []))])]
        who = ", ".join(about[:2]) + (f" and {len(about) - 2} more" if len(about) > 2 else "")
        text = " ".join(str(n["note"]).split())
        if len(text) > NOTE_CHARS:
            text = text[:NOTE_CHARS - 1].rstrip() + "…"
        out.append(f"Note on {who}: {text}" if who else f"Note: {text}")
    if len(notes) > MAX_NOTES:
        rest = len(notes) - MAX_NOTES
        out.append(f"… and {rest} more note{'s' if rest > 1 else ''}")
    return out


#: What the legend says of the `changed` style, by the kinds of change drawn in it.
_CHANGED = {frozenset({"renamed"}): "renamed", frozenset({"moved"}): "moved"}


def _legend(since: str, reverse: bool, styles: Mapping[str, set[str]]) -> str:
    """A swatch for each highlight style the chart uses (`styles`, see `_shown_styles`)."""
    cells = []
    for key, st in STYLES.items():
        if key == "unit" or key not in styles:
            continue
        label = st["label"]
        if key == "changed":
            label = _CHANGED.get(frozenset(styles[key] & {"renamed", "moved"}), label)
        if key == "removed":
            label = (f"not yet there (exists on {since})" if reverse
                     else f"ended since {since} (→ where it went)")
        dashed = " STYLE=\"dashed\"" if key == "removed" else ""
        cells.append(f"<TD BGCOLOR=\"{st['fill']}\" COLOR=\"{st['line']}\" BORDER=\"1\"{dashed}>"
                     f"{small(label, INK, 9)}</TD>")
    return ("<TABLE BORDER=\"0\" CELLSPACING=\"6\" CELLPADDING=\"3\"><TR>"
            + "".join(cells) + "</TR></TABLE>")


# -- Mermaid ------------------------------------------------------------------


def chart_mermaid(chart: Mapping[str, Any]) -> str:
    """The chart as a Mermaid flowchart (top-down); text as Mermaid entity codes."""
    import json

    units: list[Unit] = display_order(chart["units"])
    ids = _mermaid_ids([u["id"] for u in units])
    title = f"{chart_title(chart, units)} — {chart['date']}"
    if chart.get("known_at"):
        title += f" (as known on {chart['known_at']})"
    out = ["---", "title: " + json.dumps(title, ensure_ascii=False), "---", "flowchart TD"]
    for u in units:
        lines = [f"<b>{mermaid(u['name'])}</b>"]
        if u.get("name_en") and u["name_en"] != u["name"]:
            lines.append(mermaid(u["name_en"]))
        if u.get("kind"):
            lines.append(f"<i>{mermaid(u['kind'])}</i>")
        lines.extend(mermaid(_person(x)) for x in u["leaders"])
        out.append(f"    {ids[u['id']]}[\"{'<br/>'.join(lines)}\"]")
    for u in units:
        if u["parent"] in ids:
            out.append(f"    {ids[u['parent']]} --> {ids[u['id']]}")
    return "\n".join(out) + "\n"


def _mermaid_ids(units: Iterable[str]) -> dict[str, str]:
    """Mermaid node ids from unit ids (`-` and `.` are not safe there)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for uid in units:
        base = "u_" + "".join(c if c.isalnum() else "_" for c in uid)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        out[uid] = name
    return out
