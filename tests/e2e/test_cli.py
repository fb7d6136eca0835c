"""The CLI on the seed: exact output of `at`, `log`, `export`, `retract`, `verify`."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import SEED, Run

TREE_0401 = """\
Alibaba China e-commerce, 2025-2026 — on 2026-04-01

阿里巴巴集团 (Alibaba Group)  [group, since 1999] [1]
│   ◆ head: 吴泳铭 (Eddie Wu), CEO, since 2023-09-10 [2]
├── ATH 事业群 (Alibaba Token Hub (ATH))  [business group, since 2026] [3]
└── 中国电商事业群 (China E-commerce Business Group)  [business group, since 2025] [4]
    │   ◆ head: 蒋凡 (Jiang Fan), CEO, since 2025 [5]
    ├── 平台用户及产品 (Platform Users & Products)  [department, since 2026-04-01] [6]
    └── 智能算法 (Intelligent Algorithms)  [department, since 2026-04-01] [6]
        ├── 创作算法 (Content Creation Algorithms)  [team, since 2025-01] [6] [7]
        ├── 商家算法 (Merchant Algorithms)  [team, since 2025-01] [6] [8]
        ├── 搜推算法 (Search & Recommendation Algorithms)  [team, since 2025-01] [6] [9]
        └── 用户算法 (User Algorithms)  [team, since 2025-01] [6] [10]

Notes
  [1] The article names the group but not its founding; 1999 is background public knowledge, not from the article.  (establish-1999-d6c5b939c5)
  [2] The article calls Wu Yongming Alibaba's CEO; the start date 2023-09-10 is background public knowledge, not from the article.  (appoint-2023-09-10-88b7873ed7)
  [3] Proposed by CEO Wu Yongming after the start of 2026 (进入2026年) as a new business group; all related businesses are to commercialise around tokens. The exact date is not given, hence year precision.  (establish-2026-0e46729743)
  [4] The article does not give the establishment date; year precision 2025 is inferred (the group existed by early 2025, when it set up search-rec).  (establish-2025-87922850c5)
  [5] The article says the group is led (统领) by Jiang Fan; the start date is inferred to match the group's establishment, and the title CEO is background knowledge.  (appoint-2025-e431e31841)
  [6] The article says search-rec was reorganised into two departments. The mapping of the four algorithm teams to smart-algorithms is inferred; the article does not state it.  (split-2026-04-01-6ebf6effab)
  [7] One of the teams Zhang Kaifu integrated into search-rec over the past year; recording it as a child unit from 2025-01 is inferred.  (establish-2025-01-4ec0dc2d56)
  [8] One of the teams Zhang Kaifu integrated into search-rec over the past year; recording it as a child unit from 2025-01 is inferred.  (establish-2025-01-0f265bb492)
  [9] One of the teams Zhang Kaifu integrated into search-rec over the past year; recording it as a child unit from 2025-01 is inferred.  (establish-2025-01-3ddd5de6de)
  [10] One of the teams Zhang Kaifu integrated into search-rec over the past year; recording it as a child unit from 2025-01 is inferred.  (establish-2025-01-62ccb8ef44)
