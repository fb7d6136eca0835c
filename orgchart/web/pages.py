"""The HTML pages: the chart explorer, a unit, a person, a diff, search results.

Each page is a Jinja2 template rendered with autoescape on, from the plain data
of the application service (`orgchart.web.words` puts it into words). Only the
explorer needs script (`/static/explorer.js`); the other pages are plain HTML.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from orgchart.application import browse
from orgchart.domain.dates import EffDate
from orgchart.presentation.names import label
from orgchart.web import words
from orgchart.web.requests import date_param, optional_date, service, text_param, today

#: Changes shown per kind on the diff page (the API has them all).
DIFF_LIMIT = 500

ENV = jinja2.Environment(loader=jinja2.PackageLoader("orgchart.web", "templates"),
                         autoescape=True, undefined=jinja2.StrictUndefined,
                         trim_blocks=True, lstrip_blocks=True)
ENV.globals.update(label=label, unit_href=words.unit_href, person_href=words.person_href,
                   chart_href=words.chart_href, diff_href=words.diff_href)


def render(name: str, code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(ENV.get_template(name).render(**context), status_code=code)


def explorer(request: Request) -> Response:
    day = date_param(request, "date", today())
    with service(request) as svc:
        span = browse.span(svc)
    last = max(span["last"] or today().iso, today().iso)
    return render("explorer.html", title=span["title"], date=str(day), day=day.iso,
                  first=span["first"] or day.iso, last=last,
                  reveal=text_param(request, "unit") or "")


def unit(request: Request) -> Response:
    uid = request.path_params["unit"]
    asked = optional_date(request, "date")
    with service(request) as svc:
        data = svc.explain_history(uid)
        family = svc.explain_lineage(uid)
        title = browse.span(svc)["title"]
    h = data["history"]
    entries = words.history_entries(data)
    lineage = words.lineage_view(family)
    cited = [s for e in entries for s in e["sources"]] + [
        s for side in ("came_from", "went_on") for e in lineage[side] for s in e["sources"]]
    sources = list({s["id"]: s for s in cited}.values())
    return render("unit.html", title=title, h=h, entries=entries, lineage=lineage,
                  sources=sources, chart_day=_chart_day(h, asked))


def _chart_day(h: dict[str, Any], asked: EffDate | None) -> str:
    """A day to show the unit in the chart: the one asked for, else today while it exists,
    else its last day."""
    began, ended = words.first_day(h["began"]), h["ended"]
    if asked is not None:
        return asked.iso
    if ended is None:
        return max(today().iso, began)
    last = date.fromisoformat(words.first_day(ended)) - timedelta(days=1)
    return max(last.isoformat(), began)


def person(request: Request) -> Response:
    with service(request) as svc:
        found = browse.person(svc, request.path_params["person"])
        title = browse.span(svc)["title"]
    return render("person.html", title=title, p=found)


def diff(request: Request) -> Response:
    end = date_param(request, "to", today())
    start = date_param(request, "from", EffDate(_year_before(end.day)))
    with service(request) as svc:
        data = svc.explain_diff(start, end)
    return render("diff.html", title=data["context"].get("title"), start=str(start),
                  end=str(end), start_day=start.iso, end_day=end.iso,
                  groups=words.diff_groups(data, DIFF_LIMIT),
                  total=len(data["diff"]["changes"]))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def search(request: Request) -> Response:
    text = request.query_params.get("q", "")
    day = date_param(request, "date", today())
    with service(request) as svc:
        found = browse.search(svc, text, day)
        title = browse.span(svc)["title"]
    return render("search.html", title=title, q=text, date=day.iso, found=found)


def error_page(status: int, message: str) -> HTMLResponse:
    return render("error.html", status, status=status, title=None, message=message)


ROUTES = [
    Route("/", explorer),
    Route("/unit/{unit}", unit),
    Route("/person/{person}", person),
    Route("/diff", diff),
    Route("/search", search),
]
