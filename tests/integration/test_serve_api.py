"""`orgchart serve` without a browser: the JSON API and the pages through Starlette's
TestClient.

The API answers with the CLI's own JSON text (`at`, `diff`, `history`, `lineage`), the
browsing answers agree with `at`, errors are one line of JSON with a 4xx status, every
response carries the Content-Security-Policy, and hostile names come out as text.
(tests/browser/test_serve_browser.py opens the same app in Chromium.)
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from orgchart.cli import cli
from orgchart.web.app import allowed_hosts, create_app
from orgchart.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import SEED
from tests.integration.test_history_page import (
    EVIL_ENTITY,
    EVIL_IMG,
    EVIL_QUOTE,
    EVIL_SCRIPT,
    HOSTILE_TEXTS,
    JS_URL,
    QUOTE_URL,
    Page,
    hostile_file,
)

WEB = Path(__file__).resolve().parents[2] / "orgchart" / "web"


def cli_out(db: str, *args: str) -> str:
    r = CliRunner().invoke(cli, ["--db", db, *args], obj={})
    assert r.exit_code == 0, r.output
    return r.output


def loaded(path: Path, events: str) -> str:
    db = str(path)
    cli_out(db, "load", events)
    return db


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return loaded(tmp_path_factory.mktemp("seed") / "seed.db", str(SEED))


@pytest.fixture(scope="module")
def client(seed_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(seed_db)) as c:
        yield c


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("hostile")
    return loaded(d / "hostile.db", hostile_file(d))


@pytest.fixture(scope="module")
def hostile(hostile_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(hostile_db)) as c:
        yield c


def ok_json(c: TestClient, url: str) -> Any:
    r = c.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return r.json()


# -- the CLI's JSON, byte for byte ----------------------------------------------------------


@pytest.mark.parametrize("query, args", [
    ("date=2026-04-01", ["2026-04-01"]),
    ("date=2026-03-31", ["2026-03-31"]),
    ("date=2025", ["2025"]),
    ("date=1990-01-01", ["1990-01-01"]),
    ("date=2026-04-01&root=cn-ecommerce&depth=1",
     ["2026-04-01", "--root", "cn-ecommerce", "--depth", "1"]),
    ("date=2026-04-01&known_at=2026-01-01", ["2026-04-01", "--known-at", "2026-01-01"]),
])
def test_api_at_is_the_cli_json(client: TestClient, seed_db: str, query: str,
                                args: list[str]) -> None:
    r = client.get(f"/api/at?{query}")
    assert r.status_code == 200
    assert r.text == cli_out(seed_db, "at", *args, "--format", "json")


@pytest.mark.parametrize("url, args", [
    ("/api/diff?from=2026-03-31&to=2026-04-01", ["diff", "2026-03-31", "2026-04-01"]),
    ("/api/diff?from=2026-04-01&to=2025", ["diff", "2026-04-01", "2025"]),
    ("/api/diff?from=2025&to=2026-04-01&root=cn-ecommerce",
     ["diff", "2025", "2026-04-01", "--root", "cn-ecommerce"]),
    ("/api/history/search-rec", ["history", "search-rec"]),
    ("/api/history/smart-algorithms", ["history", "smart-algorithms"]),
    ("/api/lineage/search-rec", ["lineage", "search-rec"]),
    ("/api/lineage/ath?known_at=2026-12-31", ["lineage", "ath", "--known-at", "2026-12-31"]),
])
def test_api_diff_history_lineage_are_the_cli_json(client: TestClient, seed_db: str, url: str,
                                                   args: list[str]) -> None:
    r = client.get(url)
    assert r.status_code == 200
    assert r.text == cli_out(seed_db, *args, "--format", "json")


# -- browsing piece by piece ------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2023-09-10", "2025-06-01", "2026-03-31", "2026-04-01"])
def test_children_are_the_chart_one_level_at_a_time(client: TestClient, day: str) -> None:
    chart = ok_json(client, f"/api/at?date={day}")["units"]
    by_parent: dict[str | None, list[dict[str, Any]]] = {}
    for u in chart:
        by_parent.setdefault(u["parent"], []).append(u)
    for parent in [None, *(u["id"] for u in chart)]:
        query = f"date={day}" + (f"&unit={parent}" if parent else "")
        got = ok_json(client, f"/api/children?{query}")
        assert got["date"] == day and got["unit"] == parent and got["known_at"] is None
        want = sorted(by_parent.get(parent, []), key=lambda u: u["id"])
        # the units of `at`, each with how many units are under it
        assert [{k: v for k, v in u.items() if k != "children"} for u in got["units"]] == want
        assert [u["children"] for u in got["units"]] == [
            len(by_parent.get(u["id"], [])) for u in want]


def test_children_never_include_grandchildren(client: TestClient) -> None:
    top = ok_json(client, "/api/children?date=2026-04-01")
    assert [u["id"] for u in top["units"]] == ["alibaba"]
    assert top["units"][0]["children"] == 2
    level = ok_json(client, "/api/children?date=2026-04-01&unit=alibaba")
    assert [u["id"] for u in level["units"]] == ["ath", "cn-ecommerce"]
    assert "smart-algorithms" not in json.dumps(level)  # a grandchild of alibaba


def test_parents_lead_from_the_top_to_the_unit(client: TestClient) -> None:
    got = ok_json(client, "/api/parents?unit=search-algo&date=2026-04-01")
    assert got["parents"] == ["alibaba", "cn-ecommerce", "smart-algorithms"]
    got = ok_json(client, "/api/parents?unit=search-algo&date=2026-03-31")
    assert got["parents"] == ["alibaba", "cn-ecommerce", "search-rec"]
    assert ok_json(client, "/api/parents?unit=alibaba&date=2026-04-01")["parents"] == []


def test_search_by_name_id_and_person(client: TestClient) -> None:
    found = ok_json(client, "/api/search?q=智能算法&date=2026-04-01")
    assert found["units"][0]["id"] == "smart-algorithms" and found["units"][0]["alive"]
    found = ok_json(client, "/api/search?q=SEARCH-ALGO&date=2026-04-01")
    assert found["units"][0] == {"id": "search-algo", "name": "搜推算法",
                                 "name_en": "Search & Recommendation Algorithms",
                                 "kind": "team", "alive": True, "matched": None}
    # a unit that ended is found too, marked as not in that day's chart
    found = ok_json(client, "/api/search?q=search-rec&date=2026-04-01")
    assert found["units"][0]["id"] == "search-rec" and found["units"][0]["alive"] is False
    # people by name, with the units they led that day
    found = ok_json(client, "/api/search?q=kaifu&date=2026-03-31")
    assert found["people"][0]["id"] == "zhang-kaifu"
    assert [x["unit"] for x in found["people"][0]["leads"]] == ["search-rec"]
    found = ok_json(client, "/api/search?q=kaifu&date=2026-04-01")
    assert found["people"][0]["leads"] == []
    # LIKE's wildcards are plain characters; nothing matches, nothing breaks
    assert ok_json(client, "/api/search?q=%25_%25&date=2026-04-01") == {
        "query": "%_%", "date": "2026-04-01", "units": [], "people": []}
    assert ok_json(client, "/api/search?q=")["units"] == []


def test_person_lists_every_role(client: TestClient) -> None:
    p = ok_json(client, "/api/person/zhang-kaifu")
    assert p["person"] == "zhang-kaifu" and p["name_en"] == "Zhang Kaifu"
    assert p["roles"] == [{
        "unit": "search-rec", "name": "搜推智能产品事业部",
        "name_en": "Intelligent Search & Recommendation Products BU", "role": "head",
        "title": "负责人", "from": "2025-01", "to": "2026-04-01",
        "event": "appoint-2025-01-880acec069", "ended_by": "step_down-2026-04-01-942f3eb1d5",
        # what became of the unit (issue 14): split into two
        "renamed": [], "unit_ended": "2026-04-01", "unit_ended_how": "split",
        "unit_ended_event": "split-2026-04-01-6ebf6effab",
        "successors": [{"id": "platform-users", "name": "平台用户及产品",
                        "name_en": "Platform Users & Products"},
                       {"id": "smart-algorithms", "name": "智能算法",
                        "name_en": "Intelligent Algorithms"}]}]


# -- errors: one line of JSON, 4xx --------------------------------------------------------------


@pytest.mark.parametrize("url, status, message", [
    ("/api/history/nope", 404, "unknown unit 'nope'"),
    ("/api/lineage/search-recc", 404, "unknown unit 'search-recc' (did you mean 'search-rec'?)"),
    ("/api/children?date=2026-04-01&unit=search-rec", 404,
     "unit 'search-rec' does not exist on 2026-04-01 (it ended on 2026-04-01, split)"),
    ("/api/at?date=2026-04-01&root=nope", 404, "unknown unit 'nope'"),
    ("/api/person/zhang-kaifo", 404, "unknown person 'zhang-kaifo' (did you mean 'zhang-kaifu'?)"),
    ("/api/at?date=2026-13-01", 400, "parameter 'date': '2026-13-01' is not a valid calendar date"),
    ("/api/at?date=yesterday", 400,
     "parameter 'date': 'yesterday' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)"),
    ("/api/at", 400, "missing parameter 'date' (a date: YYYY-MM-DD, YYYY-MM or YYYY)"),
    ("/api/diff?from=2026-01-01", 400,
     "missing parameter 'to' (a date: YYYY-MM-DD, YYYY-MM or YYYY)"),
    ("/api/at?date=2026&depth=-1", 400, "parameter 'depth': '-1' is not a whole number of levels"),
    ("/api/parents?date=2026", 400, "missing parameter 'unit'"),
    ("/api/nothing", 404, "not found"),
])
def test_errors_are_one_line_of_json(client: TestClient, url: str, status: int,
                                     message: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    assert r.text == json.dumps({"error": message}, ensure_ascii=False,
                                separators=(",", ":")) + "\n"


def test_error_pages_say_why(client: TestClient) -> None:
    r = client.get("/unit/nope")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "unknown unit &#39;nope&#39;" in r.text
    assert client.get("/diff?from=never").status_code == 400
    assert client.get("/person/nobody").status_code == 404


def test_an_empty_store_is_a_404(tmp_path: Path) -> None:
    with TestClient(create_app(str(tmp_path / "none.db"))) as c:
        r = c.get("/api/at?date=2026")
        assert r.status_code == 404
        assert r.json()["error"].startswith("the store ")
        assert c.get("/").status_code == 404


def test_read_only_no_writes_accepted(client: TestClient, seed_db: str) -> None:
    def events() -> int:
        conn = sqlite3.connect(seed_db)
        try:
            return int(conn.execute("select count(*) from stored_events").fetchone()[0])
        finally:
            conn.close()

    before = events()
    for url in ("/api/at", "/api/children", "/", "/unit/ath"):
        assert client.post(url).status_code == 405
        assert client.put(url).status_code == 405
        assert client.delete(url).status_code == 405
    client.get("/api/at?date=2026")
    assert events() == before


# -- security -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/unit/ath", "/person/zhang-kaifu", "/search?q=a",
                                 "/diff", "/api/at?date=2026", "/api/history/nope",
                                 "/static/explorer.js", "/static/serve.css", "/nothing"])
def test_every_response_has_the_security_headers(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    policy = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


def test_another_host_name_is_refused(seed_db: str) -> None:
    with TestClient(create_app(seed_db, allowed_hosts("127.0.0.1")),
                    base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/span").status_code == 200
        assert c.get("/api/span", headers={"host": "localhost:8000"}).status_code == 200
        assert c.get("/api/span", headers={"host": "evil.example"}).status_code == 400
    assert allowed_hosts("0.0.0.0") == ["*"]


def test_script_and_style_are_static_files_with_no_way_out() -> None:
    """No inline code anywhere, nothing from another origin, no markup built from data."""
    script = (WEB / "static" / "explorer.js").read_text(encoding="utf-8")
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                   "new Function", "setAttribute(\"style\"", "http://", "https://"):
        assert banned not in script, banned
    for path in [*(WEB / "templates").iterdir(), WEB / "static" / "serve.css"]:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//" + "cdn" not in text
        assert "@import" not in text and "url(" not in text
        assert "|safe" not in text and "autoescape false" not in text, path.name
        assert "<style" not in text and " style=" not in text and " on" + "click" not in text
        assert re.search(r"<script(?![^>]*\bsrc=\"/static/)", text) is None, path.name


def assert_plain_page(text: str) -> Page:
    """A page of ours: scripts only from /static/, no style element or attribute, no handler
    attribute, links only to our own pages or http(s)."""
    page = Page(text)
    for tag, attrs in page.tags:
        assert tag not in ("style", "iframe", "object", "embed", "img", "base"), tag
        for k, v in attrs.items():
            assert not k.startswith("on") and k != "style", (tag, k, v)
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), attrs
        if tag == "a":
            href = attrs.get("href") or ""
            assert href.startswith(("/", "#", "https://", "http://")), href
    assert page.scripts == [] or all(s.strip() == "" for _, s in page.scripts)
    return page


def test_seed_pages(client: TestClient) -> None:
    page = assert_plain_page(client.get("/unit/search-rec").text)
    text = page.all_text()
    assert "搜推智能产品事业部 (Intelligent Search & Recommendation Products BU)" in text
    assert "split into 平台用户及产品 (Platform Users & Products), 智能算法" in text
    assert "阿里电商 AI 新动向" in text  # the source's title
    assert "/person/zhang-kaifu" in page.attrs("href")
    assert "/?date=2026-03-31&unit=search-rec" in page.attrs("href")  # its last day
    page = assert_plain_page(client.get("/person/zhang-kaifu").text)
    assert "2025-01" in page.all_text() and "/unit/search-rec" in page.attrs("href")
    page = assert_plain_page(client.get("/diff?from=2026-03-31&to=2026-04-01").text)
    classes = " ".join(page.attrs("class"))
    assert classes.count("change change-added") == 2 and "change change-removed" in classes
    assert "8 changes" in page.all_text()
    page = assert_plain_page(client.get("/search?q=algo&date=2026-04-01").text)
    assert "/unit/smart-algorithms" in page.attrs("href")
    page = assert_plain_page(client.get("/?date=2026-04-01").text)
    assert "/static/explorer.js" in page.attrs("src")


# -- hostile names ------------------------------------------------------------------------------


def test_hostile_api_is_the_cli_json(hostile: TestClient, hostile_db: str) -> None:
    assert hostile.get("/api/at?date=2026-05-01").text == cli_out(
        hostile_db, "at", "2026-05-01", "--format", "json")
    assert hostile.get("/api/history/lab").text == cli_out(
        hostile_db, "history", "lab", "--format", "json")
    units = ok_json(hostile, "/api/children?date=2025-07-01&unit=corp")["units"]
    assert units[0]["name"] == EVIL_IMG


@pytest.mark.parametrize("url", ["/?date=2025-07-01", "/unit/corp", "/unit/lab", "/unit/lab-a",
                                 "/person/eve", "/diff?from=2024-01-01&to=2026-05-01",
                                 "/search?q=a&date=2025-07-01",
                                 f"/search?q={EVIL_SCRIPT}&date=2025-07-01"])
def test_hostile_names_are_text(hostile: TestClient, url: str) -> None:
    r = hostile.get(url)
    assert r.status_code == 200
    page = assert_plain_page(r.text)
    assert "<script>window" not in r.text and "<img " not in r.text and "<svg" not in r.text
    text = page.all_text()
    shown = [t for t in [EVIL_SCRIPT, EVIL_QUOTE, EVIL_ENTITY, EVIL_IMG, *HOSTILE_TEXTS]
             if t in text or html.escape(t) in r.text]
    assert shown, "some hostile text is shown as text"
    for href in page.attrs("href"):
        assert not href.lower().startswith("javascript")
    assert JS_URL not in page.attrs("href") and QUOTE_URL not in page.attrs("href")


def test_hostile_unit_page_shows_every_name(hostile: TestClient) -> None:
    text = assert_plain_page(hostile.get("/unit/lab").text).all_text()
    for evil in (EVIL_ENTITY, EVIL_IMG, EVIL_SCRIPT):
        assert evil in text, evil
    text = assert_plain_page(hostile.get("/unit/corp").text).all_text()
    assert EVIL_SCRIPT in text and EVIL_QUOTE in text


def test_on_both_back_ends(seeded: Any, db_path: str) -> None:
    """The same answers from a SQLite file and from PostgreSQL (with its local cache)."""
    with TestClient(create_app(db_path)) as c:
        assert c.get("/api/at?date=2026-04-01").text == cli_out(
            db_path, "at", "2026-04-01", "--format", "json")
        level = ok_json(c, "/api/children?date=2026-04-01&unit=cn-ecommerce")["units"]
        assert [u["id"] for u in level] == ["platform-users", "smart-algorithms"]
        assert ok_json(c, "/api/person/zhang-kaifu")["roles"][0]["unit"] == "search-rec"
        assert "搜推智能产品事业部" in c.get("/unit/search-rec").text
