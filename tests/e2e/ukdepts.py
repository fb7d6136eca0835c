"""A small history of UK departments for the people, horizon and names-of-the-day tests:
renames (DTI → BERR, DCSF → DfE), a merge (BERR and DIUS into BIS, BIS into BEIS), a
split (BEIS into DESNZ and DBT), a dissolution, and people who held several roles."""

from __future__ import annotations

UK = """\
format: orgchart/v1
title: UK departments
recorded: 2025-01-10
sources:
  gov: {title: Machinery of government changes, publisher: GOV.UK, date: 2024-12-01}
people:
  javid: {name: Sajid Javid}
  clarke: {name: Kenneth Clarke, name_en: Ken Clarke}
  mandelson: {name: Peter Mandelson}
events:
  - {type: establish, date: 2001-06-08, unit: hmg, name: HM Government, source: gov}
  - {type: establish, date: 2001-06-08, unit: dti, name: Department of Trade and Industry,
     kind: department, parent: hmg, source: gov}
  - {type: appoint, date: 2001-06-08, unit: dti, person: mandelson, title: Secretary of State}
  - {type: rename, date: 2007-06-28, unit: dti,
     name: "Department for Business, Enterprise and Regulatory Reform", source: gov}
  - {type: establish, date: 2007-06-28, unit: dcsf,
     name: "Department for Children, Schools and Families",
     kind: department, parent: hmg, source: gov}
  - {type: establish, date: 2007-06-28, unit: dius,
     name: "Department for Innovation, Universities and Skills",
     kind: department, parent: hmg}
  - {type: establish, date: 2009-06-05, unit: bis,
     name: "Department for Business, Innovation and Skills",
     kind: department, parent: hmg, source: gov}
  - {type: merge, date: 2009-06-05, units: [dti, dius], into: bis, source: gov}
  - {type: appoint, date: 2009-06-05, unit: bis, person: mandelson, title: First Secretary of State}
  - {type: step_down, date: 2010-05-11, unit: bis, person: mandelson}
  - {type: rename, date: 2010-05-12, unit: dcsf, name: Department for Education, source: gov}
  - {type: establish, date: 2010-05-12, unit: ocs, name: Office for Civil Society, parent: hmg}
  - {type: appoint, date: 2014-04-09, unit: ocs, person: javid, role: minister}
  - {type: dissolve, date: 2015-05-08, unit: ocs}
  - {type: appoint, date: 2015-05-11, unit: bis, person: javid, title: Secretary of State,
     source: gov}
  - {type: establish, date: 2016-07-14, unit: beis,
     name: "Department for Business, Energy and Industrial Strategy", kind: department,
     parent: hmg, source: gov}
  - {type: merge, date: 2016-07-14, units: [bis], into: beis, source: gov}
  - {type: appoint, date: 2016-07-14, unit: beis, person: clarke, title: Secretary of State}
  - type: split
    date: 2023-02-07
    unit: beis
    source: gov
    into:
      - {unit: desnz, name: Department for Energy Security and Net Zero, kind: department}
      - {unit: dbt, name: Department for Business and Trade, kind: department}
  - {type: appoint, date: 2023-02-07, unit: dbt, person: javid, title: Secretary of State}
"""
