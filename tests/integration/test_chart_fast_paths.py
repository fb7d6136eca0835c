"""`at`'s fast paths equal the plain way: the tree order of a chart (an iterative walk)
equals a recursive one, and the notes a chart finds through the chart's own queries (the
small index of the events that have a note) equal those read row by row from the tables."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgchart.adapters.readmodel import queries
from orgchart.application.service import OrgChartService
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import OrgchartError
from tests.golden.cases import big_history, load

# -- tree order ------------------------------------------------------------------------


@st.composite
def forests(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    """Units with parents among the earlier ones (or none): a forest, ids in any order."""
    n = draw(st.integers(0, 40))
    ids = draw(st.lists(st.text("abcdef", min_size=1, max_size=3), min_size=n, max_size=n,
                        unique=True))
    units: dict[str, dict[str, Any]] = {}
    for i, uid in enumerate(ids):
        parent = draw(st.none() | st.sampled_from(ids[:i])) if i else None
        units[uid] = {"id": uid, "parent": parent}
    return units


def rows_of(units: dict[str, dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The units as a day's version rows (`queries.DayRows`: unit and parent at 0 and 4)."""
    return [(uid, None, None, None, u["parent"], None, None) for uid, u in units.items()]


def plain_tree_order(units: dict[str, dict[str, Any]], root: str | None,
                     depth: int | None) -> list[str]:
    out: list[str] = []

    def walk(uid: str, level: int) -> None:
        out.append(uid)
        if depth is None or level < depth:
            for k in sorted(u for u, x in units.items() if x["parent"] == uid):
                walk(k, level + 1)

    for top in [root] if root is not None else sorted(
            u for u, x in units.items() if x["parent"] is None):
        walk(top, 0)
    return out


@given(forests(), st.data(), st.none() | st.integers(0, 4))
def test_tree_order_is_the_recursive_walk(units: dict[str, dict[str, Any]],
                                          data: st.DataObject, depth: int | None) -> None:
    root = data.draw(st.none() | st.sampled_from(sorted(units))) if units else None
    got = [r[0] for r in queries.tree_order(rows_of(units), root, depth)]
    assert got == plain_tree_order(units, root, depth)
    assert queries.tree_order(rows_of(units), "not-a-unit", depth) == []


@given(st.integers(1, 6), st.none() | st.integers(0, 8))
def test_a_cycle_under_the_root_is_an_error_not_a_hang(n: int, depth: int | None) -> None:
    """Units whose parents form a cycle are inconsistent tables: a walk from one of them
    stops with an error (from the roots, none of them is reached)."""
    units: dict[str, dict[str, Any]] = {
        f"u{i}": {"id": f"u{i}", "parent": f"u{(i + 1) % n}"} for i in range(n)}
    units["top"] = {"id": "top", "parent": None}
    assert [r[0] for r in queries.tree_order(rows_of(units), None, depth)] == ["top"]
    if depth is not None and depth <= n:  # the walk stops before it outgrows the tables
        assert len(queries.tree_order(rows_of(units), "u0", depth)) == depth + 1
        return
    with pytest.raises(OrgchartError, match="form a cycle"):
        queries.tree_order(rows_of(units), "u0", depth)


# -- the notes of a chart ----------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The generated 10,000-event history (about 2% of its events have a note)."""
    work = tmp_path_factory.mktemp("chart-notes")
    db = str(work / "big.db")
    load(db, big_history(work))
    yield db


def _first_day(text: str) -> str:
    return text if len(text) == 10 else (text + "-01-01")[:10]


