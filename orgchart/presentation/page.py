"""`orgchart timeline`: the whole history as one self-contained, shareable HTML page.

The page's steps (plain data gathered by `orgchart.application.history_page`:
one per distinct effective date on which an event in force took effect, with
the chart on that date, what changed since the previous step and the step's
events) come one at a time; `write_timeline(page, out)` turns each into what
the page shows (`step_view`: the chart around what changed, drawn as
`render --since` would, see `orgchart.presentation.focus`; the changes and the
events in words, with their sources; a step Graphviz cannot draw keeps its
changes as text) and writes its section and its data to temporary files, then
puts the page together with the Jinja2 templates `page.html` (the page around
the steps) and `page_step.html` (one step) and the style sheet and script next
to them (`page.css`, `page.js`). `timeline_data` + `timeline_page` do the same
all at once, for tests.

The page makes no network request: the style sheet, the script and the charts
(inline SVG, rebuilt by `orgchart.presentation.svgclean`) are all in the file. The
template escapes every value it is given for HTML unless it is markup orgchart
made (the charts, the style sheet, the script, the data block); the script
only shows and hides steps and sizes the charts, and never touches the data.
Only `http(s)` source URLs become links. A Content-Security-Policy meta tag
allows nothing but the page's own inline script and style sheet (by their
SHA-256 hashes) and `data:` images (the empty favicon that stops a browser
asking for one).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import IO, Any, BinaryIO, Protocol

import jinja2
from markupsafe import Markup

from orgchart.domain.errors import OrgchartError
from orgchart.presentation.draw import GraphvizMissing
from orgchart.presentation.graph import Delta
from orgchart.presentation.names import citation_labels, label, name_key
from orgchart.presentation.sentences import annotation_line, sentences_of

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
    @property
    def retracted(self) -> Sequence[Row]: ...


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
    @property
    def roles_of(self) -> Callable[[str], Row | None]: ...
    @property
    def horizon(self) -> str | None: ...


# -- the page's data --------------------------------------------------------------


def write_timeline(page: PageSource, out: BinaryIO, drawer: Drawer | None = None,
                   warn: Callable[[str], None] | None = None) -> None:
    """Write the page of `page`'s steps to `out` as UTF-8, one step at a time.

    Only the step being drawn is in memory: each step's section and its entry in
    the data block go to temporary files as they are made, and the page is put
    together from them at the end. `drawer` turns DOT text into SVG (default:
    Graphviz through `orgchart.presentation.draw`); a step it cannot draw shows
    its changes as text, and `warn` is told in one line.
    """

    draw_svg = drawer or _graphviz
    last: tuple[Mapping[str, Any], _Names] | None = None
    sources = labelled(page.sources)
    with _page_writer() as writer:
        for s in page.steps:  # one at a time: each holds whole charts
            names = _Names(s.before.values(), s.after.values(), page.people)
            writer.add(step_view(s, names, sources, draw_svg, warn))
            last = s.chart, names
        assert last is not None, "a page has at least one step"
        writer.finish(out, _page_title(*last, page.root), page.root, page.known_at,
                      person_views(writer.people, page))


def labelled(sources: Mapping[str, Row]) -> dict[str, Row]:
    """The sources, each with the `label` it is cited by on the page (see
    `names.citation_labels`: sources that would share one carry their title too)."""
    labels = citation_labels(sources)
    return {sid: {**s, "label": labels[sid]} for sid, s in sources.items()}


def _page_title(chart: Mapping[str, Any], names: _Names, root: str | None) -> str:
    """The page's title: the last step's chart title, and the `--root` unit's name."""
    from orgchart.presentation import graph

    title = graph.chart_title(chart, chart["units"])
    if root is None:
        return title
    root_name = names.unit(root, "after")
    return f"{title} — {root_name}" if chart.get("title") else root_name


