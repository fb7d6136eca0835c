"""The explaining commands on the seed: `diff`, `history`, `lineage` and `log` filters.

The seed is the 36氪 article of 2026-04-01: on that day 搜推智能产品事业部
(search-rec) split into 平台用户及产品 and 智能算法 (its four algorithm teams
going to 智能算法), its head 张凯夫 stepped down, and 未来创新事业部 was folded
into the ATH business group.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Run

SPLIT = "split-2026-04-01-6ebf6effab"
MERGE = "merge-2026-04-01-e563f42b5d"
STEP_DOWN = "step_down-2026-04-01-942f3eb1d5"

DIFF_TEXT = """\
Alibaba China e-commerce, 2025-2026 — what changed from 2026-03-31 to 2026-04-01

Added
  + 平台用户及产品 (Platform Users & Products), under 中国电商事业群
      created 2026-04-01 by the split of 搜推智能产品事业部 into 平台用户及产品, 智能算法  [36氪, 2026-04-01] [1]
  + 智能算法 (Intelligent Algorithms), under 中国电商事业群
      created 2026-04-01 by the split of 搜推智能产品事业部 into 平台用户及产品, 智能算法  [36氪, 2026-04-01] [1]

Removed
  − 搜推智能产品事业部 (Intelligent Search & Recommendation Products BU), was under 中国电商事业群
      split 2026-04-01 into 平台用户及产品, 智能算法  [36氪, 2026-04-01] [1]
      also: 张凯夫 (Zhang Kaifu) stepped down as head 2026-04-01  [36氪, 2026-04-01] [2]
  − 未来创新事业部 (Future Innovation BU), was under 中国电商事业群
      merged 2026-04-01 into ATH 事业群  [36氪, 2026-04-01] [3]

Moved
  → 创作算法 (Content Creation Algorithms),
    商家算法 (Merchant Algorithms),
    搜推算法 (Search & Recommendation Algorithms),
    用户算法 (User Algorithms):
    from 搜推智能产品事业部 to 智能算法
      moved 2026-04-01 to 智能算法 when 搜推智能产品事业部 split into 平台用户及产品, 智能算法  [36氪, 2026-04-01] [1]

Notes
  [1] The article says search-rec was reorganised into two departments. The mapping of the four algorithm teams to smart-algorithms is inferred; the article does not state it.  (split-2026-04-01-6ebf6effab)
  [2] The article says Zhang Kaifu is no longer in charge (不再负责); the date is taken as the start of the new fiscal year (4月1日) the article reports.  (step_down-2026-04-01-942f3eb1d5)
  [3] The article says the multimodal Future Innovation BU is folded into (融入) the ATH business group; the date is taken as the start of the new fiscal year.  (merge-2026-04-01-e563f42b5d)

Sources
  [36氪, 2026-04-01] 阿里电商 AI 新动向:围绕 Token 重构电商,组织迎来新一轮调整|独家
"""  # noqa: E501

HISTORY_TEXT = """\
搜推智能产品事业部 (Intelligent Search & Recommendation Products BU)  [search-rec]
business unit, 2025-01 – 2026-04-01 (split)

2025-01     established as 搜推智能产品事业部 (Intelligent Search & Recommendation Products BU), business unit, under 中国电商事业群
            establish-2025-01-1a73bfc467  [36氪, 2026-04-01] [1]
2025-01     head: 张凯夫 (Zhang Kaifu), 负责人, 2025-01 – 2026-04-01
            appoint-2025-01-880acec069  [36氪, 2026-04-01] [2]
2025        took over 算法团队 (algorithm teams) from 中国电商事业群
            transfer-2025-437873cc5e  [36氪, 2026-04-01] [3]
2026-04-01  张凯夫 (Zhang Kaifu) stepped down as head
            step_down-2026-04-01-942f3eb1d5  [36氪, 2026-04-01] [4]
2026-04-01  split into 平台用户及产品 (Platform Users & Products), 智能算法 (Intelligent Algorithms)
            split-2026-04-01-6ebf6effab  [36氪, 2026-04-01] [5]