def plain_notes(db: str, day: date, units: list[str]) -> list[dict[str, Any]]:
    """The notes behind a chart's lines, read row by row: each unit's version of the day
    and (when it began before that version) the event that began it, and each leader's
    appointment; in the chart's order (`queries.chart_notes`)."""
    conn = sqlite3.connect(db)
    d = day.isoformat()
    alive = "{0}_from <= ? and ({0}_to is null or {0}_to > ?)"
    rows = []
    try:
        note = {i: n for i, n in conn.execute("select id, note from oc_events")}
        for u in units:
            (event, valid_from, since), = conn.execute(
                f"select event, valid_from, since from oc_versions where unit = ? and "
                f"{alive.format('valid')}", [u, d, d]).fetchall()
            made = [event]
            if valid_from != _first_day(since):
                made += [e for (e,) in conn.execute(
                    "select began_event from oc_lives where unit = ?", [u])]
            rows += [(u, None, None, e) for e in made]
            rows += [(u, person, role, e) for person, role, e in conn.execute(
                "select person, role, start_event from oc_tenures where unit = ? and "
                "start_day <= ? and (end_day is null or end_day > ?)", [u, d, d])]
    finally:
        conn.close()
    shown = [{"unit": u, "person": p, "role": r, "event": e, "note": note[e], "sources": []}
             for u, p, r, e in dict.fromkeys(rows) if note.get(e)]
    return queries.chart_notes(shown, units)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 40 * 365), st.booleans(), st.none() | st.integers(0, 3))
def test_the_notes_of_a_chart_are_those_read_row_by_row(store: str, days: int, sub: bool,
                                                        depth: int | None) -> None:
    svc = OrgChartService(store)
    try:
        day = date(1990, 1, 1) + timedelta(days=days)
        whole = svc.at(EffDate(day))
        root = None
        if sub and whole["units"]:  # a unit with units under it, when there is one
            parents = {u["parent"] for u in whole["units"]}
            root = next((u["id"] for u in whole["units"] if u["id"] in parents),
                        whole["units"][0]["id"])
        chart = svc.at(EffDate(day), None, root, depth) if root or depth is not None else whole
        ids = [u["id"] for u in chart["units"]]
        assert chart["notes"] == plain_notes(store, day, ids)
    finally:
        svc.close()


def test_the_history_has_notes_on_charts(store: str) -> None:
    """The property above is not vacuous: charts of this history show notes."""
    svc = OrgChartService(store)
    try:
        assert svc.at(EffDate.parse("2026-04-01"))["notes"]
    finally:
        svc.close()


def test_the_scratch_copy_of_a_scenario_answers_the_same(store: str, tmp_path: Path) -> None:
    """`--with` reads a copy of the tables (with the notes kept on their rows)."""
    empty = tmp_path / "nothing.yaml"
    empty.write_text("format: orgchart/v1\nevents: []\n", encoding="utf-8")
    plain, scenario = OrgChartService(store), OrgChartService(store, [str(empty)])
    try:
        day = EffDate.parse("2026-04-01")
        assert scenario.at(day) == plain.at(day)
    finally:
        plain.close()
        scenario.close()


@pytest.mark.parametrize("day", ["1995-06-30", "2010-01-01", "2026-04-01"])
def test_the_noted_rows_come_from_their_partial_indexes(store: str, day: str) -> None:
    """`at`'s second reading of the day (the rows whose events have a note) passes only the
    entries of those rows: each of its two scans is of the partial index that holds them
    (a condition that did not say the index's own would pass the whole chart again), and it
    finds the rows that the whole chart's scans hold with a note."""
    from orgchart.adapters.readmodel import tables

    def version_noted(r: tuple[Any, ...]) -> bool:
        return r[8] is not None or r[10] is not None

    def tenure_noted(r: tuple[Any, ...]) -> bool:
        return r[8] is not None

    conn = sqlite3.connect(store)
    try:
        for noted, whole, (index, _), has in (
                (queries._VERSIONS_WITH_NOTES, queries._VERSIONS_NOTED,
                 tables.NOTED_INDEXES["versions"], version_noted),
                (queries._TENURES_WITH_NOTES, queries._TENURES,
                 tables.NOTED_INDEXES["tenures"], tenure_noted)):
            plan = [step[-1] for step in conn.execute("explain query plan " + noted, [day] * 3)]
            assert sum(f"COVERING INDEX {index} " in step for step in plan) == 2, plan
            got = conn.execute(noted, [day] * 3).fetchall()
            assert sorted(got, key=repr) == sorted(
                (r for r in conn.execute(whole, [day] * 3).fetchall() if has(r)), key=repr)
        assert conn.execute(queries._VERSIONS_WITH_NOTES, ["2026-04-01"] * 3).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("cited", [False, True])
