"""`orgchart timeline`: the self-contained HTML page, without a browser.

The page's promises checked on its text: one file with no external resource,
a Content-Security-Policy that allows exactly its own inline script and style,
every name from an event file shown as text (never markup), only http(s)
links, and the seed's story told step by step with its sources.
(tests/browser/ opens the same pages in Chromium.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from orgchart.presentation import page as history_page
from orgchart.presentation import svgclean
from tests.conftest import Run

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed")

#: Text anyone could put in an event file; each must come out on the page as written.
EVIL_SCRIPT = '<script>window.__pwned = 1; alert("unit")</script>'
EVIL_QUOTE = '"]; alert(2); x="'
EVIL_ENTITY = "&amp; &lt;b&gt; &#60;i&#62;"
EVIL_IMG = '<img src=x onerror="window.__pwned=1;alert(3)">'
EVIL_NOTE = "</script><script>alert(4)</script><!-- note"
EVIL_TITLE = "</title><svg onload=alert(5)>"
EVIL_PUBLISHER = "<b>Pub</b> & Co"
EVIL_KIND = "kind <style>*{display:none}</style>"
JS_URL = "javascript:alert(6)"
QUOTE_URL = 'https://example.org/"><script>alert(7)</script>'
GOOD_URL = "https://example.org/story?a=1&b=2"

HOSTILE_TEXTS = [EVIL_SCRIPT, EVIL_QUOTE, EVIL_ENTITY, EVIL_IMG, EVIL_NOTE, EVIL_TITLE,
                 EVIL_PUBLISHER, EVIL_KIND]

HOSTILE_DOC: dict[str, Any] = {
    "format": "orgchart/v1",
    "title": EVIL_TITLE,
    "recorded": "2026-01-01",
    "sources": {
        "js": {"title": EVIL_TITLE, "publisher": EVIL_PUBLISHER, "url": JS_URL},
        "quote": {"title": EVIL_ENTITY, "publisher": "Quote Press", "url": QUOTE_URL},
        "good": {"title": "A real story", "publisher": "Good Paper", "url": GOOD_URL,
                 "date": "2025-06"},
    },
    "people": {"eve": {"name": EVIL_IMG, "name_en": EVIL_QUOTE}},
    "events": [
        {"type": "establish", "date": "2024", "unit": "corp", "name": EVIL_SCRIPT,
         "name_en": EVIL_QUOTE, "kind": EVIL_KIND, "source": "js", "note": EVIL_NOTE},
        {"type": "establish", "date": "2024-06", "unit": "lab", "name": EVIL_ENTITY,
         "parent": "corp", "source": ["quote", "good"]},
        {"type": "appoint", "date": "2025-01-15", "unit": "lab", "person": "eve",
         "title": EVIL_NOTE, "source": "good"},
        {"type": "rename", "date": "2025-06", "unit": "lab", "name": EVIL_IMG,
         "note": EVIL_QUOTE},
        {"type": "split", "date": "2026-04-01", "unit": "lab",
         "into": [{"unit": "lab-a", "name": EVIL_TITLE}, {"unit": "lab-b", "name": EVIL_KIND}],
         "source": "good"},
    ],
}


def hostile_file(tmp_path: Path) -> str:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(HOSTILE_DOC, ensure_ascii=False), encoding="utf-8")
    return str(path)


# -- reading a page back ---------------------------------------------------------------


class Page(HTMLParser):
    """The page's elements, the text of its scripts and styles, and its visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._raw: str | None = None
        self._attrs: dict[str, str | None] = {}
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._raw, self._attrs = tag, dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw == "script":
            self.scripts.append((self._attrs, data))
        elif self._raw == "style":
            self.styles.append(data)
        else:
            self.text.append(data)

    def all_text(self) -> str:
        return "".join(self.text)

    def attrs(self, name: str) -> list[str]:
        return [v for _, a in self.tags for k, v in a.items() if k == name and v is not None]


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page_data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="timeline-data">(.*?)</script>', html,
                  re.S)
    assert m, "no data block"
    data: dict[str, Any] = json.loads(m.group(1))
    return data


