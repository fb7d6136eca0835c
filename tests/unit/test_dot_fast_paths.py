"""The fast paths of the DOT writer give exactly the text of the general code they shortcut."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from orgchart.presentation import compact, graph, names, text

#: Text with every character the escapers treat specially, among ordinary and CJK ones.
SPECIAL = '\\&<>"\n\r\t\x00\x01\x1f\x7f\ud800\ufffe\uffff'
texts = st.text(st.sampled_from(SPECIAL) | st.characters(codec="utf-8"), max_size=30)
maybe = st.none() | texts


def slow_clean(s: str) -> str:
    bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

    def visible(m: re.Match[str]) -> str:
        c = m.group(0)
        return chr(0x2400 + ord(c)) if c <= "\x1f" else "\u2421" if c == "\x7f" else "\ufffd"

    return bad.sub(visible, re.sub("\r\n|\r|\n", "\n", s).replace("\t", " "))


@given(texts)
def test_escapers_match_the_character_by_character_rules(s: str) -> None:
    assert text.clean(s) == slow_clean(s)
    out = slow_clean(s).replace("\\", "\\\\")
    out = (out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
           .replace('"', "&quot;"))
    assert text.html(s) == out.replace("\n", "<BR/>")
    out = slow_clean(s).replace("\\", "\\\\").replace('"', '\\"')
    assert text.quoted(s) == '"' + out.replace("\n", "\\n") + '"'


leaders = st.lists(st.fixed_dictionaries({
    "person": texts, "name": maybe, "name_en": maybe, "role": texts, "title": maybe,
    "since": texts}), max_size=3)
units = st.fixed_dictionaries({
    "id": texts, "name": texts, "name_en": maybe, "kind": maybe, "parent": maybe,
    "since": maybe, "leaders": leaders})


@given(units)
def test_plain_node_is_the_general_node_without_marks(u: dict[str, Any]) -> None:
    assert graph._plain_node(u) == graph._marked_node(u, [], {}, {})


marks = st.lists(st.one_of(
    st.fixed_dictionaries({"change": st.sampled_from(["added", "renamed", "moved"]),
                           "before": maybe, "after": maybe, "before_en": maybe,
                           "after_en": maybe}),
    st.fixed_dictionaries({"change": st.just("leader"), "role": texts, "before": maybe,
                           "after": texts})), max_size=3)
lives = st.fixed_dictionaries({}, optional={"began": texts, "ended": texts,
                                            "ended_how": maybe})


@given(units, marks, st.booleans(), lives, st.booleans())
def test_nodes_are_measured_as_their_lines_read(u: dict[str, Any], changes: list[dict[str, Any]],
                                                has_marks: bool, life: dict[str, Any],
                                                reverse: bool) -> None:
    """The size a node's label is measured at as it is written is what the layout's reader
    of labels (`compact.node_size`, the plain way) makes of the node's line."""
    nodes = [graph._plain_node(u), graph._ghost_node(u, life, reverse)]
    if has_marks and changes:
        nodes.append(graph._marked_node(u, changes, {u["id"]: u}, {}))
    for line, size in nodes:
        assert size == compact.node_size(line)


keyed = st.fixed_dictionaries({"id": texts, "name": maybe, "name_en": maybe},
                              optional={"order": st.none() | st.integers(-2, 2)})


@given(keyed)
def test_display_key_is_the_order_then_the_name_key(u: dict[str, Any]) -> None:
    """`display_key`'s written-out `name_key` sorts as the general one does."""
    order = u.get("order")
    assert names.display_key(u) == (order is None, order or 0, *names.name_key(u))
