"""The compact layout, drawn by Graphviz: charts of 10–60 units of government-like
histories come out about as wide as tall; `--layout` reaches `render` and `at`."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from orgchart.application.service import OrgChartService
from orgchart.cli import cli
from orgchart.domain.dates import EffDate
from orgchart.presentation import draw, graph
from tests.conftest import SEED
from tests.uklike import CHART_DATE, DAY_BEFORE, FIRST_ROUND, uk_history

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed")

#: The widest and the tallest a compact chart of up to about 60 units may be (width/height).
LOWEST, HIGHEST = 1 / 2.5, 2.5
SINCE = (None, DAY_BEFORE, FIRST_ROUND)  # the chart alone, one day's changes, seven years'


def aspect(svg: bytes) -> float:
    """Width over height of a Graphviz SVG (its `width="…pt" height="…pt"`)."""
    m = re.search(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert m, svg[:300]
    return float(m.group(1)) / float(m.group(2))


def store(tmp: Path, history: dict[str, object]) -> OrgChartService:
    path = tmp / "history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    db = str(tmp / "store.db")
    r = CliRunner().invoke(cli, ["--db", db, "load", "--quiet", str(path)], obj={})
    assert r.exit_code == 0, r.output
    return OrgChartService(db)


def drawn(svc: OrgChartService, since: str | None, layout: str = "compact") -> bytes:
    data = svc.render_data(EffDate.parse(CHART_DATE),
                           since=EffDate.parse(since) if since else None)
    return draw.draw(graph.chart_dot(data["chart"], data["delta"], layout=layout), "svg")


@pytest.fixture
def tmp_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ORGCHART_CACHE", str(tmp_path / "cache"))
    yield tmp_path


@needs_dot
@pytest.mark.parametrize("units", range(10, 61, 5))
def test_compact_charts_are_about_as_wide_as_tall(tmp_store: Path, units: int) -> None:
    """Seeded government-like histories of 10–60 units, each drawn on its last day alone,
    with that day's changes and with seven years' changes (ended units, arrows)."""
    svc = store(tmp_store, uk_history(units, seed=units))
    try:
        ratios = {since: aspect(drawn(svc, since)) for since in SINCE}
    finally:
        svc.close()
    assert all(LOWEST <= r <= HIGHEST for r in ratios.values()), ratios


@needs_dot
def test_twenty_five_departments_under_one_root(tmp_store: Path) -> None:
    """The picture of the issue: 25 departments, a few with agencies, `render --since`.
    The wide layout draws it as a strip; the compact one about as wide as tall."""
    svc = store(tmp_store, uk_history(34, seed=7, departments=25))
    try:
        chart = svc.render_data(EffDate.parse(CHART_DATE))["chart"]
        tops = [u for u in chart["units"] if u["parent"] is None]
        assert len(tops) == 1
        assert sum(u["parent"] == tops[0]["id"] for u in chart["units"]) >= 25
        for since in (DAY_BEFORE, FIRST_ROUND):
            assert aspect(drawn(svc, since, "wide")) > HIGHEST
            assert LOWEST <= aspect(drawn(svc, since)) <= HIGHEST
    finally:
        svc.close()


@needs_dot
def test_the_seed_chart_is_compact(tmp_store: Path) -> None:
    db = str(tmp_store / "seed.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "load", "--quiet", str(SEED)], obj={}).exit_code == 0
    for args in (["render", "2026-04-01", "--since", "2026-03-31"], ["render", "2025"]):
        r = runner.invoke(cli, ["--db", db, *args, "-o", "-", "--format", "svg"], obj={})
        assert r.exit_code == 0, r.output
        assert LOWEST <= aspect(r.stdout_bytes) <= HIGHEST


def test_layout_option_reaches_render_and_at(tmp_store: Path) -> None:
    db = str(tmp_store / "seed.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "load", "--quiet", str(SEED)], obj={}).exit_code == 0

    def out(*args: str) -> str:
        r = runner.invoke(cli, ["--db", db, *args], obj={})
        assert r.exit_code == 0, r.output
        return r.stdout

    svc = OrgChartService(db)
    try:
        chart = svc.render_data(EffDate.parse("2026-04-01"))["chart"]
        for layout in graph.LAYOUTS:
            render = out("render", "2026-04-01", "--format", "dot", "-o", "-", "--layout", layout)
            assert render == out("at", "2026-04-01", "--format", "dot", "--layout", layout)
            assert render == graph.chart_dot(chart, layout=layout)
        assert out("render", "2026-04-01", "--format", "dot", "-o", "-") \
            == graph.chart_dot(chart, layout="compact")
    finally:
        svc.close()
    bad = runner.invoke(cli, ["--db", db, "render", "2026", "--layout", "tall"], obj={})
    assert bad.exit_code == 2 and "'tall' is not one of 'compact', 'wide'" in bad.output
    assert "compact" in out("render", "--help") and "wide" in out("at", "--help")


def unit_places(svg: bytes) -> dict[str, tuple[float, float]]:
    """Where each unit's outline starts in a Graphviz SVG, from where the first unit's (by
    id) does (the picture may be shifted as a whole)."""
    found = {m.group(1).decode(): (float(m.group(2)), float(m.group(3))) for m in re.finditer(
        rb'<g id="unit&#45;([^"]*)" class="node[^"]*">\n<title>[^<]*</title>\n'
        rb'<path [^>]* d="M(-?[\d.]+),(-?[\d.]+)', svg)}
    x0, y0 = found[min(found)]
    return {u: (round(x - x0, 1), round(y - y0, 1)) for u, (x, y) in found.items()}


@needs_dot
@pytest.mark.parametrize("routed", [True, False])
def test_lineage_arrows_are_drawn_over_the_laid_out_chart(
        tmp_store: Path, monkeypatch: pytest.MonkeyPatch, routed: bool) -> None:
    """The arrows of ended units do not move a unit: the chart is laid out without them,
    and they are routed around the units (small charts) or drawn straight (big ones)."""
    if not routed:
        monkeypatch.setattr(draw, "ROUTED_NODES", 10)
    svc = store(tmp_store, uk_history(40, seed=3))
    try:
        data = svc.render_data(EffDate.parse(CHART_DATE), since=EffDate.parse(FIRST_ROUND))
    finally:
        svc.close()
    dot = graph.chart_dot(data["chart"], data["delta"])
    arrows = [line for line in dot.splitlines() if draw.OVERLAY in line]
    assert arrows and all("label" not in line for line in arrows)
    with_arrows = draw.draw(dot, "svg")
    without = draw.draw("\n".join(x for x in dot.splitlines() if x not in arrows), "svg")
    assert len(unit_places(with_arrows)) >= 40
    assert unit_places(with_arrows) == unit_places(without)
    assert with_arrows.count(b'class="edge oc&#45;lineage"') == len(arrows)
    assert draw.draw(dot, "png").startswith(b"\x89PNG")


@needs_dot
def test_a_failed_overlay_draws_the_chart_in_one_go(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(dot: str, fmt: str, out: object = None) -> bytes:
        raise draw.GraphvizFailed(b"Error: no")

    monkeypatch.setattr(draw, "_overlaid", fail)
    dot = ('digraph { a; b; c; a -> b; '
           f'c -> a [constraint=false, {draw.OVERLAY}]; }}')
    svg = draw.draw(dot, "svg")
    assert svg.count(b'class="edge') == 2
