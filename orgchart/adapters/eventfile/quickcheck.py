"""A quick yes to a valid event: the JSON Schema's checks of one `$defs` entry as plain
Python tests, for the keywords the event types use.

`first_error` asks the compiled validator (fastjsonschema) about every event of a
file; for an event written as a single `source`, that validator's `oneOf` builds
an exception with its whole message on every call. `quick_check(definition)`
says only "valid" (True) or "ask the validator" (False), never why: the file's
events that are right (nearly all) are let through here, the others go the way
they always went, which words their error. It answers True only where the
validator would accept the value: the keywords it knows (`type`, `properties`,
`required`, `additionalProperties: false`, `pattern` with the validator's own
compiled expressions, `minLength`, `maxLength`, `items`, `minItems`, `enum`,
`const`, `oneOf`, `$ref`) are tested as fastjsonschema tests them; a value under
any other keyword (`minimum`, `uniqueItems`, `propertyNames`, ...) is False. A
property test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

Check = Callable[[Any], bool]

#: Keywords that only describe: they check nothing.
_NOTES = frozenset({"description", "title", "$comment", "examples", "default"})
#: The JSON types a quick check tests, as fastjsonschema tests them.
_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "null": (type(None),),
                                       "object": (dict,), "array": (list, tuple),
                                       "boolean": (bool,)}


#: The keywords `_Compiler.leaf` tests together, and those `_Compiler.mapping` does.
_LEAF = frozenset({"type", "pattern", "minLength", "maxLength", "items", "minItems"})
_MAPPING = frozenset({"type", "properties", "required", "additionalProperties",
                      "propertyNames"})
_HUGE = 1 << 62


def _never(value: Any) -> bool:
    return False


@cache
def quick_check(definition: str) -> Check:
    """The quick check of the `$defs` entry `definition` (`first_error`'s)."""
    from orgchart.adapters.eventfile.schema import fast_check, schema

    # the file's validator (compiled first: it checks the file's other keys) holds the
    # compiled expression of every pattern of the schema, made as the validator of one
    # entry would make it (from the pattern alone): the entries' own validators (about
    # 50 ms for all) are then compiled only for an event that is not a quick yes
    patterns: Mapping[str, Any] = getattr(fast_check(None), "__globals__", {}).get(
        "REGEX_PATTERNS", {})
    return _Compiler(schema()["$defs"], patterns).ref(definition) or _never


class _Compiler:
    """Schemas into checks; None for a schema with a keyword it does not test."""

    def __init__(self, defs: Mapping[str, Any], patterns: Mapping[str, Any]) -> None:
        self.defs, self.patterns = defs, patterns
        self.done: dict[str, Check | None] = {}

    def ref(self, name: str) -> Check | None:
        if name not in self.done:
            self.done[name] = None  # a reference back to itself: not tested here
            target = self.defs.get(name)
            self.done[name] = self.compile(target) if isinstance(target, dict) else None
        return self.done[name]

    def compile(self, s: Mapping[str, Any]) -> Check | None:
        keys = s.keys() - _NOTES
        if keys <= _MAPPING and s.get("type", "object") == "object" and keys - {"type"}:
            return self.mapping(s)
        parts: list[Check | None] = []
        if keys & _LEAF:  # one test for a string's (or a list's) keywords
            parts.append(self.leaf({k: s[k] for k in keys & _LEAF}))
        parts += [self.keyword(k, s[k]) for k in keys - _LEAF]
        checks = [c for c in parts if c is not None]
        if len(checks) < len(parts):
            return None
        if len(checks) == 1:
            return checks[0]
        every = tuple(checks)
        return lambda v: all(c(v) for c in every)

    def leaf(self, s: Mapping[str, Any]) -> Check | None:
        """`type`, `pattern`, `minLength`, `maxLength`, `items` and `minItems` in one test."""
        kinds: tuple[type, ...] | None = None
        if "type" in s:
            names = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not all(isinstance(n, str) and n in _TYPES for n in names):
                return None
            kinds = tuple(k for n in names for k in _TYPES[n])
        search = None
        if "pattern" in s:
            regex = self.patterns.get(s["pattern"]) if isinstance(s["pattern"], str) else None
            if regex is None:
                return None
            search = regex.search
        bounds = [s.get("minLength", 0), s.get("maxLength", _HUGE), s.get("minItems", 0)]
        if not all(type(b) is int for b in bounds):
            return None
        lo, hi, least = bounds
        item: Check | None = None
        if "items" in s:
            item = self.compile(s["items"]) if isinstance(s["items"], dict) else None
            if item is None:
                return None

        def check(v: Any) -> bool:
            if kinds is not None and not isinstance(v, kinds):
                return False
            if isinstance(v, str):
                return lo <= len(v) <= hi and (search is None or search(v) is not None)
            if isinstance(v, list | tuple):
                return len(v) >= least and (item is None or all(item(x) for x in v))
            return True

        return check

    def keyword(self, key: str, value: Any) -> Check | None:
        """`$ref`, `enum`, `const` and `oneOf` (None for any other keyword)."""
        if key == "$ref":
            prefix = "#/$defs/"
            if not isinstance(value, str) or not value.startswith(prefix):
                return None
            return self.ref(value[len(prefix):])
        if key == "enum":
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                return None
            allowed = list(value)
            return lambda v: v in allowed
        if key == "const":
            if not isinstance(value, str):
                return None
            return lambda v: v == value
        if key == "oneOf":
            branches = [self.compile(b) if isinstance(b, dict) else None for b in value] \
                if isinstance(value, list) else [None]
            if any(b is None for b in branches):
                return None
            ones = tuple(b for b in branches if b is not None)
            return lambda v: sum(1 for b in ones if b(v)) == 1
        return None

    def mapping(self, s: Mapping[str, Any]) -> Check | None:
        """`properties`, `required`, `additionalProperties` (false, a schema, or left out)
        and `propertyNames` (a schema every key meets: a split's `children`)."""
        props = s.get("properties", {})
        required = s.get("required", [])
        extra = s.get("additionalProperties", True)
        if not (isinstance(props, dict) and isinstance(required, list)
                and all(isinstance(r, str) for r in required)
                and (type(extra) is bool or isinstance(extra, dict))):
            return None
        other = self.compile(extra) if isinstance(extra, dict) else None  # others' values
        named = self.compile(s["propertyNames"]) \
            if isinstance(s.get("propertyNames"), dict) else None
        if (isinstance(extra, dict) and other is None) or ("propertyNames" in s
                                                           and named is None):
            return None
        # a property whose schema is not tested here: only its absence is quick
        fields = {name: self.compile(p) if isinstance(p, dict) else None
                  for name, p in props.items()}
        need = frozenset(required)
        allowed = frozenset(props)
        closed = extra is False

        typed = "type" in s  # `type: object` (`compile`): anything else is wrong

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return not typed
            keys = v.keys()
            if not need <= keys or (closed and not keys <= allowed):
                return False
            for name, value in v.items():
                if named is not None and not named(name):
                    return False
                if name in fields:
                    field = fields[name]
                    if field is None or not field(value):
                        return False
                elif other is not None and not other(value):
                    return False
            return True

        return check