"""  # noqa: E501


def test_load_reports_new_events_and_is_idempotent(run: Run) -> None:
    r = run("load", str(SEED))
    assert (r.exit_code, r.stdout) == (0, f"{SEED}: 16 new events\n")
    r = run("load", str(SEED))
    assert (r.exit_code, r.stdout) == (0, f"{SEED}: 0 new events\n")


def test_at_tree_after_the_reorganisation(seeded: Run) -> None:
    r = seeded("at", "2026-04-01")
    assert (r.exit_code, r.stdout) == (0, TREE_0401)


def test_at_before_the_reorganisation(seeded: Run) -> None:
    out = seeded("at", "2026-03-31").stdout
    assert "搜推智能产品事业部 (Intelligent Search & Recommendation Products BU)" in out
    assert "◆ head: 张凯夫 (Zhang Kaifu), 负责人, since 2025-01" in out
    assert "未来创新事业部" in out
    assert "智能算法" not in out


def test_at_json_is_the_spec_shape(seeded: Run) -> None:
    data = json.loads(seeded("at", "2026-04-01", "--format", "json").stdout)
    assert data["date"] == "2026-04-01" and data["known_at"] is None
    assert [u["id"] for u in data["units"]] == [
        "alibaba", "ath", "cn-ecommerce", "platform-users", "smart-algorithms",
        "creation-algo", "merchant-algo", "search-algo", "user-algo"]
    assert data["units"][0] == {
        "id": "alibaba", "name": "阿里巴巴集团", "name_en": "Alibaba Group", "kind": "group",
        "parent": None, "since": "1999",
        "leaders": [{"person": "wu-yongming", "name": "吴泳铭", "name_en": "Eddie Wu",
                     "role": "head", "title": "CEO", "since": "2023-09-10"}]}
    before = json.loads(seeded("at", "2026-03-31", "--format", "json").stdout)
    search_rec = next(u for u in before["units"] if u["id"] == "search-rec")
    assert search_rec["leaders"][0]["person"] == "zhang-kaifu"
    assert "future-innovation" in {u["id"] for u in before["units"]}


def test_at_root_and_depth(seeded: Run) -> None:
    r = seeded("at", "2026-04-01", "--root", "cn-ecommerce", "--depth", "1", "--format", "csv")
    assert r.stdout == (
        "id,name,name_en,kind,parent,since,leaders\n"
        "cn-ecommerce,中国电商事业群,China E-commerce Business Group,business group,alibaba,"
        "2025,head=jiang-fan (CEO)\n"
        "platform-users,平台用户及产品,Platform Users & Products,department,cn-ecommerce,"
        "2026-04-01,\n"
        "smart-algorithms,智能算法,Intelligent Algorithms,department,cn-ecommerce,2026-04-01,\n")


def test_at_unknown_or_ended_root(seeded: Run) -> None:
    r = seeded("at", "2026-04-01", "--root", "search-rek")
    assert (r.exit_code, r.stderr) == (1, "Error: unknown unit 'search-rek' (did you mean "
                                          "'search-rec'?)\n")
    r = seeded("at", "2026-04-01", "--root", "search-rec")
    assert r.stderr == "Error: unit 'search-rec' does not exist on 2026-04-01 (it ended on " \
                       "2026-04-01, split)\n"


def test_partial_dates_and_today(seeded: Run) -> None:
    assert seeded("at", "2026-04", "--format", "json").stdout == \
        seeded("at", "2026-04-01", "--format", "json").stdout.replace(
            '"date": "2026-04-01"', '"date": "2026-04"')
    assert seeded("at", "today").exit_code == 0
    r = seeded("at", "2026-02-30")
    assert r.exit_code == 2 and "'2026-02-30' is not a valid calendar date" in r.stderr


def test_empty_store_says_how_to_load(run: Run, db_path: str) -> None:
    r = run("at", "2026-04-01")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == f"Error: the store {db_path} holds no events yet: load some with " \
                       f"`orgchart load FILE.yaml`\n"


def test_known_at_before_anything_was_recorded(seeded: Run) -> None:
    data = json.loads(seeded("at", "2026-04-01", "--known-at", "2026-04-01",
                             "--format", "json").stdout)
    assert data == {"date": "2026-04-01", "known_at": "2026-04-01", "units": [], "notes": []}


def test_retract_and_known_at(seeded: Run) -> None:
    log = json.loads(seeded("log", "--format", "json").stdout)
    merge = next(e for e in log if e["type"] == "merge")
    r = seeded("retract", merge["id"], "--reason", "misreported")
    assert r.exit_code == 0 and r.stdout.startswith(f"retracted {merge['id']} (retraction ")
    now = json.loads(seeded("at", "2026-04-01", "--format", "json").stdout)
    assert "future-innovation" in {u["id"] for u in now["units"]}
    then = json.loads(seeded("at", "2026-04-01", "--known-at", "2026-04-02",
                             "--format", "json").stdout)
    assert "future-innovation" not in {u["id"] for u in then["units"]}
    again = seeded("retract", merge["id"], "--reason", "twice")
    assert again.exit_code == 1
    assert again.stderr.startswith(f"Error: cannot retract '{merge['id']}': event "
                                   f"'{merge['id']}' is already retracted by 'retract-")
    assert "RETRACTED on" in seeded("log").stdout


def test_retract_unknown_event(seeded: Run) -> None:
    r = seeded("retract", "merge-2026-04-01", "--reason", "x")
    assert r.exit_code == 1 and r.stderr.startswith("Error: unknown event 'merge-2026-04-01'")


def test_log_filters(seeded: Run) -> None:
    rows = json.loads(seeded("log", "--unit", "search-rec", "--format", "json").stdout)
    assert [r["type"] for r in rows] == ["establish", "appoint", "establish", "establish",
                                         "establish", "establish", "transfer", "step_down",
                                         "split"]
    rows = json.loads(seeded("log", "--from", "2026", "--to", "2026-03", "--format",
                             "json").stdout)
    assert [(r["type"], r["unit"]) for r in rows] == [("establish", "ath")]
    assert rows[0]["sources"] == ["36kr-2026-04"] and rows[0]["recorded"] == "2026-04-02"


def test_export_round_trip(seeded: Run, run: Run, write: Callable[[str, str], str],
                           tmp_path: object) -> None:
    from click.testing import CliRunner

    from orgchart.cli import cli

    for fmt in ("yaml", "json"):
        text = seeded("export", "--format", fmt).stdout
        path = write(f"export.{fmt}", text)
        other = str(write(f"other-{fmt}.db", ""))
        import os

        os.remove(other)

        def run2(*args: str, db: str = other) -> str:
            return CliRunner().invoke(cli, ["--db", db, *args], obj={}).stdout

        assert run2("load", path) == f"{path}: 16 new events\n"
        for day in ("2023-09-10", "2025-01-01", "2026-03-31", "2026-04-01"):
            assert run2("at", day, "--format", "json") == \
                seeded("at", day, "--format", "json").stdout
        assert run2("load", path) == f"{path}: 0 new events\n"


#: The seed's chain head: the chain covers the events' content, not when they were appended.
SEED_HEAD = "2f1d1a354be7305d22db29421b8ad0acd44bcd4d429aa028f6099de0b2934df4"


def test_verify(seeded: Run) -> None:
    r = seeded("verify")
    assert (r.exit_code, r.stdout) == (0, "ok: 16 events in 22 log entries; hash chain intact; "
                                          "query tables match a replay from scratch\n"
                                          f"head: {SEED_HEAD}\n")


def test_usage_error_exits_2(seeded: Run) -> None:
    assert seeded("at").exit_code == 2
    assert seeded("at", "2026-04-01", "--format", "svg").exit_code == 2
