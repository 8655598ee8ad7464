"""`stackfleet serve`: the API in this process, the probe and refresh loops in a child process.

The embedded default: a SQLite file (WAL: one writer at a time, readers never blocked) and the
credential key in the data dir. The loops get a process of their own because polling a thousand
sites keeps a Python process busy, and under one interpreter lock the API's searches would wait
for it (measured: search p95 1.3 s with the loops in-process, docs/performance.md). The child
builds its own services from the same settings and stops when the API stops or its parent dies.
Called by the `serve` and `demo` commands (cli/serve.py, cli/demo.py).
"""

from __future__ import annotations

import multiprocessing
import os
import socket
from multiprocessing.synchronize import Event

import uvicorn

from stackfleet.api.app import create_api
from stackfleet.bootstrap import build_services
from stackfleet.settings import Settings
from stackfleet.workers import Workers

PARENT_CHECK = 1.0
"""Seconds between the loops' checks that the API process is still there."""


def serve(settings: Settings, sock: socket.socket) -> None:
    """Serve on `sock` until interrupted (SIGINT/SIGTERM); the loops run in a child process."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    loops = context.Process(
        target=run_loops, args=(settings, stop, os.getpid()), name="stackfleet-loops"
    )
    loops.start()
    services = build_services(settings)
    try:
        config = uvicorn.Config(create_api(services), log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        stop.set()
        loops.join(timeout=60)
        if loops.is_alive():
            loops.terminate()
        services.close()


def run_loops(settings: Settings, stop: Event, parent: int) -> None:
    """The child process: probe and refresh every site until `stop` is set or `parent` exits."""
    services = build_services(settings)
    workers = Workers(services)
    workers.start()
    try:
        while os.getppid() == parent and not stop.wait(PARENT_CHECK):
            pass
    finally:
        workers.stop()
        services.close()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock
