"""The compact chart layout: the tree edges of a chart's DOT so that it comes out about as
wide as tall.

Graphviz `dot` puts every level of a tree on one row, so a unit with 25 children draws
as a strip many times wider than tall. Here a unit's leaf children are stacked in
columns inside one box under it (one edge from the unit to the box), and when a unit's
children (the box and the subtrees of the children that have children of their own) are
wider than a target width they wrap into rows, each row below the deepest part of the
one before (invisible edges that only set ranks). The target width and the shape of the
boxes are chosen by laying the chart out on paper first, with box sizes estimated from
the node labels, and keeping the plan whose whole picture is closest to `ASPECT`.

Pure functions from the sizes of the nodes `graph.chart_dot` wrote (measured as it writes
their labels, with `cell_size` and `stacked`) to more DOT lines; nothing here changes a
node or its label.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: Graph attributes of the compact layout (the wide one has its own).
SPACING = "ordering=out, newrank=true, nodesep=0.25, ranksep=0.35"
GAP_X = 0.25 * 72  # nodesep in points
GAP_Y = 0.35 * 72  # ranksep in points
MARGIN = 8  # the box's margin around its units, in points
PAD = 0.3 * 72  # the graph's pad (the same in both layouts), in points
#: The box around a unit's leaf children: a pale panel with a solid edge (an ended unit
#: is a grey box with a dashed edge, so the two never look alike).
BOX = ("graph [style=\"rounded,filled\", fillcolor=\"#f3f6f9\", color=\"#d5dce3\", "
       f"penwidth=1, label=\"\", margin={MARGIN}];")
#: The picture's width over its height that the plan aims at (a landscape screen).
ASPECT = 1.4
#: Shapes tried for the boxes of leaf children (their own width over height); charts of
#: more than `MANY` units try only the middle one (the shape matters less than the time).
BOX_SHAPES = (0.6, 1.2, 2.4, 5.0)
MANY = 200

Kids = Mapping[str, Sequence[tuple[str, bool]]]


# -- sizes from labels ----------------------------------------------------------------

_LABEL = "label=<"
_CELL = re.compile(r"<TD[^>]*>(.*?)</TD>", re.S)
_SIZE = re.compile(r"POINT-SIZE=\"([\d.]+)\"")
_TAG = re.compile(r"<[^>]*>")


def _em(c: str) -> float:
    """About how wide one character is, in em."""
    if unicodedata.east_asian_width(c) in "WF":
        return 1.0
    if c in "il.,:;'|!() ":
        return 0.3
    if c.isupper() or c in "mw":
        return 0.68
    return 0.53


class _Ems(dict[str, float]):
    """Each character's width in em, worked out once."""

    def __missing__(self, c: str) -> float:
        self[c] = _em(c)
        return self[c]


_EMS = _Ems()
#: `_Ems`, for measuring cells inline (`graph._plain_node`).
EMS = _EMS


def text_width(text: str, size: float, bold: bool = False) -> float:
    """About how wide `text` is in points at `size` (wide East Asian characters are 1 em)."""
    return sum(map(_EMS.__getitem__, text)) * size * (1.07 if bold else 1.0)


_TABLE = re.compile(r"<TABLE[^>]*>")
_ROOM = re.compile(r"(CELLSPACING|CELLPADDING|BORDER)=\"(\d+)\"")


_BREAK = re.compile(r"<BR\s*/>")


def _text(markup: str) -> str:
    """The text of a piece of an HTML-like label."""
    text = _TAG.sub("", markup)
    return html.unescape(text) if "&" in text else text


def _cell(lines: Sequence[str], size: float, bold: bool, around: float) -> tuple[float, float]:
    """About the (width, height) in points of a table cell: its lines of text at `size`
    points, `around` the room its table leaves around each row."""
    width = (text_width(lines[0], size, bold) if len(lines) == 1  # most cells: one line
             else max([text_width(t, size, bold) for t in lines]))
    return width + 8, len(lines) * size * 1.25 + 2 + around


