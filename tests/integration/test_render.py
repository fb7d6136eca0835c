"""Drawing charts: the DOT text, Graphviz's SVG/PNG/PDF of it, hostile names, `--since` marks."""

from __future__ import annotations

import json
import re
import shutil
import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from orgchart.application.service import OrgChartService
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import OrgchartError
from orgchart.presentation import draw, graph, lineage, text
from tests.conftest import Run

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed")

SVG = "{http://www.w3.org/2000/svg}"
D = EffDate.parse

#: Names anyone could write in an event file: every one must come out as written.
HOSTILE = [
    'Quote " and \' apostrophe',
    "Back\\slash \\N \\G \\L \\E \\T \\H \\\\ double, trailing\\",
    "Braces {x} | pipes | <angle> [square] ; semicolon",
    "&amp; &lt; &#38; &#x3C; &nbsp; entity-like",
    '<script>alert("x")</script>',
    "line one\nline two",
    "<foreignObject><b>bold</b></foreignObject> <a href=\"javascript:x\">a</a>",
    "研发中心 🚀 emoji 😀",
    "]]> <!-- comment --> <?pi?> <![CDATA[x]]>",
    'label=<x> "]; evil [label="pwned"]; a -> b; //',
    "#quot; #60; %% mermaid codes `tick`",
]


# -- helpers --------------------------------------------------------------------


def parse_svg(svg: bytes) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def svg_text(root: ET.Element) -> str:
    """All text in the SVG, one <text> element a line."""
    return "\n".join("".join(t.itertext()) for t in root.iter(SVG + "text"))


def svg_nodes(root: ET.Element) -> dict[str, set[str]]:
    """Graphviz node groups of units (not the junctions of wrapped rows): name -> CSS classes."""
    out = {}
    for g in root.iter(SVG + "g"):
        classes = set((g.get("class") or "").split())
        if "node" in classes and "oc-junction" not in classes:
            title = g.find(SVG + "title")
            assert title is not None
            out[title.text or ""] = classes
    return out


def assert_safe(root: ET.Element) -> None:
    tags = {e.tag.removeprefix(SVG).split("}")[-1].lower() for e in root.iter()}
    assert not tags & {"script", "foreignobject", "iframe", "object", "embed", "a"}, tags
    for e in root.iter():
        for k, v in e.attrib.items():
            assert not k.lower().startswith("on"), (k, v)
            assert "javascript:" not in v.lower(), (k, v)
            assert "href" not in k.lower(), (k, v)


def marks(root: ET.Element) -> dict[str, set[str]]:
    """unit -> the change kinds its node is marked with."""
    found = {}
    for unit, classes in svg_nodes(root).items():
        kinds = {c.removeprefix("oc-") for c in classes} & {
            "added", "removed", "renamed", "moved", "leader"}
        if kinds:
            found[unit] = kinds
    return found


def diff_marks(diff: dict[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in diff["changes"]:
        if c["change"] != "transferred":  # drawn as an arrow between two units, not a mark
            out.setdefault(c["unit"], set()).add(c["change"])
    return out


def unit(uid: str, name: str, parent: str | None = None, **kw: Any) -> dict[str, Any]:
    return {"id": uid, "name": name, "name_en": kw.get("name_en"), "kind": kw.get("kind"),
            "parent": parent, "since": kw.get("since", "2020"),
            "leaders": kw.get("leaders", [])}


def hostile_chart() -> dict[str, Any]:
    units = [unit("root", HOSTILE[0], name_en=HOSTILE[1], kind=HOSTILE[2],
                  leaders=[{"person": "p", "name": HOSTILE[3], "name_en": HOSTILE[4],
                            "role": "head", "title": HOSTILE[5], "since": "2020"}])]
    units += [unit(f"h{i:02d}", n, "root", name_en=n + " EN", kind=n)
              for i, n in enumerate(HOSTILE)]
    return {"date": "2021", "known_at": None, "units": units, "title": HOSTILE[9],
            "sources": [{"id": "s", "title": HOSTILE[4], "publisher": HOSTILE[2],
                         "date": None, "url": None}]}


# -- escaping ---------------------------------------------------------------------


def test_html_escaping_is_exact() -> None:
    assert text.html('a<b>&"c"\\N') == "a&lt;b&gt;&amp;&quot;c&quot;\\\\N"
    assert text.html("x\ny") == "x<BR/>y"
    assert text.html("&amp;") == "&amp;amp;"
    assert text.html("tab\there\x01\x7f") == "tab here\u2401\u2421"


def test_quoted_strings_cannot_break_out() -> None:
    assert text.quoted('a"b\\') == '"a\\"b\\\\"'
    assert text.quoted("x\ny") == '"x\\ny"'


def test_mermaid_text_has_no_syntax_left() -> None:
    for name in HOSTILE:
        out = text.mermaid(name)
        decoded = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), out.replace("<br/>", "\n"))
        assert decoded == name
        bare = re.sub(r"#\d+;", "", out.replace("<br/>", ""))
        assert not set(bare) & set('"<>&[]{}|`#\\%'), (name, out)


