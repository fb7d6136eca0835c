"""Seeded `orgchart/v1` histories shaped like a government: one root with many departments
(most of them leaves), a few departments with 2–8 agencies, names of realistic length.

`uk_history(units, seed)` is an event file (as a dict, for `json.dump`) whose chart on
`CHART_DATE` has exactly `units` units. The last round of changes, on `CHART_DATE` (a
machinery-of-government day like 2023-02-07), splits a department into new ones (some
agencies go with each part), merges another department into one of the parts, renames
one, creates a department and appoints new leaders; earlier rounds (from `FIRST_ROUND`)
do the same on a smaller scale, so `render CHART_DATE --since FIRST_ROUND` has many ended
units and successor arrows.
"""

from __future__ import annotations

import random
import re
from typing import Any

CHART_DATE = "2023-02-07"
DAY_BEFORE = "2023-02-06"
FIRST_ROUND = "2016-07-14"
ROUNDS = ("2016-07-14", "2019-07-24", CHART_DATE)

DEPARTMENTS = [
    "Cabinet Office", "HM Treasury", "Home Office",
    "Foreign, Commonwealth and Development Office", "Ministry of Defence",
    "Ministry of Justice", "Department for Education",
    "Department of Health and Social Care",
    "Department for Environment, Food and Rural Affairs", "Department for Transport",
    "Department for Work and Pensions",
    "Department for Levelling Up, Housing and Communities",
    "Department for Business, Energy and Industrial Strategy",
    "Department for Digital, Culture, Media and Sport", "Department for International Trade",
    "Northern Ireland Office", "Office of the Secretary of State for Scotland",
    "Office of the Secretary of State for Wales", "Attorney General's Office",
    "Office of the Advocate General for Scotland",
    "Office of the Leader of the House of Commons",
    "Office of the Leader of the House of Lords", "UK Export Finance",
    "HM Revenue and Customs", "Government Legal Department", "Crown Prosecution Service",
    "Serious Fraud Office", "Food Standards Agency", "Charity Commission for England and Wales",
    "Competition and Markets Authority", "National Savings and Investments",
    "Office of Rail and Road", "Office of Gas and Electricity Markets", "The National Archives",
    "UK Statistics Authority", "Forestry Commission", "Government Actuary's Department",
    "HM Land Registry", "Office for Standards in Education, Children's Services and Skills",
    "Office of Qualifications and Examinations Regulation", "Water Services Regulation Authority",
    "Supreme Court of the United Kingdom",
]

#: Names a split or a new department takes (not among DEPARTMENTS).
NEW_DEPARTMENTS = [
    "Department for Energy Security and Net Zero",
    "Department for Science, Innovation and Technology", "Department for Business and Trade",
    "Department for Culture, Media and Sport", "Department for Exiting the European Union",
    "Department for International Development", "Department of Energy and Climate Change",
    "Department for Communities and Local Government", "Department for Constitutional Affairs",
    "Department for Innovation, Universities and Skills",
]

AGENCIES = [
    "Driver and Vehicle Licensing Agency", "Driver and Vehicle Standards Agency",
    "Maritime and Coastguard Agency", "Vehicle Certification Agency", "Active Travel England",
    "HM Prison and Probation Service", "HM Courts and Tribunals Service", "Legal Aid Agency",
    "Office of the Public Guardian", "Criminal Injuries Compensation Authority",
    "Environment Agency", "Natural England", "Animal and Plant Health Agency",
    "Rural Payments Agency", "Centre for Environment, Fisheries and Aquaculture Science",
    "Veterinary Medicines Directorate",
    "Medicines and Healthcare products Regulatory Agency", "UK Health Security Agency",
    "NHS England", "Defence Equipment and Support",
    "Defence Science and Technology Laboratory", "UK Hydrographic Office", "Companies House",
    "Insolvency Service", "Intellectual Property Office", "Met Office",
    "Child Maintenance Service", "Health and Safety Executive", "The Pensions Regulator",
    "Education and Skills Funding Agency", "Standards and Testing Agency",
    "Teaching Regulation Agency", "Government Property Agency", "Crown Commercial Service",
    "Government Digital Service", "Valuation Office Agency", "Debt Management Office",
    "Government Internal Audit Agency", "Planning Inspectorate", "Homes England",
    "HM Passport Office", "UK Visas and Immigration", "Border Force",
    "Disclosure and Barring Service", "Office for Nuclear Regulation", "UK Space Agency",
]

FIRST = ["Grant", "Kemi", "Michelle", "Jeremy", "Suella", "James", "Gillian", "Steve",
         "Thérèse", "Mark", "Mel", "Chris", "Lucy", "Victoria", "Alister", "Penny", "Oliver",
         "Simon", "Nadhim", "Priti", "Ben", "Liz", "Dominic", "Sajid", "Anne-Marie"]
LAST = ["Shapps", "Badenoch", "Donelan", "Hunt", "Braverman", "Cleverly", "Keegan", "Barclay",
        "Coffey", "Harper", "Stride", "Heaton-Harris", "Frazer", "Atkins", "Jack", "Mordaunt",
        "Dowden", "Hart", "Zahawi", "Patel", "Wallace", "Truss", "Raab", "Javid", "Trevelyan"]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]


