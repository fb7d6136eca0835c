"""Citation labels (`names.citation_labels`) and footnotes (`notes.Footnotes`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orgchart.presentation.names import citation, citation_labels
from orgchart.presentation.notes import Footnotes


def test_a_source_is_cited_by_publisher_and_date() -> None:
    labels = citation_labels({
        "36kr": {"title": "阿里电商", "publisher": "36氪", "date": "2026-04-01"},
        "gov": {"title": "Machinery of government changes", "publisher": None, "date": None},
        "bare": {"title": None, "publisher": None, "date": None}})
    assert labels == {"36kr": "36氪, 2026-04-01", "gov": "Machinery of government changes",
                      "bare": "bare"}
    assert citation(labels, ["36kr", "gov"]) == \
        "[36氪, 2026-04-01; Machinery of government changes]"
    assert citation(labels, []) == ""


def test_sources_sharing_a_label_carry_their_titles() -> None:
    wiki = {"publisher": "Wikipedia", "date": None}
    labels = citation_labels({
        "w-energy": {**wiki, "title": "Secretary of State for Energy"},
        "w-beis": {**wiki, "title": "Department for Business, Energy and Industrial Strategy"},
        "bbc": {"publisher": "BBC", "title": "Reshuffle", "date": "2016-07-14"}})
    assert labels == {
        "w-energy": "Wikipedia: Secretary of State for Energy",
        "w-beis": "Wikipedia: Department for Business, Energy and Industrial Strategy",
        "bbc": "BBC, 2016-07-14"}  # a label no other source shares stays short


def test_sources_alike_in_everything_but_id_carry_their_ids() -> None:
    same = {"publisher": "Wikipedia", "title": "Cabinet", "date": "2020-01-01"}
    assert citation_labels({"a": same, "b": dict(same)}) == {
        "a": "Wikipedia: Cabinet, 2020-01-01 (a)", "b": "Wikipedia: Cabinet, 2020-01-01 (b)"}


def test_a_longer_label_never_repeats_another_sources_label() -> None:
    wiki = {"publisher": "W", "title": "T", "date": None}
    labels = citation_labels({"a": wiki, "b": dict(wiki),
                              "c": {"publisher": "W: T (a)", "title": None, "date": None}})
    assert len(set(labels.values())) == 3, labels


#: Texts that make labels collide: one source's publisher can read like another's label.
TEXT = st.one_of(st.none(), st.sampled_from(["W", "T", "W: T", "W: T (a)", "W: T (b)",
                                             "W, 2020", "W: T, 2020 (a)", "2020"]))
IDS = st.sampled_from(["a", "b", "c", "d"])


@given(st.dictionaries(IDS, st.fixed_dictionaries(
    {"publisher": TEXT, "title": TEXT, "date": st.one_of(st.none(), st.just("2020"))}),
    max_size=6))
def test_labels_always_tell_sources_apart(sources: dict[str, dict[str, str | None]]) -> None:
    labels = citation_labels(sources)
    assert set(labels) == set(sources)
    assert len(set(labels.values())) == len(labels)


def test_footnotes_number_each_event_once_in_the_order_marked() -> None:
    notes = Footnotes()
    assert notes.mark("e1", None) == "" and notes.mark("e2", "") == ""
    assert notes.mark("e3", "inferred day") == "[1]"
    assert notes.marks([("e4", "two\nlines"), ("e3", "inferred day"), ("e5", None)]) == \
        " [2] [1]"
    assert notes.block() == ["", "Notes", "  [1] inferred day  (e3)",
                             "  [2] two", "      lines  (e4)"]
    assert Footnotes().block() == [] and Footnotes().marks([("e", None)]) == ""


@given(st.dictionaries(st.text("abc", min_size=1, max_size=3),
                       st.none() | st.sampled_from(["", "2001", "2001-05-01", "1999", "é"]),
                       max_size=12))
def test_a_charts_sources_come_by_date_none_first_then_by_id(dates: dict[str, str | None]) -> None:
    """`sources_of` lists the sources as a chart's header does: by date (none, or an empty
    one, first), then by id; the sources not in the table are left out."""
    import sqlite3
    from typing import cast

    from orgchart.adapters.readmodel import queries
    from orgchart.adapters.readmodel.connection import QueryDB
    from orgchart.adapters.readmodel.tables import P

    conn = sqlite3.connect(":memory:")
    conn.execute(f"create table {P}sources (id TEXT PRIMARY KEY, title TEXT, publisher TEXT, "
                 f"date TEXT, url TEXT)")
    conn.executemany(f"insert into {P}sources values (?, 't', 'p', ?, null)", dates.items())
    got = queries.sources_of(cast(QueryDB, conn), [*dates, "not-there"])
    assert list(got) == sorted(dates, key=lambda s: (dates[s] or "", s))
    assert all(got[s]["date"] == dates[s] and got[s]["id"] == s for s in dates)