def assert_self_contained(html: str) -> Page:
    """No external resource, a strict CSP matching the one script and style, no handlers."""
    page = Page(html)
    tags = {t for t, _ in page.tags}
    assert not tags & {"iframe", "object", "embed", "img", "foreignobject", "image", "use",
                       "base", "form", "audio", "video", "source", "track", "frame"}, tags
    for tag, attrs in page.tags:
        for k, v in attrs.items():
            assert not k.startswith("on"), (tag, k, v)
            assert k not in ("src", "srcset", "xlink:href", "action", "formaction",
                             "background", "poster", "ping"), (tag, k, v)
            if k == "href":
                assert v is not None
                assert (tag == "a" and re.match(r"https?://|#", v)) or (
                    tag == "link" and v == "data:,"), (tag, v)
    links = [a for t, a in page.tags if t == "link"]
    assert links == [{"rel": "icon", "href": "data:,"}]
    code = [s for a, s in page.scripts if a.get("type") != "application/json"]
    assert len(code) == 1 and len(page.styles) == 1
    csp = [a["content"] for t, a in page.tags
           if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(csp) == 1 and csp[0] is not None
    policy = dict(d.strip().split(" ", 1) for d in csp[0].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == sha256(code[0])
    assert policy["style-src"] == sha256(page.styles[0])
    assert policy["img-src"] == "data:"
    assert policy["base-uri"] == "'none'"
    for sheet in page.styles:
        assert "url(" not in sheet and "@import" not in sheet
    assert "fetch(" not in code[0] and "XMLHttpRequest" not in code[0]
    assert "innerHTML" not in code[0] and "eval(" not in code[0]
    return page


def external_urls(html: str) -> list[str]:
    return re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[a-z]{2,}", html)


# -- the seed ------------------------------------------------------------------------


@needs_dot
def test_seed_timeline_tells_the_story(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "history.html"
    r = seeded("timeline", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.output == f"wrote {out}\n"
    html = out.read_text(encoding="utf-8")
    page = assert_self_contained(html)
    assert external_urls(html) == []
    title = re.search(r"<title>(.*?)</title>", html)
    assert title and "Alibaba China e-commerce, 2025-2026" in title.group(1)
    assert "36氪" in title.group(1)

    data = page_data(html)
    assert [s["date"] for s in data["steps"]] == [
        "1999-01-01", "2023-09-10", "2025-01-01", "2026-01-01", "2026-04-01"]
    assert data["publishers"] == ["36氪"]
    first, last = data["steps"][0], data["steps"][-1]
    assert first["since"] is None and last["since"] == "2026"
    assert last["label"] == "2026-04-01" and data["steps"][2]["label"] == "2025 · 2025-01"
    texts = [c["text"] for c in last["changes"]]
    assert "Ended: 搜推智能产品事业部 (split)" in texts
    assert "Ended: 未来创新事业部 (merge)" in texts
    assert {"New: 平台用户及产品", "New: 智能算法"} <= set(texts)
    assert [e["type"] for e in last["events"]] == ["step_down", "split", "merge"]
    assert all(e["sources"][0]["publisher"] == "36氪" for e in last["events"])

    # the 2026-04-01 section: its permalink id, the chart with the ghost, the sources
    section = html.split('<section class="step" id="2026-04-01"', 1)[1].split("</section>")[0]
    assert '<g data-unit="search-rec" class="node oc-unit oc-removed">' in section
    assert '<g data-unit="platform-users" class="node oc-unit oc-added">' in section
    assert "平台用户及产品" in section and "智能算法" in section
    assert '<span class="publisher">36氪</span>' in section
    assert "阿里电商 AI 新动向" in section
    assert 'href="#2026-04-01"' in html and 'href="#2025-01-01"' in html
    assert "Step 5 · changes since" in page.all_text()


@needs_dot
def test_timeline_options(seeded: Run, tmp_path: Path) -> None:
    r = seeded("timeline", "--from", "2026", "--to", "2026-04-01", "-o", "-")
    assert r.exit_code == 0, r.output
    data = page_data(r.output)
    assert [s["date"] for s in data["steps"]] == ["2026-01-01", "2026-04-01"]
    assert [c["text"] for c in data["steps"][0]["changes"]] == ["New: ATH 事业群"]

    r = seeded("timeline", "--root", "search-rec", "-o", "-")
    assert r.exit_code == 0, r.output
    data = page_data(r.output)
    assert [s["date"] for s in data["steps"]] == ["2025-01-01", "2026-04-01"]
    assert data["title"].endswith("— 搜推智能产品事业部")
    assert "未来创新事业部" not in json.dumps(data, ensure_ascii=False)
    ended = data["steps"][-1]
    assert ended["changes"][0]["text"].startswith("Ended: 搜推智能产品事业部")
    assert [e["type"] for e in ended["events"]] == ["step_down", "split"]


def test_timeline_errors(seeded: Run, run: Run, tmp_path: Path) -> None:
    cases = [(["--from", "2026", "--to", "2025"], "--from 2026 is after --to 2025"),
             (["--root", "serch-rec"], "did you mean 'search-rec'"),
             (["--known-at", "2026-04-01"], "no changes to show as known on 2026-04-01"),
             (["--from", "2027"], "no changes to show from 2027")]
    for args, message in cases:
        r = seeded("timeline", "-o", str(tmp_path / "x.html"), *args)
        assert r.exit_code == 1, (args, r.output)
        assert message in r.output
    assert not (tmp_path / "x.html").exists()
    r = seeded("timeline", "--from", "someday")
    assert r.exit_code == 2


def test_timeline_on_an_empty_store_says_how_to_load(run: Run) -> None:
    r = run("timeline", "-o", "-")
    assert r.exit_code == 1
    assert "orgchart load" in r.output


# -- hostile text ---------------------------------------------------------------------


@needs_dot
def test_hostile_history_is_shown_as_text(run: Run, tmp_path: Path) -> None:
    r = run("load", hostile_file(tmp_path))
    assert r.exit_code == 0, r.output
    out = tmp_path / "hostile.html"
    r = run("timeline", "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    page = assert_self_contained(html)
    shown = page.all_text()
    for evil in HOSTILE_TEXTS:
        assert evil in shown, evil
    # the one link is the http(s) source; the other URLs are text, not links
    hrefs = [h for h in page.attrs("href") if not h.startswith(("#", "data:"))]
    assert hrefs == [GOOD_URL] * hrefs.count(GOOD_URL) and hrefs
    assert JS_URL in shown and QUOTE_URL in shown
    # the data block parses back to the same text and cannot close its element
    raw = html.split('id="timeline-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in raw and ">" not in raw
    data = page_data(html)
    assert data["title"] == EVIL_TITLE
    names = json.dumps(data, ensure_ascii=False)
    assert json.dumps(EVIL_SCRIPT, ensure_ascii=False)[1:-1] in names
    # nothing from the file ended up as an element or attribute name
    assert {t for t, _ in page.tags} <= {
        "html", "head", "meta", "title", "link", "style", "body", "header", "h1", "p", "strong",
        "nav", "div", "button", "input", "output", "ol", "li", "a", "time", "main", "section",
        "h2", "figure", "svg", "g", "polygon", "path", "text", "ellipse", "polyline",
        "aside", "h3", "ul", "span", "cite", "code", "footer", "script"}


# -- the pieces, without a store ---------------------------------------------------------------


def test_safe_url() -> None:
    assert history_page.safe_url("https://example.org/a?b=1&c=2") == "https://example.org/a?b=1&c=2"
    assert history_page.safe_url(" HTTP://x.org ") == "HTTP://x.org"
    for bad in [JS_URL, QUOTE_URL, "data:text/html,<b>x</b>", "//evil.org", "ftp://x.org",
                "https://x.org/\nfoo", "vbscript:x", "", None, 42, "https://x.org/a b"]:
        assert history_page.safe_url(bad) is None, bad


def test_json_for_script_cannot_break_out() -> None:
    data = {"a": "</script><!-- <script>", "b": "\u2028&"}
    text = history_page.json_for_script(data)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == data


def test_inline_svg_keeps_only_drawing() -> None:
    evil = (b'<?xml version="1.0"?><!DOCTYPE svg><!-- c --><svg xmlns="http://www.w3.org/2000/svg"'
            b' xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" height="10pt" '
            b'viewBox="0 0 10 10" onload="alert(1)">'
            b'<script>alert(2)</script><style>*{}</style>'
            b'<g id="unit-a.b" class="node oc-unit&quot;x" style="fill:red" onclick="alert(3)">'
            b'<title>a&lt;b</title>'
            b'<a xlink:href="javascript:alert(4)"><text x="1" y="2">link</text></a>'
            b'<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'
            b'<image href="https://evil.org/x.png"/><use href="#x"/>'
            b'<polygon fill="url(https://evil.org/#x)" stroke="red" points="0,0 1,1"/>'
            b'<text x="1" y="2" font-weight="bold">&lt;script&gt; &amp;amp;</text>'
            b'</g><g id="node7"/></svg>')
    out = svgclean.inline_svg(evil, 'Chart "x" <y>')
    assert out.startswith('<svg width="10pt" height="10pt" viewBox="0 0 10 10" role="img" '
                          'aria-label="Chart &quot;x&quot; &lt;y&gt;">')
    for gone in ["script>", "style", "onload", "onclick", "alert(", "<a", "foreignObject",
                 "image", "use", "url(", "xmlns", "http", "<!--", "<?xml", "DOCTYPE"]:
        assert gone not in out, gone
    assert '<g data-unit="a.b" class="node oc-unitx">' in out
    assert "<title>a&lt;b</title>" in out
    assert '<text x="1" y="2" font-weight="bold">&lt;script&gt; &amp;amp;</text>' in out
    assert '<polygon stroke="red" points="0,0 1,1"></polygon>' in out
    assert "<g></g>" in out
    with pytest.raises(ValueError):
        svgclean.inline_svg(b"<html/>")


def test_inline_svg_refuses_entities() -> None:
    """An SVG that declares entities (a "billion laughs" or an external file) is not read."""
    laughs = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">]>'
              b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>')
    external = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>')
    for svg in (laughs, external):
        with pytest.raises(ValueError):
            svgclean.inline_svg(svg)


def fake_data(text: str) -> dict[str, Any]:
    """`timeline_data`'s shape, every string from the history set to `text`."""
    event = {"id": "e1", "type": "split", "date": "2026-04-01", "recorded": "2026-04-02",
             "text": text, "note": text,
             "sources": [{"id": "s", "title": text, "publisher": text, "date": text,
                          "url": text, "label": f"{text}, {text}"}]}
    step = {"date": "2026-04-01", "label": "2026-04-01", "aliases": [], "since": None,
            "changes": [{"change": "removed", "units": ["x"], "text": text}],
            "events": [event], "svg": "<svg></svg>"}
    return {"title": text, "root": None, "known_at": None, "from": "2026-04-01",
            "to": "2026-04-01", "publishers": [text], "steps": [step]}


@pytest.mark.parametrize("text", [*HOSTILE_TEXTS, JS_URL, QUOTE_URL])
def test_page_escapes_every_field(text: str) -> None:
    html = history_page.timeline_page(fake_data(text))
    page = assert_self_contained(html)
    assert page.all_text().count(text) >= 6
    assert [t for t, _ in page.tags].count("script") == 2
    assert not [h for h in page.attrs("href") if not h.startswith(("#", "data:"))]
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and "<" not in title.group(1)


def test_page_without_sources_says_so() -> None:
    data = fake_data("plain")
    data["publishers"] = []
    data["steps"][0]["events"][0]["sources"] = []
    html = history_page.timeline_page(data)
    assert "The events cite no sources." in html and "No source cited." in html
    assert "sources:" not in re.search(r"<title>(.*?)</title>", html).group(1)  # type: ignore[union-attr]


@needs_dot
def test_retractions_and_known_at(seeded: Run) -> None:
    merge = next(e for e in json.loads(seeded("log", "--format", "json").output)
                 if e["type"] == "merge")
    assert seeded("retract", merge["id"], "--reason", "misreported").exit_code == 0

    now = page_data(seeded("timeline", "-o", "-").output)["steps"][-1]
    assert [e["type"] for e in now["events"]] == ["step_down", "split"]
    assert "Ended: 未来创新事业部 (merge)" not in [c["text"] for c in now["changes"]]

    then = page_data(seeded("timeline", "--known-at", "2026-04-02", "-o", "-").output)
    assert then["known_at"] == "2026-04-02"
    last = then["steps"][-1]
    assert [e["type"] for e in last["events"]] == ["step_down", "split", "merge"]
    assert "Ended: 未来创新事业部 (merge)" in [c["text"] for c in last["changes"]]
