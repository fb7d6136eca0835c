"""The compact layout's DOT, read back: every unit hangs from its own parent exactly once
(directly, through a box of leaves, or through the junctions of wrapped rows), ended units
never sit in a box, the lineage arrows join drawn units and carry no label, and the box
does not look like an ended unit."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orgchart.presentation import compact, draw, graph

EDGE = re.compile(r'^  ("[^"]*") -> ("[^"]*")(?: \[(.*)\])?;$')
NAME = re.compile(r'"([^"]*)"')

NAMES = ["Cabinet Office", "Department for Business, Energy and Industrial Strategy",
         "HM Treasury", "Office of the Secretary of State for Wales", "研发中心", "Met Office",
         "Medicines and Healthcare products Regulatory Agency", "搜推智能产品事业部"]


def unit(uid: str, parent: str | None, name: str, leaders: int = 0) -> dict[str, Any]:
    return {"id": uid, "name": name, "name_en": None, "kind": "department", "parent": parent,
            "since": "2020", "leaders": [{"person": f"p{i}", "name": f"Person {i}",
                                          "role": "head", "title": "Chief Executive",
                                          "since": "2020"} for i in range(leaders)]}


@st.composite
def charts(draw: st.DrawFn) -> tuple[dict[str, Any], graph.Delta | None]:
    """A forest of up to 80 units (parents drawn from the units before, so some have many
    children), and maybe a delta with ended units under them and split/merge links."""
    n = draw(st.integers(1, 80))
    hubs = draw(st.integers(1, 6))
    units = []
    for i in range(n):
        parent = None if i == 0 else draw(st.sampled_from(
            [None, *[f"u{j}" for j in range(min(i, hubs))], f"u{i - 1}"]))
        units.append(unit(f"u{i}", parent, draw(st.sampled_from(NAMES)),
                          draw(st.integers(0, 2))))
    chart = {"date": "2023-02-07", "known_at": None, "title": "T", "units": units}
    if not draw(st.booleans()):
        return chart, None
    ended = [unit(f"x{i}", draw(st.sampled_from([None, *[u["id"] for u in units]])),
                  draw(st.sampled_from(NAMES))) for i in range(draw(st.integers(1, 8)))]
    ids = [u["id"] for u in units + ended]
    links = [{"source": draw(st.sampled_from(ids)), "target": draw(st.sampled_from(ids)),
              "how": draw(st.sampled_from(["split", "merge"])), "date": "2023"}
             for _ in range(draw(st.integers(0, 6)))]
    delta: graph.Delta = {
        "since": "2023-02-06", "reverse": False, "links": links, "lives": {},
        "changes": [{"unit": x["id"], "change": "removed", "events": []} for x in ended],
        "before": units + ended}
    return chart, delta


def read_tree(dot: str) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """(child -> the parents it hangs from, cluster -> its members, lineage edge lines)."""
    clusters: dict[str, list[str]] = {}
    inside: str | None = None
    edges: list[tuple[str, str, str]] = []
    arrows: list[str] = []
    for line in dot.splitlines():
        m = re.match(r'^  subgraph "cluster_([^"]*)" \{$', line)
        if m:
            inside = m.group(1)
            clusters[inside] = []
        elif line == "  }":
            inside = None
        elif inside is not None and not line.lstrip().startswith("graph ["):
            clusters[inside].extend(x for x in NAME.findall(line) if x not in clusters[inside])
        elif (e := EDGE.match(line)) and "style=invis" not in (e.group(3) or ""):
            if "constraint=false" in (e.group(3) or ""):
                arrows.append(line)
            else:
                edges.append((e.group(1)[1:-1], e.group(2)[1:-1], e.group(3) or ""))
    into = {head: tail for tail, head, _ in edges if head.startswith("~")}

    def owner(name: str) -> str:  # a junction belongs to the parent its trunk leaves
        while name.startswith("~"):
            name = into[name]
        return name

    parents: dict[str, list[str]] = {}
    for tail, head, attrs in edges:
        if head.startswith("~"):
            continue
        m = re.search(r'lhead="cluster_([^"]*)"', attrs)
        for child in clusters[m.group(1)] if m else [head]:
            parents.setdefault(child, []).append(owner(tail))
    return parents, clusters, arrows


@settings(max_examples=150, deadline=None)
@given(charts())
def test_every_unit_hangs_from_its_parent_once(case: tuple[dict[str, Any],
                                                           graph.Delta | None]) -> None:
    chart, delta = case
    dot = graph.chart_dot(chart, delta)
    parents, clusters, arrows = read_tree(dot)
    ended = {x["id"] for x in delta["before"]} - {u["id"] for u in chart["units"]} \
        if delta else set()
    drawn = {u["id"]: u["parent"] for u in chart["units"]}
    for x in delta["before"] if delta else []:  # the ended units under drawn ones
        if x["id"] in ended and (x["parent"] in drawn or x["parent"] is None):
            drawn[x["id"]] = x["parent"]
    want = {u: [p] for u, p in drawn.items() if p in drawn}
    assert parents == want
    boxed = [m for members in clusters.values() for m in members]
    assert len(boxed) == len(set(boxed))  # no unit in two boxes
    assert not set(boxed) & ended  # an ended unit is never boxed
    assert all(len(m) > 1 for m in clusters.values())  # a box holds several units
    for line in arrows:
        assert "label" not in line
        tail, head = (x[1:-1] for x in EDGE.match(line).groups()[:2])  # type: ignore[union-attr]
        assert tail in drawn and head in drawn
    wide_arrows = [re.sub(r", fontsize=9, .*label=<[^>]*>", f", {draw.OVERLAY}", line)
                   for line in graph.chart_dot(chart, delta, layout="wide").splitlines()
                   if "constraint=false" in line]
    assert arrows == wide_arrows  # the wide layout's arrows, without labels, drawn over


def test_box_does_not_look_like_an_ended_unit() -> None:
    ended = graph.STYLES["removed"]
    assert "dashed" not in compact.BOX
    assert f'"{ended["fill"]}"' not in compact.BOX and f'"{ended["line"]}"' not in compact.BOX
    # the legend's "ended"
    assert 'STYLE="dashed"' in graph._legend("2026-03-31", False, {"removed": {"removed"}})


def test_unknown_layout_is_refused() -> None:
    chart = {"date": "2023", "known_at": None, "units": [unit("a", None, "A")]}
    try:
        graph.chart_dot(chart, layout="tall")
    except ValueError as e:
        assert "compact, wide" in str(e)
    else:
        raise AssertionError("a layout that does not exist was accepted")


def test_label_size_reads_rows_and_font_sizes() -> None:
    one = compact.label_size('<TABLE><TR><TD><FONT POINT-SIZE="12"><B>Met Office</B></FONT>'
                             '</TD></TR></TABLE>')
    two = compact.label_size('<TABLE><TR><TD><FONT POINT-SIZE="12"><B>Met Office</B></FONT>'
                             '</TD></TR><TR><TD><FONT POINT-SIZE="9">x</FONT></TD></TR></TABLE>')
    assert two[0] == one[0] and two[1] > one[1]
    assert compact.text_width("研发中心", 10) > compact.text_width("Met", 10)


def plain_extent(rows: list[list[compact.Part]]) -> tuple[float, float, int, str | None]:
    """`compact._extent` written plainly."""
    if not rows:
        return 0.0, 0.0, 0, None
    w = max(sum(p.w for p in row) + compact.GAP_X * (len(row) - 1) for row in rows)
    h = sum(max(p.h for p in row) for row in rows) + compact.GAP_Y * (len(rows) - 1)
    ranks = sum(max(p.ranks for p in row) for row in rows)
    return w, h, ranks, max(rows[-1], key=lambda p: p.ranks).bottom


def plain_most(n: int, cell: tuple[float, float], width: float, boxed: bool) -> int:
    """The most columns of `n` leaves (`cell`: the widest and tallest) that a box no wider
    than `width` holds (at least one), as `compact.plan` works it out for each parent."""
    pad = 2 * compact.MARGIN if boxed else 0.0
    return max(1, min(n, int((width - pad + compact.GAP_X) // (cell[0] + compact.GAP_X))))


def plain_plan(order: list[str], kids: dict[str, list[tuple[str, bool]]],
               size: dict[str, tuple[float, float]], width: float, shape: float) -> compact.Plan:
    """`compact.plan` written plainly: each parent's children looked at one by one."""
    families = compact._families(order, kids, size)
    parts: dict[str, compact.Part] = {}
    rows: dict[str, list[list[compact.Part]]] = {}

    def arrange(parent: str) -> list[list[compact.Part]]:
        fam = families[parent]
        leaves = fam.leaves
        got: list[compact.Part] = []
        for c, _ in fam.children:
            if c in parts:
                got.append(parts[c])
            elif leaves and c == leaves[0]:
                boxed = bool(parent) and len(leaves) > 1
                most = plain_most(len(leaves), fam.cell, width, boxed)
                got.append(compact._stack(leaves, fam.cell, size, most, shape, boxed))
            elif c not in fam.in_stack:
                w, h = size[c]
                got.append(compact.Part(w, h, 1, [c], c, unit=c))
        found = compact._wrap(got, width)
        if len(found) > 1 and leaves:
            box = next(p for p in got if p.columns)
            found = [*compact._wrap([p for p in got if p is not box], width), [box]]
        return found

    for unit_id in reversed(order):
        if unit_id not in families:
            continue
        rows[unit_id] = arrange(unit_id)
        w, h, ranks, bottom = plain_extent(rows[unit_id])
        uw, uh = size[unit_id]
        parts[unit_id] = compact.Part(max(uw, w), uh + compact.GAP_Y + h, 1 + ranks,
                                      [unit_id], bottom or unit_id, unit=unit_id)
    rows[""] = arrange("")
    w, h, _, _ = plain_extent(rows[""])
    return compact.Plan(rows, w, h)


