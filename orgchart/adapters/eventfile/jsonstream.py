"""A JSON event file read entry by entry: its `events` never held as one list.

`read_streamed(path)` reads the file twice, a chunk at a time: once to check
it whole and keep every top-level value but the `events` list (counted, each
entry decoded and dropped), and again, as the caller iterates, to give the
entries one by one (`EventEntries`). Entries are decoded as `yamlio.load_text`
decodes JSON (numbers as their text, no duplicate keys). Anything it does not
read plainly (a syntax error, a duplicate key, a `\\ud800`-style escape, text
after the document) makes it return None: the caller then reads the file whole,
and reports the error as it always has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TextIO

from orgchart.adapters.eventfile.yamlio import unique_keys

#: How much text is read at a time.
CHUNK = 1 << 20

_DECODER = json.JSONDecoder(parse_int=str, parse_float=str, object_pairs_hook=unique_keys)
_SPACE = " \t\n\r"
_NUMBER = frozenset("-0123456789")
_NUMBER_END = re.compile(r"[^-+.eE0-9]")


class _Unplain(Exception):
    """The file is not read plainly here (see the module)."""


class EventEntries:
    """The entries of a JSON file's `events` list, read from the file as iterated."""

    def __init__(self, path: str, count: int) -> None:
        self.path = path
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Any]:
        with open(self.path, encoding="utf-8-sig") as f:
            yield from _Reader(f).document(keep=False)


def read_streamed(path: str) -> dict[str, Any] | None:
    """The document, its `events` an `EventEntries`; None when it must be read whole."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            reader = _Reader(f)
            count = sum(1 for _ in reader.document(keep=True))
            doc = reader.top
    except Exception:
        return None
    if "events" in doc:
        doc["events"] = EventEntries(path, count)
    return doc


class _Reader:
    def __init__(self, f: TextIO) -> None:
        self.f = f
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.top: dict[str, Any] = {}

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.f.read(CHUNK)
        seam = self.buf[-5:] + chunk  # an escape may be cut at a chunk's end
        if "\\ud" in seam or "\\uD" in seam:
            raise _Unplain()  # surrogate escapes: read whole, where they are checked
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        self.eof = not chunk
        return bool(chunk)

    def _char(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _SPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _expect(self, c: str) -> None:
        if self._char() != c:
            raise _Unplain()
        self.pos += 1

    def _value(self) -> Any:
        """The next JSON value, decoded whole (more text read when it is cut)."""
        if self._char() in _NUMBER:  # a number ends at a character outside them
            while _NUMBER_END.search(self.buf, self.pos) is None and self._more():
                pass
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                if self._more():
                    continue
                raise
            if end == len(self.buf) and self._more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value

    def document(self, keep: bool) -> Iterator[Any]:
        """The entries of `events`, one by one; with `keep`, every other top-level value
        is kept in `top`."""
        self._expect("{")
        first = True
        while True:
            c = self._char()
            if c == "}" and first:
                self.pos += 1
                break
            if not first:
                if c == "}":
                    self.pos += 1
                    break
                self._expect(",")
            first = False
            key = self._value()
            if not isinstance(key, str) or key in self.top:
                raise _Unplain()  # a duplicate key: read whole for its message
            self._expect(":")
            if key == "events" and self._char() == "[":
                self.pos += 1
                self.top[key] = None
                yield from self._entries()
            else:
                value = self._value()
                self.top[key] = value if keep else None
        if self._char() != "":
            raise _Unplain()

    def _entries(self) -> Iterator[Any]:
        if self._char() == "]":
            self.pos += 1
            return
        while True:
            yield self._value()
            c = self._char()
            self.pos += 1
            if c == "]":
                return
            if c != ",":
                raise _Unplain()
