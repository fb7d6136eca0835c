"""`--known-at` from the stored overlay: computed once, recomputed when the log moves on."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from tests.conftest import Run

JAN = """format: orgchart/v1
recorded: 2026-01-10
events:
  - {type: establish, date: 2020-01-01, unit: a, name: A}
  - {type: establish, date: 2020-01-02, unit: b, name: B, parent: a}
  - {type: rename, date: 2021-01-01, unit: b, name: B-x}
"""
FEB = """format: orgchart/v1
recorded: 2026-02-10
events:
  - {type: rename, date: 2022-01-01, unit: a, name: A2}
"""
# recorded after the state asked about, but effective before where it departed so far
MAR = """format: orgchart/v1
recorded: 2026-03-10
events:
  - {type: establish, date: 2020-06-01, unit: c, name: C}
"""


def names(run: Run, day: str, known: str | None = None) -> dict[str, str]:
    args = ["at", day, "--format", "json"] + (["--known-at", known] if known else [])
    r = run(*args)
    assert r.exit_code == 0, r.output
    return {u["id"]: u["name"] for u in json.loads(r.output)["units"]}


def test_known_at_overlay_follows_the_log(run: Run, write: Callable[[str, str], str]) -> None:
    for name, text in (("jan.yaml", JAN), ("feb.yaml", FEB)):
        assert run("load", write(name, text)).exit_code == 0
    assert names(run, "2023-01-01", "2026-01-20") == {"a": "A", "b": "B-x"}
    assert names(run, "2023-01-01") == {"a": "A2", "b": "B-x"}
    assert names(run, "2020-08-01", "2026-01-20") == {"a": "A", "b": "B"}  # from the overlay
    assert run("load", write("mar.yaml", MAR)).exit_code == 0
    # the state known on 2026-01-20 is unchanged, though it now departs from the latest
    # state from 2020-06-01 on: a stale overlay would lose b's first name here
    assert names(run, "2020-08-01", "2026-01-20") == {"a": "A", "b": "B"}
    assert names(run, "2020-08-01", "2026-03-10") == {"a": "A", "b": "B", "c": "C"}
    assert names(run, "2020-08-01", "2026-02-10") == {"a": "A", "b": "B"}
    assert names(run, "2019-01-01", "2026-01-09") == {}


def test_retractions_are_found_in_their_small_index(run: Run, write: Callable[[str, str], str],
                                                    db_path: str) -> None:
    """The index of the events' `retracted_day` holds the retracted events alone (one of
    the whole column, nulls and all, held an entry per event and took a rebuild three
    times as long to build), and the known-at queries that ask for retractions after a
    day read it: the state known before a retraction still has the retracted event, the
    latest state does not."""
    from orgchart.adapters.readmodel import tables
    from orgchart.adapters.readmodel.intervals import recorded_after, retracted_after
    from orgchart.application.service import OrgChartService

    assert run("load", write("jan.yaml", JAN)).exit_code == 0
    svc = OrgChartService(db_path)
    try:
        rename = next(e["id"] for e in svc.log() if e["type"] == "rename")
        path = svc.cache_path()
    finally:
        svc.close()
    r = run("retract", rename, "--reason", "misreported")
    assert r.exit_code == 0, r.output
    assert run("rebuild").exit_code == 0
    conn = sqlite3.connect(path)
    try:
        index, events = f"idx_{tables.P}events_retracted_day", f"{tables.P}events"
        sql = conn.execute("select sql from sqlite_master where name = ?", [index]).fetchone()[0]
        assert sql.endswith('WHERE "retracted_day" IS NOT NULL'), sql
        assert conn.execute(f"select count(*) from {events} indexed by {index} "
                            f"where retracted_day > ''").fetchone() == (1,)
        assert conn.execute(f"select count(*) from {events}").fetchone()[0] > 1
        plan = " | ".join(step[-1] for step in conn.execute(
            f"explain query plan select 1 from {events} where {recorded_after()} "
            f"or {retracted_after()} limit 1", ["2026-01-20"] * 2))
        assert f"INDEX {index} (retracted_day>?)" in plan, plan
    finally:
        conn.close()
    assert names(run, "2023-01-01") == {"a": "A", "b": "B"}
    assert names(run, "2023-01-01", "2026-01-20") == {"a": "A", "b": "B-x"}