def test_a_units_version_is_found_by_its_unit_and_first_day(store: str, cited: bool) -> None:
    """A subtree read by unit finds each unit's version of the day by one lookup of its
    (unit, first day), whatever the length of its history (not by passing every version
    of the unit before the day), and finds the versions the whole chart's scans hold."""
    conn = sqlite3.connect(store)
    day = "2026-04-01"
    try:
        sql = queries._UNIT_VERSIONS_CITED if cited else queries._UNIT_VERSIONS
        whole = queries._VERSIONS_CITED if cited else queries._VERSIONS_NOTED
        units = [u for (u,) in conn.execute(queries._DAY_TREE.replace(", v.parent", ""),
                                            [day] * 3)]
        ids = json.dumps(units[::3])
        plan = [step[-1] for step in conn.execute("explain query plan " + sql, [ids] + [day] * 3)]
        assert any("SEARCH v USING INDEX idx_oc_versions_unit_valid_from "
                   "(unit=? AND valid_from=?)" in step for step in plan), plan
        got = conn.execute(sql, [ids] + [day] * 3).fetchall()
        assert len(got) == len(units[::3]) > 10
        assert sorted(got, key=repr) == sorted(
            (r for r in conn.execute(whole, [day] * 3).fetchall() if r[0] in units[::3]),
            key=repr)
    finally:
        conn.close()


def test_at_reads_with_the_collector_paused(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`at` and its text form read the chart with the cyclic collector paused (see
    `orgchart.application.queries.at`), and leave it running after."""
    import gc

    from orgchart.application import queries as app_queries

    seen: list[bool] = []
    chart_on = app_queries.chart_on

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return chart_on(*args, **kwargs)

    monkeypatch.setattr(app_queries, "chart_on", spy)
    svc = OrgChartService(store)
    try:
        assert gc.isenabled()
        day = EffDate.parse("2026-04-01")
        assert svc.at(day)["units"] and svc.at_tree(day)["units"]
        assert seen == [False, False] and gc.isenabled()
    finally:
        svc.close()


def test_at_leaves_its_chart_in_the_oldest_generation(store: str) -> None:
    """`at` and its text form hand their chart over in the oldest generation (see
    `orgchart.adapters.gcpause.paused_gc`), unchanged, and leave nothing frozen; the
    chart equals the one read with the collector left as it was."""
    import gc

    from orgchart.adapters.readmodel.connection import ReadDB

    svc = OrgChartService(store)
    day = EffDate.parse("2026-04-01")
    try:
        for chart in (svc.at(day), svc.at_tree(day)):
            oldest = {id(o) for o in gc.get_objects(generation=2)}
            assert gc.isenabled() and gc.get_freeze_count() == 0
            assert chart["units"] and all(
                id(u) in oldest and id(u["leaders"]) in oldest for u in chart["units"])
        db = ReadDB(store)
        try:
            plain = queries.chart(db, day.day)
        finally:
            db.close()
        assert svc.at(day)["units"] == plain
    finally:
        svc.close()


@pytest.mark.parametrize("day", ["1995-06-30", "2010-01-01", "2026-04-01"])
def test_the_leaders_read_from_the_cursor_are_those_of_the_rows(store: str, day: str) -> None:
    """`_leaders` given the cursor itself (the whole chart's tenures, read once as they are
    made into leaders) finds what it finds in the list of the same rows; with a `Behind`,
    which keeps the rows, a cursor's rows are all kept too."""
    from orgchart.adapters.readmodel.connection import ReadDB

    db = ReadDB(store)
    try:
        whole = db.execute(queries._TENURES_PLAIN, [day] * 3).fetchall()
        assert whole or day < "2000"
        assert queries._leaders(db.execute(queries._TENURES_PLAIN, [day] * 3), None) \
            == queries._leaders(whole, None)
        behind = queries.Behind(noted=True)
        got = queries._leaders(db.execute(queries._TENURES_PLAIN, [day] * 3), behind)
        assert got == queries._leaders(whole, None) and behind.tenures == whole
    finally:
        db.close()