# -- the DOT, drawn ----------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize("since", [False, True])
def test_hostile_names_survive_in_svg(since: bool) -> None:
    chart = hostile_chart()
    delta: graph.Delta | None = None
    if since:
        old = [dict(u) for u in chart["units"]]
        old[1]["name"] = HOSTILE[10]  # h00 was renamed
        old.append(unit("gone", HOSTILE[6], "root", name_en=HOSTILE[8], kind=HOSTILE[9]))
        changes = [{"change": "removed", "unit": "gone", "before": HOSTILE[6], "after": None},
                   {"change": "renamed", "unit": "h00", "before": HOSTILE[10],
                    "after": HOSTILE[0], "before_en": None, "after_en": None}]
        delta = {"since": "2020", "reverse": False, "changes": changes, "before": old,
                 "links": [{"source": "gone", "target": "h03", "how": "merge",
                            "event": "e", "date": "2021"}],
                 "lives": {"gone": {"began": "2019", "began_how": "establish",
                                    "ended": "2021", "ended_how": "merge"}}}
    dot = graph.chart_dot(chart, delta)
    root = parse_svg(draw.draw(dot, "svg"))
    assert_safe(root)
    shown = svg_text(root)
    for name in HOSTILE:
        assert name.strip() in shown, name
        assert name + " EN" in shown
    # no DOT injection: exactly the units (and a ghost) became nodes
    expected = {u["id"] for u in chart["units"]} | ({"gone"} if since else set())
    assert set(svg_nodes(root)) == expected
    if since:
        assert marks(root) == {"gone": {"removed"}, "h00": {"renamed"}}
        assert "was " + HOSTILE[10].strip() in shown


@needs_dot
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_hostile_names_draw_in_png_and_pdf(fmt: str) -> None:
    out = draw.draw(graph.chart_dot(hostile_chart()), fmt)
    assert out.startswith(b"\x89PNG\r\n\x1a\n" if fmt == "png" else b"%PDF")


def test_control_characters_become_visible() -> None:
    chart = {"date": "2021", "known_at": None, "title": None,
             "units": [unit("a", "bell\x07 nul\x00 esc\x1b")]}
    dot = graph.chart_dot(chart)
    assert "\x00" not in dot and "\x07" not in dot
    assert "bell\u2407 nul\u2400 esc\u241b" in dot


def test_mermaid_of_hostile_chart_decodes_to_the_names() -> None:
    out = graph.chart_mermaid(hostile_chart())
    body = out.split("flowchart TD\n", 1)[1]
    labels = re.findall(r'\["(.*?)"\]', body)
    assert len(labels) == len(hostile_chart()["units"])
    decoded = "\n".join(re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))),
                               re.sub(r"</?[bi]>", "", lab).replace("<br/>", "\n"))
                        for lab in labels)
    for name in HOSTILE:
        assert name in decoded
    title = out.split("\n")[1]
    assert json.loads(title.removeprefix("title: ")).startswith(HOSTILE[9])


def test_empty_chart_is_drawable_text() -> None:
    dot = graph.chart_dot({"date": "1990", "known_at": None, "units": [], "title": "T"})
    assert "no units on this date" in dot


# -- the seed ---------------------------------------------------------------------------


@pytest.fixture
def svc(seeded: Run, db_path: str) -> Iterator[OrgChartService]:
    s = OrgChartService(db_path)
    yield s
    s.close()


def render(svc: OrgChartService, day: str, since: str | None = None, fmt: str = "svg",
           **kw: Any) -> bytes:
    data = svc.render_data(D(day), since=D(since) if since else None, **kw)
    return draw.draw(graph.chart_dot(data["chart"], data["delta"]), fmt)


