"""Derived ids and the hash chain must not change: orjson's bytes equal the stdlib's."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orgchart.domain.canonical import canonical_json

TEXT = st.text(st.characters(exclude_categories=["Cs"]))  # lone surrogates are not text
VALUES = st.recursive(st.none() | st.booleans() | TEXT,
                      lambda inner: st.lists(inner) | st.dictionaries(TEXT, inner),
                      max_leaves=25)


@settings(max_examples=1000)
@given(value=VALUES)
def test_canonical_json_is_the_stdlib_encoding(value: Any) -> None:
    expected = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical_json(value) == expected.encode()


def test_escapes_and_characters_json_treats_specially() -> None:
    for text in ["\u2028\u2029", "\x7f", "\x00\x1f\b\f\n\r\t", '"\\/', "😀", "\ufeff", "搜索"]:
        assert canonical_json({"b": text, "a": [text]}) == json.dumps(
            {"b": text, "a": [text]}, sort_keys=True, ensure_ascii=False,
            separators=(",", ":")).encode()


def test_the_stream_id_is_the_documented_uuid5() -> None:
    from uuid import NAMESPACE_URL, uuid5

    from orgchart.domain.stream import STREAM_ID, STREAM_ID_HEX

    assert uuid5(NAMESPACE_URL, "orgchart:/history") == STREAM_ID
    assert STREAM_ID.hex == STREAM_ID_HEX


JSON_OUT = st.recursive(st.none() | st.booleans() | TEXT | st.integers(-10**15, 10**15),
                        lambda inner: st.lists(inner) | st.dictionaries(TEXT, inner),
                        max_leaves=25)


@settings(max_examples=500)
@given(value=JSON_OUT)
def test_json_output_is_the_stdlib_indented_encoding(value: Any) -> None:
    from orgchart.presentation.formats import to_json

    assert to_json(value) == json.dumps(value, ensure_ascii=False, indent=2)