class _Names:
    """Unique names drawn from a pool, then numbered variants of it."""

    def __init__(self, pool: list[str], rng: random.Random) -> None:
        self.pool = pool[:]
        rng.shuffle(self.pool)
        self.used: set[str] = set()
        self.n = 0

    def take(self) -> str:
        while True:
            base = self.pool[self.n % len(self.pool)]
            lap = self.n // len(self.pool)
            self.n += 1
            name = base if lap == 0 else f"{base} ({['North', 'South', 'East', 'West'][lap % 4]})"
            if name not in self.used:
                self.used.add(name)
                return name


def uk_history(units: int, seed: int, departments: int | None = None) -> dict[str, Any]:
    """A valid event file whose chart on CHART_DATE has exactly `units` (≥ 8) units, of
    them `departments` (default: a half to nine tenths, at most 25) under the root."""
    assert units >= 8
    rng = random.Random(seed)
    depts = _Names(DEPARTMENTS, rng)
    new_depts = _Names(NEW_DEPARTMENTS, rng)
    agencies = _Names(AGENCIES, rng)
    people: dict[str, dict[str, str]] = {}
    events: list[dict[str, Any]] = []
    parent: dict[str, str | None] = {}
    founded: dict[str, int] = {}

    def person() -> str:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        pid = f"p{len(people):03d}"
        people[pid] = {"name": name}
        return pid

    def establish(date: str, name: str, under: str | None, kind: str) -> str:
        uid = slug(name)
        while uid in parent:
            uid += "-x"
        parent[uid] = under
        founded[uid] = int(date[:4])
        events.append({"type": "establish", "date": date, "unit": uid, "name": name,
                       "kind": kind, **({"parent": under} if under else {})})
        if kind != "directorate" and rng.random() < 0.8:
            events.append({"type": "appoint", "date": date, "unit": uid, "person": person(),
                           "title": "Secretary of State" if kind == "ministerial department"
                           else "Chief Executive"})
        return uid

    def live_children(uid: str) -> list[str]:
        return [u for u, p in parent.items() if p == uid]

    root = establish("1990", "His Majesty's Government", None, "government")
    # half to nine tenths departments (at most 25), the rest agencies under a few of them
    # (2–8 each)
    n_depts = departments or min(25, max(5, round((units - 1) * rng.uniform(0.5, 0.9))),
                                 units - 3)
    n_agencies = units - 1 - n_depts
    dept_ids = [establish(str(rng.randint(1990, 2010)), depts.take(), root,
                          rng.choice(["ministerial department", "non-ministerial department"]))
                for _ in range(n_depts)]
    left = n_agencies
    hosts = dept_ids[:]
    rng.shuffle(hosts)
    while left > 0:
        host = hosts.pop() if hosts else rng.choice(dept_ids)
        k = min(left, rng.randint(2, 8))
        if left - k == 1:
            k += 1
        for _ in range(k):
            establish(str(rng.randint(founded[host], 2012)), agencies.take(), host,
                      "executive agency")
        left -= k

    # rounds of change that keep the count: split (1 -> 2) with a merge (2 -> 1), a rename,
    # new leaders; the last round also moves an agency and dissolves a department that a
    # new one replaces
    for date in ROUNDS:
        tops = [u for u, p in parent.items() if p == root]
        a, b = rng.sample(tops, 2)
        parts = [{"unit": slug(n := new_depts.take()) + f"-{date[:4]}", "name": n,
                  "kind": "ministerial department"},
                 {"unit": slug(n := new_depts.take()) + f"-{date[:4]}", "name": n,
                  "kind": "ministerial department"}]
        kids = live_children(a)
        events.append({"type": "split", "date": date, "unit": a, "into": parts,
                       **({"children": {c: rng.choice(parts)["unit"] for c in kids}}
                          if kids else {})})
        for c in kids:
            parent[c] = events[-1]["children"][c]
        del parent[a]
        for p in parts:
            parent[p["unit"]] = root
        events.append({"type": "merge", "date": date, "units": [b], "into": parts[0]["unit"]})
        for c in live_children(b):
            parent[c] = parts[0]["unit"]
        del parent[b]
        for p in parts:
            events.append({"type": "appoint", "date": date, "unit": p["unit"],
                           "person": person(), "title": "Secretary of State"})
        c = rng.choice([u for u in parent if u != root])
        events.append({"type": "rename", "date": date, "unit": c,
                       "name": new_depts.take() if parent[c] == root else agencies.take()})
        for u in rng.sample([u for u in parent if u != root], 2):
            events.append({"type": "appoint", "date": date, "unit": u, "person": person(),
                           "title": "Secretary of State" if parent[u] == root
                           else "Chief Executive"})
        if date == CHART_DATE:
            movable = [u for u, p in parent.items() if p not in (root, None)]
            if movable:
                m = rng.choice(movable)
                there = rng.choice([u for u in parent
                                    if parent[u] == root and u != parent[m]])
                events.append({"type": "move", "date": date, "unit": m, "parent": there})
                parent[m] = there
            gone = rng.choice([u for u in parent if parent[u] == root])
            kids = live_children(gone)
            events.append({"type": "dissolve", "date": date, "unit": gone,
                           **({"children_to": root} if kids else {})})
            for c in kids:
                parent[c] = root
            del parent[gone]
            establish(date, new_depts.take(), root, "ministerial department")
    assert len(parent) == units, (len(parent), units)
    return {"format": "orgchart/v1", "title": "UK government departments",
            "recorded": "2023-03-01", "people": people, "events": events}
