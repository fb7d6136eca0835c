"""Fast reading of YAML/JSON event files, and line numbers found only when needed.

Data is read with `json` for `.json` files; YAML as users write it goes
through a fast reader (`yaml_rs`, `_fast_yaml`) whenever its result is
provably the same, and through PyYAML's C loader otherwise: on anything
unusual (anchors, tags, several documents, numbers not written as plain
decimals, characters YAML forbids) and on every error, so that each error
message and its line are PyYAML's. Line numbers come from composing the node
tree, which is done only when an error must be reported. Scalars follow
YAML 1.2's core schema: only `true`/`false` are booleans (`yes`, `no`, `on`
stay text), no octal or base-60 numbers. Duplicate keys are an error, in YAML
and in JSON. Anchors and aliases are allowed, but aliases may repeat at most
as many values as the file writes out (plus ALIAS_ALLOWANCE): a few hundred
bytes of nested aliases ("billion laughs") would otherwise stand for billions
of values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from orgchart.adapters.eventfile.brief import MAX_DEPTH, TOO_DEEP, cut

try:
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

Path_ = list[str | int]

ALIAS_ALLOWANCE = 10_000  # values aliases may repeat beyond the file's own
# an anchor (`&a`) and an alias (`*a`) as YAML writes them; text that merely looks like
# them only costs a count of the file's values
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s,\[\]{}]", re.M)
_ALIAS = re.compile(r"(?:^|[\s\[{,])\*[^\s,\[\]{}]", re.M)


_KINDS = {list: "list", dict: "mapping"}


class Loader(_Base):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader with YAML 1.2 core-schema scalars and no duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key must be text, not a {_KINDS[type(key)]}",
                    key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float")]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|"
                                                                  r"False|FALSE)$"), list("tTfF"))


def _date_as_text(loader: Loader, node: yaml.ScalarNode) -> str:
    """YAML timestamps (`2025-01-02`) stay text too: dates are parsed by orgchart."""
    return str(loader.construct_scalar(node))


Loader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)


class DocumentError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def load_text(text: str, is_json: bool) -> Any:
    """Plain data from the file's text; DocumentError with a line on a syntax error."""
    if not is_json:
        fast = _fast_yaml(text)
        if fast is not _SLOW:
            return fast
    if is_json:
        try:
            # numbers stay the text they were written as, as in YAML
            data = json.loads(text, parse_int=str, parse_float=str,
                              object_pairs_hook=unique_keys)
        except json.JSONDecodeError as e:
            raise DocumentError(e.lineno, f"not valid JSON: {e.msg}") from None
        except DuplicateKey as e:
            raise DocumentError(_duplicate_line(text, e.key),
                                f"not valid JSON: duplicate key '{cut(e.key)}'") from None
        except RecursionError:
            raise DocumentError(_too_deep_line(text), f"not valid JSON: {TOO_DEEP}") from None
        if "\\ud" in text or "\\uD" in text:
            _check_surrogates(text)
        return data
    try:
        data = yaml.load(text, Loader=Loader)
    except yaml.reader.ReaderError as e:  # a character YAML does not allow
        raise DocumentError(_offset_line(text, e.position),
                            f"not valid YAML: character U+{e.character:04X} is not allowed "
                            f"({e.reason})") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = (e.problem or str(e)).strip()
        raise DocumentError(mark.line + 1 if mark else 1,
                            f"not valid YAML: {problem}{_quote_hint(problem)}") from None
    except yaml.YAMLError as e:
        raise DocumentError(1, f"not valid YAML: {e}") from None
    except RecursionError:
        raise DocumentError(1, f"not valid YAML: {TOO_DEEP}") from None
    if _ANCHOR.search(text) and _ALIAS.search(text):
        _check_aliases(data, text)
    return data


try:
    import yaml_rs
except ImportError:  # pragma: no cover - the fast reader is optional
    yaml_rs = None  # type: ignore[assignment]

#: Whether the fast YAML reader is there (PyYAML reads everything otherwise).
HAS_FAST_YAML = yaml_rs is not None

