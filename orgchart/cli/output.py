"""Writing an output file so that a failure leaves the previous one intact.

Every `-o FILE` of the CLI goes through `write_file`: the content goes to a
temporary file in the same folder, is flushed to disk, and then renamed over
FILE in one step. A full disk, a file size limit or an interrupted run leaves
FILE as it was (and no temporary file behind). `replacing` does the same for
content written a piece at a time (the `timeline` page, step by step).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

import click


def write_file(target: str, content: bytes | str) -> None:
    """Replace `target` with `content` (text is written as UTF-8) in one step;
    a one-line ClickException if it cannot be written."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = os.path.realpath(target)  # through a symlink: replace the file it names
    try:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            _write_in_place(path, data)  # a device or a pipe (/dev/stdout): never replace it
        else:
            _replace(path, data, stat.S_IMODE(mode) if mode is not None else _new_file_mode())
    except OSError as e:
        raise click.ClickException(f"cannot write {target}: {e.strerror or e}") from None


@contextlib.contextmanager
def replacing(target: str) -> Iterator[BinaryIO]:
    """A file to write `target`'s new content to, piece by piece; `target` is replaced
    in one step when the block ends without an error (else left as it was). A
    one-line ClickException if it cannot be written."""
    path = os.path.realpath(target)
    try:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            with open(path, "wb") as fh:  # a device or a pipe: never replace it
                yield fh
        else:
            with _replacement(path, stat.S_IMODE(mode) if mode is not None
                              else _new_file_mode()) as fh:
                yield fh
    except OSError as e:
        raise click.ClickException(f"cannot write {target}: {e.strerror or e}") from None


def _replace(path: str, data: bytes, mode: int) -> None:
    with _replacement(path, mode) as fh:
        fh.write(data)


@contextlib.contextmanager
def _replacement(path: str, mode: int) -> Iterator[BinaryIO]:
    """A temporary file next to `path`, renamed over it when the block succeeds."""
    import tempfile  # only when a file is written: `at` starts without it

    folder, name = os.path.split(path)
    fd, temp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _write_in_place(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def _new_file_mode() -> int:
    """The mode `open(path, "w")` would give a new file: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
