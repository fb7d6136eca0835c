"""The data's horizon: a file's `covers_to` says how far its facts reach; the store keeps
the furthest one loaded (a `HorizonRecorded` entry). Open tenures and units then end "as
of" it rather than "now", and `at`/`diff` after it warn on stderr and still answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from orgchart.cli import cli
from tests.conftest import Run
from tests.e2e.test_tenures_cli import Write
from tests.e2e.ukdepts import UK

COVERED = UK.replace("recorded: 2025-01-10\n", "recorded: 2025-01-10\ncovers_to: 2024-12-31\n")

HISTORY_DBT = """\
Department for Business and Trade  [dbt]
department, since 2023-02-07 (as of 2024-12-31)

2023-02-07  created as Department for Business and Trade, department, under HM Government, by the split of Department for Business, Energy and Industrial Strategy into Department for Energy Security and Net Zero, Department for Business and Trade
            split-2023-02-07-c41569a365  [GOV.UK, 2024-12-01]
2023-02-07  head: Sajid Javid, Secretary of State, 2023-02-07 – as of 2024-12-31
            appoint-2023-02-07-eee7fe69b6

Sources
  [GOV.UK, 2024-12-01] Machinery of government changes
"""  # noqa: E501

PERSON_JAVID = """\
Sajid Javid  [javid]
3 roles

2014-04-09 – 2015-05-08        minister: Office for Civil Society  [ocs]
                                 appoint-2014-04-09-852d8bc499
                                 dissolve-2015-05-08-237001659a
                                 dissolved on 2015-05-08
2015-05-11 – 2016-07-14        head, Secretary of State: Department for Business, Innovation and Skills  [bis]
                                 appoint-2015-05-11-6e415155c9  [GOV.UK, 2024-12-01]
                                 merge-2016-07-14-834e79bcba  [GOV.UK, 2024-12-01]
                                 merged into Department for Business, Energy and Industrial Strategy on 2016-07-14
2023-02-07 – as of 2024-12-31  head, Secretary of State: Department for Business and Trade  [dbt]
                                 appoint-2023-02-07-eee7fe69b6

Sources
  [GOV.UK, 2024-12-01] Machinery of government changes
"""  # noqa: E501

LINEAGE_DBT = """\
Lineage of Department for Business and Trade  [dbt]

Came from
  2009-06-05  Department for Business, Enterprise and Regulatory Reform, Department for Innovation, Universities and Skills merged into Department for Business, Innovation and Skills  [GOV.UK, 2024-12-01]
              merge-2009-06-05-0deec32d99
  2016-07-14  Department for Business, Innovation and Skills merged into Department for Business, Energy and Industrial Strategy  [GOV.UK, 2024-12-01]
              merge-2016-07-14-834e79bcba
  2023-02-07  Department for Business, Energy and Industrial Strategy split into Department for Energy Security and Net Zero, Department for Business and Trade  [GOV.UK, 2024-12-01]
              split-2023-02-07-c41569a365

Went on to
  (nothing as of 2024-12-31: it still existed then)

Units by generation
   -3    Department of Trade and Industry → Department for Business, Enterprise and Regulatory Reform (2007-06-28)  [dti]  2001-06-08 – 2009-06-05 (merge)
   -3    Department for Innovation, Universities and Skills  [dius]  2007-06-28 – 2009-06-05 (merge)
   -2    Department for Business, Innovation and Skills  [bis]  2009-06-05 – 2016-07-14 (merge)
   -1    Department for Business, Energy and Industrial Strategy  [beis]  2016-07-14 – 2023-02-07 (split)
    0  ▶ Department for Business and Trade  [dbt]  since 2023-02-07 (as of 2024-12-31)

Sources
  [GOV.UK, 2024-12-01] Machinery of government changes
