"""`export` loads back to the same history: a property over random valid histories.

A history is grown through the real service by the steps of
`test_properties_stateful.py` (out-of-order dates, backdated records and
retractions included). Its export, written as YAML or JSON the way
`orgchart export` writes it, is loaded into an empty store; both stores must
then answer `at` identically on every date where something happened (and the
day before each), now and as known on every recorded day, and the reference
replay must agree. Reloading the export adds nothing to either store, and
`verify()` passes on both.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgchart.adapters.eventfile.dump import dump_document
from orgchart.adapters.readmodel import tables
from orgchart.application.service import OrgChartService
from orgchart.domain.dates import EffDate
from tests import reference
from tests.unit.test_properties_stateful import PEOPLE, History, assert_forest, grow


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), steps=st.integers(2, 9), fmt=st.sampled_from(["yaml", "json"]))
def test_export_loads_back_to_the_same_history(data: st.DataObject, steps: int,
                                                fmt: str) -> None:
    with tempfile.TemporaryDirectory(prefix="orgchart-roundtrip-") as tmp:
        h = History(Path(tmp) / "a")
        copy = OrgChartService(str(Path(tmp) / "b.db"))
        try:
            grow(h, data.draw, steps)
            doc = h.svc.export()
            assert [e["id"] for e in doc["events"]] == [e["id"] for e in h.events]
            path = Path(tmp) / f"export.{fmt}"
            path.write_text(dump_document(doc, fmt), encoding="utf-8")

            [report] = copy.load([str(path)])
            assert report.added == len(doc["events"])
            assert copy.export() == doc

            effective = h.effective_days()
            days = sorted({*effective, *(d - timedelta(days=1) for d in effective)})
            knowns: list[date | None] = [None, *h.recorded_days()]
            for known in knowns:
                k = EffDate(known) if known else None
                for day in days:
                    there = copy.at(EffDate(day), k)
                    assert there == h.svc.at(EffDate(day), k), (day, known)
                    assert_forest(there["units"], day)
                    assert there["units"] == reference.chart(h.events, PEOPLE, day, known)

            assert copy.load([str(path)])[0].added == 0
            assert h.svc.load([str(path)])[0].added == 0
            assert copy.export() == doc
            assert h.svc.export() == doc
            assert copy.verify().startswith("ok")
            assert h.svc.verify().startswith("ok")

            # a rebuild from the log (event values decoded with their plain fields kept,
            # `Fact.from_plain(keep_plain=True)`) writes what the appends, and the load,
            # wrote (each store its own log: their positions and chains differ)
            grown, loaded = query_tables(h.svc), query_tables(copy)
            h.svc.rebuild()
            copy.rebuild()
            assert query_tables(h.svc) == grown
            assert query_tables(copy) == loaded
        finally:
            copy.close()
            h.close()


def query_tables(svc: OrgChartService) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the service's query tables (caught up first), in a canonical order."""
    with svc.storage.query_db():
        pass
    db = tables.open_db(svc.storage.cache_path())
    try:
        return tables.dump(db)
    finally:
        db.close()
