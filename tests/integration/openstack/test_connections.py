"""One Connection per site, reused by every call; the global request id reaches the site.

The request-id check serves an emulator of its own behind an ASGI wrapper that records the
`X-OpenStack-Request-ID` of every request as the server received it over HTTP.
"""

from __future__ import annotations

import pathlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from stackfleet.adapters.openstack import OpenStackGateway
from stackfleet.emulator.app import create_app
from stackfleet.emulator.clouds import clouds_config
from stackfleet.emulator.server import bind
from stackfleet.emulator.site import Emulator, SiteConfig
from stackfleet.inventory.models import ResourceType
from stackfleet.kernel.clock import SystemClock
from stackfleet.kernel.ids import SiteId
from stackfleet.kernel.tracing import request_id
from stackfleet.sites.models import CloudConfig, Labels, Site
from tests.integration.openstack.conftest import EPOCH, EmulatedSite


def test_every_call_on_a_site_reuses_one_connection(
    fresh: EmulatedSite, seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site, other = fresh.site(), seeded.site()
    for _ in range(3):
        gateway.discover(site)
        gateway.probe(site)
        gateway.collect(site, ResourceType.SERVER, None)
        gateway.probe(other)
    assert gateway.connections.opened == 2
    assert len(gateway.connections) == 2


def test_concurrent_first_calls_open_one_connection(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site = fresh.site()
    threads = [threading.Thread(target=gateway.probe, args=(site,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert gateway.connections.opened == 1


def test_forgetting_or_changing_credentials_opens_a_new_connection(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site = fresh.site()
    gateway.probe(site)
    first = gateway.connections.session(site).conn
    gateway.forget(site.id)
    assert len(gateway.connections) == 0
    gateway.probe(site)
    assert gateway.connections.session(site).conn is not first
    refused = replace(site, cloud=replace(site.cloud, auth={**site.cloud.auth, "password": "x"}))
    assert gateway.probe(refused).auth_cause is not None
    assert gateway.connections.opened == 3


@dataclass
class Recording:
    """A served emulator and the request id each request arrived with, by path."""

    emulator: Emulator
    seen: list[tuple[str, str | None]] = field(default_factory=list)

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def recording(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                headers = dict(scope["headers"])
                value = headers.get(b"x-openstack-request-id")
                self.seen.append((scope["path"], value.decode() if value else None))
            await app(scope, receive, send)

        return recording


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    sock = bind()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    root: pathlib.Path = tmp_path_factory.mktemp("recorded")
    emulator = Emulator(url, root, admin_token="unused")
    emulator.add_site(SiteConfig("rid", boot_seconds=0.05))
    record = Recording(emulator)
    config = uvicorn.Config(record.wrap(create_app(emulator)), lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        threading.Event().wait(0.01)
    yield record
    server.should_exit = True
    thread.join(timeout=10)


def test_the_global_request_id_reaches_the_site(recording: Recording) -> None:
    entry = clouds_config(list(recording.emulator.sites.values()))["clouds"]["rid"]
    cloud = CloudConfig(auth=entry["auth"], region_name=entry["region_name"])
    site = Site(SiteId("rid"), "rid", cloud, Labels(), EPOCH)
    gateway = OpenStackGateway(SystemClock(), timeout=5.0)
    try:
        gateway.discover(site)
        recording.seen.clear()
        with request_id("req-11111111-2222-3333-4444-555555555555") as chosen:
            gateway.probe(site)
            gateway.collect(site, ResourceType.VOLUME, None)
            gateway.collect(site, ResourceType.SERVER, None)
    finally:
        gateway.close()
    paths = {path for path, _ in recording.seen}
    assert any("/compute/" in p for p in paths)
    assert any("/volume/" in p for p in paths)
    assert {value for _, value in recording.seen} == {chosen}
