"""`stackfleet serve`: the API, the probe loop and the refresh loop in one process.

The embedded default: a SQLite file and the credential key in the data dir, the loops as threads.
Called by the `serve` and `demo` commands (cli/serve.py, cli/demo.py).
"""

from __future__ import annotations

import socket

import uvicorn

from stackfleet.api.app import create_api
from stackfleet.bootstrap import Services, build_services
from stackfleet.settings import Settings
from stackfleet.workers import Workers


def serve(settings: Settings, sock: socket.socket) -> None:
    """Serve on `sock` until interrupted (SIGINT/SIGTERM), then stop the loops and close."""
    services = build_services(settings)
    try:
        serve_services(services, sock)
    finally:
        services.close()


def serve_services(services: Services, sock: socket.socket) -> None:
    """Run the loops and the API over already-built services until interrupted."""
    workers = Workers(services)
    app = create_api(services, workers)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    workers.start()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        workers.stop()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock
