"""What people read: sentences that say what happened in the right order, a spin-off
worded and drawn as one, long-span chains of successors, and units listed by name (or
by `order`) in every chart form while JSON keeps its documented order. Exact outputs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.e2e.test_tenures_cli import Write

UK = """\
format: orgchart/v1
title: UK departments
recorded: 2025-01-10
people:
  blair: {name: Tony Blair}
  brown: {name: Gordon Brown}
events:
  - {type: establish, date: 2001-06-08, unit: hmg, name: HM Government}
  - {type: establish, date: 2001-06-08, unit: pm, name: Prime Minister's Office, parent: hmg}
  - {type: appoint, date: 2001-06-08, unit: pm, person: blair, title: Prime Minister}
  - {type: establish, date: 2001-06-08, unit: ho, name: Home Office, kind: department,
     parent: hmg}
  - {type: establish, date: 2001-06-08, unit: co, name: Cabinet Office, kind: department,
     parent: hmg}
  - {type: establish, date: 2001-06-08, unit: lcd, name: Lord Chancellor's Department,
     kind: department, parent: hmg}
  - {type: establish, date: 2001-06-08, unit: dti, name: Department of Trade and Industry,
     kind: department, parent: hmg}
  - {type: establish, date: 2001-06-08, unit: dfes, name: Department for Education and Skills,
     kind: department, parent: hmg}
  - {type: establish, date: 2004-06, unit: noms, name: National Offender Management Service,
     kind: agency, parent: ho}
  - {type: rename, date: 2007-05-09, unit: lcd, name: Ministry of Justice}
  - {type: move, date: 2007-05-09, unit: noms, parent: lcd}
  - {type: appoint, date: 2007-06-27, unit: pm, person: brown, title: Prime Minister}
  - {type: rename, date: 2007-06-28, unit: dti,
     name: "Department for Business, Enterprise and Regulatory Reform"}
  - type: split
    date: 2007-06-28
    unit: dfes
    into:
      - {unit: dcsf, name: "Department for Children, Schools and Families", kind: department}
      - {unit: dius, name: "Department for Innovation, Universities and Skills",
         kind: department}
  - {type: rename, date: 2010-05-12, unit: dcsf, name: Department for Education}
  - {type: merge, date: 2009-06-05, units: [dti, dius],
     into: {unit: bis, name: "Department for Business, Innovation and Skills",
            kind: department}}
  - type: split
    date: 2012-01-01
    unit: ho
    keep: true
    into:
      - {unit: nca, name: National Crime Agency, kind: agency}
  - {type: merge, date: 2016-07-14, units: [bis],
     into: {unit: beis, name: "Department for Business, Energy and Industrial Strategy",
            kind: department}}
  - {type: rename, date: 2017-04-01, unit: noms, name: HM Prison and Probation Service}
  - type: split
    date: 2023-02-07
    unit: beis
    into:
      - {unit: dbt, name: Department for Business and Trade, kind: department}
      - {unit: desnz, name: "Department for Energy Security and Net Zero", kind: department}
      - {unit: dsit, name: "Department for Science, Innovation and Technology",
         kind: department}
"""

# "established 2004-06 as …" (was "as National Offender Management Serviceestablished"),
# sections by name (Home Office's spin-off after HM Prison and Probation Service), one
# sentence for every part of a split (no "as" for the renamed part alone)
DIFF_2004_2017 = """\
UK departments — what changed from 2004-01-01 to 2017-05-01

Added
  + Department for Business, Energy and Industrial Strategy, under HM Government
      created 2016-07-14 by merging Department for Business, Innovation and Skills
  + Department for Education, under HM Government
      created 2007-06-28 by the split of Department for Education and Skills into Department for Children, Schools and Families, Department for Innovation, Universities and Skills
  + HM Prison and Probation Service, under Ministry of Justice
      established 2004-06 as National Offender Management Service under Home Office
  + National Crime Agency, under HM Government
      spun off 2012-01-01 from Home Office

Removed
  − Department for Education and Skills, was under HM Government
      split 2007-06-28 into Department for Children, Schools and Families, Department for Innovation, Universities and Skills
      then: Department for Education and Skills → Department for Education, Department for Innovation, Universities and Skills → Department for Business, Innovation and Skills → Department for Business, Energy and Industrial Strategy
  − Department of Trade and Industry, was under HM Government
      merged 2009-06-05 into new unit Department for Business, Innovation and Skills together with Department for Innovation, Universities and Skills
      then: Department of Trade and Industry → Department for Business, Enterprise and Regulatory Reform → Department for Business, Innovation and Skills → Department for Business, Energy and Industrial Strategy

Renamed
  ✎ Lord Chancellor's Department → Ministry of Justice
      renamed 2007-05-09 to Ministry of Justice

Leaders
  ◆ Prime Minister's Office, head: Tony Blair → Gordon Brown
      Gordon Brown appointed head (Prime Minister) 2007-06-27
"""  # noqa: E501

# the chain DTI → BERR → BIS → BEIS → DBT, DESNZ, DSIT over the whole span
DTI_CHAIN = (
    "      then: Department of Trade and Industry → Department for Business, Enterprise and "
    "Regulatory Reform → Department for Business, Innovation and Skills → Department for "
    "Business, Energy and Industrial Strategy → Department for Business and Trade, "
    "Department for Energy Security and Net Zero, Department for Science, Innovation and "
    "Technology")

LINEAGE_NCA = """\
Lineage of National Crime Agency  [nca]

Came from
  2012-01-01  Home Office spun off National Crime Agency
              split-2012-01-01-e0d8ea25f9

Went on to
  (nothing yet: it still exists)

Units by generation
   -1    Home Office  [ho]  since 2001-06-08
    0  ▶ National Crime Agency  [nca]  since 2012-01-01
"""

AT_2013 = """\
UK departments — on 2013-01-01

HM Government  [since 2001-06-08]
├── Cabinet Office  [department, since 2001-06-08]
├── Department for Business, Innovation and Skills  [department, since 2009-06-05]
├── Department for Education  [department, since 2007-06-28, named so since 2010-05-12]
├── Home Office  [department, since 2001-06-08]
├── Ministry of Justice  [department, since 2001-06-08, named so since 2007-05-09]
│   └── National Offender Management Service  [agency, since 2004-06]
├── National Crime Agency  [agency, since 2012-01-01]
└── Prime Minister's Office  [since 2001-06-08]
        ◆ head: Gordon Brown, Prime Minister, since 2007-06-27
"""

BY_NAME = ["hmg", "co", "bis", "dcsf", "ho", "lcd", "noms", "nca", "pm"]
BY_ID = ["hmg", "bis", "co", "dcsf", "ho", "lcd", "noms", "nca", "pm"]


@pytest.fixture
def uk(run: Run, write: Write) -> Run:
    r = run("load", write("uk.yaml", UK))
    assert r.exit_code == 0, r.output
    return run


def test_diff_words_each_change_in_order(uk: Run) -> None:
    assert uk("diff", "2004-01-01", "2017-05-01").stdout == DIFF_2004_2017


def test_a_long_span_diff_names_the_whole_chain_of_successors(uk: Run) -> None:
    lines = uk("diff", "2002", "2024-12-31").stdout.splitlines()
    assert DTI_CHAIN in lines
    at = lines.index("  − Department of Trade and Industry, was under HM Government")
    assert lines[at + 2] == DTI_CHAIN


def test_a_spin_off_is_worded_and_drawn_as_one(uk: Run, tmp_path: Path) -> None:
    assert uk("lineage", "nca").stdout == LINEAGE_NCA
    assert uk("history", "ho").stdout.splitlines()[5] == \
        "2012-01-01  spun off National Crime Agency"
    edges = json.loads(uk("lineage", "nca", "--format", "json").stdout)["edges"]
    assert [e.get("keep") for e in edges] == [True]
    out = tmp_path / "nca.dot"
    assert uk("lineage", "nca", "-o", str(out)).exit_code == 0
    dot = out.read_text(encoding="utf-8")
    assert "<B>spun off</B>" in dot and "2012-01-01 (spun off) – now" in dot
    assert ">split<" not in dot and "(split)" not in dot
    chart = tmp_path / "chart.dot"
    assert uk("render", "2012-06-01", "--since", "2011-06-01", "--format", "dot",
              "--layout", "wide", "-o", str(chart)).exit_code == 0
    assert ('  "ho" -> "nca" [style=dashed, color="#8c959f", arrowhead=vee, arrowsize=0.7, '
            'constraint=false, fontsize=9, fontcolor="#8c959f", label=<spun off>];'
            ) in chart.read_text(encoding="utf-8").splitlines()[-3:]


def test_every_chart_form_lists_siblings_by_name(uk: Run, tmp_path: Path) -> None:
    assert uk("at", "2013-01-01").stdout == AT_2013
    rows = list(csv.reader(io.StringIO(uk("at", "2013-01-01", "--format", "csv").stdout)))
    assert [r[0] for r in rows[1:]] == BY_NAME
    mermaid = uk("at", "2013-01-01", "--format", "mermaid").stdout.splitlines()
    assert [x.split("-->")[1].strip()[2:] for x in mermaid if "-->" in x] == BY_NAME[1:]
    for layout in ("compact", "wide"):
        path = tmp_path / f"{layout}.dot"
        dot = uk("render", "2013-01-01", "--format", "dot", "--layout", layout,
                 "-o", str(path))
        assert dot.exit_code == 0, dot.output
        nodes = [line.split()[0].strip('"') for line in path.read_text().splitlines()
                 if line.startswith('  "') and "[id=\"unit-" in line]
        assert nodes == BY_NAME, layout


def test_json_keeps_siblings_by_id(uk: Run) -> None:
    units = json.loads(uk("at", "2013-01-01", "--format", "json").stdout)["units"]
    assert [u["id"] for u in units] == BY_ID
    assert all("order" not in u for u in units)


ORDERED = """\
  - {type: rename, date: 2013-01-01, unit: pm, order: 1}
  - {type: move, date: 2013-01-01, unit: co, parent: hmg, order: 2}
  - {type: establish, date: 2013-01-01, unit: aa, name: aardvark office, parent: hmg}
"""


def test_order_puts_units_first_lower_first_then_the_rest_by_name(run: Run,
                                                                  write: Write) -> None:
    r = run("load", write("uk.yaml", UK + ORDERED))
    assert r.exit_code == 0, r.output
    tree = run("at", "2013-02-01").stdout.splitlines()
    assert [line[4:].split("  [")[0] for line in tree if line.startswith(("├", "└"))] == [
        "Prime Minister's Office", "Cabinet Office", "aardvark office",
        "Department for Business, Innovation and Skills", "Department for Education",
        "Home Office", "Ministry of Justice", "National Crime Agency"]
    assert run("log", "--from", "2013-01-01", "--to", "2013-01-01").stdout.splitlines()[::2] \
        == ["2013-01-01  rename     pm placed (order 1)",
            "2013-01-01  move       co moved under hmg (order 2)",
            "2013-01-01  establish  aa established as aardvark office under hmg"]
    # before the events that set it, the same units read by name
    assert run("at", "2012-12-31").stdout.splitlines()[3] == \
        "├── Cabinet Office  [department, since 2001-06-08]"
    exported = run("export").stdout
    assert "  order: 1\n" in exported and "  order: 2\n" in exported
