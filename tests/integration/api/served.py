"""The whole control plane served on loopback for API and CLI tests, and emulator sites for it.

`serve_stack` builds the real services (`build_services`, SQLite in a temp dir) and serves
`create_api` with uvicorn in a background thread; `new_site` adds an emulator site of its own
to a test, so faults and registrations never leak between tests.
"""

from __future__ import annotations

import pathlib
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from stackfleet.api.app import create_api
from stackfleet.bootstrap import Services, build_services
from stackfleet.client import StackfleetClient
from stackfleet.server import bind
from stackfleet.settings import Settings
from tests.conftest import RunningEmulator


@dataclass
class Stack:
    """A served API over real services, and a typed client of it."""

    url: str
    services: Services
    client: StackfleetClient


@contextmanager
def serve_stack(data_dir: pathlib.Path) -> Iterator[Stack]:
    """Build the services in `data_dir` and serve the API until the block ends."""
    settings = Settings(
        data_dir=data_dir,
        request_timeout=2.0,
        probe_interval=10.0,
        incremental_interval=60.0,
        refresh_interval=300.0,
        concurrency=8,
    )
    services = build_services(settings)
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(create_api(services), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the API failed to start")
        threading.Event().wait(0.01)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        with StackfleetClient(url) as client:
            yield Stack(url, services, client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()
        sock.close()


def new_site(running: RunningEmulator, prefix: str = "t") -> str:
    """A fresh emulator site's name (its admin cloud has the same name in the clouds.yaml)."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    # A password of its own, so a test can look for it in every answer.
    running.add_site(name, boot_seconds=0.1, admin_password=f"pw-{uuid.uuid4().hex}")
    return name


def cloud_body(running: RunningEmulator, name: str, **auth: str) -> dict[str, Any]:
    """The `cloud` part of `POST /v1/sites` for an emulator site (admin), `auth` overriding."""
    entry = running.cloud_entry(name)
    return {"auth": entry["auth"] | auth, "region_name": entry["region_name"]}