@needs_dot
@pytest.mark.parametrize("day", ["2025-06", "2026-03-31", "2026-04-01"])
def test_seed_svg_names_every_unit(svc: OrgChartService, day: str) -> None:
    root = parse_svg(render(svc, day))
    assert_safe(root)
    shown = svg_text(root)
    units = svc.at(D(day))["units"]
    assert set(svg_nodes(root)) == {u["id"] for u in units}
    for u in units:
        assert u["name"] in shown
        assert u["name_en"] in shown
        for x in u["leaders"]:
            assert x["name"] in shown and x["title"] in shown
    assert "Alibaba China e-commerce, 2025-2026" in shown
    assert f"as it stood on {day}" in shown
    assert ("[36氪, 2026-04-01] 阿里电商 AI 新动向:围绕 Token 重构电商,组织迎来新一轮调整|独家"
            in shown)
    families = {t.get("font-family") for t in root.iter(SVG + "text")}
    assert all(f and "Noto Sans CJK SC" in f and "Microsoft YaHei" in f for f in families)


@needs_dot
@pytest.mark.parametrize(("since", "day"), [
    ("2026-03-31", "2026-04-01"), ("2025", "2026-04-01"), ("2024", "2026-03-31"),
    ("2026-04-01", "2026-03-31"), ("2026-04-01", "2026-04-01"), ("1999", "2025-01")])
def test_since_marks_exactly_what_diff_reports(svc: OrgChartService, since: str,
                                               day: str) -> None:
    root = parse_svg(render(svc, day, since))
    assert_safe(root)
    assert marks(root) == diff_marks(svc.diff(D(since), D(day)))


@needs_dot
def test_since_draws_the_reorganisation(svc: OrgChartService) -> None:
    root = parse_svg(render(svc, "2026-04-01", "2026-03-31"))
    assert marks(root) == {
        "platform-users": {"added"}, "smart-algorithms": {"added"},
        "search-rec": {"removed"}, "future-innovation": {"removed"},
        "creation-algo": {"moved"}, "merchant-algo": {"moved"}, "search-algo": {"moved"},
        "user-algo": {"moved"}}
    shown = svg_text(root)
    assert shown.count("moved from 搜推智能产品事业部") == 4
    assert "ended 2026-04-01 (split)" in shown and "ended 2026-04-01 (merge)" in shown
    assert "changes since 2026-03-31 highlighted" in shown
    assert "ended since 2026-03-31 (→ where it went)" in shown  # the legend
    # ghost edges: where the ended units went (drawn over the laid-out chart)
    edges = {t.text for g in root.iter(SVG + "g") if g.get("class") == "edge oc-lineage"
             for t in g.iter(SVG + "title")}
    assert {"search-rec->platform-users", "search-rec->smart-algorithms",
            "future-innovation->ath"} == edges


def test_leader_change_is_marked(run: Run, write: Callable[[str, str], str],
                                 db_path: str) -> None:
    path = write("lead.yaml", """\
format: orgchart/v1
people:
  a: {name: Ann}
  b: {name: Bob}
events:
  - {type: establish, date: 2020, unit: co, name: Co}
  - {type: appoint, date: 2020, unit: co, person: a, title: CEO}
  - {type: appoint, date: 2021, unit: co, person: b, title: Chief}
  - {type: rename, date: 2021, unit: co, name: Co2, name_en: Company}
""")
    assert run("load", path).exit_code == 0
    s = OrgChartService(db_path)
    data = s.render_data(D("2021"), since=D("2020"))
    dot = graph.chart_dot(data["chart"], data["delta"])
    assert 'class="oc-unit oc-renamed oc-leader"' in dot
    assert "<S>Ann · CEO</S>" in dot  # the previous holder, struck through
    assert "● Bob · Chief" in dot
    assert "was Co" in dot
    s.close()


@needs_dot
def test_seed_png_and_pdf_are_valid(svc: OrgChartService) -> None:
    png = render(svc, "2026-04-01", "2026-03-31", "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert 600 < width < 4000 and 300 < height < 3000
    pdf = render(svc, "2026-04-01", fmt="pdf")
    assert pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-64:]