def timeline_data(page: PageSource, drawer: Drawer | None = None) -> dict[str, Any]:
    """Everything the page shows, as plain data, all steps at once (for tests and small
    histories; the command writes the page with `write_timeline`)."""

    draw_svg = drawer or _graphviz
    steps: list[dict[str, Any]] = []
    last: tuple[Mapping[str, Any], _Names] | None = None
    sources = labelled(page.sources)
    for s in page.steps:
        names = _Names(s.before.values(), s.after.values(), page.people)
        steps.append(step_view(s, names, sources, draw_svg, None))
        last = s.chart, names
    assert last is not None, "a page has at least one step"
    named = dict.fromkeys(p for s in steps for p in s["people"])
    return {"title": _page_title(*last, page.root), "root": page.root, "known_at": page.known_at,
            "from": steps[0]["date"], "to": steps[-1]["date"],
            "publishers": _publishers(steps), "steps": steps,
            "people": person_views(named, page)}


def person_views(ids: Iterable[str], page: PageSource) -> list[dict[str, Any]]:
    """The page's section on each person its steps name (`ids`, in the order first named):
    every role they held, as `orgchart person` lists them, with what became of the unit."""
    from orgchart.presentation.people_text import fate_words

    out = []
    for pid in ids:
        found = page.roles_of(pid)
        if found is None:
            continue
        still = f"as of {page.horizon}" if page.horizon else "now"
        p = page.people.get(pid) or {}
        roles = [{"span": f"{r['from']} – {r['to'] or still}", "role": r["role"],
                  "title": r.get("title"), "unit": label(r["name"], r["name_en"]) or r["unit"],
                  "unit_id": r["unit"], "fate": fate_words(r)} for r in found["roles"]]
        out.append({"id": pid, "name": label(str(p.get("name") or pid), p.get("name_en")),
                    "roles": roles})
    return out


def step_view(s: StepSource, names: _Names, sources: Mapping[str, Row], draw_svg: Drawer,
              warn: Callable[[str], None] | None) -> dict[str, Any]:
    """One step as the page shows it: its chart drawn around what changed (and the whole
    chart too when it is small), its changes and its events in words."""
    from orgchart.presentation import graph
    from orgchart.presentation.focus import FULL_CHART_MAX_UNITS, focus

    label = " · ".join(dict.fromkeys(s.written))
    view: dict[str, Any] = {
        "date": s.date,
        "label": label,
        "aliases": sorted(set(s.written) - {s.date}),
        "since": s.since,
        "changes": change_list(s.delta["changes"], names, s.delta["lives"]),
        "events": [_event(r, names, sources) for r in s.events],
        "retracted": [_retracted(r, names, sources) for r in s.retracted],
    }
    # the people the step names, each linked to their section of the page
    view["people"] = list(dict.fromkeys(
        p for x in (*view["changes"], *view["events"], *view["retracted"])
        for p in x["people"]))
    part = focus(s.chart, s.delta)
    view["units_drawn"], view["units_total"] = part.shown, part.total
    view["svg"] = view["full_svg"] = view["failed"] = None
    try:
        view["svg"] = _drawn(draw_svg, graph.chart_dot(part.chart, s.delta),
                             f"The chart on {label}"
                             + ("" if part.whole else ": what changed, in context"))
        if not part.whole and part.total <= FULL_CHART_MAX_UNITS:
            view["full_svg"] = _drawn(draw_svg, graph.chart_dot(s.chart, s.delta),
                                      f"The whole chart on {label}")
    except (OrgchartError, ValueError, SyntaxError) as e:  # SyntaxError: unreadable SVG
        if isinstance(e, GraphvizMissing):
            raise
        view["svg"] = view["full_svg"] = None
        view["failed"] = str(e)
        if warn is not None:
            warn(f"warning: the chart on {label} could not be drawn ({e}); "
                 f"its changes are shown as text")
    return view


def _drawn(draw_svg: Drawer, dot: str, title: str) -> str:
    from orgchart.presentation.svgclean import inline_svg

    return inline_svg(draw_svg(dot), title)


def _publishers(steps: Iterable[Mapping[str, Any]]) -> list[str]:
    cited = [s for step in steps for e in step["events"] for s in e["sources"]]
    return list(dict.fromkeys(s["publisher"] or s["title"] for s in cited))


#: How the "What changed" list is ordered: ends and beginnings first, then the rest.
_ORDER = {"removed": 0, "added": 1, "renamed": 2, "moved": 3, "leader": 4}


