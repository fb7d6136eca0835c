"""`orgchart timeline` at scale: each step drawn around what changed, a step that
Graphviz cannot draw shown as text, the date pills grouped by year on a long
history, retracted events struck through, the page written through a
temporary file.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from orgchart.application.history_page import PageStep
from orgchart.domain.errors import OrgchartError
from orgchart.presentation import page as history_page
from orgchart.presentation.focus import focus
from tests.conftest import Run
from tests.integration.test_history_page import page_data

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed")


def long_history(tmp_path: Path, years: int = 35) -> str:
    """A unit with two children renamed once a year from 1990 on: `years` + 1 steps."""
    events: list[dict[str, Any]] = [
        {"type": "establish", "date": "1989-05-01", "unit": "corp", "name": "Corp"},
        {"type": "establish", "date": "1989-05-01", "unit": "a", "name": "A", "parent": "corp"},
        {"type": "establish", "date": "1989-05-01", "unit": "b", "name": "B", "parent": "corp"},
    ]
    events += [{"type": "rename", "date": f"{1990 + i}-03-01", "unit": "a", "name": f"A{i}"}
               for i in range(years)]
    doc = {"format": "orgchart/v1", "title": "Long", "recorded": "2026-01-01",
           "events": events}
    path = tmp_path / "long.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


@needs_dot
def test_a_step_dot_cannot_draw_is_shown_as_text(seeded: Run, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = history_page._graphviz

    def failing(dot: str) -> bytes:
        if "platform-users" in dot:  # only the last step, 2026-04-01, has it
            raise OrgchartError("Graphviz could not draw the chart: trouble in init_rank")
        return real(dot)

    monkeypatch.setattr(history_page, "_graphviz", failing)
    out = tmp_path / "history.html"
    r = seeded("timeline", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr == ("warning: the chart on 2026-04-01 could not be drawn (Graphviz could "
                        "not draw the chart: trouble in init_rank); its changes are shown as "
                        "text\n")
    html = out.read_text(encoding="utf-8")
    section = html.split('<section class="step" id="2026-04-01"', 1)[1].split("</section>")[0]
    assert "<svg" not in section
    figure = section.split('<figure class="chart">', 1)[1].split("</figure>")[0]
    assert figure.startswith(
        '<p class="chart-failed" role="note">The chart on this date could not be drawn '
        "(Graphviz could not draw the chart: trouble in init_rank). What changed:</p>"
        '<ul class="changes"><li class="chg chg-removed">Ended: ')
    assert '<li class="chg chg-removed">Ended: 搜推智能产品事业部 (split)</li>' in figure
    assert html.count('class="chart-failed"') == 1
    assert all('<div class="chart-scroll"' in x
               for x in html.split('<section class="step"')[1:-1])
    data = page_data(html)
    assert [s["failed"] is not None for s in data["steps"]] == [False] * 4 + [True]


def test_a_failed_page_leaves_the_file_as_it_was(seeded: Run, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(dot: str) -> bytes:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(history_page, "_graphviz", broken)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "history.html"
    out.write_text("before", encoding="utf-8")
    r = seeded("timeline", "-o", str(out))
    assert r.exit_code != 0
    assert out.read_text(encoding="utf-8") == "before"
    assert [p.name for p in out.parent.iterdir()] == ["history.html"]  # no temporary file


@needs_dot
def test_dates_are_grouped_by_year_above_30_steps(run: Run, tmp_path: Path) -> None:
    assert run("load", long_history(tmp_path, 35)).exit_code == 0
    html = run("timeline", "-o", "-").stdout
    nav = html.split('<ol id="dates"', 1)[1].split("</nav>")[0]
    assert nav.startswith(' class="by-year"><li class="year-group" data-year="1989">'
                          '<a class="year" href="#1989-05-01">1989 <span class="count">(1)'
                          '</span></a><ol class="year-dates"><li><a href="#1989-05-01" '
                          'data-step="0"><time datetime="1989-05-01">1989-05-01</time></a>'
                          '</li></ol></li><li class="year-group" data-year="1990">')
    assert nav.count('class="year-group"') == 36
    assert nav.count("data-step=") == 36


@needs_dot
def test_few_dates_are_not_grouped(run: Run, tmp_path: Path) -> None:
    assert run("load", long_history(tmp_path, 29)).exit_code == 0
    html = run("timeline", "-o", "-").stdout
    nav = html.split('<ol id="dates"', 1)[1].split("</ol>")[0]
    assert nav.startswith('><li><a href="#1989-05-01" data-step="0">')
    assert 'class="year-group"' not in html


@needs_dot
def test_a_step_draws_what_changed_in_context(run: Run, tmp_path: Path) -> None:
    assert run("load", long_history(tmp_path, 2)).exit_code == 0
    html = run("timeline", "-o", "-").stdout
    section = html.split('<section class="step" id="1991-03-01"', 1)[1].split("</section>")[0]
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", section)
    assert caption and caption.group(1) == ("What changed, with its parents and children: "
                                            "2 of 3 units.")
    assert 'data-unit="b"' not in section.split("<details")[0]  # the sibling is left out
    assert '<details class="full-chart"><summary>Show the whole chart</summary>' in section
    assert 'data-unit="b"' in section.split("<details")[1]  # the whole chart is there


def test_focus_keeps_parents_children_and_former_parents() -> None:
    def unit(uid: str, parent: str | None) -> dict[str, Any]:
        return {"id": uid, "parent": parent, "name": uid}

    chart = {"units": [unit("r", None), unit("x", "r"), unit("y", "r"), unit("x1", "x"),
                       unit("x2", "x"), unit("x1a", "x1"), unit("y1", "y"), unit("z", "r")]}
    delta: Any = {"changes": [{"change": "moved", "unit": "x1", "before": "y", "after": "x",
                               "events": []}],
                  "before": [unit("x1", "y")], "links": [], "lives": {}, "since": "2025",
                  "reverse": False}
    part = focus(chart, delta)
    assert [u["id"] for u in part.chart["units"]] == ["r", "x", "y", "x1", "x1a"]
    assert (part.shown, part.total, part.whole) == (5, 8, False)


def test_big_charts_say_how_to_get_the_whole_chart() -> None:
    def unit(uid: str, parent: str | None) -> dict[str, Any]:
        return {"id": uid, "parent": parent, "name": uid, "kind": None, "leaders": [],
                "name_en": None}

    units = [unit("r", None)] + [unit(f"u{i:03}", "r") for i in range(250)]
    chart = {"date": "2025-01-01", "known_at": None, "title": "Big", "sources": [],
             "units": units}
    delta: Any = {"changes": [{"change": "added", "unit": "u007", "before": None,
                               "after": "u007", "events": []}],
                  "before": [], "links": [], "lives": {}, "since": "2024-12-31",
                  "reverse": False}
    step = PageStep("2025-01-01", ["2025-01-01"], None, chart, delta, {},
                    {u["id"]: u for u in units}, [], [])

    drawn: list[str] = []

    def drawer(dot: str) -> bytes:
        drawn.append(dot)
        return b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>'

    names = history_page._Names([], units, {})
    view = history_page.step_view(step, names, {}, drawer, None)
    assert len(drawn) == 1
    assert re.findall(r'^  "([^"]+)" \[', drawn[0], re.M) == ["r", "u007"]
    assert (view["units_drawn"], view["units_total"], view["full_svg"]) == (2, 251, None)
    html = history_page._macros().step(history_page._marked(view), 0)
    assert ("What changed, with its parents and children: 2 of 251 units. The whole chart: "
            "<code>orgchart render 2025-01-01</code></figcaption>") in html


@needs_dot
def test_retracted_events_are_struck_through(seeded: Run) -> None:
    merge = next(e for e in json.loads(seeded("log", "--format", "json").output)
                 if e["type"] == "merge")
    assert seeded("retract", merge["id"], "--reason", "misreported").exit_code == 0
    html = seeded("timeline", "-o", "-").stdout
    last = page_data(html)["steps"][-1]
    assert [(e["type"], e["reason"]) for e in last["retracted"]] == [("merge", "misreported")]
    section = html.split('<section class="step" id="2026-04-01"', 1)[1].split("</section>")[0]
    struck = section.split('<h3>Retracted</h3><ol class="events retracted">', 1)[1]
    assert struck.startswith('<li class="event is-retracted" data-type="merge">'
                             '<p class="what"><span class="type">merge</span> <del>')
    assert re.search(r'<p class="retraction">Retracted on \d{4}-\d\d-\d\d: misreported</p>',
                     struck)
