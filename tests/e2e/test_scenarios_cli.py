"""Dry runs and what-if scenarios on the seed: `load --check` and `--with FILE`.

The proposal: on 2026-07-01 an Agent Lab is set up under 智能算法 and 平台用户及产品
is renamed 平台用户. Whatever is asked, the store stays byte-identical: the same
SQLite file (its sha256) and the same `export`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import SEED, Run

PROPOSAL = """\
format: orgchart/v1
recorded: 2026-06-01
events:
  - type: establish
    date: 2026-07-01
    unit: agent-lab
    name: 智能体实验室
    name_en: Agent Lab
    kind: department
    parent: smart-algorithms
    source: 36kr-2026-04
  - type: rename
    date: 2026-07-01
    unit: platform-users
    name: 平台用户
    name_en: Platform Users
    source: 36kr-2026-04
"""

BROKEN = """\
format: orgchart/v1
recorded: 2026-06-01
events:
  - type: rename
    date: 2026-07-01
    unit: nowhere
    name: X
    source: 36kr-2026-04
"""

ESTABLISH = "establish-2026-07-01-c27b804445"
RENAME = "rename-2026-07-01-0c022b6502"

PROPOSAL_DIFF = """\
Alibaba China e-commerce, 2025-2026 — what changed from 2026-06-30 to 2026-07-01

Added
  + 智能体实验室 (Agent Lab), under 智能算法
      established 2026-07-01 under 智能算法  [36氪, 2026-04-01]

Renamed
  ✎ 平台用户及产品 (Platform Users & Products) → 平台用户 (Platform Users)
      renamed 2026-07-01 to 平台用户 (Platform Users)  [36氪, 2026-04-01]

Sources
  [36氪, 2026-04-01] 阿里电商 AI 新动向:围绕 Token 重构电商,组织迎来新一轮调整|独家
"""

PROPOSAL_CHANGES = [
    {"change": "added", "unit": "agent-lab", "before": None, "after": "智能体实验室",
     "events": [ESTABLISH]},
    {"change": "renamed", "unit": "platform-users", "before": "平台用户及产品",
     "after": "平台用户", "before_en": "Platform Users & Products",
     "after_en": "Platform Users", "events": [RENAME]},
]


@pytest.fixture
def proposal(write: Callable[[str, str], str]) -> str:
    return write("proposal.yaml", PROPOSAL)


@pytest.fixture
def broken(write: Callable[[str, str], str]) -> str:
    return write("broken.yaml", BROKEN)


def fingerprint(run: Run, db_path: str) -> tuple[str, str]:
    """The store's SQLite file digest (PostgreSQL: none) and its `export`."""
    digest = ("" if db_path.startswith("postgresql")
              else hashlib.sha256(Path(db_path).read_bytes()).hexdigest())
    r = run("export")
    assert r.exit_code == 0, r.output
    return digest, r.stdout


@pytest.fixture
def unchanged(seeded: Run, db_path: str) -> Iterator[Run]:
    """The seeded store; the test fails unless it is byte-identical afterwards."""
    before = fingerprint(seeded, db_path)
    yield seeded
    assert fingerprint(seeded, db_path) == before


def ok(run: Run, *args: str) -> str:
    r = run(*args)
    assert r.exit_code == 0, r.output
    return r.stdout


# -- load --check -----------------------------------------------------------------------------

def test_load_check_prints_the_new_events_and_their_diff(unchanged: Run, proposal: str) -> None:
    assert ok(unchanged, "load", "--check", proposal) == (
        f"{proposal}: 2 new events (checked: nothing written)\n\n{PROPOSAL_DIFF}")


def test_load_dry_run_json_one_object_per_file(unchanged: Run, proposal: str) -> None:
    out = json.loads(ok(unchanged, "load", "--dry-run", "--format", "json", proposal,
                        str(SEED)))
    assert out == [
        {"file": proposal, "new_events": 2,
         "diffs": [{"from": "2026-06-30", "to": "2026-07-01", "changes": PROPOSAL_CHANGES}]},
        {"file": str(SEED), "new_events": 0, "diffs": []},
    ]


def test_load_check_then_load_adds_what_it_said(seeded: Run, proposal: str) -> None:
    ok(seeded, "load", "--check", proposal)
    assert ok(seeded, "load", proposal) == f"{proposal}: 2 new events\n"
    assert ok(seeded, "load", "--check", proposal) == (
        f"{proposal}: 0 new events (checked: nothing written)\n")


def test_load_check_on_an_empty_store_creates_nothing(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from orgchart.cli import cli

    db = tmp_path / "new.db"
    r = CliRunner().invoke(cli, ["--db", str(db), "load", "--check", "--format", "json",
                                 str(SEED)], obj={})
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)[0]
    assert (first["file"], first["new_events"]) == (str(SEED), 16)
    assert not db.exists()


def test_load_check_errors_as_load_does(unchanged: Run, broken: str) -> None:
    message = (f"Error: {broken}:4: event 1 (rename, 2026-07-01): unit 'nowhere' does not "
               f"exist on 2026-07-01\n")
    for args in (("load", broken), ("load", "--check", broken)):
        r = unchanged(*args)
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", message)


# -- --with: what-if scenarios ----------------------------------------------------------------