def _story_order(c: Row) -> int:
    return _ORDER.get(c["change"], 5)


def _unit_key(c: Row, names: _Names) -> tuple[str, str]:
    """Changes of one kind by the name of their unit (ended units as they were named)."""
    uid = str(c.get("unit") or "")
    shown = names.unit(uid, "before" if c["change"] == "removed" else "after")
    return name_key({"id": uid, "name": shown, "name_en": None})


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
    for c in sorted(changes, key=lambda c: (_story_order(c), *_unit_key(c, names))):
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
            if c["change"] == "leader":
                out[-1]["people"] = [p for p in (c["before"], c["after"]) if p]
    for line in out:
        line.setdefault("people", [])
        line["parts"] = linked(line["text"], line["people"], names)
    return out


def linked(text: str, people: Sequence[str], names: _Names) -> list[dict[str, Any]]:
    """`text` in parts, each person of `people` that it names (as `names.person` writes
    them) a part of its own with `person` (their id), for the page to link."""
    parts: list[dict[str, Any]] = [{"text": text, "person": None}]
    for pid in dict.fromkeys(people):
        shown = names.person(pid)
        for i, part in enumerate(parts):
            at = part["text"].find(shown) if part["person"] is None and shown else -1
            if at >= 0:
                rest = part["text"]
                parts[i:i + 1] = [x for x in ({"text": rest[:at], "person": None},
                                              {"text": shown, "person": pid},
                                              {"text": rest[at + len(shown):], "person": None})
                                  if x["text"]]
                break
    return parts


