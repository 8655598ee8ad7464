"""The whole control plane over emulated sites: registration, probes, refresh, faults, recovery.

Real parts: the emulator on loopback, openstacksdk, SQLite, the background loops (workers.py)
with short intervals. Each test adds its own emulator sites so faults stay local.
"""

from __future__ import annotations

import pathlib
import threading
import uuid
from collections.abc import Callable, Iterator

import openstack.config
import pytest
from openstack.connection import Connection

from stackfleet.bootstrap import Services, build_services
from stackfleet.emulator.seed import seed_sites
from stackfleet.emulator.site import Faults
from stackfleet.inventory.models import InventoryQuery, ResourceType
from stackfleet.kernel.clock import SystemClock
from stackfleet.settings import Settings
from stackfleet.sites.models import CloudConfig, Site, SiteStatus
from stackfleet.workers import Workers
from tests.conftest import RunningEmulator

PROBE = 0.5


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `condition`; return the seconds it took, or fail naming `what`."""
    clock = SystemClock()
    start = clock.monotonic()
    while not condition():
        if clock.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        threading.Event().wait(0.05)
    return clock.monotonic() - start


def cloud_of(running: RunningEmulator, name: str) -> CloudConfig:
    entry = running.cloud_entry(name)
    return CloudConfig(auth=entry["auth"], region_name=entry["region_name"])


@pytest.fixture
def services(tmp_path: pathlib.Path) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path,
        probe_interval=PROBE,
        incremental_interval=0.5,
        refresh_interval=5,
        request_timeout=1.0,
    )
    built = build_services(settings)
    yield built
    built.close()


@pytest.fixture
def fleet(running_emulator: RunningEmulator, services: Services) -> list[Site]:
    """Five seeded emulator sites, registered."""
    names = [f"cp-{uuid.uuid4().hex[:6]}-{n}" for n in range(5)]
    for name in names:
        running_emulator.add_site(name, boot_seconds=0.1)
    seed_sites(running_emulator.emulator, names)
    return [services.sites.add(name, cloud_of(running_emulator, name)) for name in names]


def _status(services: Services, site: Site) -> SiteStatus:
    return services.sites.get(site.id).health.status


def test_faulty_sites_show_the_right_state_and_the_others_stay_fresh(
    running_emulator: RunningEmulator, services: Services, fleet: list[Site]
) -> None:
    healthy, down, slow, failing, expired = fleet
    sites = running_emulator.emulator.sites
    workers = Workers(services)
    workers.start()
    try:
        wait_until(
            lambda: all(_status(services, s) is SiteStatus.ONLINE for s in fleet), 10, "online"
        )
        sites[down.name].set_faults(Faults(down=True))
        sites[slow.name].set_faults(Faults(latency_ms=3000))
        sites[failing.name].set_faults(Faults(unavailable=frozenset({"compute"})))
        sites[expired.name].identity.revoked_before = sites[expired.name].clock.now()
        detected = wait_until(
            lambda: _status(services, down) is SiteStatus.OFFLINE, 10, "the down site offline"
        )
        # Offline after two failed probes: within two intervals (plus one probe in flight).
        assert detected <= 3 * PROBE + 1.0
        assert _cause(services, down) == "unreachable"
        before = services.inventory.last_refreshed()[healthy.id]
        wait_until(
            lambda: services.inventory.last_refreshed()[healthy.id] > before,
            5,
            "a healthy refresh",
        )
        wait_until(lambda: _status(services, slow) is SiteStatus.OFFLINE, 10, "the slow site")
        assert _cause(services, slow) == "timeout"
        wait_until(lambda: _status(services, failing) is SiteStatus.DEGRADED, 10, "degraded")
        assert _cause(services, failing) == "server-error"
        # keystoneauth signs in again when the site refuses the old token: still online.
        after_expiry = services.sites.probe(services.sites.get(expired.id))
        assert after_expiry.health.status is SiteStatus.ONLINE
        for name in (down.name, slow.name, failing.name):
            sites[name].set_faults(Faults())
        recovered = (down, slow, failing)
        wait_until(
            lambda: all(_status(services, s) is SiteStatus.ONLINE for s in recovered),
            10,
            "recovery",
        )
    finally:
        workers.stop()
    kinds = [(e.site_name, e.to_status) for e in services.sites.events(down.name)]
    assert (down.name, SiteStatus.OFFLINE) in kinds


def _cause(services: Services, site: Site) -> str | None:
    cause = services.sites.get(site.id).health.cause
    return str(cause.kind) if cause else None


def test_inventory_rows_of_an_offline_site_stay_until_it_answers(
    running_emulator: RunningEmulator, services: Services, fleet: list[Site]
) -> None:
    site = fleet[0]
    services.inventory.refresh(fleet)
    query = InventoryQuery(types=(ResourceType.SERVER,), site_ids=(site.id,), limit=1000)
    servers = services.inventory.search(query).items
    assert len(servers) == 21
    running_emulator.emulator.sites[site.name].set_faults(Faults(down=True))
    failed = services.inventory.refresh_site(site)
    assert failed.error is not None
    assert site.name in failed.error
    assert len(services.inventory.search(query).items) == 21
    running_emulator.emulator.sites[site.name].set_faults(Faults())
    gone = servers[0].resource_id
    config = openstack.config.OpenStackConfig(config_files=[str(running_emulator.clouds_yaml)])
    conn = Connection(config=config.get_one(cloud=site.name))
    conn.compute.delete_server(gone)
    conn.compute.wait_for_delete(conn.compute.get_server(gone), interval=0.05, wait=10)
    conn.close()
    assert services.inventory.refresh_site(site).error is None
    left = {item.resource_id for item in services.inventory.search(query).items}
    assert gone not in left
    assert len(left) == 20
