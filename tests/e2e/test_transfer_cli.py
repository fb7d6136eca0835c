"""`transfer` (a function moves between two units that both continue) and `rename` with
`kind`, in every view: exact output, text and JSON (issue 14)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

HISTORY = """\
format: orgchart/v1
title: Machinery of government
recorded: 2026-01-01
sources:
  mog: {title: Machinery of government changes, publisher: Institute, date: 2024-01-01}
events:
  - {type: establish, date: 2001, unit: gov, name: Government}
  - {type: establish, date: 2001, unit: dti, name: DTI, parent: gov}
  - {type: establish, date: 2001, unit: defra, name: DEFRA, parent: gov}
  - {type: establish, date: 2001, unit: climate-office, name: Climate Office, kind: office,
     parent: defra}
  - {type: establish, date: 2007-06-28, unit: dius, name: DIUS, parent: gov}
  - {type: merge, date: 2007-06-28, units: [dti], into: {unit: berr, name: BERR}}
  - {type: establish, date: 2008-10-03, unit: decc, name: DECC, parent: gov}
  - type: transfer
    date: 2008-10-03
    from: defra
    to: decc
    what: climate change policy
    function: climate
    units: [climate-office]
    source: mog
  - {type: merge, date: 2009-06-05, units: [berr, dius], into: {unit: bis, name: BIS}}
  - {type: rename, date: 2010, unit: climate-office, kind: executive agency, source: mog}
  - {type: merge, date: 2016-07-14, units: [bis, decc], into: {unit: beis, name: BEIS}}
  - type: split
    date: 2023-02-07
    unit: beis
    into:
      - {unit: dbt, name: DBT}
      - {unit: desnz, name: DESNZ}
      - {unit: dsit, name: DSIT}
    children: {climate-office: desnz}
"""

TRANSFER = "transfer-2008-10-03-9f4c5ae1fe"


@pytest.fixture
def mog(run: Run, write: Callable[[str, str], str]) -> Run:
    r = run("load", write("mog.yaml", HISTORY))
    assert r.exit_code == 0, r.output
    return run


def test_diff_text_has_a_transferred_section_and_names_the_chain_of_successors(
        mog: Run) -> None:
    assert mog("diff", "2001", "2024-12-31").stdout == (
        "Machinery of government — what changed from 2001 to 2024-12-31\n"
        "\n"
        "Added\n"
        "  + DBT, under Government\n"
        "      created 2023-02-07 by the split of BEIS into DBT, DESNZ, DSIT\n"
        "  + DESNZ, under Government\n"
        "      created 2023-02-07 by the split of BEIS into DBT, DESNZ, DSIT\n"
        "  + DSIT, under Government\n"
        "      created 2023-02-07 by the split of BEIS into DBT, DESNZ, DSIT\n"
        "\n"
        "Removed\n"
        "  − DTI, was under Government\n"
        "      merged 2007-06-28 into new unit BERR\n"
        "      then: DTI → BERR → BIS → BEIS → DBT, DESNZ, DSIT\n"
        "\n"
        "Moved\n"
        "  → Climate Office: from DEFRA to DESNZ\n"
        "      moved 2008-10-03 to DECC with climate change policy  [Institute, 2024-01-0"
        "1]\n"
        "      moved 2016-07-14 to BEIS when BIS, DECC merged into BEIS\n"
        "      moved 2023-02-07 to DESNZ when BEIS split into DBT, DESNZ, DSIT\n"
        "\n"
        "Renamed\n"
        "  ✎ Climate Office → Climate Office (office → executive agency)\n"
        "      became an executive agency 2010  [Institute, 2024-01-01]\n"
        "\n"
        "Transferred\n"
        "  ⇢ climate change policy: DEFRA → DECC\n"
        "      climate change policy transferred 2008-10-03 from DEFRA to DECC, with Clim"
        "ate Office  [Institute, 2024-01-01]\n"
        "\n"
        "Sources\n"
        "  [Institute, 2024-01-01] Machinery of government changes\n")


def test_diff_json_transferred_and_kind(mog: Run) -> None:
    changes = json.loads(mog("diff", "2001", "2024-12-31", "--format", "json").stdout)[
        "changes"]
    assert [c["change"] for c in changes][-1] == "transferred"  # after the documented kinds
    assert changes[-1] == {"change": "transferred", "from": "defra", "to": "decc",
                           "what": "climate change policy", "function": "climate",
                           "units": ["climate-office"], "events": [TRANSFER]}
    [renamed] = [c for c in changes if c["change"] == "renamed"]
    assert renamed == {"change": "renamed", "unit": "climate-office",
                           "before": "Climate Office", "after": "Climate Office",
                           "before_en": None, "after_en": None, "before_kind": "office",
                           "after_kind": "executive agency",
                           "events": ["rename-2010-f74da68ea4"]}


def test_diff_backwards_swaps_from_and_to(mog: Run) -> None:
    changes = json.loads(mog("diff", "2024-12-31", "2001", "--format", "json").stdout)[
        "changes"]
    assert [(c["from"], c["to"]) for c in changes if c["change"] == "transferred"] == [
        ("decc", "defra")]


def test_diff_without_transfers_in_the_span_has_no_section(mog: Run) -> None:
    changes = json.loads(mog("diff", "2010", "2012", "--format", "json").stdout)["changes"]
    assert all(c["change"] != "transferred" for c in changes)


def test_history_of_the_giving_unit(mog: Run) -> None:
    assert mog("history", "defra").stdout == (
        "DEFRA  [defra]\n"
        "since 2001\n"
        "\n"
        "2001        established as DEFRA, under Government\n"
        "            establish-2001-ecbb0f79ed\n"
        "2008-10-03  transferred climate change policy to DECC, with Climate Office\n"
        "            transfer-2008-10-03-9f4c5ae1fe  [Institute, 2024-01-01]\n"
        "\n"
        "Sources\n"
        "  [Institute, 2024-01-01] Machinery of government changes\n")


def test_history_of_the_receiving_unit_json(mog: Run) -> None:
    story = json.loads(mog("history", "decc", "--format", "json").stdout)["story"]
    assert story[1] == {"date": "2008-10-03", "what": "transferred", "from": "defra",
                        "to": "decc", "responsibility": "climate change policy",
                        "function": "climate", "units": ["climate-office"],
                        "event": TRANSFER, "sources": ["mog"]}


def test_history_of_a_unit_that_went_with_it_and_changed_kind(mog: Run) -> None:
    assert mog("history", "climate-office").stdout == (
        "Climate Office  [climate-office]\n"
        "executive agency, since 2001\n"
        "\n"
        "2001        established as Climate Office, office, under DEFRA\n"
        "            establish-2001-689a6ae440\n"
        "2008-10-03  moved from DEFRA to DECC with climate change policy\n"
        "            transfer-2008-10-03-9f4c5ae1fe  [Institute, 2024-01-01]\n"
        "2010        became an executive agency\n"
        "            rename-2010-f74da68ea4  [Institute, 2024-01-01]\n"
        "2016-07-14  moved from DECC to BEIS when BIS, DECC merged into BEIS\n"
        "            merge-2016-07-14-99dc82f13a\n"
        "2023-02-07  moved from BEIS to DESNZ when BEIS split into DBT, DESNZ, DSIT\n"
        "            split-2023-02-07-24d20023c0\n"
        "\n"
        "Sources\n"
        "  [Institute, 2024-01-01] Machinery of government changes\n")


def test_lineage_text_follows_the_transfer_from_the_unit_only(mog: Run) -> None:
    assert mog("lineage", "decc").stdout == (
        "Lineage of DECC  [decc]\n"
        "\n"
        "Came from\n"
        "  2008-10-03  climate change policy transferred from DEFRA to DECC, with Climate"
        " Office  [Institute, 2024-01-01]\n"
        "              transfer-2008-10-03-9f4c5ae1fe\n"
        "\n"
        "Went on to\n"
        "  2016-07-14  BIS, DECC merged into new unit BEIS\n"
        "              merge-2016-07-14-99dc82f13a\n"
        "  2023-02-07  BEIS split into DBT, DESNZ, DSIT\n"
        "              split-2023-02-07-24d20023c0\n"
        "\n"
        "Units by generation\n"
        "   -1    DEFRA  [defra]  since 2001\n"
        "    0  ▶ DECC  [decc]  2008-10-03 – 2016-07-14 (merge)\n"
        "    1    BEIS  [beis]  2016-07-14 – 2023-02-07 (split)\n"
        "    2    DBT  [dbt]  since 2023-02-07\n"
        "    2    DESNZ  [desnz]  since 2023-02-07\n"
        "    2    DSIT  [dsit]  since 2023-02-07\n"
        "\n"
        "Sources\n"
        "  [Institute, 2024-01-01] Machinery of government changes\n")


def test_lineage_json_edge_carries_what(mog: Run) -> None:
    edges = json.loads(mog("lineage", "decc", "--format", "json").stdout)["edges"]
    assert edges[0] == {"source": "defra", "target": "decc", "how": "transfer",
                        "event": TRANSFER, "date": "2008-10-03", "sources": ["mog"],
                        "what": "climate change policy"}


def test_lineage_drawing_has_a_dashed_transfer(mog: Run, tmp_path: Path) -> None:
    out = tmp_path / "l.dot"
    assert mog("lineage", "defra", "-o", str(out)).exit_code == 0
    dot = out.read_text(encoding="utf-8")
    node = f'"event:{TRANSFER}"'
    assert f'  "defra" -> {node} [arrowhead=none, style=dashed];\n' in dot
    assert f'  {node} -> "decc" [style=dashed];\n' in dot
    assert '<FONT POINT-SIZE="8">climate change policy</FONT>' in dot


def test_render_since_draws_a_dashed_arrow_labelled_with_what(mog: Run) -> None:
    dot = mog("render", "2010", "--since", "2008", "--format", "dot", "-o", "-").stdout
    assert ('  "defra" -> "decc" [style=dashed, color="#8c959f", arrowhead=vee, '
            'arrowsize=0.7, constraint=false, fontsize=9, fontcolor="#8c959f", '
            'label=<climate change policy>, class="oc-lineage"];\n') in dot


def test_log_and_the_timeline_page_say_it(mog: Run) -> None:
    log = mog("log", "--unit", "defra").stdout
    assert ("2008-10-03  transfer   climate change policy transferred from defra to decc "
            "(with climate-office)  [mog]\n") in log
    page = mog("timeline", "-o", "-").stdout
    assert "climate change policy transferred from DEFRA to DECC, with Climate Office" in page
    assert "Climate Office became an executive agency" in page


def test_a_transfer_exports_as_written(mog: Run) -> None:
    events = json.loads(mog("export", "--format", "json").stdout)["events"]
    [t] = [e for e in events if e["type"] == "transfer"]
    assert {k: v for k, v in t.items() if k not in ("id", "recorded")} == {
        "type": "transfer", "date": "2008-10-03", "from": "defra", "to": "decc",
        "what": "climate change policy", "function": "climate", "units": ["climate-office"],
        "source": "mog"}
