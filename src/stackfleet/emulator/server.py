"""Serving the emulator over HTTP with uvicorn, in the foreground or in a background thread.

A site with the `down` fault must look switched off, not merely erroring: its clients' connections
are dropped before any response, which openstacksdk reports as ConnectFailure exactly as for a
refused connection. That happens below ASGI, in a thin subclass of uvicorn's HTTP protocol that
peeks at each request line.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from stackfleet.emulator.app import create_app
from stackfleet.emulator.site import Emulator

_METHODS = (b"GET ", b"POST ", b"PUT ", b"PATCH ", b"DELETE ", b"HEAD ", b"OPTIONS ")


def requested_site(data: bytes) -> str | None:
    """The site named by an HTTP request line at the start of `data`, if there is one."""
    if not data.startswith(_METHODS):
        return None
    start = data.find(b" /") + 2
    ends = (data.find(separator, start) for separator in (b"/", b" ", b"?"))
    end = min((i for i in ends if i >= 0), default=-1)
    if start < 2 or end <= start:
        return None
    return data[start:end].decode("latin-1")


def _protocol_for(emulator: Emulator) -> type[HttpToolsProtocol]:
    class SiteAwareProtocol(HttpToolsProtocol):
        def data_received(self, data: bytes) -> None:
            name = requested_site(data)
            site = emulator.sites.get(name) if name else None
            if site is not None and site.faults.down:
                self.transport.abort()
                return
            super().data_received(data)

    return SiteAwareProtocol


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket, bound before the emulator starts so sites know their URLs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _server(emulator: Emulator, admin: ASGIApp | None) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(emulator, admin),
        http=_protocol_for(emulator),
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_keep_alive=75,
        backlog=2048,
    )
    return uvicorn.Server(config)


def serve(emulator: Emulator, sock: socket.socket, admin: ASGIApp | None = None) -> None:
    """Serve in the foreground until interrupted."""
    _server(emulator, admin).run(sockets=[sock])


@contextmanager
def serve_in_thread(
    emulator: Emulator, sock: socket.socket, admin: ASGIApp | None = None
) -> Iterator[None]:
    """Serve from a background thread for the duration of the `with` block."""
    server = _server(emulator, admin)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the emulator failed to start; see the log above")
        threading.Event().wait(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