@needs_dot
def test_cjk_font_is_found_when_installed() -> None:
    files = draw.cjk_font_files()
    if not files:
        pytest.skip("no font with Chinese glyphs installed (apt-get install fonts-noto-cjk)")
    found = draw.resolved_font(graph.FONT)
    assert found is not None, "Graphviz did not report the font it chose"
    font, path = found
    assert path in files, f"Graphviz picked {font} ({path}), which has no Chinese glyphs"
    assert draw.cjk_font_warning() is None


def test_missing_graphviz_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OrgchartError, match="Graphviz `dot` program was not found"):
        draw.draw("digraph { a }", "svg")


@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "dot"])
@pytest.mark.parametrize("overlay", [False, True])
def test_drawing_into_a_file_writes_what_draw_returns(tmp_path: Path, fmt: str,
                                                      overlay: bool) -> None:
    """`draw_into` (Graphviz writes the file itself) and `draw` give the same bytes,
    whether or not the chart has edges drawn over its layout."""
    extra = f"c -> a [constraint=false, {draw.OVERLAY}];\n" if overlay else ""
    dot = f"digraph {{\na; b; c; a -> b;\n{extra}}}\n"
    out = tmp_path / f"chart.{fmt}"
    with out.open("wb") as f:
        f.write(b"")  # an open file, as `replacing` gives one
        draw.draw_into(dot, fmt, f)
    assert out.read_bytes() == draw.draw(dot, fmt)
    assert out.stat().st_size > 0


