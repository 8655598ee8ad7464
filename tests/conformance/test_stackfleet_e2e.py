"""Stackfleet itself against the cloud under test: register it, probe it, inventory it.

Runs on the emulator in `make test`, and on each real Zed site in `make test-real`
(STACKFLEET_CLOUDS_YAML / STACKFLEET_CLOUD), so the control plane's discovery, probes and
listings (raw JSON, paging, `changes-since`) are held to real Keystone, Nova, Neutron, Glance and
Cinder. Stackfleet's own parts are real too: SQLite, the OpenStack adapter, the services.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from openstack.connection import Connection

from stackfleet.bootstrap import Services, build_services
from stackfleet.inventory.models import InventoryQuery, ResourceType
from stackfleet.settings import Settings
from stackfleet.sites.models import SERVICE_TYPES, CloudConfig, Site, SiteStatus
from tests.conformance.compute_boot import Boot, create_server, delete_server
from tests.conformance.sdk_helpers import cinder, delete_volume, wait_ready


@pytest.fixture
def services(tmp_path: pathlib.Path) -> Iterator[Services]:
    built = build_services(Settings(data_dir=tmp_path))
    yield built
    built.close()


@pytest.fixture
def site(services: Services, clouds_yaml: pathlib.Path, cloud_name: str) -> Site:
    """The cloud under test, registered with its admin credentials."""
    entry = yaml.safe_load(clouds_yaml.read_text())["clouds"][cloud_name]
    cloud = CloudConfig(
        auth=entry["auth"],
        region_name=entry.get("region_name"),
        interface=entry.get("interface", "public"),
    )
    return services.sites.add("under-test", cloud)


def _found(services: Services, site: Site, text: str) -> dict[ResourceType, Any]:
    query = InventoryQuery(site_ids=(site.id,), text=text, limit=100)
    return {item.type: item for item in services.inventory.search(query).items}


def test_registration_discovers_the_site_and_a_probe_finds_it_online(
    services: Services, site: Site
) -> None:
    assert site.discovery is not None
    offered = {endpoint.service_type: endpoint for endpoint in site.discovery.services}
    assert set(SERVICE_TYPES) <= set(offered)
    compute_max = offered["compute"].max_version or "0.0"
    assert tuple(int(part) for part in compute_max.split(".")) >= (2, 79)
    assert site.discovery.capacity is not None
    assert site.discovery.capacity.hypervisors >= 1
    probed = services.sites.probe(site)
    assert probed.health.status is SiteStatus.ONLINE
    assert {p.service_type for p in probed.health.services if p.ok} == set(SERVICE_TYPES)


def test_inventory_follows_networks_and_volumes(
    services: Services, site: Site, admin: Connection, name: str
) -> None:
    network = admin.network.create_network(name=name)
    subnet = admin.network.create_subnet(
        network_id=network.id, ip_version=4, cidr="10.199.7.0/24", name=name
    )
    volume = wait_ready(admin, cinder(admin).create_volume(size=1, name=name))
    try:
        assert services.inventory.refresh_site(site).error is None
        found = _found(services, site, name)
        assert found[ResourceType.NETWORK].resource_id == network.id
        assert found[ResourceType.SUBNET].attributes["cidr"] == "10.199.7.0/24"
        assert found[ResourceType.VOLUME].resource_id == volume.id
        assert found[ResourceType.VOLUME].status == "available"
        live = services.inventory.get(site, ResourceType.NETWORK, network.id, live=True)
        assert live.name == name
    finally:
        delete_volume(admin, volume)
        admin.network.delete_subnet(subnet)
        admin.network.delete_network(network)
    assert services.inventory.refresh_site(site).error is None
    assert _found(services, site, name) == {}


def test_incremental_refresh_sees_a_deleted_server(
    services: Services, site: Site, member: Connection, boot: Boot
) -> None:
    server = create_server(member, boot)
    assert services.inventory.refresh_site(site).error is None
    shown = _found(services, site, server.id)[ResourceType.SERVER]
    assert shown.status == "ACTIVE"
    assert shown.name == boot.name
    assert shown.addresses
    assert shown.addresses[0].startswith("10.77.0.")
    delete_server(member, server)
    incremental = services.inventory.refresh_site(site, full=False)
    assert incremental.error is None
    assert incremental.requests < 5
    assert ResourceType.SERVER not in _found(services, site, server.id)