def _event(r: Row, names: _Names, sources: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    text = event_text(r, names)
    people = [r["person"]] if r.get("person") else []
    return {"id": r["id"], "type": r["type"], "date": r["date"], "recorded": r["recorded"],
            "text": text, "parts": linked(text, people, names), "people": people,
            "note": r.get("note"), "sources": _cited(r.get("sources") or [], sources),
            "annotations": [{"id": a["id"], "text": _capital(annotation_line(a)),
                             "sources": _cited(a["sources"], sources)}
                            for a in r.get("annotations") or ()]}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cited(ids: Sequence[str], sources: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    cited = []
    for sid in ids:
        s = sources.get(sid) or {}
        cited.append({"id": sid, "title": s.get("title") or sid, "publisher": s.get("publisher"),
                      "date": s.get("date"), "url": s.get("url"), "label": s.get("label") or sid})
    return cited


def _retracted(r: Row, names: _Names, sources: Mapping[str, Mapping[str, Any]]
               ) -> dict[str, Any]:
    """A retracted event as the page shows it (struck through), with why and when."""
    retraction = r.get("retraction") or {}
    return {**_event(r, names, sources), "retracted_by": r.get("retracted_by"),
            "retracted_on": r.get("retracted_on") or retraction.get("recorded"),
            "reason": retraction.get("reason")}


# -- the page -------------------------------------------------------------------

#: Above this many steps the date pills are grouped by year.
YEAR_GROUPS_ABOVE = 30

_MAIN, _DATA = "\x00main\x00", "\x00data\x00"  # where the streamed parts go


@contextmanager
def _page_writer() -> Iterator[_PageWriter]:
    with (tempfile.TemporaryFile("w+", encoding="utf-8") as sections,
          tempfile.TemporaryFile("w+", encoding="utf-8") as data):
        yield _PageWriter(sections, data)


class _PageWriter:
    """The page put together from steps given one at a time (see `write_timeline`)."""

    def __init__(self, sections: IO[str], data: IO[str]) -> None:
        self.sections, self.data = sections, data  # temporary files
        self.pills: list[dict[str, Any]] = []
        self.publishers: dict[str, None] = {}
        self.people: dict[str, None] = {}  # the people the steps name, in that order

    def add(self, view: Mapping[str, Any]) -> None:
        i = len(self.pills)
        self.sections.write(_macros().step(_marked(view), i))
        self.data.write((", " if i else "") + json_for_script(_public_step(view)))
        self.pills.append({"date": view["date"], "label": view["label"], "index": i})
        self.publishers.update(dict.fromkeys(_publishers([view])))
        self.people.update(dict.fromkeys(view.get("people") or []))

    def finish(self, out: BinaryIO, title: str, root: str | None,
               known_at: str | None, persons: Sequence[Mapping[str, Any]] = ()) -> None:
        style, script = _asset("page.css"), _asset("page.js")
        steps, publishers = self.pills, list(self.publishers)
        span = (f"{steps[0]['label']} – {steps[-1]['label']}" if len(steps) > 1
                else steps[0]["label"])
        page = _template().render(
            csp=content_security_policy(script, style),
            style=Markup(style),  # the package's own files, hashed into the CSP
            script=Markup(script),
            title=title,
            by=f" · sources: {', '.join(publishers)}" if publishers else "",
            span=span,
            known=f", as known on {known_at}" if known_at else "",
            publishers=publishers,
            steps=steps,
            years=_years(steps) if len(steps) > YEAR_GROUPS_ABOVE else None,
            main=Markup(_MAIN),
            data=Markup(_DATA),
            persons=persons,
        )
        head, rest = page.split(_MAIN)
        middle, tail = rest.split(_DATA)
        out.write(head.encode())
        _copy(self.sections, out)
        out.write(middle.encode())
        meta = {"from": steps[0]["date"], "known_at": known_at, "publishers": publishers,
                "root": root, "steps": None, "title": title, "to": steps[-1]["date"]}
        before, after = json_for_script(meta).split('"steps": null')
        out.write(f'{before}"steps": ['.encode())
        _copy(self.data, out)
        out.write(f"]{after}".encode())
        out.write(tail.encode())


def _copy(source: IO[str], out: BinaryIO) -> None:
    source.seek(0)
    while chunk := source.read(1 << 16):
        out.write(chunk.encode())


def _years(steps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The date pills by year: [{"year": "2025", "steps": [...]}, ...]."""
    out: list[dict[str, Any]] = []
    for s in steps:
        year = s["date"][:4]
        if not out or out[-1]["year"] != year:
            out.append({"year": year, "steps": []})
        out[-1]["steps"].append(s)
    return out


def _marked(view: Mapping[str, Any]) -> dict[str, Any]:
    """A step's view for the template: its charts as markup (each was rebuilt from an
    allow-list by `svgclean.inline_svg`)."""
    return {**view, **{k: Markup(view[k]) for k in ("svg", "full_svg") if view.get(k)}}


def _public_step(view: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k not in ("svg", "full_svg")}


def _asset(name: str) -> str:
    return resources.files("orgchart.presentation").joinpath(name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """A CSP source expression allowing exactly this inline script or style text."""
    digest = hashlib.sha256(text.encode()).digest()
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
    import io

    out = io.BytesIO()
    with _page_writer() as writer:
        for view in data["steps"]:
            writer.add(view)
        writer.finish(out, data["title"], data.get("root"), data.get("known_at"),
                      data.get("people") or ())
    return out.getvalue().decode("utf-8")


@cache
def _environment() -> jinja2.Environment:
    """The page's templates, with every value HTML-escaped unless it is `Markup`.

    The escaping is `esc` (the standard library's `html.escape`), applied by the
    environment's `finalize` to every value, so that the page keeps the entities it
    always had (`&quot;`, `&#x27;`); Jinja2's autoescaping then leaves it as it is.
    """
    loader = jinja2.DictLoader({n: _asset(n) for n in ("page.html", "page_step.html")})
    env = jinja2.Environment(loader=loader, autoescape=True, keep_trailing_newline=True,
                             finalize=_escaped)
    env.filters["safe_url"] = safe_url
    return env


def _template() -> jinja2.Template:
    """`page.html`: the page around its steps."""
    return _environment().get_template("page.html")


@cache
def _macros() -> Any:
    """`page_step.html`'s macros: `step(view, index)` is one step's section."""
    return _environment().get_template("page_step.html").module


def _escaped(value: Any) -> Any:
    """A template value as HTML: markup as it is, anything else through `esc`."""
    return value if hasattr(value, "__html__") else Markup(esc(value))