_SLOW = object()  # `_fast_yaml`: PyYAML must read this text
# what only PyYAML reads the way orgchart means it: anchors and aliases (counted by
# `_check_aliases`) and tags (each written first in a value: after a space, `[`, `{` or
# `,`), directives and document markers (several documents); merge keys (`<<`) apart.
# (Each pattern starts with the character it looks for: a search then skips fast.)
_UNUSUAL = re.compile(r"[&*!](?<![^\s\[{,].)(?:(?<=!)|[^\s,\[\]{}])")
_MARKER = re.compile(r"\n(?:%|---|\.\.\.)")
# characters YAML forbids (PyYAML's reader words the error), and the line breaks of YAML 1.1
# that YAML 1.2 reads as text (NEL, LS, PS)
_NOT_PLAIN = re.compile(yaml.reader.Reader.NON_PRINTABLE.pattern + "|[\x85\u2028\u2029]")
# a plain scalar that a YAML 1.2 reader takes for an integer not written as plain decimals
# (`+1`, `007`, `0x1f`, `-0`, `1_000`, `_0`: the fast reader drops an underscore
# anywhere in one): its text could not be told from the number
_ODD_INTEGER = re.compile(r"(?:^|(?<=[\s\[{,])|(?<=[\"']:))"
                          r"(?:\+[0-9_]|-?0[0-9a-zA-Z_]|-0(?=[\s,\]}#]|$)|-?[1-9][0-9]*_|-?_)",
                          re.M)


def _fast_yaml(text: str) -> Any:
    """The file's data read by the fast reader, or `_SLOW` when PyYAML must read it: the
    text holds anything unusual (`_UNUSUAL`, `_MARKER`, a merge key, `_NOT_PLAIN`), the
    fast reader refuses it (PyYAML then says why, at which line), or its result holds
    what PyYAML's loader reads otherwise (a float, a key that is not text, `=`, an integer
    that may not be written as plain decimals)."""
    if not HAS_FAST_YAML or "<<" in text or text[:3] in ("---", "...") or text[:1] == "%" \
            or _MARKER.search(text) or _UNUSUAL.search(text) or _NOT_PLAIN.search(text):
        return _SLOW
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # any refusal: PyYAML reads the text and words the error
        return _SLOW
    return _as_written(data, text)


def _as_written(data: Any, text: str) -> Any:
    """`data` with integers as the text they were written as, or `_SLOW` if it holds a
    value PyYAML's loader reads otherwise (or an integer maybe written otherwise than as
    plain decimals, `_ODD_INTEGER`)."""
    if not isinstance(data, dict | list):
        return _SLOW  # a bare scalar: not an event file, which PyYAML's path says
    integers = False
    stack: list[Any] = [data]
    while stack:
        v = stack.pop()
        mapping = isinstance(v, dict)
        if mapping and any(type(k) is not str for k in v):
            return _SLOW
        for k, x in v.items() if mapping else enumerate(v):
            t = type(x)
            if t is str:
                if x == "=":  # PyYAML's `value` tag, which no constructor reads
                    return _SLOW
            elif t is int:
                v[k] = str(x)
                integers = True
            elif t is dict or t is list:
                stack.append(x)
            elif x is not None and t is not bool:
                return _SLOW
    if integers and _ODD_INTEGER.search(text):
        return _SLOW
    return data


#: What YAML says when a value holds an unquoted `: ` (a key inside a plain value).
_COLON_IN_VALUE = "mapping values are not allowed"


def _quote_hint(problem: str) -> str:
    """The cure for a syntax error an unquoted value causes, or an empty string."""
    if problem.startswith(_COLON_IN_VALUE):
        return " (a value that contains ': ' must be quoted: note: \"Inferred day: …\")"
    return ""


def _offset_line(text: str, position: int) -> int:
    """The line of a reader error's position: a UTF-8 byte offset for libyaml (which reads
    the text encoded), a character offset for PyYAML's own reader."""
    if Loader.__mro__[1].__name__.startswith("C"):
        return text.encode("utf-8", "surrogatepass")[:position].count(b"\n") + 1
    return text.count("\n", 0, position) + 1


class DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; DuplicateKey if a key repeats (the last one would win
    silently, so a reviewer could be shown one value and another stored)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return obj


def _duplicate_line(text: str, key: str) -> int:
    """The line of the second `key` in one object of JSON `text` (read as YAML, which
    JSON nearly always is); 1 if it cannot be found."""
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        return 1
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, value_node in node.value:
                if key_node.value == key and key in seen:
                    return int(key_node.start_mark.line) + 1
                seen.add(key_node.value)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return 1


