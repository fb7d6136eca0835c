"""`person` and `people`: every role a person held and what became of each unit, who is
recorded, who held which role on a day; exact text and JSON."""

from __future__ import annotations

import pytest

from tests.conftest import Run
from tests.e2e.test_tenures_cli import Write
from tests.e2e.ukdepts import UK

JAVID = """\
Sajid Javid  [javid]
3 roles

2014-04-09 – 2015-05-08  minister: Office for Civil Society  [ocs]
                           appoint-2014-04-09-852d8bc499
                           dissolve-2015-05-08-237001659a
                           dissolved on 2015-05-08
2015-05-11 – 2016-07-14  head, Secretary of State: Department for Business, Innovation and Skills  [bis]
                           appoint-2015-05-11-6e415155c9  [GOV.UK, 2024-12-01]
                           merge-2016-07-14-834e79bcba  [GOV.UK, 2024-12-01]
                           merged into Department for Business, Energy and Industrial Strategy on 2016-07-14
2023-02-07 – now         head, Secretary of State: Department for Business and Trade  [dbt]
                           appoint-2023-02-07-eee7fe69b6

Sources
  [GOV.UK, 2024-12-01] Machinery of government changes
"""  # noqa: E501

MANDELSON_JSON = """\
{
  "person": "mandelson",
  "known_at": null,
  "name": "Peter Mandelson",
  "name_en": null,
  "roles": [
    {
      "unit": "dti",
      "name": "Department of Trade and Industry",
      "name_en": null,
      "role": "head",
      "title": "Secretary of State",
      "from": "2001-06-08",
      "to": "2009-06-05",
      "event": "appoint-2001-06-08-28084169cc",
      "ended_by": "merge-2009-06-05-0deec32d99",
      "renamed": [
        {
          "name": "Department for Business, Enterprise and Regulatory Reform",
          "name_en": null,
          "from": "2007-06-28"
        }
      ],
      "unit_ended": "2009-06-05",
      "unit_ended_how": "merge",
      "unit_ended_event": "merge-2009-06-05-0deec32d99",
      "successors": [
        {
          "id": "bis",
          "name": "Department for Business, Innovation and Skills",
          "name_en": null
        }
      ]
    },
    {
      "unit": "bis",
      "name": "Department for Business, Innovation and Skills",
      "name_en": null,
      "role": "head",
      "title": "First Secretary of State",
      "from": "2009-06-05",
      "to": "2010-05-11",
      "event": "appoint-2009-06-05-5e2b46d669",
      "ended_by": "step_down-2010-05-11-62ced14bb2",
      "renamed": [],
      "unit_ended": "2016-07-14",
      "unit_ended_how": "merge",
      "unit_ended_event": "merge-2016-07-14-834e79bcba",
      "successors": [
        {
          "id": "beis",
          "name": "Department for Business, Energy and Industrial Strategy",
          "name_en": null
        }
      ]
    }
  ]
}
"""

ROLES_ON = """\
Roles held on 2016-07-14

Kenneth Clarke (Ken Clarke)  [clarke]  head, Secretary of State: Department for Business, Energy and Industrial Strategy  [beis], since 2016-07-14
"""  # noqa: E501

ROLES_ON_JSON = """\
{
  "date": "2016-07-14",
  "known_at": null,
  "roles": [
    {
      "person": "clarke",
      "name": "Kenneth Clarke",
      "name_en": "Ken Clarke",
      "role": "head",
      "title": "Secretary of State",
      "since": "2016-07-14",
      "unit": "beis",
      "unit_name": "Department for Business, Energy and Industrial Strategy",
      "unit_name_en": null
    }
  ]
}
"""

EVERYONE = """\
clarke     Kenneth Clarke (Ken Clarke)
mandelson  Peter Mandelson
javid      Sajid Javid
"""

EVERYONE_JSON = """\
{
  "date": null,
  "known_at": null,
  "people": [
    {
      "person": "clarke",
      "name": "Kenneth Clarke",
      "name_en": "Ken Clarke"
    },
    {
      "person": "mandelson",
      "name": "Peter Mandelson",
      "name_en": null
    },
    {
      "person": "javid",
      "name": "Sajid Javid",
      "name_en": null
    }
  ]
}
"""


@pytest.fixture
def uk(run: Run, write: Write) -> Run:
    r = run("load", write("uk.yaml", UK))
    assert r.exit_code == 0, r.output
    return run


def test_a_person_by_id_lists_every_role_and_what_became_of_the_unit(uk: Run) -> None:
    r = uk("person", "javid")
    assert (r.exit_code, r.stdout) == (0, JAVID)


def test_a_person_by_name_any_case_in_json(uk: Run) -> None:
    r = uk("person", "peter mandelson", "--format", "json")
    assert (r.exit_code, r.stdout) == (0, MANDELSON_JSON)


def test_a_person_by_english_name(uk: Run) -> None:
    assert uk("person", "Ken Clarke").stdout.splitlines()[0] == \
        "Kenneth Clarke (Ken Clarke)  [clarke]"


@pytest.mark.parametrize(("word", "hint"), [
    ("jvid", "unknown person 'jvid' (did you mean 'javid'?)"),
    ("Sajid Javit", "unknown person 'Sajid Javit' (did you mean 'Sajid Javid'?)"),
    ("Ken Clark", "unknown person 'Ken Clark' (did you mean 'Ken Clarke'?)"),
])
def test_an_unknown_person_gets_a_hint_over_ids_names_and_english_names(
        uk: Run, word: str, hint: str) -> None:
    r = uk("person", word)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {hint}\n")


def test_a_person_as_known_before_any_role_was_recorded_has_none(uk: Run) -> None:
    r = uk("person", "javid", "--known-at", "2020")  # people are reference data
    assert (r.exit_code, r.stdout) == (0, "Sajid Javid  [javid], as known on 2020\n0 roles\n")


def test_people_lists_everyone_by_name(uk: Run) -> None:
    assert uk("people").stdout == EVERYONE
    assert uk("people", "--format", "json").stdout == EVERYONE_JSON


def test_people_at_a_date_lists_the_roles_held_that_day(uk: Run) -> None:
    assert uk("people", "--at", "2016-07-14").stdout == ROLES_ON
    assert uk("people", "--at", "2016-07-14", "--format", "json").stdout == ROLES_ON_JSON


def test_people_at_a_date_before_anyone(uk: Run) -> None:
    assert uk("people", "--at", "1990").stdout == \
        "Roles held on 1990\n\n(nobody held a role that day)\n"
