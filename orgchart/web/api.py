"""The JSON API: the CLI's JSON for `at`, `diff`, `history` and `lineage` (the same text
`orgchart … --format json` prints), and small answers for browsing piece by piece.

    /api/at?date=D[&known_at=K][&root=U][&depth=N]   orgchart at D --format json
    /api/diff?from=D1&to=D2[&known_at=K][&root=U]     orgchart diff D1 D2 --format json
    /api/history/UNIT[?known_at=K]                   orgchart history UNIT --format json
    /api/lineage/UNIT[?known_at=K]                   orgchart lineage UNIT --format json
    /api/children?date=D[&unit=U][&known_at=K]       the units right under U (or the top)
    /api/parents?unit=U&date=D[&known_at=K]          the ids above U, top first
    /api/search?q=TEXT[&date=D]                      units and people matching TEXT
    /api/person/PERSON                               every role a person held
    /api/span                                        the first and last dates, the title
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orgchart.application import browse
from orgchart.presentation import formats
from orgchart.web.requests import (
    date_param,
    depth_param,
    optional_date,
    required,
    service,
    text_param,
    today,
)


def json_text(text: str | bytes, status: int = 200) -> Response:
    return Response(text, status_code=status, media_type="application/json")


def json_data(data: Any) -> Response:
    """`data` as the CLI prints JSON (`formats.to_json`, then a newline)."""
    return json_text(formats.to_json(data) + "\n")


def at(request: Request) -> Response:
    day = date_param(request, "date")
    with service(request) as svc:
        chart = svc.at(day, optional_date(request, "known_at"), text_param(request, "root"),
                       depth_param(request))
    return json_text(formats.chart_json_bytes(chart))


def diff(request: Request) -> Response:
    d1, d2 = date_param(request, "from"), date_param(request, "to")
    with service(request) as svc:
        return json_data(svc.diff(d1, d2, optional_date(request, "known_at"),
                                  text_param(request, "root")))


def history(request: Request) -> Response:
    with service(request) as svc:
        return json_data(svc.history(request.path_params["unit"],
                                     optional_date(request, "known_at")))


def lineage(request: Request) -> Response:
    with service(request) as svc:
        return json_data(svc.lineage(request.path_params["unit"],
                                     optional_date(request, "known_at")))


def children(request: Request) -> Response:
    day = date_param(request, "date")
    with service(request) as svc:
        return json_data(browse.children(svc, day, text_param(request, "unit"),
                                         optional_date(request, "known_at")))


def parents(request: Request) -> Response:
    unit, day = required(request, "unit"), date_param(request, "date")
    with service(request) as svc:
        return json_data(browse.parents(svc, day, unit, optional_date(request, "known_at")))


def search(request: Request) -> Response:
    text = request.query_params.get("q", "")
    day = date_param(request, "date", today())
    with service(request) as svc:
        return json_data(browse.search(svc, text, day))


def person(request: Request) -> Response:
    with service(request) as svc:
        return json_data(browse.person(svc, request.path_params["person"]))


def span(request: Request) -> Response:
    with service(request) as svc:
        return json_data(browse.span(svc))


ROUTES = [
    Route("/api/at", at),
    Route("/api/diff", diff),
    Route("/api/history/{unit}", history),
    Route("/api/lineage/{unit}", lineage),
    Route("/api/children", children),
    Route("/api/parents", parents),
    Route("/api/search", search),
    Route("/api/person/{person}", person),
    Route("/api/span", span),
]
