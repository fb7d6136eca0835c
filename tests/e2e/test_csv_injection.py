"""`at --format csv` cannot carry a spreadsheet formula (issue 17, item 8): a cell starting
with `= + - @`, a tab or a carriage return gets a leading `'` (OWASP's CSV injection
guidance), and such a CSV still reads back as the same chart. Both back-ends."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Run

HOSTILE = """\
format: orgchart/v1
people:
  p: {name: P}
events:
  - {type: establish, date: 2020, unit: a, name: "=cmd|' /C calc'!A0", kind: "@SUM(A1)"}
  - {type: establish, date: 2020, unit: b, name: "+1+1", name_en: "-2", parent: a}
  - {type: establish, date: 2020, unit: c, name: "\\tTab", kind: "\\rCR", parent: a}
  - {type: establish, date: 2020, unit: d, name: "Plain - name", parent: a}
  - {type: appoint, date: 2020, unit: d, person: p, role: "=HYPERLINK(\\"x\\")"}
"""


def test_formula_cells_are_quoted(run: Run, write: Callable[[str, str], str]) -> None:
    assert run("load", write("h.yaml", HOSTILE)).exit_code == 0
    r = run("at", "2020", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = {row[0]: row for row in csv.reader(io.StringIO(r.stdout, newline=""))}
    assert rows["a"][1:4] == ["'=cmd|' /C calc'!A0", "", "'@SUM(A1)"]
    assert rows["b"][1:3] == ["'+1+1", "'-2"]
    assert rows["c"][1:4] == ["'\tTab", "", "'\rCR"]
    assert rows["d"][1] == "Plain - name"
    assert rows["d"][6] == "'=HYPERLINK(\"x\")=p"
    for row in rows.values():
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


ROUND_TRIP = """\
format: orgchart/v1
events:
  - {type: establish, date: 2020, unit: a, name: "=1+2", kind: "@team"}
  - {type: establish, date: 2020, unit: b, name: "+plus", name_en: "-minus", parent: a}
"""


def test_the_quoted_csv_reads_back_as_the_same_chart(run: Run, write: Callable[[str, str], str],
                                                     tmp_path: Path) -> None:
    """`import-snapshot` reads the chart's own CSV back unquoted: nothing to change."""
    assert run("load", write("h.yaml", ROUND_TRIP)).exit_code == 0
    snapshot = tmp_path / "2020.csv"
    snapshot.write_text(run("at", "2020", "--format", "csv").stdout, encoding="utf-8")
    r = run("import-snapshot", "2020", str(snapshot), "--apply")
    assert (r.exit_code, r.stdout) == (0, "1 snapshot: 0 events planned, 0 new appended\n"), \
        r.output
