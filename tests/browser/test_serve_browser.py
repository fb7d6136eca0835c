"""`orgchart serve` in a real browser: headless Chromium driven by Playwright.

The explorer runs on uvicorn on 127.0.0.1 (a free port, in a thread; it stops at the
end of the module). Chromium is Debian's (`/usr/bin/chromium`, or $ORGCHART_CHROMIUM);
Playwright never downloads a browser here. Without Playwright or Chromium these tests
skip with the reason, unless ORGCHART_REQUIRE_BROWSER=1 (CI), where a missing piece is a
failure. A screenshot of the seed's explorer goes to test-output/serve.png (the one in
docs/serve.png was taken so).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from orgchart.cli import cli
from tests.browser.chromium import missing, require_browser
from tests.conftest import ROOT, SEED
from tests.integration.test_history_page import (
    EVIL_ENTITY,
    EVIL_IMG,
    EVIL_QUOTE,
    EVIL_SCRIPT,
    hostile_file,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response

SHOTS = ROOT / "test-output"

require_browser(missing())


# -- fixtures ---------------------------------------------------------------------------


def load(db: Path, events: str) -> str:
    r = CliRunner().invoke(cli, ["--db", str(db), "load", events], obj={})
    assert r.exit_code == 0, r.output
    return str(db)


def serving(db: str) -> Iterator[str]:
    from orgchart.web.app import allowed_hosts, create_app
    from orgchart.web.server import running

    with running(create_app(db, allowed_hosts("127.0.0.1"))) as url:
        yield url


@pytest.fixture(scope="module")
def seed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serving(load(tmp_path_factory.mktemp("seed") / "seed.db", str(SEED)))


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    d = tmp_path_factory.mktemp("hostile")
    yield from serving(load(d / "hostile.db", hostile_file(d)))


@dataclass
class Watched:
    """A page and what it did: requests, API answers, dialogs, console errors."""

    page: Page
    requests: list[str] = field(default_factory=list)
    answers: list[Response] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def api_calls(self, path: str) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(u).query) for u in self.requests
                if urlsplit(u).path == path]

    def clean(self, origin: str) -> None:
        """Only our own origin was asked for anything; no dialog; no error, CSP included."""
        assert self.dialogs == []
        assert self.errors == []
        assert [u for u in self.requests if not u.startswith(origin)] == []


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    contexts = []

    def opener(url: str, width: int = 1100, height: int = 800) -> Watched:
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1)
        contexts.append(ctx)
        page = ctx.new_page()
        w = Watched(page)
        page.on("request", lambda r: w.requests.append(r.url))
        page.on("response", lambda r: w.answers.append(r) if "/api/" in r.url else None)

        def dialog(d: Any) -> None:
            w.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: w.errors.append(str(e)))
        page.goto(url)
        page.wait_for_load_state("load")
        return w

    yield opener
    for ctx in contexts:
        ctx.close()


def chart_ready(page: Page) -> None:
    page.wait_for_selector("#tree[aria-busy=false]")


def unit(page: Page, uid: str) -> Any:
    return page.locator(f'li[data-unit="{uid}"]')


def expand(page: Page, uid: str) -> None:
    unit(page, uid).locator(":scope > .node > .toggle").click()
    page.wait_for_selector(f'li[data-unit="{uid}"][aria-expanded=true] > ul > li')


# -- the seed ------------------------------------------------------------------------------


def test_explore_the_seed(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url + "?date=2026-04-01")
    page = w.page
    chart_ready(page)
    # the top unit opened by itself (few units under it); nothing deeper was asked for
    assert page.locator("#tree > li").count() == 1
    assert unit(page, "alibaba").get_attribute("aria-expanded") == "true"
    assert [u.get_attribute("data-unit") for u in
            page.locator('li[data-unit="alibaba"] > ul > li').all()] == ["ath", "cn-ecommerce"]
    assert unit(page, "cn-ecommerce").get_attribute("aria-expanded") == "false"
    assert unit(page, "smart-algorithms").count() == 0
    asked = w.api_calls("/api/children")
    assert [q.get("unit") for q in asked] == [None, ["alibaba"]]
    bodies = [a.text() for a in w.answers]
    assert not any("smart-algorithms" in b or "search-algo" in b for b in bodies)
    node = unit(page, "alibaba").locator(":scope > .node")
    assert "阿里巴巴集团" in node.inner_text() and "吴泳铭 (Eddie Wu)" in node.inner_text()

    # open a unit: its children load now, and only they
    expand(page, "cn-ecommerce")
    assert w.api_calls("/api/children")[-1]["unit"] == ["cn-ecommerce"]
    assert unit(page, "smart-algorithms").is_visible()
    assert unit(page, "search-algo").count() == 0
    assert "4 units" in unit(page, "smart-algorithms").locator(".count").inner_text()
    expand(page, "smart-algorithms")
    assert unit(page, "search-algo").is_visible()
    unit(page, "smart-algorithms").locator(":scope > .node > .toggle").click()  # collapse
    assert unit(page, "search-algo").count() == 0
    assert unit(page, "smart-algorithms").get_attribute("aria-expanded") == "false"

    # another date: what was open stays open where it still exists
    page.locator("#date").fill("2026-03-31")
    page.wait_for_selector('li[data-unit="search-rec"]')
    chart_ready(page)
    assert unit(page, "cn-ecommerce").get_attribute("aria-expanded") == "true"
    assert unit(page, "smart-algorithms").count() == 0
    assert page.url.endswith("?date=2026-03-31")
    assert "Zhang Kaifu" in unit(page, "search-rec").inner_text()

    # search, and show a result in the chart (its parents open)
    page.locator("#q").fill("用户算法")
    page.wait_for_selector("#results:not([hidden]) .hits li")
    hit = page.locator("#results .hits li").first
    assert "用户算法 (User Algorithms)" in hit.inner_text()
    hit.locator("button.show").click()
    page.wait_for_selector('li.found[data-unit="user-algo"]')
    assert unit(page, "search-rec").get_attribute("aria-expanded") == "true"
    assert w.api_calls("/api/parents")[-1] == {"unit": ["user-algo"], "date": ["2026-03-31"]}
    # people are found by name too
    page.locator("#q").fill("kaifu")
    page.wait_for_selector("#results .hits li.person")
    assert "张凯夫 (Zhang Kaifu)" in page.locator("#results li.person").inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#results").is_hidden()

    # the slider: Home goes to the first recorded date
    page.locator("#slider").focus()
    page.keyboard.press("Home")
    page.wait_for_url(re.compile(r"\?date=1999-01-01$"))
    chart_ready(page)
    page.wait_for_selector('#tree > li[data-unit="alibaba"]')
    assert page.locator("#date").input_value() == "1999-01-01"
    w.clean(seed_url)


def test_unit_person_and_diff_pages(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url + "?date=2026-03-31")
    page = w.page
    chart_ready(page)
    expand(page, "cn-ecommerce")
    unit(page, "search-rec").locator(".name").first.click()
    page.wait_for_url(re.compile(r"/unit/search-rec\?date=2026-03-31$"))
    assert "搜推智能产品事业部" in page.locator("h1").inner_text()
    history = page.locator("section.history tbody tr")
    assert history.count() == 5  # established, head, took over the algorithm teams, ...
    assert "took over 算法团队 (algorithm teams)" in history.nth(2).inner_text()
    assert "split into 平台用户及产品 (Platform Users & Products)" in history.nth(4).inner_text()
    assert page.locator("section.sources .publisher").first.inner_text() == "36氪"
    assert page.locator("section.lineage").get_by_text("智能算法 (Intelligent Algorithms)").count()

    page.locator("section.history a", has_text="张凯夫").first.click()
    page.wait_for_url(re.compile(r"/person/zhang-kaifu$"))
    row = page.locator("tbody tr").first
    assert [c.inner_text() for c in row.locator("td").all()][1:] == [
        "head", "负责人", "2025-01", "2026-04-01"]

    page.goto(seed_url + "diff?from=2026-03-31&to=2026-04-01")
    added = page.locator("li.change-added")
    removed = page.locator("li.change-removed")
    assert added.count() == 2 and removed.count() == 2 and page.locator(
        "li.change-moved").count() == 4
    colour = "getComputedStyle(document.querySelector('li.change-{}')).backgroundColor"
    shades = {page.evaluate(colour.format(k)) for k in ("added", "removed", "moved")}
    assert len(shades) == 3 and "rgba(0, 0, 0, 0)" not in shades  # highlighted, each its own
    assert "created 2026-04-01 by the split of 搜推智能产品事业部" in added.first.inner_text()
    w.clean(seed_url)


def test_screenshot_and_phone_width(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url + "?date=2026-04-01&unit=search-algo", width=1100, height=1000)
    page = w.page
    chart_ready(page)
    page.wait_for_selector('li.found[data-unit="search-algo"]')  # a link to a unit opens it
    page.evaluate("window.scrollTo(0, 0)")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "serve.png"))
    w.clean(seed_url)

    phone = open_page(seed_url + "?date=2026-04-01&unit=search-algo", width=390, height=844)
    chart_ready(phone.page)
    phone.page.wait_for_selector('li.found[data-unit="search-algo"]')
    overflow = phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    phone.clean(seed_url)


def test_content_security_policy_is_enforced(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url)
    chart_ready(w.page)
    blocked = w.page.evaluate("""() => new Promise(resolve => {
        const seen = [];
        document.addEventListener("securitypolicyviolation",
                                  e => seen.push(e.violatedDirective));
        const s = document.createElement("script");
        s.textContent = "window.__injected = 1";
        document.body.appendChild(s);
        const img = document.createElement("img");
        img.src = "https://example.org/pixel.png";
        document.body.appendChild(img);
        const st = document.createElement("style");
        st.textContent = "body { display: none }";
        document.head.appendChild(st);
        setTimeout(() => resolve(seen), 300);
    })""")
    assert w.page.evaluate("typeof window.__injected") == "undefined"
    assert {d.split("-elem")[0] for d in blocked} >= {"script-src", "img-src", "style-src"}
    assert w.page.locator("#tree").is_visible()


# -- hostile names -----------------------------------------------------------------------------


def test_hostile_names_are_text_and_run_nothing(open_page: Any, hostile_url: str) -> None:
    w = open_page(hostile_url + "?date=2025-07-01")
    page = w.page
    chart_ready(page)
    corp = unit(page, "corp").locator(":scope > .node")
    assert EVIL_SCRIPT in corp.inner_text() and EVIL_QUOTE in corp.inner_text()
    if unit(page, "lab").count() == 0:
        expand(page, "corp")
    lab = unit(page, "lab").locator(":scope > .node").inner_text()
    assert EVIL_IMG in lab and EVIL_QUOTE in lab  # its name, and its head eve's English name
    page.locator("#q").fill("<")
    page.wait_for_selector("#results .hits li")
    assert EVIL_SCRIPT in page.locator("#results").inner_text()
    page.locator("#results .hits li a").first.click()
    page.wait_for_load_state("load")
    page.goto(hostile_url + "unit/lab")
    text = page.locator("main").inner_text()
    assert EVIL_ENTITY in text and EVIL_IMG in text
    page.goto(hostile_url + "person/eve")
    page.goto(hostile_url + "diff?from=2024-01-01&to=2026-05-01")
    assert EVIL_SCRIPT in page.locator("main").inner_text() or \
        EVIL_ENTITY in page.locator("main").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img, iframe, object, embed").count() == 0
    w.clean(hostile_url)
