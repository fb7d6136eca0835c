"""Run Graphviz `dot` on DOT text (through the `graphviz` package) to SVG, PNG or PDF."""

from __future__ import annotations

import os
import re
import subprocess

from orgchart.domain.errors import OrgchartError

FORMATS = ("svg", "png", "pdf", "dot")
INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, "
                "macOS: `brew install graphviz`)")


class GraphvizMissing(OrgchartError):
    """The Graphviz `dot` program is not installed (or not on PATH)."""


#: The mark of edges that Graphviz draws over a chart laid out without them (the lineage
#: arrows of the compact layout): as ordinary edges, `dot` would thread each one through
#: every rank it crosses, pushing the rows of units apart and askew.
OVERLAY = 'class="oc-lineage"'


def draw(dot: str, fmt: str) -> bytes:
    """The DOT text laid out and drawn in `fmt` (svg, png, pdf); `dot` returns the text itself.

    Edges marked `OVERLAY` are left out of the layout and then routed around the units
    (`dot -Tdot`, then `neato -n2`).
    """
    import graphviz

    if fmt == "dot":
        return dot.encode("utf-8")
    if fmt not in FORMATS:
        raise OrgchartError(f"cannot draw '{fmt}': choose one of {', '.join(FORMATS)}")
    try:
        if OVERLAY in dot:
            try:
                return _overlaid(dot, fmt)
            except graphviz.CalledProcessError:
                pass  # drawn in one go below, which says what is wrong if anything is
        return _run(dot, fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(f"cannot draw the chart: the Graphviz `dot` program was not "
                              f"found; {INSTALL_HINT}") from None
    except graphviz.CalledProcessError as e:
        detail = (e.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise OrgchartError("Graphviz could not draw the chart"
                            + (f": {detail[0]}" if detail else "")) from None


#: Up to this many nodes, the `OVERLAY` edges are routed around the nodes; beyond, they
#: are drawn straight over them (routing around takes `neato` 0.6 s for 70 nodes, 3 s for
#: 110 and minutes for 1,000; curves that ignore the nodes cost as much for many edges).
ROUTED_NODES = 60
_NODE = re.compile(r'^\s*"(?:[^"\\]|\\.)*"\s*\[', re.MULTILINE)


def _overlaid(dot: str, fmt: str) -> bytes:
    """The chart laid out without its `OVERLAY` edges, which are then drawn over it."""
    lines = dot.rstrip().splitlines()
    over = [line for line in lines if OVERLAY in line]
    base = "\n".join(line for line in lines if OVERLAY not in line) + "\n"
    laid = _run(base, "dot").decode("utf-8").rstrip()
    if not laid.endswith("}"):
        raise OrgchartError("Graphviz wrote a laid-out chart without its closing brace")
    if len(_NODE.findall(base)) > ROUTED_NODES:
        over.insert(0, "graph [splines=line];")
    return _run(laid[:-1] + "\n".join(over) + "\n}\n", fmt, engine="neato", fixed=True)


def _run(dot: str, fmt: str, engine: str = "dot", fixed: bool = False) -> bytes:
    """Graphviz's `engine` on `dot`, output in `fmt`; `fixed`: keep the nodes and edges
    where the DOT places them, route only the edges without a place (`neato -n2`)."""
    import graphviz

    try:
        return _through_files(dot, fmt, engine, fixed)
    except OSError:  # no writable temporary directory
        image: bytes = graphviz.pipe(engine, fmt, dot.encode("utf-8"), quiet=True,
                                     neato_no_op=2 if fixed else None)
        return image


def _through_files(dot: str, fmt: str, engine: str = "dot", fixed: bool = False) -> bytes:
    """`dot -T<fmt> -o OUT IN` on files in a temporary directory: through pipes, the megabytes
    of a big chart's SVG would pass between the processes in 64 KiB turns, which costs more
    than writing and reading the files."""
    import tempfile

    import graphviz

    with tempfile.TemporaryDirectory(prefix="orgchart-") as tmp:
        source = os.path.join(tmp, "chart.dot")
        with open(source, "wb") as f:
            f.write(dot.encode("utf-8"))
        out = graphviz.render(engine, fmt, source, outfile=os.path.join(tmp, f"out.{fmt}"),
                              quiet=True, neato_no_op=2 if fixed else None)
        with open(out, "rb") as f:
            return f.read()


_RESOLVED = re.compile(r'fontname: "(?P<asked>[^"]*)" resolved to: \(\w+\) "(?P<font>[^"]*)" '
                       r"(?P<file>\S+)")


def resolved_font(fontname: str, sample: str = "中文") -> tuple[str, str] | None:
    """The font and file that Graphviz (cairo/pango, as for PNG and PDF) uses for `fontname`.

    None when Graphviz is missing or says nothing about the font.
    """
    import graphviz

    from orgchart.presentation.text import quoted

    src = f"digraph {{ a [label={quoted(sample)}, fontname={quoted(fontname)}] }}"
    try:
        done = subprocess.run([graphviz.DOT_BINARY, "-v", "-Tpng", "-o", "/dev/null"],
                              input=src.encode("utf-8"), capture_output=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for m in _RESOLVED.finditer(done.stderr.decode("utf-8", "replace")):
        if m.group("asked") == fontname:
            return m.group("font"), m.group("file")
    return None


def has_cjk(text: str) -> bool:
    """Whether `text` has Chinese, Japanese or Korean characters."""
    return any("\u2e80" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af"
               or "\uf900" <= c <= "\ufaff" or "\uff00" <= c <= "\uffef" for c in text)


def cjk_font_files() -> list[str] | None:
    """The installed fonts with Chinese glyphs (by fontconfig), or None if we cannot tell."""
    try:
        done = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return sorted({line.strip().rstrip(":") for line in
                   done.stdout.decode("utf-8", "replace").splitlines() if line.strip()})


def cjk_font_warning() -> str | None:
    """A warning when no installed font can show Chinese (PNG, PDF would draw boxes)."""
    if cjk_font_files() == []:
        return ("warning: no font with Chinese glyphs is installed, so Chinese names may show "
                "as boxes; install one (Debian/Ubuntu: `apt-get install fonts-noto-cjk`)")
    return None
