"""A JSON event file read entry by entry (`jsonstream`) is the document read whole.

Whatever the document and wherever a chunk ends, `read_streamed` gives the
same top-level values, and its `events` iterate as the whole read's list; a
document it does not read plainly (an error, a duplicate key, a lone surrogate
escape, text after it) gives None, so the whole read reports the error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orgchart.adapters.eventfile import jsonstream
from orgchart.adapters.eventfile.yamlio import load_text

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=8)
_scalar = st.one_of(_text, st.integers(-10**6, 10**6), st.booleans(), st.none(),
                    st.floats(allow_nan=False, allow_infinity=False))
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)), max_leaves=8)
_entry = st.dictionaries(_text, _value, max_size=4)


def _read(path: Path) -> Any:
    return load_text(path.read_text(encoding="utf-8-sig"), True)


@settings(max_examples=200, deadline=None)
@given(top=st.dictionaries(_text.filter(lambda k: k != "events"), _value, max_size=3),
       events=st.one_of(st.none(), st.lists(_entry, max_size=6)),
       chunk=st.integers(1, 64), indent=st.sampled_from([None, 0, 2]),
       position=st.integers(0, 3))
def test_streamed_equals_whole(tmp_path_factory: pytest.TempPathFactory, top: dict[str, Any],
                               events: list[Any] | None, chunk: int, indent: int | None,
                               position: int) -> None:
    items = list(top.items())
    if events is not None:
        items.insert(min(position, len(items)), ("events", events))
    path = tmp_path_factory.mktemp("j") / "f.json"
    path.write_text(json.dumps(dict(items), indent=indent, ensure_ascii=False),
                    encoding="utf-8")
    old, jsonstream.CHUNK = jsonstream.CHUNK, chunk
    try:
        doc = jsonstream.read_streamed(str(path))
        whole = _read(path)
        if doc is None:  # only where a `\ud800`-style escape may be: read whole then
            assert "\\ud" in path.read_text(encoding="utf-8").lower()
            return
        entries = doc.pop("events", None)
        expected = whole.pop("events", None)
        assert doc == whole
        if expected is None:
            assert entries is None
        else:
            assert isinstance(entries, jsonstream.EventEntries)
            assert len(entries) == len(expected)
            assert list(entries) == expected
    finally:
        jsonstream.CHUNK = old


@pytest.mark.parametrize("text", [
    '{"events": [{"a": 1}, {"a": 2}]',        # cut short
    '{"events": [{"a": 1}], "events": []}',    # a duplicate key
    '{"events": [{"a": 1, "a": 2}]}',          # a duplicate key in an entry
    '{"events": [{"a": "\\ud800"}]}',          # a lone surrogate escape
    '{"events": []} x',                        # text after the document
    '[1, 2]',                                  # not a mapping
])
def test_what_is_not_plain_is_read_whole(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8")
    assert jsonstream.read_streamed(str(path)) is None
