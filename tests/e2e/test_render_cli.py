"""`orgchart render`, `at --format dot|mermaid` and `lineage -o` on the command line."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def classes(svg: bytes) -> dict[str, set[str]]:
    out = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        cls = set((g.get("class") or "").split())
        title = g.find(SVG + "title")
        if "node" in cls and title is not None:
            out[title.text or ""] = cls
    return out


@needs_dot
def test_render_writes_chart_date_svg_by_default(seeded: Run, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = seeded("render", "2026-04-01")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "wrote chart-2026-04-01.svg\n", "")
    svg = (tmp_path / "chart-2026-04-01.svg").read_bytes()
    assert "平台用户及产品" in "".join(ET.fromstring(svg).itertext())


@needs_dot
def test_make_demo_chart_highlights_the_diff(seeded: Run, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = seeded("render", "2026-04-01", "--since", "2026-03-31")
    assert (r.exit_code, r.stdout) == (0, "wrote chart-2026-04-01.svg\n")
    nodes = classes((tmp_path / "chart-2026-04-01.svg").read_bytes())
    diff = json.loads(seeded("diff", "2026-03-31", "2026-04-01", "--format", "json").stdout)
    marked = {u for u, c in nodes.items()
              if c & {"oc-added", "oc-removed", "oc-moved", "oc-renamed", "oc-leader"}}
    assert marked == {c["unit"] for c in diff["changes"]}
    for c in diff["changes"]:
        assert f"oc-{c['change']}" in nodes[c["unit"]]


@needs_dot
@pytest.mark.parametrize(("args", "name", "magic"), [
    (["-o", "out.png"], "out.png", b"\x89PNG\r\n\x1a\n"),
    (["--format", "pdf", "-o", "out.pdf"], "out.pdf", b"%PDF"),
    (["--format", "png"], "chart-2026-04.png", b"\x89PNG\r\n\x1a\n"),
    (["--format", "dot"], "chart-2026-04.dot", b"digraph orgchart {"),
    (["-o", "out.svg", "--root", "cn-ecommerce", "--depth", "1"], "out.svg", b"<?xml"),
])
def test_render_formats(seeded: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        args: list[str], name: str, magic: bytes) -> None:
    monkeypatch.chdir(tmp_path)
    r = seeded("render", "2026-04", *args)
    assert (r.exit_code, r.stdout) == (0, f"wrote {name}\n"), r.output
    assert (tmp_path / name).read_bytes().startswith(magic)


def test_render_dot_to_stdout_equals_at_dot(seeded: Run) -> None:
    a = seeded("at", "2026-04-01", "--root", "cn-ecommerce", "--format", "dot")
    b = seeded("render", "2026-04-01", "--root", "cn-ecommerce", "--format", "dot", "-o", "-")
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout and a.stdout.startswith("digraph orgchart {")
    assert '"cn-ecommerce" -> "smart-algorithms";' in a.stdout
    assert "alibaba" not in a.stdout.replace("Alibaba", "")


def test_at_mermaid(seeded: Run) -> None:
    r = seeded("at", "2026-04-01", "--format", "mermaid")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[:4] == ["---", 'title: "Alibaba China e-commerce, 2025-2026 — 2026-04-01"',
                         "---", "flowchart TD"]
    assert ('    u_platform_users["<b>平台用户及产品</b><br/>Platform Users #38; Products'
            '<br/><i>department</i>"]') in lines
    assert "    u_cn_ecommerce --> u_smart_algorithms" in lines


def test_render_errors_are_one_sentence(seeded: Run, run: Run, tmp_path: Path) -> None:
    r = seeded("render", "2026-04-01", "--root", "nope", "-o", str(tmp_path / "x.svg"))
    assert r.exit_code == 1 and "unknown unit 'nope'" in r.stderr
    r = seeded("render", "2026-04-01", "--format", "gif")
    assert r.exit_code == 2
    r = seeded("render", "2026-04-01", "--format", "dot", "-o", str(tmp_path / "no/x.dot"))
    assert r.exit_code == 1 and "cannot write" in r.stderr


def test_render_on_an_empty_store_says_how_to_load(run: Run) -> None:
    r = run("render", "2026-04-01", "--format", "dot", "-o", "-")
    assert r.exit_code == 1 and "load" in r.stderr


@needs_dot
def test_render_hostile_file(run: Run, write: Callable[[str, str], str], tmp_path: Path) -> None:
    name = '<script>alert("x")</script> & \\N "]; x -> y; {|}\n第二行 🚀'
    doc = {"format": "orgchart/v1", "title": "<b>T</b> & \\G",
           "sources": {"s": {"title": "&amp; <img src=x onerror=alert(1)>"}},
           "events": [{"type": "establish", "date": "2020", "unit": "a", "name": "A",
                       "source": "s"},
                      {"type": "establish", "date": "2020", "unit": "b", "name": name,
                       "parent": "a", "name_en": "&lt;EN&gt;"},
                      {"type": "rename", "date": "2021", "unit": "b", "name": name + "!"}]}
    path = write("hostile.json", json.dumps(doc, ensure_ascii=False))
    assert run("load", path).exit_code == 0
    out = tmp_path / "h.svg"
    r = run("render", "2021", "--since", "2020", "-o", str(out))
    assert r.exit_code == 0, r.output
    svg = ET.fromstring(out.read_bytes())
    shown = "\n".join("".join(t.itertext()) for t in svg.iter(SVG + "text"))
    for text in (name + "!", "was " + name, "&lt;EN&gt;", "<b>T</b> & \\G",
                 "&amp; <img src=x onerror=alert(1)>"):
        assert text in shown
    tags = {e.tag.split("}")[-1] for e in svg.iter()}
    assert not tags & {"script", "foreignObject", "img", "a"}
    assert set(classes(out.read_bytes())) == {"a", "b"}
    assert run("render", "2021", "-o", str(tmp_path / "h.png")).exit_code == 0


@needs_dot
def test_lineage_draws_to_a_file(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "lineage.svg"
    r = seeded("lineage", "search-rec", "-o", str(out))
    assert (r.exit_code, r.stdout) == (0, f"wrote {out}\n")
    nodes = classes(out.read_bytes())
    assert {"search-rec", "platform-users", "smart-algorithms"} <= set(nodes)
    assert any("oc-split" in c for c in nodes.values())
    r = seeded("lineage", "ath", "-o", str(tmp_path / "ath.png"))
    assert r.exit_code == 0 and (tmp_path / "ath.png").read_bytes()[:4] == b"\x89PNG"
    r = seeded("lineage", "ath", "-o", "-")
    assert r.exit_code == 0 and r.stdout.startswith("<?xml")
    r = seeded("lineage", "nope", "-o", str(tmp_path / "x.svg"))
    assert r.exit_code == 1 and "nope" in r.stderr


@needs_dot
@pytest.mark.parametrize("args", [(), ("--since", "2026-03-31"), ("--root", "cn-ecommerce")])
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_render_draws_what_graphviz_draws_of_its_dot(seeded: Run, tmp_path: Path,
                                                     args: tuple[str, ...], fmt: str) -> None:
    """Graphviz is started before the chart is read (`draw.Drawing`): into a file or on
    stdout, the image is the one `draw` makes of the DOT text `render` writes."""
    from orgchart.presentation import draw

    dot = seeded("render", "2026-04-01", *args, "--format", "dot", "-o", "-").stdout
    out = tmp_path / f"chart.{fmt}"
    r = seeded("render", "2026-04-01", *args, "-o", str(out))
    assert (r.exit_code, r.stdout) == (0, f"wrote {out}\n"), r.output
    assert out.read_bytes() == draw.draw(dot, fmt)
    r = seeded("render", "2026-04-01", *args, "--format", fmt, "-o", "-")
    assert r.exit_code == 0 and r.stdout_bytes == out.read_bytes()


def test_without_graphviz_render_says_what_is_wrong_first(
        seeded: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Graphviz missing (though started before the chart is read): an unknown unit is
    still said first, then that Graphviz is missing; no file is written; DOT needs none."""
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    out = tmp_path / "x.svg"
    r = seeded("render", "2026-04-01", "--root", "nope", "-o", str(out))
    assert r.exit_code == 1 and "unknown unit 'nope'" in r.stderr
    r = seeded("render", "2026-04-01", "-o", str(out))
    assert r.exit_code == 1
    assert "the Graphviz `dot` program was not found" in r.stderr
    r = seeded("lineage", "search-rec", "-o", str(out))
    assert r.exit_code == 1
    assert "the Graphviz `dot` program was not found" in r.stderr
    assert not out.exists()
    r = seeded("render", "2026-04-01", "-o", str(tmp_path / "x.dot"))
    assert r.exit_code == 0 and (tmp_path / "x.dot").read_text().startswith("digraph")
