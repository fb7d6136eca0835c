"""`orgchart timeline` pages in a real browser: headless Chromium driven by Playwright.

Chromium is Debian's (`/usr/bin/chromium`, or $ORGCHART_CHROMIUM); Playwright
never downloads a browser here. Without Playwright, Chromium or Graphviz these
tests skip with the reason, unless ORGCHART_REQUIRE_BROWSER=1 (CI), where a
missing piece is a failure. A screenshot of the seed's 2026-04-01 step goes to
test-output/timeline.png.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    HOSTILE_TEXTS,
    JS_URL,
    hostile_file,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SHOTS = ROOT / "test-output"


def _missing() -> str | None:
    if shutil.which("dot") is None:
        return "Graphviz `dot` is not installed (apt-get install graphviz)"
    return None


require_browser(missing() or _missing())


# -- fixtures ---------------------------------------------------------------------------


def write_timeline(db: Path, events: str, out: Path) -> str:
    """Load `events` into a fresh SQLite store at `db` and write its timeline to `out`."""
    runner = CliRunner()
    for args in (["load", events], ["timeline", "-o", str(out)]):
        r = runner.invoke(cli, ["--db", str(db), *args], obj={})
        assert r.exit_code == 0, r.output
    return out.resolve().as_uri()


@pytest.fixture(scope="module")
def seed_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("seed")
    return write_timeline(d / "seed.db", str(SEED), d / "history.html")


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("hostile")
    return write_timeline(d / "hostile.db", hostile_file(d), d / "hostile.html")


@dataclass
class Watched:
    """A page and what it did: requests, dialogs, console errors, uncaught errors."""

    page: Page
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def clean(self, own: str) -> None:
        """Nothing but the page itself was requested; no dialog; no error, CSP ones included."""
        assert self.dialogs == []
        assert self.errors == []
        assert [u for u in self.requests if u.split("#")[0] != own.split("#")[0]] == []


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    contexts = []

    def opener(url: str, width: int = 1000, height: int = 800) -> Watched:
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1)
        contexts.append(ctx)
        page = ctx.new_page()
        w = Watched(page)
        page.on("request", lambda r: w.requests.append(r.url))
        page.on("requestfailed", lambda r: w.failed.__setitem__(r.url, str(r.failure)))

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


CURRENT = "section.step:not([hidden])"


def current_date(page: Page) -> str:
    return str(page.locator(CURRENT).get_attribute("id"))


def step_to(page: Page, date: str, limit: int = 20) -> int:
    """Press → until the step for `date` shows; the number of presses."""
    for n in range(limit):
        if current_date(page) == date:
            return n
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"never reached {date}; at {current_date(page)}")


# -- the seed ------------------------------------------------------------------------------


def test_seed_story_step_by_step(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url)
    page = w.page
    assert w.errors == []  # e.g. a Content-Security-Policy that blocks the page's own script
    assert current_date(page) == "1999-01-01"
    assert page.locator("section.step").count() == 5
    assert page.locator(CURRENT).count() == 1
    assert "Alibaba China e-commerce, 2025-2026" in page.locator("h1").inner_text()
    assert "36氪" in page.title()

    assert step_to(page, "2026-04-01") == 4  # one key press per date
    assert page.url.endswith("#2026-04-01")
    step = page.locator(CURRENT)
    assert step.locator("h2").inner_text() == "2026-04-01"
    assert page.locator("#status").inner_text().startswith("2026-04-01 (5 of 5)")
    assert page.locator("#dates a[aria-current]").inner_text() == "2026-04-01"

    # the chart: the parts are new, the old unit a dashed ghost marked as ended
    for unit, name in (("platform-users", "平台用户及产品"), ("smart-algorithms", "智能算法")):
        node = step.locator(f'svg g[data-unit="{unit}"]')
        assert node.is_visible() and "oc-added" in str(node.get_attribute("class"))
        assert name in node.text_content()  # type: ignore[operator]
        assert step.locator(".changes").get_by_text(f"New: {name}", exact=True).is_visible()
    ghost = step.locator('svg g[data-unit="search-rec"]')
    assert ghost.is_visible() and "oc-removed" in str(ghost.get_attribute("class"))
    assert "搜推智能产品事业部" in (ghost.text_content() or "")
    assert "ended 2026-04-01 (split)" in (ghost.text_content() or "")
    assert step.locator(".changes").get_by_text("Ended: 搜推智能产品事业部 (split)").is_visible()

    # the events and their sources
    events = step.locator(".event")
    assert events.count() == 3
    assert events.nth(1).locator(".what").inner_text().startswith("SPLIT")
    assert step.locator(".source .publisher").first.inner_text() == "36氪"
    assert step.locator(".source .publisher", has_text="36氪").count() == 3
    assert step.locator(".source cite").first.is_visible()
    assert "阿里电商 AI 新动向" in step.locator(".source cite").first.inner_text()

    # the other steps are hidden, and ← goes back one date
    assert page.locator('section[id="2025-01-01"]').is_hidden()
    page.keyboard.press("ArrowLeft")
    assert current_date(page) == "2026-01-01" and page.url.endswith("#2026-01-01")
    page.keyboard.press("ArrowRight")

    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "timeline.png"), full_page=True)
    w.clean(seed_url)


def test_slider_buttons_and_date_links(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url)
    page = w.page
    page.locator("#next").click()
    assert current_date(page) == "2023-09-10"
    page.locator("#slider").focus()
    page.keyboard.press("End")
    assert current_date(page) == "2026-04-01"
    assert page.locator("#next").is_disabled()
    page.keyboard.press("ArrowDown")
    assert current_date(page) == "2026-01-01"
    page.locator("#dates a", has_text="2023-09-10").click()
    assert current_date(page) == "2023-09-10" and page.url.endswith("#2023-09-10")
    page.locator("#slider").fill("2")
    assert current_date(page) == "2025-01-01"
    w.clean(seed_url)


def test_permalinks(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url + "#2026-04-01")
    assert current_date(w.page) == "2026-04-01"
    assert w.page.locator(CURRENT).get_by_text("Ended: 搜推智能产品事业部 (split)").is_visible()
    w.page.evaluate("location.hash = '#2025-01'")  # the date as written in the file
    w.page.wait_for_function("location.hash === '#2025-01'")
    assert current_date(w.page) == "2025-01-01"
    w.clean(seed_url)
    w2 = open_page(seed_url + "#2023-09-10")
    assert current_date(w2.page) == "2023-09-10"
    w2.clean(seed_url)


def test_readable_at_phone_width(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url + "#2026-04-01", width=390, height=844)
    page = w.page
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    story = page.locator(CURRENT).locator(".story")
    box = story.bounding_box()
    assert box is not None and box["width"] <= 390 and box["x"] >= 0
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                         "'section.step:not([hidden]) .event .what')).fontSize)")
    assert size >= 13
    assert page.locator(CURRENT).locator("svg").is_visible()
    assert page.locator("#next").bounding_box()["height"] >= 32  # type: ignore[index]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "timeline-phone.png"), full_page=True)
    w.clean(seed_url)


def test_works_without_script_as_one_long_page(browser: Browser, seed_url: str) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(seed_url)
        assert page.locator("section.step:visible").count() == 5
        assert page.locator("#controls").is_hidden()
    finally:
        ctx.close()


# -- hostile text ------------------------------------------------------------------------------


def test_hostile_names_are_text_and_run_nothing(open_page: Any, hostile_url: str) -> None:
    w = open_page(hostile_url)
    page = w.page
    seen: set[str] = set()
    for _ in range(page.locator("section.step").count()):
        seen.add(page.locator(CURRENT).inner_text())
        page.keyboard.press("ArrowRight")
    text = "\n".join(seen) + page.locator("h1").inner_text() + page.title()
    for evil in [EVIL_SCRIPT, EVIL_QUOTE, EVIL_ENTITY, EVIL_IMG, *HOSTILE_TEXTS]:
        assert evil in text or evil.replace("\n", " ") in text, evil
    # shown, in the chart as in the story
    node = page.locator('section[id="2024-01-01"] svg g[data-unit="corp"]')
    assert EVIL_SCRIPT in (node.text_content() or "")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img, iframe, object, embed, foreignObject").count() == 0
    assert page.locator("script").count() == 2
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    assert all(h.startswith(("#", "https://example.org/story")) for h in hrefs), hrefs
    assert JS_URL in text  # shown, not linked
    w.clean(hostile_url)


def test_content_security_policy_is_enforced(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url)
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
    assert w.page.locator("h1").is_visible()
    # Chromium reports the attempt, then blocks it before anything leaves the machine
    assert w.failed.get("https://example.org/pixel.png") in ("csp", "net::ERR_BLOCKED_BY_CSP")


# -- a long history: year groups, the sticky bar, zoom ------------------------------------


@pytest.fixture(scope="module")
def long_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.integration.test_timeline_steps import long_history

    d = tmp_path_factory.mktemp("long")
    return write_timeline(d / "long.db", long_history(d, 45), d / "long.html")


def test_anchor_is_not_hidden_under_the_date_bar(open_page: Any, long_url: str) -> None:
    w = open_page(long_url + "#2010-03-01", width=1000, height=700)
    page = w.page
    w.clean(long_url)
    assert current_date(page) == "2010-03-01"
    bar = page.locator("nav.dates").bounding_box()
    heading = page.locator(f"{CURRENT} h2").bounding_box()
    assert bar is not None and heading is not None
    assert page.evaluate("window.scrollY") > 0  # the page did scroll to the step
    assert heading["y"] >= bar["y"] + bar["height"], (heading, bar)
    # only the current year's dates are open; its heading is in view
    assert page.locator("#dates .year-group.open").get_attribute("data-year") == "2010"
    assert page.locator("#dates a[data-step]:visible").count() == 1
    # a year's link opens its first date
    page.locator('#dates a.year[href="#1995-03-01"]').click()
    # the click's step change runs on the page's own time (its hashchange): wait for it
    # (a locator's wait: the page's Content-Security-Policy forbids wait_for_function's eval)
    page.locator('section.step:not([hidden])[id="1995-03-01"]').wait_for()
    assert current_date(page) == "1995-03-01"
    heading = page.locator(f"{CURRENT} h2").bounding_box()
    bar = page.locator("nav.dates").bounding_box()
    assert heading is not None and bar is not None
    assert heading["y"] >= bar["y"] + bar["height"]


def test_long_history_fits_a_phone(open_page: Any, long_url: str) -> None:
    w = open_page(long_url + "#2026-03-01", width=390, height=844)
    page = w.page
    w.clean(long_url)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    svg = page.locator(f"{CURRENT} .chart-scroll svg").first.bounding_box()
    assert svg is not None and svg["x"] >= 0 and svg["x"] + svg["width"] <= 390


def test_charts_zoom_and_open_full_size(open_page: Any, seed_url: str) -> None:
    w = open_page(seed_url + "#2025-01-01")
    page = w.page
    step = page.locator(CURRENT)
    svg = step.locator(".chart-scroll svg").first
    before = svg.bounding_box()
    step.get_by_role("button", name="Zoom in").first.click()
    step.get_by_role("button", name="Zoom in").first.click()
    after = svg.bounding_box()
    assert before is not None and after is not None
    assert after["width"] == pytest.approx(before["width"] * 1.5625, rel=0.05) or \
        after["width"] > before["width"] * 1.4
    step.get_by_role("button", name="Fit to the width").first.click()
    fitted = svg.bounding_box()
    assert fitted is not None and fitted["width"] == pytest.approx(before["width"], abs=1)
    full = step.get_by_role("button", name="Open at full size").first
    full.click()
    assert full.get_attribute("aria-pressed") == "true"
    assert "full-size" in str(step.locator("figure.chart").first.get_attribute("class"))
    w.clean(seed_url)
