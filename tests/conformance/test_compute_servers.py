"""Compute servers conformance: boot, show, list, update, delete and errors, via openstacksdk.

Each test makes its own flavor (admin), image (a few bytes) and network, and removes them.
"""

from __future__ import annotations

from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection

from tests.conformance.compute_boot import TIMEOUT, Boot, create_server, delete_server

pytestmark = pytest.mark.conformance


def _create(conn: Connection, boot: Boot, name: str, **extra: Any) -> Any:
    return create_server(conn, boot, name, **extra)


def test_boot_show_and_delete(member: Connection, boot: Boot, name: str) -> None:
    server = _create(member, boot, name, metadata={"role": "web"})
    assert server.status == "ACTIVE"
    shown = member.compute.get_server(server.id)
    assert shown.name == name
    assert shown.flavor.original_name == boot.flavor.name
    assert shown.flavor.vcpus == 1
    assert shown.image.id == boot.image.id
    assert shown.metadata == {"role": "web"}
    assert shown.vm_state == "active"
    assert shown.task_state is None
    assert shown.power_state == 1
    assert len(shown.host_id) == 56
    assert shown.is_locked is False
    addresses = shown.addresses[boot.network.name]
    assert addresses[0]["version"] == 4
    assert addresses[0]["addr"].startswith("10.77.0.")
    assert addresses[0]["OS-EXT-IPS:type"] == "fixed"
    assert {"name": "default"} in shown.security_groups
    delete_server(member, server)


def test_admin_sees_extended_attributes(
    admin: Connection, member: Connection, boot: Boot, name: str
) -> None:
    server = _create(member, boot, name)
    as_admin = admin.compute.get_server(server.id)
    assert as_admin.compute_host
    assert as_admin.hypervisor_hostname
    assert as_admin.instance_name.startswith("instance-")
    assert member.compute.get_server(server.id).compute_host is None


def test_list_filters_and_pagination(member: Connection, boot: Boot, name: str) -> None:
    first = _create(member, boot, f"{name}-a")
    second = _create(member, boot, f"{name}-b")
    names = {s.name for s in member.compute.servers(name=f"^{name}")}
    assert names == {f"{name}-a", f"{name}-b"}
    assert [s.id for s in member.compute.servers(name=f"{name}-b$")] == [second.id]
    active = {s.id for s in member.compute.servers(name=f"^{name}", status="ACTIVE")}
    assert active == {first.id, second.id}
    assert list(member.compute.servers(name=f"^{name}", status="SHUTOFF")) == []
    by_flavor = {s.id for s in member.compute.servers(flavor=boot.flavor.id)}
    assert by_flavor == {first.id, second.id}
    page = list(member.compute.servers(details=False, name=f"^{name}", limit=1, paginated=False))
    assert len(page) == 1
    everything = list(member.compute.servers(name=f"^{name}", limit=1))
    assert {s.id for s in everything} == {first.id, second.id}
    newest_first = [s.id for s in member.compute.servers(name=f"^{name}")]
    assert newest_first == [second.id, first.id]
    # Nova pages on from any server's place in the order, even one the filters leave out.
    after = member.compute.servers(name=f"^{name}-a$", marker=second.id, paginated=False)
    assert [s.id for s in after] == [first.id]
    missing = "8d9ab9c9-4c1b-4d5e-9f3e-00000000000f"
    with pytest.raises(exceptions.BadRequestException):
        list(member.compute.servers(name=f"^{name}", marker=missing, paginated=False))


def test_update_name_and_description(member: Connection, boot: Boot, name: str) -> None:
    server = _create(member, boot, name)
    updated = member.compute.update_server(server, name=f"{name}-new", description="about")
    assert updated.name == f"{name}-new"
    assert updated.description == "about"
    assert member.compute.get_server(server.id).name == f"{name}-new"


def test_invalid_references_are_bad_requests(member: Connection, boot: Boot, name: str) -> None:
    missing = "8d9ab9c9-4c1b-4d5e-9f3e-000000000000"
    cases = [
        {"flavor_id": "no-such-flavor", "image_id": boot.image.id},
        {"flavor_id": boot.flavor.id, "image_id": missing},
    ]
    for case in cases:
        with pytest.raises(exceptions.BadRequestException):
            member.compute.create_server(name=name, networks=[{"uuid": boot.network.id}], **case)
    with pytest.raises((exceptions.BadRequestException, exceptions.NotFoundException)):
        member.compute.create_server(
            name=name,
            flavor_id=boot.flavor.id,
            image_id=boot.image.id,
            networks=[{"uuid": missing}],
        )
    assert list(member.compute.servers(name=f"^{name}")) == []


def test_missing_server_is_not_found(member: Connection) -> None:
    missing = "8d9ab9c9-4c1b-4d5e-9f3e-000000000001"
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.get_server(missing)
    with pytest.raises(exceptions.NotFoundException):
        member.compute.delete_server(missing, ignore_missing=False)


def test_networks_none_boots_without_addresses(member: Connection, boot: Boot, name: str) -> None:
    server = member.compute.create_server(
        name=name, flavor_id=boot.flavor.id, image_id=boot.image.id, networks="none"
    )
    server = member.compute.wait_for_server(server, wait=TIMEOUT, interval=0.2)
    assert server.addresses == {}


def test_cloud_layer_create_server_with_network(member: Connection, boot: Boot, name: str) -> None:
    server = member.create_server(
        name,
        image=boot.image.id,
        flavor=boot.flavor.id,
        network=boot.network.name,
        wait=True,
        timeout=TIMEOUT,
    )
    assert server.status == "ACTIVE"
    assert server.private_v4.startswith("10.77.0.")