Notes
  [1] Also called 智能搜推产品 in the article; the core unit carrying the group's AI business. The article says it was set up early last year (去年年初); month precision 2025-01 is inferred.  (establish-2025-01-1a73bfc467)
  [2] Head of the China E-commerce Business Group's AI business; the date is inferred from 去年年初 (early 2025), when the unit was set up.  (appoint-2025-01-880acec069)
  [3] The article says Zhang Kaifu's main work over the past year (过去一年) was integrating the search & recommendation, user, merchant and content creation algorithm teams (整合搜推算法、用户算法、商家算法和创作算法等多个团队) into search-rec: the group's algorithm work re-homed there. The article gives no date (year precision) and does not say where the teams sat before; the teams themselves are recorded under search-rec from 2025-01 (inferred, see above), so the transfer names no `units`.  (transfer-2025-437873cc5e)
  [4] The article says Zhang Kaifu is no longer in charge (不再负责); the date is taken as the start of the new fiscal year (4月1日) the article reports.  (step_down-2026-04-01-942f3eb1d5)
  [5] The article says search-rec was reorganised into two departments. The mapping of the four algorithm teams to smart-algorithms is inferred; the article does not state it.  (split-2026-04-01-6ebf6effab)

Sources
  [36氪, 2026-04-01] 阿里电商 AI 新动向:围绕 Token 重构电商,组织迎来新一轮调整|独家
