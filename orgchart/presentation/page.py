"""`orgchart timeline`: the whole history as one self-contained, shareable HTML page.

Two steps, so that the page can be tested without a store or Graphviz:

* `timeline_data(page, ...)` turns the page's steps (plain data gathered by
  `orgchart.application.history_page`: one per distinct effective date on
  which an event in force took effect, with the chart on that date, what
  changed since the previous step and the step's events) into what the page
  shows: each chart drawn with the changes highlighted (as `render --since`),
  the changes and the events in words, with their sources.
* `timeline_page(data)` writes the page from that data with the Jinja2
  template `page.html` and the style sheet and script next to it (`page.css`,
  `page.js`).

The page makes no network request: the style sheet, the script and the charts
(inline SVG, rebuilt by `orgchart.presentation.svgclean`) are all in the file. The
template escapes every value it is given for HTML unless it is markup orgchart
made (the charts, the style sheet, the script, the data block); the script
only shows and hides steps and never touches the data. Only `http(s)` source
URLs become links. A Content-Security-Policy meta tag allows nothing but the
page's own inline script and style sheet (by their SHA-256 hashes) and `data:`
images (the empty favicon that stops a browser asking for one).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Protocol

import jinja2
from markupsafe import Markup

from orgchart.presentation.graph import Delta
from orgchart.presentation.names import label
from orgchart.presentation.sentences import sentences_of

Row = Mapping[str, Any]
Drawer = Callable[[str], bytes]


class StepSource(Protocol):
    """One date of the page, as gathered (`orgchart.application.history_page.PageStep`)."""

    @property
    def date(self) -> str: ...
    @property
    def written(self) -> Sequence[str]: ...
    @property
    def since(self) -> str | None: ...
    @property
    def chart(self) -> Mapping[str, Any]: ...
    @property
    def delta(self) -> Delta: ...
    @property
    def before(self) -> Mapping[str, Row]: ...
    @property
    def after(self) -> Mapping[str, Row]: ...
    @property
    def events(self) -> Sequence[Row]: ...


class PageSource(Protocol):
    """The page's steps, as gathered (`orgchart.application.history_page.PageData`)."""

    @property
    def root(self) -> str | None: ...
    @property
    def known_at(self) -> str | None: ...
    @property
    def steps(self) -> Iterable[StepSource]: ...
    @property
    def people(self) -> Mapping[str, Row]: ...
    @property
    def sources(self) -> Mapping[str, Row]: ...


# -- the page's data --------------------------------------------------------------


def timeline_data(page: PageSource, drawer: Drawer | None = None) -> dict[str, Any]:
    """Everything the page shows, as plain data (see the module docstring).

    `drawer` turns DOT text into SVG (default: Graphviz through `orgchart.presentation.draw`).
    """
    from orgchart.presentation import graph
    from orgchart.presentation.svgclean import inline_svg

    draw_svg = drawer or _graphviz
    steps: list[dict[str, Any]] = []
    last: tuple[Mapping[str, Any], _Names] | None = None
    for s in page.steps:  # one at a time: each holds whole charts
        names = _Names(s.before.values(), s.after.values(), page.people)
        label = " · ".join(dict.fromkeys(s.written))
        svg = draw_svg(graph.chart_dot(s.chart, s.delta))
        steps.append({
            "date": s.date,
            "label": label,
            "aliases": sorted(set(s.written) - {s.date}),
            "since": s.since,
            "changes": change_list(s.delta["changes"], names, s.delta["lives"]),
            "events": [_event(r, names, page.sources) for r in s.events],
            "svg": inline_svg(svg, f"The chart on {label}"),
        })
        last = s.chart, names
    assert last is not None, "a page has at least one step"
    chart, names = last
    title = graph.chart_title(chart, chart["units"])
    if page.root is not None:
        root_name = names.unit(page.root, "after")
        title = f"{title} — {root_name}" if chart.get("title") else root_name
    cited = [s for step in steps for e in step["events"] for s in e["sources"]]
    publishers = list(dict.fromkeys(s["publisher"] or s["title"] for s in cited))
    return {"title": title, "root": page.root, "known_at": page.known_at,
            "from": steps[0]["date"], "to": steps[-1]["date"], "publishers": publishers,
            "steps": steps}


#: How the "What changed" list is ordered: ends and beginnings first, then the rest.
_ORDER = {"removed": 0, "added": 1, "renamed": 2, "moved": 3, "leader": 4}


def _story_order(c: Row) -> int:
    return _ORDER.get(c["change"], 5)


def _graphviz(dot: str) -> bytes:
    from orgchart.presentation import draw

    return draw.draw(dot, "svg")


class _Names:
    """Display names of units (as they stood just before, or on, a step) and people."""

    def __init__(self, before: Iterable[Row], after: Iterable[Row],
                 people: Mapping[str, Mapping[str, Any]]) -> None:
        self.before = {u["id"]: u for u in before}
        self.after = {u["id"]: u for u in after}
        self.people = people

    def unit(self, uid: str | None, when: str = "before") -> str:
        if uid is None:
            return "(top level)"
        first, second = ((self.before, self.after) if when == "before"
                         else (self.after, self.before))
        u = first.get(uid) or second.get(uid)
        return str(u["name"]) if u else uid

    def person(self, pid: str | None) -> str:
        if pid is None:
            return "nobody"
        p = self.people.get(pid)
        if not p:
            return pid
        return label(str(p.get("name") or pid), p.get("name_en"))


def event_text(r: Row, names: _Names) -> str:
    """One event as a sentence with names: `搜推智能产品事业部 split into 平台用户及产品, ...`."""
    return sentences_of(r["type"]).page_line(r, names)


