"""A JSON event file read a value at a time: the entries of `events` one by one.

`JsonStream` reads the file in chunks and decodes the top-level mapping's values
with the same decoder as `yamlio.load_text` (numbers kept as their text,
repeated keys refused), but each entry of `events` on its own: a load of a
million events never holds the file's text or all its entries. It reads only
what it reads exactly as `load_text` would; anything else (bad JSON, a repeated
key, a lone UTF-16 surrogate escape, nesting too deep) is `NotStreamable`, and
the caller reads the file whole, which words the error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from types import TracebackType
from typing import IO, Any

from orgchart.adapters.eventfile.yamlio import DuplicateKey, unique_keys

#: Characters read at a time (doubled while a value does not fit).
CHUNK = 1 << 20

_SPACE = re.compile(r"[ \t\n\r]*")


class NotStreamable(Exception):
    """The file cannot be read a value at a time exactly as it would be read whole."""


class JsonStream:
    """The top-level mapping of a JSON file, read in order: `keys_before(name)`, then the
    items of the list under `name` (`items`), then the keys after it (`rest`)."""

    def __init__(self, path: str) -> None:
        self.file: IO[str] = open(path, encoding="utf-8-sig")  # noqa: SIM115
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.chunk = CHUNK
        self.seen: set[str] = set()
        self.decode = json.JSONDecoder(parse_int=str, parse_float=str,
                                       object_pairs_hook=unique_keys).raw_decode

    def __enter__(self) -> JsonStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.file.close()

    # -- the mapping's parts -------------------------------------------------------

    def keys_before(self, name: str) -> dict[str, Any]:
        """The keys and values before `name` (NotStreamable if it never comes), after the
        mapping's opening brace."""
        self._expect("{")
        out: dict[str, Any] = {}
        if self._peek() == "}":
            raise NotStreamable()
        while True:
            key = self._key()
            if key == name:
                return out
            out[key] = self._value()
            self._after_value("}")

    def items(self) -> Iterator[tuple[int, Any]]:
        """The items of the list under the key `keys_before` stopped at, with their index."""
        self._expect("[")
        if self._peek() == "]":
            self.pos += 1
            return
        i = 0
        while True:
            yield i, self._value()
            i += 1
            c = self._peek()
            self.pos += 1
            if c == "]":
                return
            if c != ",":
                raise NotStreamable()

    def rest(self) -> dict[str, Any]:
        """The keys and values after that list, to the end of the file."""
        out: dict[str, Any] = {}
        c = self._peek()
        self.pos += 1
        if c == ",":
            while True:
                key = self._key()
                out[key] = self._value()
                if self._after_value("}"):
                    break
        elif c != "}":
            raise NotStreamable()
        if self._peek() != "":  # only white space may follow
            raise NotStreamable()
        return out

    # -- reading ---------------------------------------------------------------------

    def _more(self) -> bool:
        """Read the next chunk into the buffer; False at the end of the file."""
        if self.eof:
            return False
        text = self.file.read(self.chunk)
        if not text:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    def _peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _expect(self, c: str) -> None:
        if self._peek() != c:
            raise NotStreamable()
        self.pos += 1

    def _key(self) -> str:
        if self._peek() != '"':
            raise NotStreamable()
        key = self._value()
        if key in self.seen:  # a repeated key: read whole, it is an error
            raise NotStreamable()
        self.seen.add(key)
        self._expect(":")
        return str(key)

    def _after_value(self, close: str) -> bool:
        """After a value in the mapping: True at its closing brace, False at a comma."""
        c = self._peek()
        self.pos += 1
        if c == close:
            return True
        if c != ",":
            raise NotStreamable()
        return False

    def _value(self) -> Any:
        """The next value, read with more of the file until it is whole."""
        self._peek()
        while True:
            try:
                value, end = self.decode(self.buf, self.pos)
            except json.JSONDecodeError:
                value, end = None, -1
            except DuplicateKey:  # a repeated key (`unique_keys`): read whole, it is an error
                raise NotStreamable() from None
            # a value that ends where the buffer does may go on (a number, a cut text)
            if end == -1 or (end == len(self.buf) and not self.eof):
                self.chunk *= 2 if end == -1 else 1
                if not self._more():
                    if end == -1:
                        raise NotStreamable()
                    continue
                continue
            buf = self.buf  # maybe half a surrogate pair: read whole
            if buf.find("\\ud", self.pos, end) >= 0 or buf.find("\\uD", self.pos, end) >= 0:
                raise NotStreamable()
            self.pos = end
            self.chunk = CHUNK
            return value
