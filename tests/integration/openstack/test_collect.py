"""`OpenStackGateway.collect` and `get_live` on demo-seeded sites, checked against openstacksdk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from openstack.connection import Connection

from stackfleet.adapters.openstack import OpenStackGateway
from stackfleet.inventory.models import Collected, ResourceType
from stackfleet.kernel.clock import SystemClock
from stackfleet.kernel.errors import NotFound
from tests.integration.openstack.conftest import EmulatedSite

SDK_LISTINGS: dict[ResourceType, Callable[[Connection], Iterable[Any]]] = {
    ResourceType.SERVER: lambda c: c.compute.servers(all_projects=True),
    ResourceType.FLAVOR: lambda c: c.compute.flavors(),
    ResourceType.IMAGE: lambda c: c.image.images(),
    ResourceType.KEYPAIR: lambda c: c.compute.keypairs(),
    ResourceType.NETWORK: lambda c: c.network.networks(),
    ResourceType.SUBNET: lambda c: c.network.subnets(),
    ResourceType.PORT: lambda c: c.network.ports(),
    ResourceType.ROUTER: lambda c: c.network.routers(),
    ResourceType.FLOATING_IP: lambda c: c.network.ips(),
    ResourceType.SECURITY_GROUP: lambda c: c.network.security_groups(),
    ResourceType.VOLUME: lambda c: c.block_storage.volumes(all_projects=True),
    ResourceType.SNAPSHOT: lambda c: c.block_storage.snapshots(all_projects=True),
    ResourceType.BACKUP: lambda c: c.block_storage.backups(all_projects=True),
    ResourceType.HYPERVISOR: lambda c: c.compute.hypervisors(),
}


@pytest.fixture
def admin_sdk(seeded: EmulatedSite) -> Iterator[Connection]:
    conn = seeded.sdk()
    yield conn
    conn.close()


def _ids(collected: Collected) -> set[str]:
    return {item.resource_id for item in collected.items}


@pytest.mark.parametrize("type_", list(SDK_LISTINGS))
def test_an_admin_collects_what_openstacksdk_lists(
    type_: ResourceType, seeded: EmulatedSite, gateway: OpenStackGateway, admin_sdk: Connection
) -> None:
    site = seeded.site()
    collected = gateway.collect(site, type_, None)
    key = "name" if type_ == ResourceType.KEYPAIR else "id"
    assert _ids(collected) == {str(getattr(r, key)) for r in SDK_LISTINGS[type_](admin_sdk)}
    assert collected.complete
    assert collected.deleted_ids == frozenset()
    assert {(item.site_id, item.type) for item in collected.items} <= {(site.id, type_)}


def test_the_demo_seed_is_inventoried_in_full(
    seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site = seeded.site()
    counts = {t: len(gateway.collect(site, t, None).items) for t in ResourceType}
    assert counts[ResourceType.SERVER] == 21
    assert counts[ResourceType.VOLUME] == 10
    assert counts[ResourceType.FLOATING_IP] == 4
    assert counts[ResourceType.HYPERVISOR] == 4
    assert counts[ResourceType.QUOTA] == 3


def test_a_member_sees_its_project_and_no_hypervisors(
    seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site = seeded.site(member=True)
    project = seeded.sdk(member=True).current_project_id
    servers = gateway.collect(site, ResourceType.SERVER, None)
    assert sorted(i.name or "" for i in servers.items) == [f"app-{i:02d}" for i in range(1, 7)]
    assert {i.project_id for i in servers.items} == {project}
    app = next(i for i in servers.items if i.name == "app-01")
    assert app.addresses
    assert app.attributes["networks"] == ["demo-net"]
    assert app.attributes["flavor"]
    assert app.attributes["image_id"]
    assert app.raw["id"] == app.resource_id
    volumes = gateway.collect(site, ResourceType.VOLUME, None)
    assert volumes.items
    assert {i.project_id for i in volumes.items} == {project}
    hypervisors = gateway.collect(site, ResourceType.HYPERVISOR, None)
    assert (hypervisors.items, hypervisors.complete) == ((), True)


def test_quotas_are_one_item_per_service_with_limit_and_usage(
    seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site = seeded.site(member=True)
    project = seeded.sdk(member=True).current_project_id
    quotas = gateway.collect(site, ResourceType.QUOTA, None)
    by_id = {item.resource_id: item for item in quotas.items}
    assert set(by_id) == {f"{s}:{project}" for s in ("compute", "network", "block-storage")}
    instances = by_id[f"compute:{project}"].attributes["instances"]
    assert instances == {"limit": 10, "in_use": 6}
    assert by_id[f"network:{project}"].attributes["network"]["in_use"] >= 1
    assert quotas.requests == 3


def test_small_pages_are_followed_to_the_end(
    seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    paged = OpenStackGateway(SystemClock(), timeout=5.0, page_size=2)
    site = seeded.site()
    try:
        for type_ in (ResourceType.SERVER, ResourceType.IMAGE, ResourceType.PORT,
                      ResourceType.VOLUME, ResourceType.FLAVOR):  # fmt: skip
            whole = gateway.collect(site, type_, None)
            pages = paged.collect(site, type_, None)
            assert _ids(pages) == _ids(whole), type_
            assert pages.requests >= len(whole.items) // 2, type_
        assert paged.collect(site, ResourceType.SERVER, None).requests == 11
    finally:
        paged.close()


def test_changes_since_lists_the_changed_and_the_deleted(
    seeded_own: EmulatedSite, gateway: OpenStackGateway
) -> None:
    conn = seeded_own.sdk()
    servers = list(conn.compute.servers(all_projects=True))
    clock = SystemClock()
    # Nova's timestamps have whole seconds: start the window at a second after the seeding.
    clock.wait(1.02 - clock.now().microsecond / 1e6)
    since = clock.now().replace(microsecond=0)
    conn.compute.update_server(servers[0].id, name="renamed")
    conn.compute.delete_server(servers[1].id)
    conn.compute.wait_for_delete(servers[1], interval=0.05, wait=10)
    changed = gateway.collect(seeded_own.site(), ResourceType.SERVER, since)
    assert [i.name for i in changed.items] == ["renamed"]
    assert changed.deleted_ids == frozenset({servers[1].id})
    assert not changed.complete
    assert changed.requests == 1
    whole = gateway.collect(seeded_own.site(), ResourceType.SERVER, None)
    assert len(whole.items) == 20
    assert whole.complete


def test_since_is_ignored_for_types_without_changes_since(
    seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    later = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    volumes = gateway.collect(seeded.site(), ResourceType.VOLUME, later)
    assert volumes.complete
    assert len(volumes.items) == 10


@pytest.mark.parametrize(
    "type_", [ResourceType.SERVER, ResourceType.VOLUME, ResourceType.NETWORK, ResourceType.IMAGE,
              ResourceType.FLOATING_IP, ResourceType.HYPERVISOR, ResourceType.QUOTA],
)  # fmt: skip
def test_get_live_reads_one_resource_as_listed(
    type_: ResourceType, seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site = seeded.site()
    listed = gateway.collect(site, type_, None).items[0]
    live = gateway.get_live(site, type_, listed.resource_id)
    assert (live.resource_id, live.name, live.type) == (
        listed.resource_id, listed.name, listed.type,
    )  # fmt: skip
    assert live.status == listed.status


@pytest.mark.parametrize("type_", [ResourceType.SERVER, ResourceType.VOLUME, ResourceType.QUOTA])
def test_get_live_of_a_missing_resource_is_not_found(
    type_: ResourceType, seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    with pytest.raises(NotFound) as missing:
        gateway.get_live(seeded.site(), type_, "00000000-0000-0000-0000-000000000000")
    assert seeded.name in missing.value.message
    assert "00000000-0000-0000-0000-000000000000" in missing.value.message