def cell_size(shown: str, size: float, bold: bool = False) -> tuple[float, float]:
    """`_cell` of a cell of a node's table whose text is `shown`, as the label writes it
    (escaped, lines joined by `<BR/>`: see `orgchart.presentation.text.html`)."""
    if "<BR" not in shown and "&" not in shown:  # the usual case: one line as it is, and
        # `_cell((shown,), size, bold, 0.0)` written out (the same sums, in the same order)
        return (sum(map(_EMS.__getitem__, shown)) * size * (1.07 if bold else 1.0) + 8,
                size * 1.25 + 2 + 0.0)
    return _cell([html.unescape(t) if "&" in t else t for t in shown.split("<BR/>")], size,
                 bold, 0.0)


def stacked(cells: Iterable[tuple[float, float]]) -> tuple[float, float]:
    """About the (width, height) in points of a node whose label is one table with one
    cell a row, the cells' sizes being `cells` (see `cell_size`): `node_size` of that
    label, without reading it."""
    width = height = 0.0
    for w, h in cells:
        width, height = max(width, w), height + h
    return node_box(width, height)


def label_size(label: str, default: float = 14.0) -> tuple[float, float]:
    """About the (width, height) in points of an HTML-like label whose tables have one
    column (a row that holds a table counts as that table's rows, each with the spacing,
    padding and border of its table)."""
    width = height = 0.0
    around = [0.0]  # the room each row of the innermost open table takes around its text
    for piece in label.split("<TR>")[1:]:
        row, closed, after = piece.partition("</TR>")
        for table in _TABLE.findall(row) if "<TABLE" in row else ():
            room = dict.fromkeys(("CELLSPACING", "CELLPADDING", "BORDER"), 0)
            room.update((k, int(v)) for k, v in _ROOM.findall(table))
            around.append(2.0 * (room["CELLSPACING"] + room["CELLPADDING"] + room["BORDER"]))
        if not closed:
            continue  # a row that holds a table: its rows are counted
        row_w = row_h = 0.0
        for cell in _CELL.findall(row):
            size = max(map(float, _SIZE.findall(cell)), default=default)
            lines = [_text(line) for line in
                     (_BREAK.split(cell) if "<BR" in cell else (cell,))]
            w, h = _cell(lines, size, "<B>" in cell, around[-1])
            row_w += w
            row_h = max(row_h, h)
        width, height = max(width, row_w), height + row_h
        if len(around) > 1 and "</TABLE>" in after:
            around.pop()  # the inner table ends after this row
    return width, height


def node_box(w: float, h: float) -> tuple[float, float]:
    """A node's size from its label's: the label with the node's margin."""
    return max(54.0, w + 20.0), max(36.0, h + 10.0)


def node_size(line: str) -> tuple[float, float]:
    """About the (width, height) in points of the node a DOT node line draws (read from
    the line; the chart's nodes are measured as they are written, see `stacked`)."""
    at = line.find(_LABEL)
    return node_box(*label_size(line[at:], 11.0)) if at >= 0 else node_box(40.0, 14.0)


# -- planning -------------------------------------------------------------------------


@dataclass
class Part:
    """A stack of leaf children (`columns`) or one child with its subtree (`unit`), with its
    estimated extent: `w`, `h` in points, `ranks` deep, its nodes on its first rank
    (`tops`) and one node on its last rank (`bottom`)."""

    w: float
    h: float
    ranks: int
    tops: list[str]
    bottom: str
    columns: list[list[str]] = field(default_factory=list)
    unit: str | None = None


@dataclass
class Plan:
    """Where every parent's children go: rows of parts, per parent ("" for the top)."""

    rows: dict[str, list[list[Part]]]
    w: float
    h: float

    @property
    def wraps(self) -> int:
        """How many rows of children there are beyond the first of each parent."""
        return sum(len(r) - 1 for r in self.rows.values() if r)


