"""Values from event files in error messages, never rendered whole.

A value in a file can be huge (a long text, or a YAML alias expanded many
times over) or nested deeply; an error message shows only a short beginning
of it, computed without walking the rest. `guarded` hands the JSON Schema
library a copy of a value whose `repr` is short, since that library puts the
`repr` of the failing value into every error it makes.
"""

from __future__ import annotations

import json
from typing import Any

SHOWN = 60  # characters of a value shown in a message
MAX_DEPTH = 64  # levels of lists and mappings a value in a file may nest
TOO_DEEP = f"lists and mappings nested more than {MAX_DEPTH} levels deep"


def cut(text: str, limit: int = SHOWN) -> str:
    """`text` on one line (a line break shown as `\\n`), or its beginning and `...` when
    it has `limit` characters or more."""
    text = text if len(text) < limit else text[:limit - 3] + "..."
    if "\n" in text or "\r" in text:
        text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text


def brief(value: Any, limit: int = SHOWN) -> str:
    """`value` as compact JSON (as `json.dumps(value, ensure_ascii=False)` writes it),
    cut like `cut`; only the first `limit` characters' worth of it is ever rendered."""
    out: list[str] = []
    _render(value, out, limit)
    return cut("".join(out), limit)


def shown(value: Any) -> str:
    """A value named in a message: text and numbers as they are, lists and mappings as
    `brief` JSON."""
    if isinstance(value, list | tuple | dict):
        return brief(value)
    return cut(value if isinstance(value, str) else str(value))


def _render(value: Any, out: list[str], budget: int) -> int:
    """Append `value`'s JSON to `out` until about `budget` characters; return what is left.
    Each level of nesting spends at least one character, so the recursion stays shallow."""
    if budget <= 0:
        return 0
    if isinstance(value, str):
        text = json.dumps(value[:budget], ensure_ascii=False)
    elif isinstance(value, list | tuple):
        out.append("[")
        budget -= 1
        for i, item in enumerate(value):
            if budget <= 0:
                break
            if i:
                out.append(", ")
                budget -= 2
            budget = _render(item, out, budget)
        text = "]"
    elif isinstance(value, dict):
        out.append("{")
        budget -= 1
        for i, (k, v) in enumerate(value.items()):
            if budget <= 0:
                break
            if i:
                out.append(", ")
                budget -= 2
            budget = _render(k if isinstance(k, str) else json.dumps(k), out, budget)
            out.append(": ")
            budget = _render(v, out, budget - 2)
        text = "}"
    elif value is None or isinstance(value, bool | int | float):
        text = json.dumps(value)
    else:
        text = json.dumps(str(value)[:budget], ensure_ascii=False)
    out.append(text)
    return budget - len(text)


class TooDeep(Exception):
    """A value nests more than MAX_DEPTH levels; `path` leads to the level past it."""

    def __init__(self, path: list[str | int]) -> None:
        super().__init__(TOO_DEEP)
        self.path = path


class _Text(str):
    __slots__ = ()

    def __repr__(self) -> str:
        return brief(self)


class _List(list):  # type: ignore[type-arg]
    __slots__ = ()

    def __repr__(self) -> str:
        return brief(self)


class _Map(dict):  # type: ignore[type-arg]
    __slots__ = ()

    def __repr__(self) -> str:
        return brief(self)


def guarded(value: Any) -> Any:
    """A copy of `value` that validates the same but whose `repr` is short (texts, lists and
    mappings as subclasses); TooDeep if it nests more than MAX_DEPTH levels. Shared parts
    (YAML aliases) stay shared, so the copy is as small as the value's own text."""
    made: dict[int, Any] = {}

    def copy(v: Any, path: list[str | int]) -> Any:
        if isinstance(v, str):
            return _Text(v)
        if not isinstance(v, list | dict):
            return v
        if id(v) in made:
            return made[id(v)]
        if len(path) >= MAX_DEPTH:
            raise TooDeep(path)
        if isinstance(v, list):
            out: Any = made.setdefault(id(v), _List())
            out.extend(copy(x, [*path, i]) for i, x in enumerate(v))
        else:
            out = made.setdefault(id(v), _Map())
            for k, x in v.items():
                out[copy(k, path)] = copy(x, [*path, k])
        return out

    return copy(value, [])
