"""Block storage v3 conformance with Nova and Glance: images, uploads, attach and detach.

Volumes made from images, volumes uploaded to images, and attachments made through Nova's
os-volume_attachments.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openstack import exceptions
from openstack.block_storage.v3.volume import Volume
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.server import Server
from openstack.connection import Connection
from openstack.image.v2.image import Image

from tests.conformance.sdk_helpers import WAIT, cinder, delete_volume, glance, wait_ready

pytestmark = pytest.mark.conformance


@pytest.fixture
def image(member: Connection, name: str) -> Iterator[Image]:
    created = glance(member).create_image(
        name=f"{name}-img",
        data=b"stackfleet volume test image",
        disk_format="raw",
        container_format="bare",
    )
    yield glance(member).wait_for_status(created, "active", wait=WAIT, interval=0.2)
    glance(member).delete_image(created, ignore_missing=True)


@pytest.fixture
def flavor(admin: Connection, name: str) -> Iterator[Flavor]:
    created = admin.compute.create_flavor(name=f"{name}-fl", ram=256, vcpus=1, disk=1)
    yield created
    admin.compute.delete_flavor(created, ignore_missing=True)


@pytest.fixture
def server(member: Connection, image: Image, flavor: Flavor, name: str) -> Iterator[Server]:
    created = member.compute.create_server(
        name=f"{name}-vm", image_id=image.id, flavor_id=flavor.id, networks="none"
    )
    yield member.compute.wait_for_server(created, wait=WAIT, interval=0.2)
    member.compute.delete_server(created, ignore_missing=True)
    member.compute.wait_for_delete(created, wait=WAIT, interval=0.2)


@pytest.fixture
def volume(member: Connection, name: str) -> Iterator[Volume]:
    created = cinder(member).create_volume(size=1, name=name)
    yield wait_ready(member, created)
    delete_volume(member, created)


def test_volume_from_image_is_bootable(member: Connection, image: Image, name: str) -> None:
    created = cinder(member).create_volume(size=1, name=name, image_id=image.id)
    try:
        ready = cinder(member).wait_for_status(created, "available", wait=WAIT, interval=0.2)
        assert ready.is_bootable is True
        assert ready.volume_image_metadata["image_id"] == image.id
    finally:
        cinder(member).delete_volume(created)
        cinder(member).wait_for_delete(created, wait=WAIT, interval=0.2)


def test_volume_from_missing_image_is_400(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.BadRequestException, match="Invalid image identifier"):
        cinder(member).create_volume(
            size=1, name=name, image_id="00000000-0000-0000-0000-000000000000"
        )


def test_upload_volume_to_image(member: Connection, image: Image, name: str) -> None:
    # A volume made from a small image keeps the upload small against any cloud.
    volume = cinder(member).create_volume(size=1, name=name, image_id=image.id)
    image_id = None
    try:
        cinder(member).wait_for_status(volume, "available", wait=WAIT, interval=0.2)
        result = cinder(member).upload_volume_to_image(
            volume, f"{name}-up", disk_format="raw", container_format="bare"
        )
        image_id = result["image_id"]
        assert result["status"] == "uploading"
        cinder(member).wait_for_status(volume, "available", wait=WAIT, interval=0.2)
        uploaded = glance(member).wait_for_status(
            glance(member).get_image(image_id), "active", wait=WAIT, interval=0.2
        )
        assert uploaded.name == f"{name}-up"
    finally:
        if image_id:
            glance(member).delete_image(image_id, ignore_missing=True)
        cinder(member).delete_volume(volume)
        cinder(member).wait_for_delete(volume, wait=WAIT, interval=0.2)


def test_attach_through_nova_makes_the_volume_in_use(
    member: Connection, server: Server, volume: Volume
) -> None:
    member.compute.create_volume_attachment(server, volume_id=volume.id)
    attached = cinder(member).wait_for_status(volume, "in-use", wait=WAIT, interval=0.2)
    assert [a["server_id"] for a in attached.attachments] == [server.id]
    with pytest.raises(exceptions.BadRequestException, match="attached"):
        cinder(member).delete_volume(volume)
    member.compute.delete_volume_attachment(server, volume)
    detached = cinder(member).wait_for_status(volume, "available", wait=WAIT, interval=0.2)
    assert detached.attachments == []