# a JSON string or bracket, to follow the nesting outside strings
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
# a `\\uXXXX` escape of a UTF-16 surrogate (not itself an escaped backslash), with the low
# half that may follow a high one
_SURROGATE = re.compile(r"(?<!\\)(?:\\\\)*\\u(?:([dD][89abAB][0-9a-fA-F]{2})"
                        r"(\\u[dD][c-fC-F][0-9a-fA-F]{2})?|[dD][c-fC-F][0-9a-fA-F]{2})")


def _too_deep_line(text: str) -> int:
    """The line where JSON text first nests more than MAX_DEPTH levels."""
    depth = 0
    for m in _JSON_NESTING.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, m.start()) + 1
        elif c in "]}":
            depth -= 1
    return 1


def _check_surrogates(text: str) -> None:
    """DocumentError at a `\\ud800`-style escape that is half of a UTF-16 pair alone: it
    stands for no character, and nothing can store or print it."""
    for m in _SURROGATE.finditer(text):
        if m.group(1) is None or m.group(2) is None:
            escape = m.group().lstrip("\\")[:5]
            raise DocumentError(text.count("\n", 0, m.start()) + 1,
                                f"not valid JSON: '\\{escape}' is half of a UTF-16 surrogate "
                                f"pair without its other half (not a character)")


def _check_aliases(data: Any, text: str) -> None:
    """DocumentError if aliases make `data` a cycle, or repeat too many values."""
    own, total = value_counts(data)
    if total is None:
        raise DocumentError(_first_alias_line(text),
                            "not valid YAML: an alias refers to a value that contains it")
    allowed = 2 * own + ALIAS_ALLOWANCE
    if total > allowed:
        raise DocumentError(_first_alias_line(text),
                            f"not valid YAML: its aliases expand it to {total:,} values; at most "
                            f"{allowed:,} are allowed (aliases may repeat as many values as "
                            f"the file writes out, plus {ALIAS_ALLOWANCE:,})")


def value_counts(root: Any) -> tuple[int, int | None]:
    """(values the document writes out, values it holds with every alias expanded), or
    None for the second when an alias makes it a cycle. Each shared list or mapping is
    counted once: the time is that of the document's own size."""
    own = 0
    expanded: dict[int, int] = {}  # id of a finished list or mapping -> its expanded size
    open_: set[int] = set()  # the lists and mappings on the current path
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        v, done = stack.pop()
        if not isinstance(v, list | dict):
            continue
        items = [*v.values(), *v] if isinstance(v, dict) else v
        if done:
            expanded[id(v)] = 1 + sum(expanded[id(x)] if isinstance(x, list | dict) else 1
                                      for x in items)
            open_.discard(id(v))
            continue
        if id(v) in expanded:
            continue
        open_.add(id(v))
        own += 1 + len(items)
        stack.append((v, True))
        for x in items:
            if isinstance(x, list | dict):
                if id(x) in open_:
                    return own, None
                stack.append((x, False))
    return own, expanded.get(id(root), 1)


def _first_alias_line(text: str) -> int:
    try:
        for token in yaml.scan(text, Loader=Loader):
            if isinstance(token, yaml.AliasToken):
                return int(token.start_mark.line) + 1
    except yaml.YAMLError:
        pass
    return 1


class LineFinder:
    """Lines of nodes by path (`["events", 3, "date"]`), composed on first use from the
    text, or from what `text` returns when it is a function (a file read again only when
    an error needs a line)."""

    def __init__(self, text: str | Callable[[], str]) -> None:
        self.text = text
        self._root: yaml.Node | None = None
        self._failed = False

    def root(self) -> yaml.Node | None:
        if self._root is None and not self._failed:
            try:
                text = self.text if isinstance(self.text, str) else self.text()
                self._root = yaml.compose(text, Loader=Loader)
            except yaml.YAMLError:
                self._failed = True
        return self._root

    def line(self, path: Path_) -> int:
        """1-based line of the deepest node on `path` that exists (1 when unknown)."""
        cur = self.root()
        best = 1 if cur is None else cur.start_mark.line + 1
        for step in path:
            if isinstance(cur, yaml.MappingNode):
                for key_node, value_node in cur.value:
                    if str(key_node.value) == str(step):
                        best, cur = key_node.start_mark.line + 1, value_node
                        break
                else:
                    return best
            elif isinstance(cur, yaml.SequenceNode) and isinstance(step, int) \
                    and step < len(cur.value):
                cur = cur.value[step]
                best = cur.start_mark.line + 1
            else:
                return best
        return best


def dump_yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=4096,
                          default_flow_style=False)