def change_text(c: Row, names: _Names, lives: Mapping[str, Mapping[str, Any]]) -> str:
    """One change of the diff as a short line: `Ended: 搜推智能产品事业部 (split)`."""
    kind = c["change"]
    if kind == "added":
        return f"New: {c['after'] or c['unit']}"
    if kind == "removed":
        how = (lives.get(c["unit"]) or {}).get("ended_how")
        return f"Ended: {c['before'] or c['unit']}" + (f" ({how})" if how else "")
    if kind == "renamed":
        old = " / ".join(str(x) for x in (c.get("before"), c.get("before_en")) if x)
        new = " / ".join(str(x) for x in (c.get("after"), c.get("after_en")) if x)
        return f"Renamed: {old} → {new}"
    if kind == "moved":
        return (f"Moved: {names.unit(c['unit'], 'after')}, from {names.unit(c['before'])} "
                f"to {names.unit(c['after'], 'after')}")
    if kind == "leader":
        role = c.get("role") or "head"
        return (f"Leader ({role}) of {names.unit(c['unit'], 'after')}: "
                f"{names.person(c['before'])} → {names.person(c['after'])}")
    return f"{kind}: {c['unit']}"


def change_list(changes: Iterable[Row], names: _Names,
                lives: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The diff's changes as lines, ends and beginnings first; units moved from the same
    parent to the same parent share one line."""
    out: list[dict[str, Any]] = []
    moves: dict[tuple[Any, Any], dict[str, Any]] = {}
    for c in sorted(changes, key=_story_order):
        if c["change"] == "moved":
            key = (c["before"], c["after"])
            if key in moves:
                line = moves[key]
                line["units"].append(c["unit"])
                line["text"] = (f"Moved from {names.unit(c['before'])} to "
                                f"{names.unit(c['after'], 'after')}: "
                                + ", ".join(names.unit(u, "after") for u in line["units"]))
                continue
            moves[key] = line = {"change": "moved", "units": [c["unit"]],
                                 "text": change_text(c, names, lives)}
            out.append(line)
        else:
            out.append({"change": c["change"], "units": [c["unit"]],
                        "text": change_text(c, names, lives)})
    return out


def _event(r: Row, names: _Names, sources: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    cited = []
    for sid in r.get("sources") or []:
        s = sources.get(sid) or {}
        cited.append({"id": sid, "title": s.get("title") or sid, "publisher": s.get("publisher"),
                      "date": s.get("date"), "url": s.get("url")})
    return {"id": r["id"], "type": r["type"], "date": r["date"], "recorded": r["recorded"],
            "text": event_text(r, names), "note": r.get("note"), "sources": cited}


# -- the page -------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("orgchart.presentation").joinpath(name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """A CSP source expression allowing exactly this inline script or style text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(script: str, style: str) -> str:
    return ("default-src 'none'; "
            f"script-src {csp_hash(script)}; "
            f"style-src {csp_hash(style)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def esc(value: Any) -> str:
    """Any value as HTML text (also safe inside a double-quoted attribute)."""
    return html.escape("" if value is None else str(value), quote=True)


_HTTP = re.compile(r"https?://[^\s\"'<>\\`]+\Z", re.IGNORECASE)


def safe_url(url: Any) -> str | None:
    """`url` when it is a plain http(s) URL (so it may become a link), else None."""
    if not isinstance(url, str):
        return None
    text = str(url).strip()
    if not _HTTP.match(text) or any(ord(c) < 0x20 or ord(c) == 0x7f for c in text):
        return None
    return text


def json_for_script(data: Any) -> str:
    """JSON that cannot end its `<script type="application/json">` element early."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def timeline_page(data: Mapping[str, Any]) -> str:
    """The self-contained HTML page for `timeline_data(...)`'s result."""
    style, script = _asset("page.css"), _asset("page.js")
    steps: Sequence[Mapping[str, Any]] = data["steps"]
    publishers = [str(p) for p in data.get("publishers") or []]
    span = f"{steps[0]['label']} – {steps[-1]['label']}" if len(steps) > 1 else steps[0]["label"]
    return _template().render(
        csp=content_security_policy(script, style),
        style=Markup(style),  # the package's own files, hashed into the CSP
        script=Markup(script),
        title=data["title"],
        by=f" · sources: {', '.join(publishers)}" if publishers else "",
        span=span,
        known=f", as known on {data['known_at']}" if data.get("known_at") else "",
        publishers=publishers,
        # each chart was rebuilt from an allow-list by `svgclean.inline_svg`
        steps=[{**s, "svg": Markup(s["svg"])} for s in steps],
        data=Markup(json_for_script(_public_data(data))),  # it cannot end its element
    )


@cache
def _template() -> jinja2.Template:
    """`page.html`, with every value HTML-escaped unless it is `Markup`.

    The escaping is `esc` (the standard library's `html.escape`), applied by the
    environment's `finalize` to every value, so that the page keeps the entities it
    always had (`&quot;`, `&#x27;`); Jinja2's autoescaping then leaves it as it is.
    """
    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True, finalize=_escaped)
    env.filters["safe_url"] = safe_url
    return env.from_string(_asset("page.html"))


def _escaped(value: Any) -> Any:
    """A template value as HTML: markup as it is, anything else through `esc`."""
    return value if hasattr(value, "__html__") else Markup(esc(value))


def _public_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The page's data without the drawings, for anyone who wants to reuse it."""
    return {**{k: v for k, v in data.items() if k != "steps"},
            "steps": [{k: v for k, v in s.items() if k != "svg"} for s in data["steps"]]}
