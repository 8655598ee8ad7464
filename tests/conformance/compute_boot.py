"""What the compute server conformance tests need to boot a server, shared by their modules.

`boot_fixture` (fixture name `boot`) makes a flavor (admin), a tiny image and a network with a
subnet (member) and removes them, and the servers named after the test, afterwards;
`group_ids_fixture` (`group_ids`) deletes the server groups a test records. `conftest.py`
registers both for every conformance module. Test modules import `create_server` to boot and
wait, and `delete_server` to delete and wait until the server is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection
from openstack.utils import iterate_timeout

TIMEOUT = 120
"""Generous enough for a real cloud; the emulator settles in well under a second."""

INTERVAL = 0.2


@dataclass
class Boot:
    """What a server needs: a flavor, an image and a network with a subnet."""

    flavor: Any
    image: Any
    network: Any
    name: str


@pytest.fixture(name="boot")
def boot_fixture(admin: Connection, member: Connection, name: str) -> Iterator[Boot]:
    flavor = admin.compute.create_flavor(name=name, ram=64, vcpus=1, disk=1, is_public=True)
    image = member.image.create_image(
        name=name,
        data=b"stackfleet-test-image",
        disk_format="raw",
        container_format="bare",
        allow_duplicates=True,
    )
    network = member.network.create_network(name=name)
    subnet = member.network.create_subnet(
        network_id=network.id, ip_version=4, cidr="10.77.0.0/24", name=name
    )
    yield Boot(flavor, image, network, name)
    for server in member.compute.servers(name=f"^{name}"):
        if server.is_locked:
            admin.compute.unlock_server(server)
        member.compute.delete_server(server)
        member.compute.wait_for_delete(server, wait=TIMEOUT, interval=INTERVAL)
    member.network.delete_subnet(subnet)
    member.network.delete_network(network)
    member.image.delete_image(image.id)
    admin.compute.delete_flavor(flavor)


@pytest.fixture(name="group_ids")
def group_ids_fixture(member: Connection) -> Iterator[list[str]]:
    """Server group ids the test creates, deleted afterwards."""
    ids: list[str] = []
    yield ids
    for group_id in ids:
        member.compute.delete_server_group(group_id, ignore_missing=True)


def create_server(conn: Connection, boot: Boot, name: str | None = None, **extra: Any) -> Any:
    """Boot a server on the fixture's flavor, image and network and wait for ACTIVE."""
    attrs: dict[str, Any] = {
        "name": name or boot.name,
        "flavor_id": boot.flavor.id,
        "image_id": boot.image.id,
        "networks": [{"uuid": boot.network.id}],
    }
    attrs.update(extra)
    server = conn.compute.create_server(**attrs)
    return conn.compute.wait_for_server(server, wait=TIMEOUT, interval=INTERVAL)


def wait_status(conn: Connection, server: Any, status: str) -> Any:
    """Wait until the server rests in `status` (ERROR fails the wait).

    Fetches first: openstacksdk's wait returns at once when the object it is given already
    shows `status`, which a stale copy from before the action would.
    """
    fresh = conn.compute.get_server(server.id)
    return conn.compute.wait_for_server(fresh, status=status, wait=TIMEOUT, interval=INTERVAL)


def delete_server(conn: Connection, server: Any) -> None:
    """Delete the server and wait until the API answers 404 for it.

    openstacksdk's `wait_for_delete` also returns when the server shows status DELETED, which a
    real Nova shows for a moment before the record goes.
    """
    conn.compute.delete_server(server)
    for _ in iterate_timeout(TIMEOUT, f"server {server.id} was not deleted", wait=INTERVAL):
        try:
            conn.compute.get_server(server.id)
        except exceptions.ResourceNotFound:
            return
