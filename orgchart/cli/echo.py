"""The CLI's one way out to the terminal (or wherever stdout and stderr lead).

Text meant to be read (trees, explanations, logs, messages, errors) goes
through `say`, which shows control characters and bidirectional overrides from
event files as escapes (`\\x1b`, `\\u202e`): a name cannot move the cursor, clear
the screen, set the window title or fake a line of output. Data formats (JSON,
CSV, DOT, Mermaid, YAML, images) go through `emit` as they are; their own
encoders escape what their syntax needs.

A write that fails (stdout on a full disk, `> /dev/full`) ends the command with
one line on stderr and exit 1, not a traceback; a closed pipe (`| head`) is
left to click, which exits quietly.
"""

from __future__ import annotations

import errno
import re
import sys
from typing import Any

import click

# C0 controls but newline and tab, DEL, C1 controls, and the bidirectional marks,
# embeddings, overrides and isolates
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """`text` with control and bidirectional-override characters shown as escapes."""
    if _UNSAFE.search(text) is None:  # the usual case
        return text
    return _UNSAFE.sub(_escape, text)


def say(text: str, nl: bool = True, err: bool = False) -> None:
    """Text for people: `emit`, made terminal-safe."""
    emit(terminal_safe(text), nl=nl, err=err)


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
