"""The CLI's one way out to the terminal (or wherever stdout and stderr lead).

A write that fails (stdout on a full disk, `> /dev/full`) ends the command with
one line on stderr and exit 1, not a traceback; a closed pipe (`| head`) is
left to click, which exits quietly.
"""

from __future__ import annotations

import errno
import sys
from typing import Any

import click


def emit(data: str | bytes, nl: bool = True, err: bool = False) -> None:
    """Write `data` (and a newline) to stdout, or stderr with `err`."""
    try:
        click.echo(data, nl=nl, err=err)
    except OSError as e:
        if e.errno == errno.EPIPE:
            raise
        stream = "stderr" if err else "stdout"
        _discard_pending(stream)
        raise click.ClickException(f"cannot write to {stream}: {e.strerror or e}") from None


class _Discarding:
    """Stands in for a stream whose writes failed, so that the interpreter's final flush
    does not fail again (and print a second error) on what is still buffered."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _discard_pending(stream: str) -> None:
    setattr(sys, stream, _Discarding(getattr(sys, stream)))
