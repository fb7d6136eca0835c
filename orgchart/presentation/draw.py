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


def draw(dot: str, fmt: str) -> bytes:
    """The DOT text laid out and drawn in `fmt` (svg, png, pdf); `dot` returns the text itself."""
    import graphviz

    if fmt == "dot":
        return dot.encode("utf-8")
    if fmt not in FORMATS:
        raise OrgchartError(f"cannot draw '{fmt}': choose one of {', '.join(FORMATS)}")
    try:
        try:
            return _through_files(dot, fmt)
        except OSError:  # no writable temporary directory
            image: bytes = graphviz.pipe("dot", fmt, dot.encode("utf-8"), quiet=True)
            return image
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(f"cannot draw the chart: the Graphviz `dot` program was not "
                              f"found; {INSTALL_HINT}") from None
    except graphviz.CalledProcessError as e:
        detail = (e.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise OrgchartError("Graphviz could not draw the chart"
                            + (f": {detail[0]}" if detail else "")) from None


def _through_files(dot: str, fmt: str) -> bytes:
    """`dot -T<fmt> -o OUT IN` on files in a temporary directory: through pipes, the megabytes
    of a big chart's SVG would pass between the processes in 64 KiB turns, which costs more
    than writing and reading the files."""
    import tempfile

    import graphviz

    with tempfile.TemporaryDirectory(prefix="orgchart-") as tmp:
        source = os.path.join(tmp, "chart.dot")
        with open(source, "wb") as f:
            f.write(dot.encode("utf-8"))
        out = graphviz.render("dot", fmt, source, outfile=os.path.join(tmp, f"chart.{fmt}"),
                              quiet=True)
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