@dataclass
class _Family:
    """A parent's children in the order given (the order people read), its leaf children
    that have not ended (they go in one stack) and the widest and tallest of those, and
    its `slots`: what the parts of its children are, in order (`plan`'s `arrange`)."""

    children: list[tuple[str, bool]]
    leaves: list[str]
    cell: tuple[float, float]
    in_stack: frozenset[str]
    #: a child with children of its own (its part, the plan's), None for the stack of
    #: leaves (where the first of them is), or the part of an ended unit on its own
    slots: list[str | Part | None] = field(default_factory=list)
    #: the family the parent is a child in ("" for a top unit; None for the top's own)
    up: str | None = None
    #: the room around the stack of leaves when it is boxed (see `plan`), and the width
    #: a column of them takes with the gap after it
    pad: float = 0.0
    step: float = 0.0


def _families(order: Sequence[str], kids: Kids,
              size: Mapping[str, tuple[float, float]]) -> dict[str, _Family]:
    """The families of every parent, and of the top units ("")."""
    out: dict[str, _Family] = {}
    children = {c for cs in kids.values() for c, _ in cs}
    for parent, mine in [("", [(u, False) for u in order if u not in children]),
                         *((u, kids[u]) for u in order if u in kids)]:
        ordered = list(mine)  # as given: the order people read
        leaves = [c for c, gone in ordered if c not in kids and not gone]
        cell = (max((size[x][0] for x in leaves), default=0.0),
                max((size[x][1] for x in leaves), default=0.0))
        in_stack = frozenset(leaves)
        slots: list[str | Part | None] = []
        for c, _ in ordered:
            if c in kids:
                slots.append(c)
            elif leaves and c == leaves[0]:  # (a child not in kids, not ended: a leaf)
                slots.append(None)
            elif c not in in_stack:  # an ended unit on its own, near where it went
                w, h = size[c]
                slots.append(Part(w, h, 1, [c], c, unit=c))
        out[parent] = _Family(ordered, leaves, cell, in_stack, slots,
                              pad=2 * MARGIN if parent and len(leaves) > 1 else 0.0,
                              step=cell[0] + GAP_X)
    for parent, fam in out.items():
        for slot in fam.slots:
            if isinstance(slot, str):
                out[slot].up = parent
    return out


def _stack(leaves: Sequence[str], cell: tuple[float, float],
           size: Mapping[str, tuple[float, float]], most: int, shape: float,
           boxed: bool) -> Part:
    """Leaves in columns (column after column, in the given order): the number of columns
    whose box is closest to `shape` (width over height), of at most `most` (see `plan`);
    `cell` is the widest and tallest leaf."""
    n = len(leaves)
    cell_w, cell_h = cell
    pad = 2 * MARGIN if boxed else 0.0

    def extent(cols: int) -> tuple[float, float]:
        rows = math.ceil(n / cols)
        return (cols * cell_w + GAP_X * (cols - 1) + pad,
                rows * cell_h + GAP_Y * (rows - 1) + pad)

    def off(cols: int) -> tuple[float, int]:
        """How far the box of `cols` columns is from `shape` (fewer columns first)."""
        w, h = extent(cols)
        return abs(math.log(w / h / shape)), cols

    ideal = math.sqrt(shape * n * (cell_h + GAP_Y) / (cell_w + GAP_X))
    low, high = max(1, min(most, math.floor(ideal))), max(1, min(most, math.ceil(ideal)))
    # the closer of the two (they differ in `cols`, so one is strictly closer)
    cols = low if low == high or off(low) < off(high) else high
    rows = math.ceil(n / cols)
    columns = [list(leaves[i:i + rows]) for i in range(0, n, rows)]
    w = sum([max([size[x][0] for x in col]) for col in columns]) + GAP_X * (len(columns) - 1) \
        + pad
    return Part(w, extent(cols)[1], rows, [c[0] for c in columns], columns[0][-1],
                columns=columns)


def _wrap(parts: Sequence[Part], width: float) -> list[list[Part]]:
    """Parts in rows left to right, a new row when the next part would pass `width`."""
    rows: list[list[Part]] = []
    used = 0.0
    for p in parts:
        if rows and used + GAP_X + p.w <= width:
            rows[-1].append(p)
            used += GAP_X + p.w
        else:
            rows.append([p])
            used = p.w
    return rows