@needs_dot
def test_drawing_without_a_temporary_file_goes_through_a_pipe(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no temporary file to be had, the DOT text reaches Graphviz through a pipe: the
    same image."""
    import tempfile

    dot = "digraph {\na; b; a -> b;\n}\n"
    expected = draw.draw(dot, "svg")

    def no_file() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_file)
    out = tmp_path / "chart.svg"
    with out.open("wb") as f:
        draw.draw_into(dot, "svg", f)
    assert out.read_bytes() == expected
    assert draw.draw(dot, "svg") == expected


def test_a_temporary_file_that_cannot_be_written_is_given_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import tempfile

    made: list[io.BytesIO] = []

    class Full(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    def full_file() -> io.BytesIO:
        made.append(Full())
        return made[-1]

    monkeypatch.setattr(tempfile, "TemporaryFile", full_file)
    assert draw._spooled(b"digraph { a }") is None
    assert made[0].closed
    monkeypatch.undo()
    spooled = draw._spooled(b"digraph { a }")
    assert spooled is not None
    with spooled:
        assert spooled.read() == b"digraph { a }"


def test_a_failing_graphviz_into_a_file_is_a_clear_error(tmp_path: Path) -> None:
    with (tmp_path / "x.svg").open("wb") as f, \
            pytest.raises(OrgchartError, match="Graphviz could not draw the chart"):
        draw.draw_into("digraph { a -> }", "svg", f)


# -- a drawing started before its text is known (`draw.Drawing`) ----------------------


def in_pieces(dot: str) -> Iterator[str]:
    """`dot` as the lines a chart's text is made of (joined by newlines)."""
    yield from dot.split("\n")


@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "png", "dot"])
@pytest.mark.parametrize("overlay", [False, True])
def test_a_started_drawing_draws_what_draw_does(tmp_path: Path, fmt: str, overlay: bool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Fed its text a batch at a time (batches smaller than its lines, here), a started
    drawing gives `draw`'s bytes, into a file or as bytes, whether or not the chart has
    edges drawn over its layout (then drawn in two passes, by `draw`)."""
    monkeypatch.setattr(draw, "_BATCH", 8)
    extra = f"c -> a [constraint=false, {draw.OVERLAY}];\n" if overlay else ""
    dot = f"digraph {{\na [label=\"研发 & co\"]; b; c; a -> b;\n{extra}}}\n"
    expected = draw.draw(dot, fmt)
    out = tmp_path / f"chart.{fmt}"
    with draw.Drawing(fmt) as drawing, out.open("wb") as f:
        f.write(b"")  # an open file, as `replacing` gives one
        assert drawing.feed(in_pieces(dot)) == dot
        drawing.into(f)
    assert out.read_bytes() == expected
    with draw.Drawing(fmt) as drawing:
        drawing.feed(in_pieces(dot))
        assert drawing.image() == expected


@needs_dot
def test_a_started_drawing_reads_the_lines_as_they_come(monkeypatch: pytest.MonkeyPatch) -> None:
    """Graphviz gets the first batches of lines before the last line is made."""
    monkeypatch.setattr(draw, "_BATCH", 100)
    lines = ["digraph {", *(f"  n{i} [label=\"unit {i}\"];" for i in range(200)), "}\n"]
    with draw.Drawing("svg") as drawing:
        proc = drawing._proc
        assert proc is not None and proc.stdin is not None
        written: list[int] = []
        real_write = proc.stdin.write

        def counted(data: bytes) -> int:
            written.append(len(data))
            return real_write(data)

        monkeypatch.setattr(proc.stdin, "write", counted)
        seen_before_last: list[int] = []

        def made() -> Iterator[str]:
            yield from lines[:-1]
            seen_before_last.append(sum(written))
            yield lines[-1]

        dot = drawing.feed(made())
        image = drawing.image()
    assert dot == "\n".join(lines)
    assert seen_before_last[0] > len(dot.encode()) // 2
    assert image == draw.draw(dot, "svg")


@needs_dot
def test_a_failing_graphviz_in_a_started_drawing_is_the_same_error(tmp_path: Path) -> None:
    """A text Graphviz cannot draw, even one it stops reading half way (the rest of the
    text then meets a closed pipe), is said as `draw_into` says it; nothing is written."""
    dot = "digraph { a -> }\n" + "".join(f"n{i};\n" for i in range(100_000))
    out = tmp_path / "x.svg"
    with out.open("wb") as f, pytest.raises(OrgchartError) as direct:
        draw.draw_into(dot, "svg", f)
    out.write_bytes(b"before")
    with draw.Drawing("svg") as drawing, out.open("ab") as f, \
            pytest.raises(OrgchartError) as started:
        drawing.feed(in_pieces(dot))
        drawing.into(f)
    assert str(started.value) == str(direct.value)
    assert str(started.value).startswith("Graphviz could not draw the chart: ")
    assert out.read_bytes() == b"before"


def test_a_started_drawing_without_graphviz_says_so_when_it_draws(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Graphviz missing: nothing is said until the drawing is drawn (what went wrong before
    it, such as an unknown unit, is said first), and then what `draw` says."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with draw.Drawing("svg") as drawing:
        drawing.feed(["digraph { a }"])
        with pytest.raises(draw.GraphvizMissing, match="Graphviz `dot` program was not found"):
            drawing.image()


@needs_dot
@pytest.mark.parametrize("fed", [False, True])
def test_a_started_drawing_ends_its_process_when_left_early(fed: bool) -> None:
    """Left on an error (before its text is whole, or before it is drawn), the drawing
    ends Graphviz at once rather than let it draw what it was given."""
    import signal

    big = "digraph {\n" + "".join(f"n{i} -> n{i + 1};\n" for i in range(3000)) + "}\n"
    with pytest.raises(RuntimeError), draw.Drawing("svg") as drawing:
        proc = drawing._proc
        assert proc is not None and proc.poll() is None
        if fed:
            drawing.feed(in_pieces(big))
        raise RuntimeError("the chart could not be read")
    assert proc is not None and proc.returncode == -signal.SIGKILL


@needs_dot
def test_a_started_drawing_whose_image_cannot_be_written_draws_into_the_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When Graphviz cannot write its temporary image (a full temporary folder: here a
    file it may only read), the text is drawn straight into the output, as `draw_into`
    does."""
    import tempfile

    dot = "digraph {\n" + "".join(f"n{i};\n" for i in range(300)) + "}\n"
    expected = draw.draw(dot, "svg")
    unwritable = tmp_path / "read-only"
    unwritable.write_bytes(b"")
    files = [unwritable.open("rb")]  # the image's, then a real one for its stderr
    real = tempfile.TemporaryFile
    with monkeypatch.context() as m:
        m.setattr(tempfile, "TemporaryFile", lambda: files.pop(0) if files else real())
        drawing = draw.Drawing("svg")
    out = tmp_path / "chart.svg"
    with drawing, out.open("wb") as f:
        drawing.feed(in_pieces(dot))
        drawing.into(f)
        assert drawing._drew is False
    assert out.read_bytes() == expected


def test_dot_of_at_is_what_render_draws(svc: OrgChartService, seeded: Run) -> None:
    at_dot = seeded("at", "2026-04-01", "--format", "dot").stdout
    render_dot = seeded("render", "2026-04-01", "--format", "dot", "-o", "-").stdout
    assert at_dot == render_dot
    data = svc.render_data(D("2026-04-01"))
    assert at_dot == graph.chart_dot(data["chart"])


@needs_dot
def test_depth_and_root_limit_the_drawing(svc: OrgChartService) -> None:
    root = parse_svg(render(svc, "2026-04-01", "2026-03-31", root="cn-ecommerce", depth=1))
    assert set(svg_nodes(root)) == {"cn-ecommerce", "platform-users", "smart-algorithms",
                                    "search-rec", "future-innovation"}
    assert marks(root) == {"platform-users": {"added"}, "smart-algorithms": {"added"},
                           "search-rec": {"removed"}, "future-innovation": {"removed"}}


@needs_dot
def test_wide_levels_wrap_into_rows(run: Run, write: Callable[[str, str], str],
                                    db_path: str) -> None:
    events = "\n".join(f"  - {{type: establish, date: 2020, unit: t{i:02d}, name: 团队{i}, "
                       f"parent: co}}" for i in range(20))
    path = write("wide.yaml", "format: orgchart/v1\nevents:\n"
                 "  - {type: establish, date: 2020, unit: co, name: Co}\n" + events + "\n")
    assert run("load", path).exit_code == 0
    s = OrgChartService(db_path)
    data = s.render_data(D("2021"))
    dot = graph.chart_dot(data["chart"])
    assert 'subgraph "cluster_co"' in dot
    root = parse_svg(draw.draw(dot, "svg"))
    assert set(svg_nodes(root)) == {"co"} | {f"t{i:02d}" for i in range(20)}
    width = float((root.get("width") or "0").removesuffix("pt"))
    height = float((root.get("height") or "0").removesuffix("pt"))
    assert width < 2.5 * height + 600  # rows, not one line 20 boxes wide
    s.close()


# -- lineage ------------------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize("uid", ["search-rec", "smart-algorithms", "ath", "future-innovation",
                                 "alibaba"])
