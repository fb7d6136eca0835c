"""`orgchart timeline`: the whole history as one self-contained, shareable HTML page.

Two steps, so that the page can be tested without a store or Graphviz:

* `timeline_data(svc, ...)` gathers plain data from the service: one *step* per
  distinct effective date on which an event (in force at `--known-at`) took
  effect, each with the chart on that date drawn with the changes since the
  previous step highlighted (as `render --since`), the list of those changes,
  and the step's events with their sources.
* `timeline_page(data)` writes the page from that data and the template files
  next to this module (`page.html`, `.css`, `.js`).

The page makes no network request: the style sheet, the script and the charts
(inline SVG, rebuilt by `orgchart.presentation.svgclean`) are all in the file. Every
piece of text from the store is escaped for HTML here, in Python; the script
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
from datetime import date, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any

from orgchart.domain.dates import EffDate
from orgchart.domain.errors import OrgchartError, UnknownUnit
from orgchart.domain.facts import recorded_day
from orgchart.presentation.names import label
from orgchart.presentation.sentences import sentences_of

if TYPE_CHECKING:
    from orgchart.application.service import OrgChartService

Row = Mapping[str, Any]
Drawer = Callable[[str], bytes]


# -- gathering ------------------------------------------------------------------


def timeline_data(svc: OrgChartService, start: EffDate | None = None,
                  end: EffDate | None = None, root: str | None = None,
                  known: EffDate | None = None, drawer: Drawer | None = None) -> dict[str, Any]:
    """Everything the page shows, as plain data (see the module docstring).

    `drawer` turns DOT text into SVG (default: Graphviz through `orgchart.presentation.draw`).
    """
    from orgchart.adapters.readmodel import queries
    from orgchart.adapters.readmodel.tables import P
    from orgchart.presentation import graph
    from orgchart.presentation.svgclean import inline_svg

    if start is not None and end is not None and start.day > end.day:
        raise OrgchartError(f"--from {start} is after --to {end}")
    if root is not None:
        svc.log(unit=root)  # an unknown unit fails here, with a "did you mean"
    rows = [r for r in svc.log(start, end) if _in_force(r, known)]
    with svc.query_db() as db:
        sources = queries.sources_table(db)
        people = {r[0]: {"name": r[1], "name_en": r[2]} for r in
                  db.execute(f"select id, name, name_en from {P}people").fetchall()}
    by_day: dict[str, list[Row]] = {}
    for r in rows:
        by_day.setdefault(EffDate.parse(r["date"]).iso, []).append(r)

    draw_svg = drawer or _graphviz
    steps: list[dict[str, Any]] = []
    last_chart: dict[str, Any] | None = None
    last_names: _Names | None = None
    prev: EffDate | None = None
    for iso in sorted(by_day):
        day = date.fromisoformat(iso)
        since = prev or EffDate(day - timedelta(days=1) if day > date.min else day)
        when = _finest(r["date"] for r in by_day[iso])
        if root is not None and not _changes_under(svc, since, when, known, root):
            continue  # nothing under `root` changed on this date
        names = _Names(svc.at(since, known)["units"], svc.at(when, known)["units"], people)
        chart, delta = _render_data(svc, when, known, root, since)
        events = by_day[iso]
        if root is not None:
            shown = ({u["id"] for u in chart["units"]} | {u["id"] for u in delta["before"]}
                     | {c["unit"] for c in delta["changes"]})
            caused = {e for c in delta["changes"] for e in c["events"]}
            events = [r for r in events if r["id"] in caused or _units_named(r) & shown]
        label = " · ".join(dict.fromkeys(r["date"] for r in by_day[iso]))
        svg = draw_svg(graph.chart_dot(chart, delta))
        steps.append({
            "date": iso,
            "label": label,
            "aliases": sorted({r["date"] for r in by_day[iso]} - {iso}),
            "since": str(since) if prev is not None else None,
            "changes": change_list(delta["changes"], names, delta["lives"]),
            "events": [_event(r, names, sources) for r in events],
            "svg": inline_svg(svg, f"The chart on {label}"),
        })
        last_chart, last_names, prev = chart, names, when
    if not steps:
        span = " ".join(x for x in (f"from {start}" if start else "",
                                    f"to {end}" if end else "") if x)
        under = f" under '{root}'" if root else ""
        raise OrgchartError(f"no changes{under} to show{' ' + span if span else ''}"
                            + (f" as known on {known}" if known else ""))

    assert last_chart is not None
    title = graph.chart_title(last_chart, last_chart["units"])
    if root is not None:
        root_name = last_names.unit(root, "after") if last_names else root
        title = f"{title} — {root_name}" if last_chart.get("title") else root_name
    cited = [s for step in steps for e in step["events"] for s in e["sources"]]
    publishers = list(dict.fromkeys(s["publisher"] or s["title"] for s in cited))
    return {"title": title, "root": root, "known_at": str(known) if known else None,
            "from": steps[0]["date"], "to": steps[-1]["date"], "publishers": publishers,
            "steps": steps}


def _finest(written: Iterable[str]) -> EffDate:
    """Of dates written for the same first day (`2025`, `2025-01`), the most precise."""
    rank = {"year": 0, "month": 1, "day": 2}
    return max((EffDate.parse(w) for w in written), key=lambda d: rank[d.precision])


#: How the "What changed" list is ordered: ends and beginnings first, then the rest.
_ORDER = {"removed": 0, "added": 1, "renamed": 2, "moved": 3, "leader": 4}


def _story_order(c: Row) -> int:
    return _ORDER.get(c["change"], 5)


def _graphviz(dot: str) -> bytes:
    from orgchart.presentation import draw

    return draw.draw(dot, "svg")


def _in_force(r: Row, known: EffDate | None) -> bool:
    """Whether an event counts for a query as known at `known` (now, when None)."""
    if r["date"] is None or r["type"] == "retract":
        return False
    if known is None:
        return r["retracted_by"] is None
    if recorded_day(r["recorded"]) > known.day:
        return False
    return r["retracted_on"] is None or str(r["retracted_on"]) > known.iso


def _changes_under(svc: OrgChartService, since: EffDate, day: EffDate, known: EffDate | None,
                   root: str) -> bool:
    """Whether the chart under `root` differs between the two dates."""
    try:
        return bool(svc.diff(since, day, known, root)["changes"])
    except UnknownUnit:  # `root` exists on neither date
        return False


def _render_data(svc: OrgChartService, day: EffDate, known: EffDate | None, root: str | None,
                 since: EffDate) -> tuple[dict[str, Any], Any]:
    """`svc.render_data`, also when `root` does not exist on `day` (it ended there)."""
    try:
        data = svc.render_data(day, known, root, None, since)
        return data["chart"], data["delta"]
    except UnknownUnit:
        if root is None:
            raise
    try:
        before = svc.at(since, known, root)["units"]
    except UnknownUnit:
        before = []
    changes = svc.diff(since, day, known, root)["changes"]
    chart = {"date": str(day), "known_at": str(known) if known else None, "units": [],
             "title": svc.at(day, known)["title"], "sources": []}
    delta = {"since": str(since), "reverse": False, "changes": changes, "before": before,
             "links": [], "lives": {}}
    return chart, delta


def _units_named(r: Row) -> set[str]:
    """The unit ids an event names (its unit, parts, merged units, target, parents)."""
    out: set[str] = set()
    for key in ("unit", "parent", "children_to"):
        if isinstance(r.get(key), str):
            out.add(r[key])
    for x in r.get("units") or []:
        out.add(x)
    into = r.get("into")
    for part in (into if isinstance(into, list) else [into]):
        if isinstance(part, str):
            out.add(part)
        elif isinstance(part, Mapping):
            out.update(v for k, v in part.items() if k in ("unit", "parent") and v)
    return out


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
    by = f" · sources: {', '.join(publishers)}" if publishers else ""
    span = f"{steps[0]['label']} – {steps[-1]['label']}" if len(steps) > 1 else steps[0]["label"]
    known = f", as known on {data['known_at']}" if data.get("known_at") else ""
    slots = {
        "csp": esc(content_security_policy(script, style)),
        "style": style,
        "script": script,
        "title": esc(f"{data['title']} — a history{by}"),
        "heading": esc(data["title"]),
        "subtitle": _subtitle(steps, span, known, publishers),
        "max": str(len(steps) - 1),
        "first": esc(steps[0]["label"]),
        "dates": "".join(_date_link(i, s) for i, s in enumerate(steps)),
        "steps": "".join(_step(i, s, len(steps)) for i, s in enumerate(steps)),
        "data": json_for_script(_public_data(data)),
    }
    template = _asset("page.html")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: slots[m.group(1)], template)


def _subtitle(steps: Sequence[Mapping[str, Any]], span: str, known: str,
              publishers: Sequence[str]) -> str:
    count = f"{len(steps)} date{'s' if len(steps) != 1 else ''} with changes"
    text = f"How it changed, {esc(span)}: {count}{esc(known)}."
    if publishers:
        text += " Based on reporting by " + ", ".join(
            f"<strong>{esc(p)}</strong>" for p in publishers) + "."
    else:
        text += " The events cite no sources."
    return text


def _date_link(i: int, s: Mapping[str, Any]) -> str:
    return (f'<li><a href="#{esc(s["date"])}" data-step="{i}">'
            f'<time datetime="{esc(s["date"])}">{esc(s["label"])}</time></a></li>')


def _step(i: int, s: Mapping[str, Any], n: int) -> str:
    since = (f"changes since {esc(s['since'])} highlighted" if s.get("since")
             else "the first date shown: what changed on it is highlighted")
    changes = "".join(f'<li class="chg chg-{esc(c["change"])}">{esc(c["text"])}</li>'
                      for c in s["changes"]) or '<li class="chg">(no change to the chart)</li>'
    events = "".join(_event_html(e) for e in s["events"])
    aliases = " ".join(s.get("aliases") or [])
    return (f'<section class="step" id="{esc(s["date"])}" data-index="{i}" '
            f'data-aliases="{esc(aliases)}" aria-labelledby="h-{i}">'
            f'<header class="step-head"><h2 id="h-{i}"><time datetime="{esc(s["date"])}">'
            f'{esc(s["label"])}</time></h2>'
            f'<p class="muted">Step {i + 1} of {n} · {since}</p></header>'
            f'<div class="step-body">'
            f'<figure class="chart"><div class="chart-scroll" tabindex="0" '
            f'aria-label="Chart on {esc(s["label"])} (scrolls)">{s["svg"]}</div></figure>'
            f'<aside class="story"><div class="story-changes"><h3>What changed</h3>'
            f'<ul class="changes">{changes}</ul></div>'
            f'<div class="story-events"><h3>Events and sources</h3>'
            f'<ol class="events">{events}</ol></div></aside>'
            f'</div></section>')


def _event_html(e: Mapping[str, Any]) -> str:
    note = f'<p class="note">{esc(e["note"])}</p>' if e.get("note") else ""
    if e["sources"]:
        cites = "".join(_source_html(s) for s in e["sources"])
        sources = f'<ul class="sources" aria-label="Sources">{cites}</ul>'
    else:
        sources = '<p class="muted nosource">No source cited.</p>'
    return (f'<li class="event" data-type="{esc(e["type"])}">'
            f'<p class="what"><span class="type">{esc(e["type"])}</span> {esc(e["text"])}</p>'
            f'{note}{sources}'
            f'<p class="meta muted">{esc(e["date"])} · recorded {esc(e["recorded"])} · '
            f'id <code>{esc(e["id"])}</code></p></li>')


def _source_html(s: Mapping[str, Any]) -> str:
    url = safe_url(s.get("url"))
    title = esc(s["title"])
    if url:
        title = (f'<a href="{esc(url)}" rel="noopener noreferrer nofollow" '
                 f'referrerpolicy="no-referrer">{title}</a>')
    parts = [f'<span class="publisher">{esc(s["publisher"])}</span>: ' if s.get("publisher")
             else "", f'<cite>{title}</cite>']
    if s.get("date"):
        parts.append(f' <span class="muted">({esc(s["date"])})</span>')
    if s.get("url") and not url:
        parts.append(f' <span class="muted url">{esc(s["url"])}</span>')
    return f'<li class="source">{"".join(parts)}</li>'


def _public_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The page's data without the drawings, for anyone who wants to reuse it."""
    return {**{k: v for k, v in data.items() if k != "steps"},
            "steps": [{k: v for k, v in s.items() if k != "svg"} for s in data["steps"]]}