"""  # noqa: E501

WARNING = "warning: no facts recorded after 2024-12-31\n"


@pytest.fixture
def covered(run: Run, write: Write) -> Run:
    r = run("load", write("uk.yaml", COVERED))
    assert r.exit_code == 0, r.output
    return run


def test_open_tenures_and_units_end_as_of_the_horizon(covered: Run) -> None:
    assert covered("history", "dbt").stdout == HISTORY_DBT
    assert covered("person", "javid").stdout == PERSON_JAVID
    assert covered("lineage", "dbt").stdout == LINEAGE_DBT


def test_the_lineage_drawing_ends_an_open_unit_as_of_the_horizon(covered: Run,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "dbt.dot"
    assert covered("lineage", "dbt", "-o", str(out)).exit_code == 0
    assert "2023-02-07 (split) – as of 2024-12-31</FONT>" in out.read_text(encoding="utf-8")


def test_json_keeps_null_for_what_has_not_ended(covered: Run) -> None:
    h = json.loads(covered("history", "dbt", "--format", "json").stdout)
    assert h["ended"] is None and h["story"][-1]["until"] is None
    p = json.loads(covered("person", "javid", "--format", "json").stdout)
    assert p["roles"][-1]["to"] is None


@pytest.mark.parametrize(("args", "inside"), [
    (("at", "2025"), ("at", "2024-12-31")),
    (("at", "2030", "--format", "json"), ("at", "2024-12-31", "--format", "json")),
    (("diff", "2020", "2025-01-01"), ("diff", "2020", "2024-12-31")),
    (("diff", "2030", "2020", "--format", "json"), ("diff", "2024-12-31", "2020", "--format",
                                                    "json")),
])
def test_at_and_diff_after_the_horizon_warn_and_still_answer(
        covered: Run, args: tuple[str, ...], inside: tuple[str, ...]) -> None:
    r = covered(*args)
    assert (r.exit_code, r.stderr) == (0, WARNING)
    within = covered(*inside)
    assert (within.exit_code, within.stderr) == (0, "")
    after = next(a for a in args if a not in inside)  # the same answer, but for its date
    assert r.stdout == within.stdout.replace("2024-12-31", after)


def test_without_covers_to_nothing_changes(run: Run, write: Write) -> None:
    assert run("load", write("uk.yaml", UK)).exit_code == 0
    assert run("at", "2030").stderr == ""
    assert "as of" not in run("history", "dbt").stdout
    assert "2023-02-07 – now" in run("person", "javid").stdout


def test_the_horizon_is_the_furthest_loaded_and_exported(covered: Run, write: Write) -> None:
    earlier = write("old.yaml", "format: orgchart/v1\ncovers_to: 2020\nevents: []\n")
    assert covered("load", earlier).stdout == f"{earlier}: 0 new events\n"
    assert "covers_to: '2024-12-31'\n" in covered("export").stdout
    later = write("new.yaml", "format: orgchart/v1\ncovers_to: 2025-06-30\nevents: []\n")
    assert covered("load", later).exit_code == 0
    assert "covers_to: '2025-06-30'\n" in covered("export").stdout
    assert covered("at", "2025").stderr == ""
    assert covered("at", "2025-07").stderr == "warning: no facts recorded after 2025-06-30\n"
    # 1 start, 3 people, 1 source, the title, 2 horizons (2020 reached no further), 20 events
    assert covered("verify").stdout.startswith("ok: 20 events in 28 log entries;")


def test_an_export_loads_back_with_its_horizon(covered: Run, write: Write,
                                               tmp_path: Path) -> None:
    path = write("export.yaml", covered("export").stdout)
    other = str(tmp_path / "other.db")
    assert CliRunner().invoke(cli, ["--db", other, "load", path], obj={}).exit_code == 0
    assert CliRunner().invoke(cli, ["--db", other, "at", "2025"], obj={}).stderr == WARNING


@pytest.mark.parametrize(("value", "message"), [
    ("soon", "field 'covers_to': 'soon' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)"),
    ("2025-13", "'2025-13' is not a valid calendar date"),
])
def test_a_bad_covers_to_is_refused_at_its_line(run: Run, write: Write, value: str,
                                                message: str) -> None:
    path = write("bad.yaml", f"format: orgchart/v1\ncovers_to: {value}\nevents: []\n")
    r = run("load", path)
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:2: {message}\n")
