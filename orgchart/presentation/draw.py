"""Run Graphviz `dot` on DOT text (through the `graphviz` package) to SVG, PNG or PDF:
at once (`draw`, `draw_into`), or started before the text is known (`Drawing`)."""

from __future__ import annotations

import contextlib
import errno
import re
import subprocess
from collections.abc import Iterable, Iterator
from typing import BinaryIO

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
    if fmt == "dot":
        return dot.encode("utf-8")
    image = _drawing(dot, fmt, None)
    assert image is not None
    return image


def draw_into(dot: str, fmt: str, out: BinaryIO) -> None:
    """As `draw`, but Graphviz writes the image straight into the file `out` (a real file,
    e.g. the temporary one a command renames over its target): the image never passes
    through Python. On an error, `out` may hold part of an image."""
    if fmt == "dot":
        out.write(dot.encode("utf-8"))
        return
    out.flush()
    _drawing(dot, fmt, out)


def _drawing(dot: str, fmt: str, out: BinaryIO | None) -> bytes | None:
    """`draw` into `out`, or returned when `out` is None."""
    if fmt not in FORMATS:
        raise OrgchartError(f"cannot draw '{fmt}': choose one of {', '.join(FORMATS)}")
    with _reported():
        if OVERLAY in dot:
            try:
                return _overlaid(dot, fmt, out)
            except GraphvizFailed:
                pass  # drawn in one go below, which says what is wrong if anything is
        return _run(dot, fmt, out=out)


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Graphviz missing or failing, said as one line (`GraphvizMissing`, `OrgchartError`)."""
    try:
        yield
    except FileNotFoundError:
        raise GraphvizMissing(f"cannot draw the chart: the Graphviz `dot` program was not "
                              f"found; {INSTALL_HINT}") from None
    except GraphvizFailed as e:
        detail = e.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OrgchartError("Graphviz could not draw the chart"
                            + (f": {detail[0]}" if detail else "")) from None


#: How much DOT text a started `Drawing` gathers before it passes it on (a write, and a
#: wake-up of Graphviz, for each).
_BATCH = 32 * 1024


class Drawing:
    """A drawing in `fmt` whose Graphviz process is started before its DOT text is known.

    `draw_into` starts `dot` once the text is whole: its start-up (exec, libraries,
    plugins: ~8 ms) and its reading of the text (~9 ms for a 990-unit chart's 550 KB)
    then add to the time Python took to make the text. Started first, on a machine with
    a second core, `dot` is ready when the text comes, and parses it as it is written
    (`feed`); its image goes to a temporary file, copied into the output at the end
    (`into`) or read (`image`), so a failure leaves the output as `draw_into` would.

        with Drawing("svg") as drawing:  # dot starts
            ...                           # the chart is read meanwhile
            text = drawing.feed(lines)    # dot parses the lines as they come
            drawing.into(out)             # dot's image, once it has drawn it

    It draws what `draw` and `draw_into` draw, and fails as they fail, with the same
    errors: whenever the started process cannot draw the text alone (Graphviz missing,
    no temporary file to be had, a format it does not make, edges marked `OVERLAY`, its
    temporary image not written), the text is drawn by `draw_into` or `draw` after all.
    Leaving the block (an error while the chart was read) ends the process.
    """

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self._text: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._image: BinaryIO | None = None  # what the process writes to stdout
        self._errors: BinaryIO | None = None  # ... and to stderr: a file, no pipe to fill
        self._drew: bool | None = None  # whether the process drew the text (once waited)
        if fmt in FORMATS and fmt != "dot":
            self._start()

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        import tempfile

        files: list[BinaryIO] = []
        try:
            files.append(tempfile.TemporaryFile())  # noqa: SIM115 (closed by `close`)
            files.append(tempfile.TemporaryFile())  # noqa: SIM115
            self._proc = subprocess.Popen(_command("dot", self.fmt), stdin=subprocess.PIPE,
                                          stdout=files[0], stderr=files[1])
        except OSError:  # no Graphviz, no temporary file: `draw` tries, and says why
            for f in files:
                f.close()
            return
        self._image, self._errors = files

    def feed(self, lines: Iterable[str]) -> str:
        """The DOT text: `lines` joined by newlines, passed to Graphviz a batch of lines at
        a time as they come."""
        assert self._text is None, "a drawing is fed once"
        parts: list[str] = []
        batch: list[str] = []
        size = 0
        for line in lines:
            batch.append(line)
            size += len(line)
            if size >= _BATCH:
                parts.append(self._pass_on(("\n" if parts else "") + "\n".join(batch)))
                batch.clear()
                size = 0
        if batch or not parts:
            parts.append(self._pass_on(("\n" if parts else "") + "\n".join(batch)))
        self._text = "".join(parts)
        if self._proc is not None and self._proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()  # the end of the text: Graphviz draws it
        return self._text

    def _pass_on(self, text: str) -> str:
        """`text` (whole lines) written to Graphviz's stdin, unless it cannot draw it alone."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.closed:
            return text
        if OVERLAY in text:  # drawn in two passes (`_overlaid`): by `draw` after all
            self.close()
            return text
        try:
            proc.stdin.write(text.encode("utf-8"))
        except BrokenPipeError:  # it has ended: its exit status says why
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        return text

    def into(self, out: BinaryIO) -> None:
        """As `draw_into(text, fmt, out)` for the text `feed` gave (the image copied into
        the file `out` from the process's temporary file)."""
        assert self._text is not None, "a drawing is fed first"
        if not self._finished():
            draw_into(self._text, self.fmt, out)
            return
        assert self._image is not None
        out.flush()
        _copy(self._image, out)

    def image(self) -> bytes:
        """As `draw(text, fmt)` for the text `feed` gave."""
        assert self._text is not None, "a drawing is fed first"
        if not self._finished():
            return draw(self._text, self.fmt)
        assert self._image is not None
        self._image.seek(0)
        return self._image.read()

    def _finished(self) -> bool:
        """Whether the started process drew the text (its image in `_image`), once it has
        ended; a failure of Graphviz is raised as `draw` raises it."""
        if self._drew is None:
            self._drew = self._wait()
        return self._drew

    def _wait(self) -> bool:
        proc = self._proc
        if proc is None:
            return False
        proc.wait()
        assert self._errors is not None
        self._errors.seek(0)
        stderr = self._errors.read()
        with _reported():
            try:
                _checked(proc.returncode, stderr)
            except OSError:  # its temporary image not written: into the output, as usual
                return False
        return True

    def close(self) -> None:
        """End the process, if it is still running, and drop its files."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.returncode is None:
                proc.kill()
            if proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.close()
            proc.wait()
        for f in (self._image, self._errors):
            if f is not None:
                f.close()
        self._image = self._errors = None
        if self._drew is None:
            self._drew = False


def _copy(image: BinaryIO, out: BinaryIO) -> None:
    """The whole file `image` appended to the file `out` (in the kernel where it can)."""
    import os
    import shutil

    size = image.seek(0, 2)
    done = 0
    if hasattr(os, "sendfile"):
        try:
            while done < size:
                sent = os.sendfile(out.fileno(), image.fileno(), done, size - done)
                if sent == 0:
                    break
                done += sent
        except OSError as e:
            if done or e.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK,
                                       errno.EOPNOTSUPP):
                raise
    image.seek(done)
    shutil.copyfileobj(image, out)
    out.flush()


class GraphvizFailed(Exception):
    """A Graphviz program exited with an error (what it wrote to stderr is kept)."""

    def __init__(self, stderr: bytes) -> None:
        super().__init__(stderr.decode("utf-8", "replace"))
        self.stderr = stderr


#: Up to this many nodes, the `OVERLAY` edges are routed around the nodes; beyond, they
#: are drawn straight over them (routing around takes `neato` 0.6 s for 70 nodes, 3 s for
#: 110 and minutes for 1,000; curves that ignore the nodes cost as much for many edges).
ROUTED_NODES = 60
_NODE = re.compile(r'^\s*"(?:[^"\\]|\\.)*"\s*\[', re.MULTILINE)


def _overlaid(dot: str, fmt: str, out: BinaryIO | None = None) -> bytes | None:
    """The chart laid out without its `OVERLAY` edges, which are then drawn over it."""
    lines = dot.rstrip().splitlines()
    over = [line for line in lines if OVERLAY in line]
    base = "\n".join(line for line in lines if OVERLAY not in line) + "\n"
    first = _run(base, "dot")
    assert first is not None
    laid = first.decode("utf-8").rstrip()
    if not laid.endswith("}"):
        raise OrgchartError("Graphviz wrote a laid-out chart without its closing brace")
    if len(_NODE.findall(base)) > ROUTED_NODES:
        over.insert(0, "graph [splines=line];")
    return _run(laid[:-1] + "\n".join(over) + "\n}\n", fmt, engine="neato", fixed=True,
                out=out)


def _run(dot: str, fmt: str, engine: str = "dot", fixed: bool = False,
         out: BinaryIO | None = None) -> bytes | None:
    """Graphviz's `engine` on `dot`, output in `fmt`; `fixed`: keep the nodes and edges
    where the DOT places them, route only the edges without a place (`neato -n2`).

    One process, the DOT text on its stdin; its image goes straight into the file `out`
    when given (None is returned), else through a temporary file (through a pipe, the
    megabytes of a big chart's SVG would pass between the processes in 64 KiB turns,
    which costs more than writing and reading a file) and is returned.
    FileNotFoundError: no such program; GraphvizFailed: it failed.
    """
    import tempfile

    cmd = _command(engine, fmt, fixed)
    if out is not None:
        _graphviz(cmd, dot, out)
        return None
    try:
        image = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `with image` below)
    except OSError:  # no writable temporary directory: through a pipe
        done = subprocess.run(cmd, input=dot.encode("utf-8"), capture_output=True, check=False)
        if done.returncode != 0:
            raise GraphvizFailed(done.stderr) from None
        return done.stdout
    with image:
        _graphviz(cmd, dot, image)
        image.seek(0)
        return image.read()


def _command(engine: str, fmt: str, fixed: bool = False) -> list[str]:
    """The command line of Graphviz's `engine` drawing its stdin in `fmt` (`_run`)."""
    from graphviz.backend.dot_command import command

    return [str(x) for x in command(engine, fmt, neato_no_op=2 if fixed else None)]


#: How Graphviz says that writing its output failed (and the errno).
_WRITE_FAILED = re.compile(rb"gvwrite\w* problem (\d+)")


def _graphviz(cmd: list[str], dot: str, out: BinaryIO) -> None:
    """Run `cmd` on `dot` (its stdin), its output into the file `out`. OSError when the
    output could not be written (the file too large, the disk full), as Python says it.

    The DOT text reaches `cmd` through a temporary file (`_spooled`), as `dot FILE` reads
    its input: through a pipe, Python fed it in 4 KiB turns, each after a `poll` (~0.5 ms
    of Python's time for a 990-unit chart's 550 KB), where a file takes one write."""
    data = dot.encode("utf-8")
    source = _spooled(data)
    if source is None:  # no temporary file to be had: through a pipe
        done = subprocess.run(cmd, input=data, stdout=out.fileno(), stderr=subprocess.PIPE,
                              check=False)
    else:
        with source:
            done = subprocess.run(cmd, stdin=source, stdout=out.fileno(),
                                  stderr=subprocess.PIPE, check=False)
    _checked(done.returncode, done.stderr)


def _checked(returncode: int, stderr: bytes) -> None:
    """Nothing when a Graphviz process exited with `returncode` 0; else OSError when it
    could not write its output (the file too large, the disk full), as Python says it,
    and GraphvizFailed otherwise (`stderr`: what it wrote there)."""
    import os
    import signal

    if returncode == 0:
        return
    failed = _WRITE_FAILED.search(stderr)
    code = (errno.EFBIG if returncode == -signal.SIGXFSZ
            else int(failed.group(1)) if failed else None)
    if code is not None:
        raise OSError(code, os.strerror(code))
    raise GraphvizFailed(stderr)


def _spooled(data: bytes) -> BinaryIO | None:
    """A temporary file holding `data`, read from its start; None when no temporary file
    could be made or written (no writable temporary directory, a full disk)."""
    import tempfile

    try:
        f = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
    except OSError:
        return None
    try:
        f.write(data)
        f.seek(0)
    except OSError:
        f.close()
        return None
    return f


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