"""  # noqa: E501


def moved(unit: str) -> dict[str, Any]:
    return {"change": "moved", "unit": unit, "before": "search-rec",
            "after": "smart-algorithms", "events": [SPLIT]}


DIFF_JSON: dict[str, Any] = {
    "from": "2026-03-31", "to": "2026-04-01", "known_at": None,
    "changes": [
        moved("creation-algo"),
        {"change": "removed", "unit": "future-innovation", "before": "未来创新事业部",
         "after": None, "events": [MERGE]},
        moved("merchant-algo"),
        {"change": "added", "unit": "platform-users", "before": None, "after": "平台用户及产品",
         "events": [SPLIT]},
        moved("search-algo"),
        {"change": "removed", "unit": "search-rec", "before": "搜推智能产品事业部",
         "after": None, "events": [SPLIT]},
        {"change": "added", "unit": "smart-algorithms", "before": None, "after": "智能算法",
         "events": [SPLIT]},
        moved("user-algo"),
    ],
    "annotations": {},  # the annotations of the events listed, by event id
    # the notes of the events above, in the order they are first listed
    "notes": [
        {"event": SPLIT, "note": "The article says search-rec was reorganised into two "
         "departments. The mapping of the four algorithm teams to smart-algorithms is "
         "inferred; the article does not state it."},
        {"event": MERGE, "note": "The article says the multimodal Future Innovation BU is "
         "folded into (融入) the ATH business group; the date is taken as the start of the "
         "new fiscal year."}],
}


def ok(run: Run, *args: str) -> str:
    r = run(*args)
    assert r.exit_code == 0, r.output
    return r.output


def test_diff_text_tells_the_36kr_story(seeded: Run) -> None:
    assert ok(seeded, "diff", "2026-03-31", "2026-04-01") == DIFF_TEXT


def test_diff_json_matches_the_spec(seeded: Run) -> None:
    assert json.loads(ok(seeded, "diff", "2026-03-31", "2026-04-01", "--format", "json")) \
        == DIFF_JSON


def test_diff_backwards_reverses_the_story(seeded: Run) -> None:
    back = json.loads(ok(seeded, "diff", "2026-04-01", "2026-03-31", "--format", "json"))
    flip = {"added": "removed", "removed": "added", "moved": "moved"}
    assert back == {
        "from": "2026-04-01", "to": "2026-03-31", "known_at": None,
        "changes": [{**c, "change": flip[c["change"]], "before": c["after"],
                     "after": c["before"]} for c in DIFF_JSON["changes"]],
        "annotations": {}, "notes": DIFF_JSON["notes"]}
    text = ok(seeded, "diff", "2026-04-01", "2026-03-31")
    assert "(going back in time: the events below are undone)" in text
    assert "  + 搜推智能产品事业部 (Intelligent Search & Recommendation Products BU)" in text


def test_diff_of_a_date_with_itself_is_empty(seeded: Run) -> None:
    d = json.loads(ok(seeded, "diff", "2026-04-01", "2026-04-01", "--format", "json"))
    assert d["changes"] == []
    assert ok(seeded, "diff", "2026-04-01", "2026-04-01").endswith("\n\nNo changes.\n")


def test_diff_partial_dates_and_root(seeded: Run) -> None:
    d = json.loads(ok(seeded, "diff", "2025", "2026-04", "--root", "smart-algorithms",
                      "--format", "json"))
    assert d["from"] == "2025" and d["to"] == "2026-04"  # 2026-04 is 2026-04-01
    # smart-algorithms did not exist in 2025: what is under it on 2026-04-01 counts
    assert [(c["change"], c["unit"]) for c in d["changes"]] == [
        ("moved", "creation-algo"), ("moved", "merchant-algo"), ("moved", "search-algo"),
        ("added", "smart-algorithms"), ("moved", "user-algo")]
    d = json.loads(ok(seeded, "diff", "2025-06", "2026-04-01", "--root", "search-rec",
                      "--format", "json"))
    assert [(c["change"], c["unit"]) for c in d["changes"]] == [
        ("moved", "creation-algo"), ("moved", "merchant-algo"), ("moved", "search-algo"),
        ("removed", "search-rec"), ("moved", "user-algo")]
    d = json.loads(ok(seeded, "diff", "2025", "2026-04", "--format", "json"))
    assert {c["unit"]: c["events"] for c in d["changes"] if c["change"] == "added"} == {
        "ath": ["establish-2026-0e46729743"], "platform-users": [SPLIT],
        "smart-algorithms": [SPLIT]}


def test_diff_known_at(seeded: Run) -> None:
    # the seed was recorded on 2026-04-02: the day before, nothing was known
    d = json.loads(ok(seeded, "diff", "2026-03-31", "2026-04-01", "--known-at", "2026-04-01",
                      "--format", "json"))
    assert d == {"from": "2026-03-31", "to": "2026-04-01", "known_at": "2026-04-01",
                 "changes": [], "annotations": {}, "notes": []}
    d = json.loads(ok(seeded, "diff", "2026-03-31", "2026-04-01", "--known-at", "2026-04-02",
                      "--format", "json"))
    assert d["changes"] == DIFF_JSON["changes"] and d["known_at"] == "2026-04-02"


def test_diff_errors(seeded: Run, run: Run) -> None:
    r = seeded("diff", "2026-03-31", "2026-04-01", "--root", "serch-rec")
    assert r.exit_code == 1
    assert "unknown unit 'serch-rec' (did you mean 'search-rec'?)" in r.output
    r = seeded("diff", "2026-03-31", "2026-04-01", "--root", "smart-algorithms", "--format",
               "json")
    assert r.exit_code == 0  # exists on one of the two dates
    r = seeded("diff", "2025-06", "2025-07", "--root", "smart-algorithms")
    assert r.exit_code == 1
    assert "does not exist on 2025-06 or on 2025-07" in r.output
    r = seeded("diff", "2026-03-31")
    assert r.exit_code == 2
    r = seeded("diff", "2026-13-01", "2026-04-01")
    assert r.exit_code == 2


def test_diff_on_an_empty_store(run: Run) -> None:
    r = run("diff", "2026-03-31", "2026-04-01")
    assert r.exit_code == 1
    assert "orgchart load" in r.output


def test_history_of_the_split_unit(seeded: Run) -> None:
    assert ok(seeded, "history", "search-rec") == HISTORY_TEXT


def test_history_json(seeded: Run) -> None:
    h = json.loads(ok(seeded, "history", "search-rec", "--format", "json"))
    assert {k: v for k, v in h.items() if k not in ("story", "notes")} == {
        "unit": "search-rec", "known_at": None, "name": "搜推智能产品事业部",
        "name_en": "Intelligent Search & Recommendation Products BU", "kind": "business unit",
        "began": "2025-01", "began_how": "establish", "ended": "2026-04-01", "ended_how": "split",
        "names": [{"name": "搜推智能产品事业部", "from": "2025-01",  # names of the day (issue 14)
                   "name_en": "Intelligent Search & Recommendation Products BU"}],
        "annotations": {}, "retracted": []}
    assert [(x["date"], x["what"], x["event"]) for x in h["story"]] == [
        ("2025-01", "began", "establish-2025-01-1a73bfc467"),
        ("2025-01", "leader", "appoint-2025-01-880acec069"),
        ("2025", "transferred", "transfer-2025-437873cc5e"),  # the algorithm teams
        ("2026-04-01", "stepped_down", STEP_DOWN),
        ("2026-04-01", "ended", SPLIT)]
    assert all(x["sources"] == ["36kr-2026-04"] for x in h["story"])
    # every event of the story has a note in the seed: one each, in the story's order
    assert [n["event"] for n in h["notes"]] == [x["event"] for x in h["story"]]
    assert h["notes"][0]["note"].startswith("Also called 智能搜推产品 in the article;")
    assert h["story"][1] == {
        "date": "2025-01", "what": "leader", "role": "head", "person": "zhang-kaifu",
        "title": "负责人", "since": "2025-01", "until": "2026-04-01", "ended_by": STEP_DOWN,
        "event": "appoint-2025-01-880acec069", "sources": ["36kr-2026-04"]}
    assert h["story"][-1] == {
        "date": "2026-04-01", "what": "ended", "how": "split",
        "into": ["platform-users", "smart-algorithms"], "children_to": None, "event": SPLIT,
        "sources": ["36kr-2026-04"]}


def test_history_of_the_parts_and_the_merge_target(seeded: Run) -> None:
    text = ok(seeded, "history", "smart-algorithms")
    assert ("2026-04-01  created as 智能算法 (Intelligent Algorithms), department, "
            "under 中国电商事业群, by the split of 搜推智能产品事业部 into 平台用户及产品, 智能算法"
            in text)
    ath = json.loads(ok(seeded, "history", "ath", "--format", "json"))
    assert [(x["what"], x.get("from")) for x in ath["story"]] == [
        ("began", []), ("absorbed", ["future-innovation"])]
    team = json.loads(ok(seeded, "history", "search-algo", "--format", "json"))
    assert [(x["what"], x.get("before"), x.get("after")) for x in team["story"]] == [
        ("began", None, None), ("moved", "search-rec", "smart-algorithms")]


def test_history_unknown_unit(seeded: Run) -> None:
    r = seeded("history", "serch-rec")
    assert r.exit_code == 1
    assert r.output.strip() == "Error: unknown unit 'serch-rec' (did you mean 'search-rec'?)"
    r = seeded("history", "智能算")  # near a name: the name is suggested (names work too)
    assert (r.exit_code, r.output) == (
        1, "Error: unknown unit '智能算' (did you mean '智能算法'?)\n")
    r = seeded("history", "智能算法")
    assert r.exit_code == 0
    assert r.output.startswith("智能算法 (Intelligent Algorithms)  [smart-algorithms]\n")
    r = seeded("history", "search-rec", "--known-at", "2026-04-01")
    assert r.exit_code == 1
    assert "not yet recorded on 2026-04-01" in r.output


def test_lineage_of_the_seed(seeded: Run) -> None:
    g = json.loads(ok(seeded, "lineage", "search-rec", "--format", "json"))
    assert [(n["id"], n["generation"]) for n in g["nodes"]] == [
        ("cn-ecommerce", -1), ("search-rec", 0), ("platform-users", 1), ("smart-algorithms", 1)]
    assert [(e["source"], e["target"], e["how"], e["event"], e["date"]) for e in g["edges"]] == [
        ("cn-ecommerce", "search-rec", "transfer", "transfer-2025-437873cc5e", "2025"),
        ("search-rec", "platform-users", "split", SPLIT, "2026-04-01"),
        ("search-rec", "smart-algorithms", "split", SPLIT, "2026-04-01")]
    text = ok(seeded, "lineage", "ath")
    assert "  2026-04-01  未来创新事业部 merged into ATH 事业群  [36氪, 2026-04-01]" in text


def test_log_filters(seeded: Run) -> None:
    ids = [e["id"] for e in json.loads(ok(seeded, "log", "--unit", "search-rec",
                                          "--from", "2026", "--format", "json"))]
    assert ids == [STEP_DOWN, SPLIT]
    ids = [e["id"] for e in json.loads(ok(seeded, "log", "--from", "2026-04", "--to",
                                          "2026-04-01", "--format", "json"))]
    assert ids == [STEP_DOWN, SPLIT, MERGE]
    ids = [e["id"] for e in json.loads(ok(seeded, "log", "--unit", "ath", "--format", "json"))]
    assert ids == ["establish-2026-0e46729743", MERGE]
    assert ok(seeded, "log", "--to", "1999").startswith("1999        establish  alibaba")
