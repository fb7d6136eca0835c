"""A load writes exactly what a rebuild from its log writes, from JSON and from YAML.

A load into an empty store validates the parsed file, streams its entries to
the log and writes the query tables from the replay it validated with; a
rebuild reads the log back and replays it. Both must give the same tables row
for row, the same `export`, and a log that `verify` accepts. The same history
written as YAML (block style, dates as users write them, read by the fast
YAML reader) loads to the same tables and export as its JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from orgchart.adapters.readmodel import tables
from orgchart.cli.main import cli

pytestmark = pytest.mark.slow


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, *args], obj={})
    assert result.exit_code == 0, result.output
    return result.stdout


def table_rows(db: str) -> dict[str, list[tuple[Any, ...]]]:
    conn = tables.open_db(db)
    try:
        return tables.dump(conn)
    finally:
        conn.close()


@pytest.fixture(scope="module", params=[1, 2])
def history(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.bench.generate import generate, plans

    _, large = plans(3000, seed=request.param)
    return Path(generate(large, tmp_path_factory.mktemp("history")).path)


def as_yaml(path: Path, out: Path) -> Path:
    """The history as users write YAML: block style, with years (`2020`) left unquoted."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False,
                          width=4096)
    out.write_text(re.sub(r"^(\s*date: )'(\d{4})'$", r"\1\2", text, flags=re.M),
                   encoding="utf-8")
    return out


def test_a_load_writes_what_a_rebuild_writes(history: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    run(db, "load", str(history))
    loaded, exported = table_rows(db), run(db, "export", "--format", "json")
    assert "ok:" in run(db, "verify")
    run(db, "rebuild")
    assert table_rows(db) == loaded
    assert run(db, "export", "--format", "json") == exported


def test_yaml_loads_to_what_json_loads(history: Path, tmp_path: Path) -> None:
    from orgchart.adapters.eventfile import yamlio

    yaml_file = as_yaml(history, tmp_path / "h.yaml")
    assert yamlio._fast_yaml(yaml_file.read_text(encoding="utf-8")) is not yamlio._SLOW
    from_json, from_yaml = str(tmp_path / "j.db"), str(tmp_path / "y.db")
    run(from_json, "load", str(history))
    run(from_yaml, "load", str(yaml_file))
    assert run(from_yaml, "export", "--format", "json") == \
        run(from_json, "export", "--format", "json")
    # the same rows, but for the load moment (`recorded`) of events without their own
    strip = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    rows = [{k: [tuple(strip.sub("T", x) if isinstance(x, str) else x for x in r) for r in v]
             for k, v in table_rows(d).items()} for d in (from_json, from_yaml)]
    assert rows[0] == rows[1]


def test_a_load_writes_what_appending_it_in_two_parts_writes(history: Path,
                                                             tmp_path: Path) -> None:
    """The other way of writing the tables: the first half of the file is loaded, then the
    whole file, whose second half goes through the append path (validated against the
    tables, applied to them entry by entry); the log positions are the same."""
    doc = json.loads(history.read_text(encoding="utf-8"))
    half = tmp_path / "half.json"
    half.write_text(json.dumps({**doc, "events": doc["events"][:len(doc["events"]) // 2]},
                               ensure_ascii=False), encoding="utf-8")
    whole, parts = str(tmp_path / "w.db"), str(tmp_path / "p.db")
    run(whole, "load", str(history))
    run(parts, "load", str(half))
    run(parts, "load", str(history))
    assert table_rows(parts) == table_rows(whole)
    assert run(parts, "export", "--format", "json") == run(whole, "export", "--format", "json")


def test_a_rebuild_whose_replay_fails_leaves_the_tables_as_they_were(
        history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The replay runs in a thread of its own while the events' indexes are built
    (`tables.write_all`); what it raises is raised in the rebuild, whose transaction is
    rolled back (the events already inserted, and the tables dropped, are not kept), and
    the secure_delete setting of the connection is restored."""
    from orgchart.application import storage
    from orgchart.application.service import OrgChartService
    from orgchart.domain.errors import OrgchartError

    db = str(tmp_path / "s.db")
    run(db, "load", str(history))
    before = table_rows(db)

    def broken(facts: Any) -> Any:
        raise OrgchartError("the replay broke")

    monkeypatch.setattr(storage, "_replayed", broken)
    svc = OrgChartService(db)
    writer = tables.open_db(db)
    secure = writer.conn.execute("pragma secure_delete").fetchone()[0]
    try:
        with pytest.raises(OrgchartError, match="the replay broke"):
            svc.storage.refresh(writer, force=True)
        assert writer.conn.execute("pragma secure_delete").fetchone()[0] == secure
        assert not writer.conn.in_transaction
    finally:
        writer.close()
        svc.close()
    assert table_rows(db) == before
    monkeypatch.undo()
    run(db, "rebuild")
    assert table_rows(db) == before


def test_a_name_a_later_file_adds_to_a_person_reaches_their_tenures(tmp_path: Path) -> None:
    """Tenures keep their person's names (what `at` reads): a later file that adds a
    person's English name says it again on the tenures they hold and held, as a rebuild
    writes them."""
    db = str(tmp_path / "s.db")
    doc: dict[str, Any] = {
        "format": "orgchart/v1", "sources": {"s": {"title": "S"}},
        "people": {"li": {"name": "李明"}},
        "events": [
            {"type": "establish", "date": "2020-01-01", "unit": "a", "name": "A",
             "source": "s"},
            {"type": "appoint", "date": "2020-02-01", "unit": "a", "person": "li",
             "role": "head", "source": "s"}]}
    first = tmp_path / "first.json"
    first.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    run(db, "load", str(first))
    doc["people"]["li"]["name_en"] = "Li Ming"
    doc["events"].append({"type": "rename", "date": "2021-01-01", "unit": "a", "name": "A2",
                          "source": "s"})
    second = tmp_path / "second.json"
    second.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    run(db, "load", str(second))
    chart = json.loads(run(db, "at", "2021-06-01", "--format", "json"))
    assert [(x["name"], x["name_en"]) for x in chart["units"][0]["leaders"]] == [
        ("李明", "Li Ming")]
    incremental = table_rows(db)
    run(db, "rebuild")
    assert table_rows(db) == incremental