def _wrap_within(parts: Sequence[Part], width: float) -> tuple[list[list[Part]], float, float]:
    """`_wrap`, and the widths it gives the same rows for (the same sums compared): from
    the widest a part joined a row at, up to (not including) the narrowest one did not."""
    rows: list[list[Part]] = []
    used = 0.0
    lo, hi = -math.inf, math.inf
    for p in parts:
        if rows:
            need = used + GAP_X + p.w
            if need <= width:
                rows[-1].append(p)
                used += GAP_X + p.w
                lo = need if need > lo else lo
                continue
            hi = need if need < hi else hi
        rows.append([p])
        used = p.w
    return rows, lo, hi


def _extent(rows: Sequence[Sequence[Part]]) -> tuple[float, float, int, str | None]:
    """Width, height, ranks and lowest node of parts in rows (the widest row's width, the
    rows' heights and ranks added up, the first of the deepest parts of the last row)."""
    if not rows:
        return 0.0, 0.0, 0, None
    w = h = 0.0
    ranks = 0
    for row in rows:  # loops, not generators: this runs for every parent of every plan
        row_w = row_h = 0.0
        row_ranks = 0
        for p in row:
            row_w += p.w
            row_h = p.h if p.h > row_h else row_h
            row_ranks = p.ranks if p.ranks > row_ranks else row_ranks
        row_w += GAP_X * (len(row) - 1)
        w = row_w if row_w > w else w
        h += row_h
        ranks += row_ranks
    h += GAP_Y * (len(rows) - 1)
    bottom = max(rows[-1], key=lambda p: p.ranks).bottom
    return w, h, ranks, bottom


Extent = tuple[float, float, int, str | None]


@dataclass
class Kept:
    """What the plans of one shape keep for the next: the boxes of leaves, by parent and
    the most columns allowed (a box depends on the width only through that number), and
    each parent's last arrangement: the most columns its box of leaves had (0: none), the
    widths that wrap its children's parts the same way (`_wrap_within`), its rows, their
    extent and the parent's part."""

    stacks: dict[tuple[str, int], Part] = field(default_factory=dict)
    rows: dict[str, tuple[int, float, float, list[list[Part]], Extent, Part | None]] = \
        field(default_factory=dict)


