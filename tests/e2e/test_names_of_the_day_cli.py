"""Names of the day: `history` and `lineage` (text, JSON, drawing) show a renamed unit under
each name it bore, with the date each began; the `at` tree says since when a unit bears its
name where that is after it began. Exact outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.e2e.test_tenures_cli import Write
from tests.e2e.ukdepts import UK

HISTORY_DTI = """\
Department of Trade and Industry → Department for Business, Enterprise and Regulatory Reform (2007-06-28)  [dti]
department, 2001-06-08 – 2009-06-05 (merge)

2001-06-08  established as Department of Trade and Industry, department, under HM Government
            establish-2001-06-08-bfbdd7aa3b  [GOV.UK, 2024-12-01]
2001-06-08  head: Peter Mandelson, Secretary of State, 2001-06-08 – 2009-06-05
            appoint-2001-06-08-28084169cc
2007-06-28  renamed from Department of Trade and Industry to Department for Business, Enterprise and Regulatory Reform
            rename-2007-06-28-66015bd68e  [GOV.UK, 2024-12-01]
2009-06-05  merged into Department for Business, Innovation and Skills together with Department for Innovation, Universities and Skills
            merge-2009-06-05-0deec32d99  [GOV.UK, 2024-12-01]

Sources
  [GOV.UK, 2024-12-01] Machinery of government changes
"""  # noqa: E501

LINEAGE_BEIS = """\
Lineage of Department for Business, Energy and Industrial Strategy  [beis]

Came from
  2009-06-05  Department for Business, Enterprise and Regulatory Reform, Department for Innovation, Universities and Skills merged into Department for Business, Innovation and Skills  [GOV.UK, 2024-12-01]
              merge-2009-06-05-0deec32d99
  2016-07-14  Department for Business, Innovation and Skills merged into Department for Business, Energy and Industrial Strategy  [GOV.UK, 2024-12-01]
              merge-2016-07-14-834e79bcba

Went on to
  2023-02-07  Department for Business, Energy and Industrial Strategy split into Department for Energy Security and Net Zero, Department for Business and Trade  [GOV.UK, 2024-12-01]
              split-2023-02-07-c41569a365

Units by generation
   -2    Department of Trade and Industry → Department for Business, Enterprise and Regulatory Reform (2007-06-28)  [dti]  2001-06-08 – 2009-06-05 (merge)
   -2    Department for Innovation, Universities and Skills  [dius]  2007-06-28 – 2009-06-05 (merge)
   -1    Department for Business, Innovation and Skills  [bis]  2009-06-05 – 2016-07-14 (merge)
    0  ▶ Department for Business, Energy and Industrial Strategy  [beis]  2016-07-14 – 2023-02-07 (split)
    1    Department for Business and Trade  [dbt]  since 2023-02-07
    1    Department for Energy Security and Net Zero  [desnz]  since 2023-02-07

Sources
  [GOV.UK, 2024-12-01] Machinery of government changes
"""  # noqa: E501

AT_2015 = """\
UK departments — on 2015-06-01

HM Government  [since 2001-06-08]
├── Department for Business, Innovation and Skills  [department, since 2009-06-05]
│       ◆ head: Sajid Javid, Secretary of State, since 2015-05-11
└── Department for Education  [department, since 2007-06-28, named so since 2010-05-12]
"""

DTI_NAMES = [
    {"name": "Department of Trade and Industry", "name_en": None, "from": "2001-06-08"},
    {"name": "Department for Business, Enterprise and Regulatory Reform", "name_en": None,
     "from": "2007-06-28"},
]


@pytest.fixture
def uk(run: Run, write: Write) -> Run:
    r = run("load", write("uk.yaml", UK))
    assert r.exit_code == 0, r.output
    return run


def test_history_heads_a_renamed_unit_with_each_name_and_when_it_began(uk: Run) -> None:
    assert uk("history", "dti").stdout == HISTORY_DTI


def test_history_json_lists_the_names_at_the_end(uk: Run) -> None:
    h = json.loads(uk("history", "dti", "--format", "json").stdout)
    assert list(h)[-1] == "names" and h["names"] == DTI_NAMES
    h = json.loads(uk("history", "bis", "--format", "json").stdout)
    assert h["names"] == [{"name": "Department for Business, Innovation and Skills",
                           "name_en": None, "from": "2009-06-05"}]


def test_lineage_names_each_unit_by_the_names_of_its_life(uk: Run) -> None:
    assert uk("lineage", "beis").stdout == LINEAGE_BEIS
    nodes = json.loads(uk("lineage", "beis", "--format", "json").stdout)["nodes"]
    assert [list(n)[-1] for n in nodes] == ["names"] * 6
    assert next(n for n in nodes if n["id"] == "dti")["names"] == DTI_NAMES


def test_the_lineage_drawing_begins_a_box_with_its_first_name(uk: Run, tmp_path: Path) -> None:
    out = tmp_path / "dti.dot"
    assert uk("lineage", "dti", "-o", str(out)).exit_code == 0
    dot = out.read_text(encoding="utf-8")
    assert ('<B>Department of Trade and Industry</B></FONT></TD></TR><TR><TD>'
            '<FONT POINT-SIZE="10" COLOR="#1f2933">→ Department for Business, Enterprise and '
            'Regulatory Reform (2007-06-28)</FONT>') in dot
    assert ("Lineage of Department of Trade and Industry → Department for Business, "
            "Enterprise and Regulatory Reform (2007-06-28) (dti)") in dot


def test_the_tree_says_since_when_a_unit_bears_its_name(uk: Run) -> None:
    assert uk("at", "2015-06-01").stdout == AT_2015
    assert uk("at", "2009-01-01").stdout.splitlines()[3] == (
        "├── Department for Business, Enterprise and Regulatory Reform  "
        "[department, since 2001-06-08, named so since 2007-06-28]")
    assert uk("at", "2007-06-27").stdout.splitlines()[-2] == (
        "└── Department of Trade and Industry  [department, since 2001-06-08]")


def test_json_keeps_since_as_the_units_start(uk: Run) -> None:
    units = json.loads(uk("at", "2015-06-01", "--format", "json").stdout)["units"]
    dfe = next(u for u in units if u["id"] == "dcsf")
    assert dfe["since"] == "2007-06-28" and "named_since" not in dfe


def test_a_long_chain_of_names_keeps_its_first_and_last(run: Run, write: Write) -> None:
    renames = "".join(f"  - {{type: rename, date: 200{i}, unit: u, name: N{i}}}\n"
                      for i in range(1, 5))
    path = write("u.yaml", "format: orgchart/v1\nrecorded: 2025-01-01\nevents:\n"
                 "  - {type: establish, date: 2000, unit: u, name: N0}\n" + renames)
    assert run("load", path).exit_code == 0
    assert run("history", "u").stdout.splitlines()[0] == \
        "N0 → … (3 more) → N4 (2004)  [u]"