def test_lineage_svg(svc: OrgChartService, uid: str) -> None:
    g = svc.lineage(uid)
    dot = lineage.lineage_dot(g)
    assert "rankdir=LR" in dot
    root = parse_svg(draw.draw(dot, "svg"))
    assert_safe(root)
    nodes = svg_nodes(root)
    assert {n["id"] for n in g["nodes"]} | {f"event:{e['event']}" for e in g["edges"]} \
        == set(nodes)
    shown = svg_text(root)
    for n in g["nodes"]:
        assert n["name"] in shown
    assert "oc-focus" in nodes[uid]


@needs_dot
def test_lineage_of_a_split_joins_source_and_parts(svc: OrgChartService) -> None:
    root = parse_svg(draw.draw(lineage.lineage_dot(svc.lineage("search-rec")), "svg"))
    shown = svg_text(root)
    assert "2025-01 – 2026-04-01 (split)" in shown
    assert "2026-04-01 (split) – now" in shown
    events = [c for c in svg_nodes(root).values() if "oc-event" in c]
    # the algorithm teams' transfer into search-rec, then its split
    assert sorted(sorted(c - {"node", "oc-event"}) for c in events) == [["oc-split"],
                                                                        ["oc-transfer"]]


@needs_dot
def test_hostile_lineage() -> None:
    g = {"unit": "a", "known_at": None,
         "nodes": [{"id": "a", "name": HOSTILE[4], "name_en": HOSTILE[1], "kind": HOSTILE[9],
                    "began": "2020", "began_how": "establish", "ended": "2021",
                    "ended_how": "split", "generation": 0},
                   {"id": "b", "name": HOSTILE[5], "name_en": None, "kind": None,
                    "began": "2021", "began_how": "split", "ended": None, "ended_how": None,
                    "generation": 1}],
         "edges": [{"source": "a", "target": "b", "how": "split", "event": "e1",
                    "date": "2021"}]}
    root = parse_svg(draw.draw(lineage.lineage_dot(g, HOSTILE[3]), "svg"))
    assert_safe(root)
    shown = svg_text(root)
    for name in (HOSTILE[4], HOSTILE[1], HOSTILE[5], HOSTILE[3]):
        assert name in shown
    assert set(svg_nodes(root)) == {"a", "b", "event:e1"}
