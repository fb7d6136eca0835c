"""The fast YAML reader gives exactly what PyYAML's loader gives, or leaves the text to it.

`yamlio._fast_yaml` reads YAML as users write it with a fast reader; whatever
it returns must equal what PyYAML's loader (`yamlio.Loader`) reads from the
same text, for text written in every style; on anything it cannot vouch for
it returns `_SLOW`, and PyYAML reads the text (and words any error).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from orgchart.adapters.eventfile import yamlio

pytestmark = pytest.mark.skipif(not yamlio.HAS_FAST_YAML, reason="the fast reader is missing")


def slow(text: str) -> Any:
    return yaml.load(text, Loader=yamlio.Loader)


# scalars as users type them, many of which YAML resolves to something other than text
WORDS = ["2022", "2022-01", "2022-01-31", "007", "+1", "-0", "0x1f", "0o17", "1_000", "1.5",
         "1e3", ".inf", "yes", "no", "on", "true", "False", "null", "~", "", "=", "<<",
         "a: b", "x #y", "- z", "12:30", "Media & Entertainment", "*", "&", "!", "营销事业部",
         "'q'", '"d"', "tab\there", "line\nbreak", "-5", "10", "0", "_0", "+_1", "-_2",
         "3_", "__4"]
scalars = st.one_of(st.sampled_from(WORDS), st.text(max_size=12), st.integers(-10**6, 10**6),
                    st.booleans(), st.none())
keys = st.one_of(st.sampled_from(["type", "date", "unit", "name", "2020", "a b", "é"]),
                 st.text(min_size=1, max_size=8))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(doc=st.dictionaries(keys, documents, max_size=5),
       flow=st.sampled_from([False, True, None]), width=st.sampled_from([20, 4096]))
def test_fast_reader_reads_what_pyyaml_reads(doc: dict[str, Any], flow: bool | None,
                                              width: int) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=flow,
                          width=width)
    fast = yamlio._fast_yaml(text)
    if fast is not yamlio._SLOW:
        assert fast == slow(text)


@pytest.mark.parametrize("text", [
    "a: 2022\nb: [2020, '2021']\n",
    "events:\n  - type: establish\n    date: 2020\n    unit: u\n    name: N\n",
    "a: |\n  two\n  lines\nb: >-\n  folded\n  text\n",
    "a: plain\n  continued\n",
    "{a: 1, b: [x, y], 'c': \"d\\u00e9\"}\n",
    "a: -12\n",
    "a: b # a comment\n",
    "a: 1\r\nb:\r\n  - x\r\n  - 2020\r\n",
])
def test_plain_yaml_takes_the_fast_path(text: str) -> None:
    fast = yamlio._fast_yaml(text)
    assert fast is not yamlio._SLOW
    assert fast == slow(text)


@pytest.mark.parametrize("text", [
    "a: 007\n", "a: +1\n", "a: 0x1f\n", "a: 1_000\n", "a: -0\n", "a: 1.5\n", "a: .inf\n",
    "a: &x 1\nb: *x\n", "a: !!str 3\n", "<<: {b: 1}\n", "a: =\n", "--- a\n", "a: 1\n---\nb: 2\n",
    "%YAML 1.2\n---\na: 1\n", "2020: x\n", "true: x\n", "? [a]\n: x\n", "a: 1\na: 2\n",
    "a: '\x07'\n", "just text\n", "2022\n", "a: [unclosed\n",
])
def test_what_pyyaml_reads_otherwise_is_left_to_it(text: str) -> None:
    assert yamlio._fast_yaml(text) is yamlio._SLOW
