"""What every route needs: a service per request, query parameters, errors as answers.

Each thread that serves requests keeps its own `OrgChartService` on a SQLite
store (its read connection to the query tables is kept from one request to the
next: a new connection reads the schema again), so requests served in parallel
threads share no connection; the event store, opened only when the tables must
catch up, is closed after each request. On PostgreSQL each request gets its
own. User errors (`OrgchartError`) become a 4xx answer with one sentence:
`{"error": "..."}` on one line for the API, a page for the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from starlette.requests import Request

from orgchart.application.browse import UnknownPerson
from orgchart.application.service import OrgChartService
from orgchart.domain.dates import EffDate, parse_day
from orgchart.domain.errors import EmptyStore, OrgchartError, UnknownEvent, UnknownUnit


class BadRequest(OrgchartError):
    """A request with a missing or malformed parameter."""


def thread_services() -> threading.local:
    """Where each thread keeps its service (`app.state.services`, see `service`)."""
    return threading.local()


@contextmanager
def service(request: Request) -> Iterator[OrgChartService]:
    """The service for this request: this thread's (SQLite), else a new one."""
    local = request.app.state.services
    svc: OrgChartService | None = getattr(local, "svc", None)
    if svc is None:
        svc = OrgChartService(request.app.state.db)
        if svc.storage.postgres:
            try:
                yield svc
            finally:
                svc.close()
            return
        local.svc = svc
    try:
        yield svc
    finally:
        svc.storage.close_store()


def status_of(error: OrgchartError) -> int:
    """404 for what is not there (a unit, a person, an event, any data), else 400."""
    if isinstance(error, UnknownUnit | UnknownPerson | UnknownEvent | EmptyStore):
        return 404
    return 400


def one_line(error: BaseException | str) -> str:
    """The message on one line (a message may quote a name that holds line breaks)."""
    return " ".join(str(error).split())


def text_param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value else None


def required(request: Request, name: str) -> str:
    value = text_param(request, name)
    if value is None:
        raise BadRequest(f"missing parameter '{name}'")
    return value


def date_param(request: Request, name: str, default: EffDate | None = None) -> EffDate:
    """The date in `?name=` (YYYY, YYYY-MM, YYYY-MM-DD or `today`); `default` when absent."""
    value = optional_date(request, name)
    if value is not None:
        return value
    if default is None:
        raise BadRequest(f"missing parameter '{name}' (a date: YYYY-MM-DD, YYYY-MM or YYYY)")
    return default


def optional_date(request: Request, name: str) -> EffDate | None:
    text = text_param(request, name)
    if text is None:
        return None
    try:
        return parse_day(text)
    except ValueError as e:
        raise BadRequest(f"parameter '{name}': {one_line(e)}") from None


def depth_param(request: Request) -> int | None:
    text = text_param(request, "depth")
    if text is None:
        return None
    if not text.isdigit():
        raise BadRequest(f"parameter 'depth': '{text}' is not a whole number of levels")
    return int(text)


def today() -> EffDate:
    return EffDate(date.today())
