"""The explorer's ASGI application: `create_app(db)`.

Routes: the pages (`orgchart.web.pages`), the JSON API (`orgchart.web.api`)
and the package's static files (`/static/`: the explorer's script and the
style sheet; nothing is fetched from anywhere else). Every response carries
the security headers of `orgchart.web.security`; requests whose Host header
names another server are refused (a page elsewhere cannot read the store by
DNS rebinding).
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from orgchart.domain.errors import OrgchartError
from orgchart.web import api, pages
from orgchart.web.requests import one_line, status_of, thread_services
from orgchart.web.security import SecurityHeaders

#: The Host names a server on the loopback interface answers to.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def allowed_hosts(host: str) -> list[str]:
    """Host headers to accept for a server bound to `host` (any, when bound to all)."""
    if host in ("0.0.0.0", "::", ""):
        return ["*"]
    return list(dict.fromkeys([*LOOPBACK_HOSTS, host]))


def create_app(db: str | None, hosts: Sequence[str] = ("*",)) -> Starlette:
    """The explorer of the store `db` (a SQLite path or a PostgreSQL URL; None: the
    default, as for the CLI), answering requests whose Host is one of `hosts`."""
    app = Starlette(
        routes=[*pages.ROUTES, *api.ROUTES,
                Mount("/static", StaticFiles(packages=[("orgchart.web", "static")]),
                      name="static")],
        middleware=[Middleware(SecurityHeaders),
                    Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))],
        exception_handlers={OrgchartError: _user_error, HTTPException: _http_error,
                            Exception: _server_error})
    app.state.db = db
    app.state.services = thread_services()
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _answer(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return api.json_text(orjson.dumps({"error": message}).decode() + "\n", status)
    return pages.error_page(status, message)


async def _user_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OrgchartError)
    return _answer(request, status_of(exc), one_line(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "not found" if exc.status_code == 404 else one_line(exc.detail)
    return _answer(request, exc.status_code, message)


async def _server_error(request: Request, exc: Exception) -> Response:
    return _answer(request, 500, "internal error: see the server's log")