@settings(max_examples=100, deadline=None)
@given(charts(), st.lists(st.floats(0, 5000), min_size=1, max_size=6),
       st.sampled_from(compact.BOX_SHAPES))
def test_plans_reusing_boxes_are_the_plans_made_afresh(
        case: tuple[dict[str, Any], graph.Delta | None], widths: list[float],
        shape: float) -> None:
    """A plan made with what earlier plans kept (boxes, arrangements: as `best_plan` makes
    them) is the plan made from nothing and the plan made plainly (ended units among the
    children), and every parent's extent is the plainly written one."""
    chart, delta = case
    units = chart["units"]
    ids = {u["id"] for u in units}
    size = {u["id"]: graph._plain_node(u)[1] for u in units}
    kids: dict[str, list[tuple[str, bool]]] = {}
    for u in units:
        if u["parent"] in ids:
            kids.setdefault(u["parent"], []).append((u["id"], False))
    for x in delta["before"][len(units):] if delta else []:  # the ended units
        size[x["id"]] = graph._ghost_node(x, {}, False)[1]
        if x["parent"] in ids:
            kids.setdefault(x["parent"], []).append((x["id"], True))
    order = compact._parents_first(size, kids)
    families = compact._families(order, kids, size)
    # and the widths where a box of leaves gains its second column, and just under them
    # (its margins decide the column count there)
    edges = [2 * (f.cell[0] + compact.GAP_X) - compact.GAP_X + pad
             for f in families.values() if len(f.leaves) > 1 for pad in (0.0, 2 * compact.MARGIN)]
    kept = compact.Kept()
    for width in [*widths, *(w - d for w in edges[:4] for d in (0.0, 1e-6))]:
        reused = compact.plan(families, size, width, shape, kept)
        assert reused == compact.plan(families, size, width, shape)
        assert reused == plain_plan(order, kids, size, width, shape)
        for rows in reused.rows.values():
            assert compact._extent(rows) == plain_extent(rows)
