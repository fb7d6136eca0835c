"""Running the explorer with uvicorn: on a socket bound here (so a port in use is one
clear error, and port 0 picks a free one), in the foreground or in a thread.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from orgchart.domain.errors import OrgchartError


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host`:`port` (IPv4 or IPv6), or an OrgchartError."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise OrgchartError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise OrgchartError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def server(app: ASGIApp) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                         lifespan="off"))


def run(app: ASGIApp, sock: socket.socket) -> None:
    """Serve `app` on `sock` until interrupted (Ctrl+C)."""
    try:
        server(app).run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def running(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` in a thread while the block runs; yields its URL (`http://host:port/`).
    The server stops, and its thread ends, when the block exits."""
    sock = bind(host, port)
    srv = server(app)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]},
                              name="orgchart-serve", daemon=True)
    thread.start()
    try:
        while not srv.started:
            if not thread.is_alive():
                raise OrgchartError("the explorer's server did not start")
            thread.join(0.01)
        yield url_of(sock)
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()