def test_diff_with_shows_the_proposal(unchanged: Run, proposal: str) -> None:
    assert ok(unchanged, "diff", "2026-06-30", "2026-07-01", "--with", proposal) == (
        PROPOSAL_DIFF)
    assert json.loads(ok(unchanged, "diff", "2026-06-30", "2026-07-01", "--with", proposal,
                         "--format", "json"))["changes"] == PROPOSAL_CHANGES
    assert json.loads(ok(unchanged, "diff", "2026-06-30", "2026-07-01",
                         "--format", "json"))["changes"] == []


def test_at_with_shows_the_proposed_unit(unchanged: Run, proposal: str) -> None:
    tree = ok(unchanged, "at", "2026-07-01", "--with", proposal)
    assert ("    ├── 平台用户 (Platform Users)  [department, since 2026-04-01, "
            "named so since 2026-07-01] [6]\n"
            "    └── 智能算法 (Intelligent Algorithms)  [department, since 2026-04-01] "
            "[6]\n") in tree
    assert ("        ├── 搜推算法 (Search & Recommendation Algorithms)  [team, since 2025-01] "
            "[6] [9]\n"
            "        ├── 智能体实验室 (Agent Lab)  [department, since 2026-07-01]\n"
            "        └── 用户算法 (User Algorithms)  [team, since 2025-01] [6] [10]\n") in tree
    assert "Agent Lab" not in ok(unchanged, "at", "2026-07-01")


def test_history_with_tells_the_proposed_rename(unchanged: Run, proposal: str) -> None:
    assert ok(unchanged, "history", "platform-users", "--with", proposal) == """\
平台用户及产品 (Platform Users & Products) → 平台用户 (Platform Users) (2026-07-01)  [platform-users]
department, since 2026-04-01

2026-04-01  created as 平台用户及产品 (Platform Users & Products), department, under 中国电商事业群, by the split of 搜推智能产品事业部 into 平台用户及产品, 智能算法
            split-2026-04-01-6ebf6effab  [36氪, 2026-04-01] [1]
2026-07-01  renamed from 平台用户及产品 (Platform Users & Products) to 平台用户 (Platform Users)
            rename-2026-07-01-0c022b6502  [36氪, 2026-04-01]

Notes
  [1] The article says search-rec was reorganised into two departments. The mapping of the four algorithm teams to smart-algorithms is inferred; the article does not state it.  (split-2026-04-01-6ebf6effab)

Sources
  [36氪, 2026-04-01] 阿里电商 AI 新动向:围绕 Token 重构电商,组织迎来新一轮调整|独家
"""  # noqa: E501


def test_render_with_highlights_the_proposal_like_since(unchanged: Run, proposal: str,
                                                        tmp_path: Path) -> None:
    with_dot, since_dot = tmp_path / "with.dot", tmp_path / "since.dot"
    ok(unchanged, "render", "2026-07-01", "--with", proposal, "-o", str(with_dot))
    ok(unchanged, "render", "2026-07-01", "--with", proposal, "--since", "2026-06-30",
       "-o", str(since_dot))
    assert with_dot.read_text() == since_dot.read_text()
    assert "Agent Lab" in with_dot.read_text()


def test_timeline_with_shows_the_proposal(unchanged: Run, proposal: str,
                                          tmp_path: Path) -> None:
    page = tmp_path / "t.html"
    ok(unchanged, "timeline", "--with", proposal, "-o", str(page))
    assert ESTABLISH in page.read_text()


def test_with_several_files_applies_them_in_order(unchanged: Run, proposal: str,
                                                 write: Callable[[str, str], str]) -> None:
    later = write("later.yaml", PROPOSAL.replace("2026-07-01", "2026-08-01")
                  .replace("agent-lab", "agent-lab-2").replace("unit: platform-users\n"
                  "    name: 平台用户\n", "unit: platform-users\n    name: 平台\n"))
    out = json.loads(ok(unchanged, "diff", "2026-07-31", "2026-08-01", "--with", proposal,
                        "--with", later, "--format", "json"))
    assert [(c["change"], c["unit"], c["before"], c["after"]) for c in out["changes"]] == [
        ("added", "agent-lab-2", None, "智能体实验室"),
        ("renamed", "platform-users", "平台用户", "平台"),
    ]


@pytest.mark.parametrize("command", [
    ("at", "2026-07-01"), ("diff", "2026-06-30", "2026-07-01"),
    ("history", "platform-users"), ("render", "2026-07-01", "-o", "-"),
    ("timeline", "-o", "-")])
def test_a_scenario_breaking_a_rule_gets_loads_error(unchanged: Run, broken: str,
                                                     command: tuple[str, ...]) -> None:
    r = unchanged(*command, "--with", broken)
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", f"Error: {broken}:4: event 1 (rename, 2026-07-01): unit 'nowhere' does not "
               f"exist on 2026-07-01\n")


@pytest.mark.parametrize("args,message", [
    (("at", "2026-07-01", "--with", "missing.yaml"), "missing.yaml: no such file"),
    (("at", "2026-07-01", "--with", "{proposal}", "--known-at", "2026-05-01"),
     "--with answers on the history as known now (with the scenario's events): it cannot "
     "be combined with --known-at"),
    (("load", "--check", "missing.yaml"), "missing.yaml: no such file"),
])
def test_every_bad_input_exits_1_with_one_line_and_writes_nothing(
        unchanged: Run, proposal: str, args: tuple[str, ...], message: str) -> None:
    r = unchanged(*(a.replace("{proposal}", proposal) for a in args))
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {message}\n")
