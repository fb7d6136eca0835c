"""The fast paths of the DOT writer give exactly the text of the general code they shortcut."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import example, given, settings
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


#: Mostly text shown as written (`text.as_written`), now and then a character that is not.
plainish = st.text(st.sampled_from("aZ i中·-" * 6 + "&<\n\x01\xa0"), max_size=8)
plain_leaders = st.lists(st.fixed_dictionaries({
    "person": plainish, "name": st.none() | plainish, "name_en": st.none() | plainish,
    "role": plainish, "title": st.none() | plainish, "since": plainish}), max_size=3)
plain_units = st.fixed_dictionaries({
    "id": plainish, "name": plainish, "name_en": st.none() | plainish,
    "kind": st.none() | plainish, "parent": st.none(), "since": st.none() | plainish,
    "leaders": plain_leaders})


def _unit(**kw: Any) -> dict[str, Any]:
    return {"id": "u", "name": "Name", "name_en": "English", "kind": "team", "parent": None,
            "since": "2001", "leaders": [{"person": "p", "name": "Li", "name_en": None,
                                          "role": "head", "title": None, "since": "2001"}],
            **kw}


@settings(max_examples=300)
@given(units | plain_units)
@example(_unit())  # every text as written, then one text that is not (each in turn)
@example(_unit(name="A & B"))
@example(_unit(name_en="R&D"))
@example(_unit(kind="a<b"))
@example(_unit(since="1\n2"))
@example(_unit(leaders=[{"person": "p", "name": "\x01", "name_en": None, "role": "head",
                         "title": None, "since": "2001"}]))
def test_plain_node_is_the_general_node_without_marks(u: dict[str, Any]) -> None:
    assert graph._plain_node(u) == graph._marked_node(u, [], {}, {})
    assert graph._plain_node(u, text.quoted(u["id"])) == graph._plain_node(u)


@given(st.lists(texts | plainish, max_size=4))
def test_texts_are_as_written_together_when_each_is(parts: list[str]) -> None:
    """What `_plain_node` asks of all of a node's texts at once."""
    assert text.as_written("".join(parts)) == all(text.as_written(p) for p in parts)
    for p in parts:
        if text.as_written(p):
            assert text.html(p) == p and "&" not in p and "<" not in p and "\n" not in p


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
