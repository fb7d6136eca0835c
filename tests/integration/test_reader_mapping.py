"""The read connection maps the store file into memory (`connection.MMAP_BYTES`): a query
reads its pages in place rather than copying them into a small private cache, which a
`lineage` then a `history` on a store of a million events overflowed on every call.
(That the answers are unchanged is what the golden and end-to-end tests hold.)"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from orgchart.application.service import OrgChartService
from orgchart.cli import cli
from tests.conftest import SEED


def test_the_read_connection_maps_the_store_file(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    assert CliRunner().invoke(cli, ["--db", db, "load", str(SEED)], obj={}).exit_code == 0
    svc = OrgChartService(db)
    try:
        with svc.storage.query_db() as qdb:
            (mapped,) = qdb.execute("pragma mmap_size").fetchone()
        assert mapped > 0
    finally:
        svc.close()
