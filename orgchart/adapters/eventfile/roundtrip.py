"""Adding an event to an event file while keeping its comments and layout.

`orgchart add --to FILE` edits a file people keep in git: it is read with
ruamel.yaml's round-trip loader (which keeps comments, key order, quoting and
flow or block style) and written back with one more event under `events`, and
the people and sources the event needs under theirs. A missing file is begun
with `format: orgchart/v1`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.util import load_yaml_guess_indent

from orgchart.domain.errors import FileError

NEW_FILE = "format: orgchart/v1\n"

_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class _DateText(str):
    """A date written plain, as people write them (`date: 2024-07-05`): orgchart reads
    every date as text, so it needs no quotes."""


class _Representer(RoundTripRepresenter):
    """Writes `_DateText` plain, tagged as YAML would read it back (so no quotes)."""

    def represent_date_text(self, value: _DateText) -> ScalarNode:
        text = str(value)
        tag = self.dumper.resolver.resolve(ScalarNode, text, (True, False))
        return self.represent_scalar(tag, text)


_Representer.add_representer(_DateText, _Representer.represent_date_text)


def _dates_plain(event: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _DateText(v) if k in ("date", "recorded") and isinstance(v, str)
            and _DATE.fullmatch(v) else v for k, v in event.items()}


def with_event(path: str, text: str | None, event: Mapping[str, Any],
               people: Mapping[str, Mapping[str, str]],
               sources: Mapping[str, Mapping[str, str]]) -> str:
    """`text` (None: a new file) with `event` appended under `events`, and each entry of
    `people` and `sources` the file does not define yet added under its section."""
    yaml = YAML()
    yaml.Representer = _Representer
    yaml.width = 4096
    yaml.preserve_quotes = True
    try:
        _, indent, offset = load_yaml_guess_indent(text or NEW_FILE)
        doc = yaml.load(text or NEW_FILE)
    except YAMLError as e:
        raise FileError(f"{path}: not valid YAML, so the event cannot be added to it "
                        f"({_first_line(e)})") from None
    if not isinstance(doc, CommentedMap) or doc.get("format") != "orgchart/v1":
        raise FileError(f"{path}: not an orgchart/v1 file (it needs `format: orgchart/v1`); "
                        f"the event is not added")
    for section, entries in (("sources", sources), ("people", people)):
        if entries:
            known = _section(doc, section, CommentedMap)
            for key, entry in entries.items():
                if key not in known:
                    known[key] = _flow_map(entry)
    _section(doc, "events", CommentedSeq).append(CommentedMap(_dates_plain(event)))
    yaml.indent(mapping=2, sequence=indent or 2, offset=offset or 0)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _section(doc: CommentedMap, key: str, kind: type[Any]) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind):
        value = kind()
        if key in doc or "events" not in doc:
            doc[key] = value
        else:  # a new section goes before the events, as files are written
            doc.insert(list(doc).index("events"), key, value)
    return value


def _flow_map(entry: Mapping[str, str]) -> CommentedMap:
    m = CommentedMap(entry)
    m.fa.set_flow_style()
    return m


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