def plan(families: dict[str, _Family], size: Mapping[str, tuple[float, float]],
         width: float, shape: float, kept: Kept | None = None) -> Plan:
    """Every parent's children as rows of parts no wider than `width` (when they can be),
    boxes of leaves shaped like `shape`; `families` are `_families` of every node in an
    order with parents before children. `kept`: what earlier plans of the same `shape`
    worked out (see `Kept`), kept for the next: a parent whose children's parts are the
    same objects and whose width wraps them the same way keeps its arrangement and part.
    Those parts are the same when its box of leaves has as many columns at most (the same
    box, `Kept.stacks`) and none of its children was arranged afresh in this plan (a
    part arranged afresh is a new object; one kept is the object its parent last saw,
    as any plan that made a new one arranged the parent afresh too), so that is what is
    looked at (`fresh`: the families of the parents arranged afresh), before any part."""
    parts: dict[str, Part] = {}
    rows: dict[str, list[list[Part]]] = {}
    kept = Kept() if kept is None else kept
    stacks, before = kept.stacks, kept.rows
    fresh: set[str] = set()

    def arrange(parent: str, fam: _Family, most: int) -> tuple[Extent, Part | None]:
        """The children in the order given; the leaves (not ended) together in one stack
        of at most `most` columns, where the first of them is; their rows' extent and the
        parent's part."""
        got: list[Part] = []
        for slot in fam.slots:
            if slot is None:
                key = (parent, most)
                stack = stacks.get(key)
                if stack is None:
                    stack = stacks[key] = _stack(fam.leaves, fam.cell, size, most, shape,
                                                 fam.pad > 0)
                got.append(stack)
            else:
                got.append(parts[slot] if isinstance(slot, str) else slot)
        found, lo, hi = _wrap_within(got, width)
        if len(found) > 1 and fam.leaves:  # the box on a row of its own, last, centred under
            box = next(p for p in got if p.columns)  # the trunk (dot does not keep a box
            rest, lo2, hi2 = _wrap_within([p for p in got if p is not box], width)  # in its
            found = [*rest, [box]]  # place in a row)
            lo, hi = max(lo, lo2), min(hi, hi2)
        extent = _extent(found)
        part = None
        if parent:
            w, h, ranks, bottom = extent
            uw, uh = size[parent]
            part = Part(max(uw, w), uh + GAP_Y + h, 1 + ranks, [parent], bottom or parent,
                        unit=parent)
        rows[parent] = found
        before[parent] = (most, lo, hi, found, extent, part)
        if fam.up is not None:
            fresh.add(fam.up)
        return extent, part

    extent: Extent = (0.0, 0.0, 0, None)
    # children before parents: `order`'s parents from the last, then the top ("")
    for parent, fam in reversed(families.items()):
        leaves = fam.leaves
        # the most columns of its leaves that a box no wider than `width` holds (at least
        # one; none without leaves), written here alone: this runs for every parent of
        # every plan, most of them kept
        most = max(1, min(len(leaves), int((width - fam.pad + GAP_X) // fam.step))) \
            if leaves else 0
        last = before.get(parent)
        if last is not None and last[0] == most and last[1] <= width < last[2] \
                and parent not in fresh:
            rows[parent] = last[3]
            extent, part = last[4], last[5]
        else:
            extent, part = arrange(parent, fam, most)
        if part is not None:
            parts[parent] = part
    return Plan(rows, extent[0], extent[1])


#: The estimated width over height that needs no wrapping to fix (the estimate misses by up
#: to a quarter either way, and the chart must come out within 1:2.5 and 2.5:1).
BAND = (0.9, 1.55)
#: What a wrapped row costs, as a share of the picture's area (a row that need not wrap
#: is easier to follow than one that does).
WRAP_COST = 0.15


def best_plan(order: Sequence[str], kids: Kids, size: Mapping[str, tuple[float, float]],
              title: tuple[float, float]) -> Plan:
    """Of the plans whose picture (with the title above it) is about as wide as `BAND`
    allows, the smallest, where each wrapped row counts as `WRAP_COST` more area."""
    area = sum((w + GAP_X) * (h + GAP_Y) for w, h in size.values())
    widest = max((w for w, _ in size.values()), default=0.0)
    best: tuple[tuple[float, float], Plan] | None = None
    families = _families(order, kids, size)

    def judge(p: Plan) -> float:
        nonlocal best
        w, h = max(p.w, title[0]) + 2 * PAD, p.h + title[1] + 2 * PAD
        aspect = w / h
        outside = max(0.0, math.log(BAND[0] / aspect), math.log(aspect / BAND[1]))
        key = (round(outside, 2), w * h * (1 + WRAP_COST * p.wraps))
        if best is None or key < best[0]:
            best = (key, p)
        return aspect

    for shape in BOX_SHAPES if len(order) <= MANY else BOX_SHAPES[1:2]:
        kept = Kept()
        width = max(widest, math.sqrt(area * ASPECT))
        for _ in range(6):  # towards ASPECT
            aspect = judge(plan(families, size, width, shape, kept))
            if abs(math.log(aspect / ASPECT)) < 0.05:
                break
            width = max(widest, width * math.sqrt(ASPECT / aspect))
        while aspect < BAND[1]:  # then wider while it stays in the band: fewer wraps
            width *= 1.25
            p = plan(families, size, width, shape, kept)
            aspect = judge(p)
            if p.wraps == 0:
                break
    assert best is not None
    return best[1]


# -- DOT ------------------------------------------------------------------------------


def tree(size: Mapping[str, tuple[float, float]], kids: Kids, q: Mapping[str, str],
         title: tuple[float, float]) -> list[str]:
    """The tree edges (and the invisible ones that shape it) for the nodes of `size` (id ->
    the node's estimated size, as `node_size` reads it from the node's line), `kids`
    (parent -> (child, ended?)), `q` (each id as DOT text) and the title's estimated
    size."""
    if not size:
        return []
    order = _parents_first(size, kids)
    chosen = best_plan(order, kids, size, title)
    ended = {c for cs in kids.values() for c, gone in cs if gone}
    out: list[str] = []
    for parent in ["", *order]:
        if parent in chosen.rows:
            out.extend(_children(parent, chosen.rows[parent], q, ended))
    return out


def _children(parent: str, rows: Sequence[Sequence[Part]], q: Mapping[str, str],
              ended: set[str]) -> list[str]:
    """A parent's rows of children: the first row hangs from the parent, each later row
    from a junction on a trunk that comes down from the parent beside the rows above
    (at the rank of their lowest unit, set by an invisible edge)."""
    out: list[str] = []
    here = q[parent] if parent else ""
    for k, row in enumerate(rows):
        junction = _junction(q[parent], k + 1) if parent and k + 1 < len(rows) else None
        if junction:
            deepest = max(row, key=lambda p: p.ranks).bottom
            out.append(f"  {junction} [shape=point, width=0.04, height=0.04, "
                       f"color=\"#8b98a5\", id=\"junction-{junction[2:]}, "
                       f"class=\"oc-junction\"];")
            out.append(f"  {q[deepest]} -> {junction} [style=invis, minlen=0, weight=0];")
        lines = [_part(here, part, q, ended) for part in row]
        edges = [line for part in lines for line in part]
        trunk = [f"  {here} -> {junction};"] if junction else []
        middle = len(row) // 2  # the trunk leaves between the row's middle parts
        cut = sum(len(part) for part in lines[:middle])
        out.extend(edges[:cut] + trunk + edges[cut:])
        if not parent and k + 1 < len(rows):  # the top rows: only ranks
            deepest = max(row, key=lambda p: p.ranks).bottom
            out.extend(f"  {q[deepest]} -> {q[p.tops[0]]} [style=invis, weight=0];"
                       for p in rows[k + 1])
        here = junction or here
    return out


def _junction(quoted_parent: str, row: int) -> str:
    """The DOT name of the junction above a parent's `row` (no unit id starts with `~`)."""
    return f"\"~{quoted_parent[1:-1]}~{row}\""


def _parents_first(nodes: Iterable[str], kids: Kids) -> list[str]:
    """Every node, each parent before its children (depth first from the top nodes)."""
    children = {c for cs in kids.values() for c, _ in cs}
    out: list[str] = []
    stack = [u for u in reversed(list(nodes)) if u not in children]
    while stack:
        unit = stack.pop()
        out.append(unit)
        stack.extend(c for c, _ in reversed(kids.get(unit, ())))
    return out


def _edge(tail: str, head: str, dashed: bool, extra: str = "") -> str:
    """A tree edge between two DOT names (dashed to an ended unit)."""
    attrs = [*(["style=dashed", "color=\"#b3b9bf\""] if dashed else []), *filter(None, [extra])]
    return f"  {tail} -> {head}{' [' + ', '.join(attrs) + ']' if attrs else ''};"


def _part(here: str, part: Part, q: Mapping[str, str], ended: set[str]) -> list[str]:
    """The lines of one part hanging from `here` (the parent's or a junction's DOT name;
    empty for the top units)."""
    if part.unit is not None:
        return [_edge(here, q[part.unit], part.unit in ended)] if here else []
    leaves = [x for col in part.columns for x in col]
    if len(leaves) == 1:
        return [_edge(here, q[leaves[0]], leaves[0] in ended)] if here else []
    out: list[str] = []
    parent = bool(here)
    indent = "    " if parent else "  "
    name = _cluster(here) if parent else ""
    if parent:
        out += [f"  subgraph {name} {{", "    " + BOX]
    out.append(indent + " ".join(f"{q[x]};" for x in leaves))
    out.extend(f"{indent}{' -> '.join(q[x] for x in col)} [style=invis];"
               for col in part.columns if len(col) > 1)
    if len(part.columns) > 1:
        out.append(f"{indent}{{ rank=same; {' -> '.join(q[c[0]] for c in part.columns)} "
                   f"[style=invis]; }}")
    if parent:
        out.append("  }")
        middle = part.columns[len(part.columns) // 2][0]
        out.append(_edge(here, q[middle], False, f"lhead={name}"))
    return out


def _cluster(quoted_parent: str) -> str:
    """`"cluster_<id>"` from the quoted id `"<id>"`."""
    return "\"cluster_" + quoted_parent[1:]
