"""Compute volume attachments and boot-from-volume conformance, seen from Nova and from Cinder.

Attaching through /servers/{id}/os-volume_attachments must turn the Cinder volume in-use with
the attachment recorded, detaching must make it available again, and a server booted from an
image-backed volume (block_device_mapping_v2) must show an empty image and the volume attached.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection

from tests.conformance.compute_boot import (
    INTERVAL,
    TIMEOUT,
    Boot,
    create_server,
    wait_status,
)
from tests.conformance.sdk_helpers import cinder, delete_volume, wait_ready

pytestmark = pytest.mark.conformance

MISSING = "8d9ab9c9-4c1b-4d5e-9f3e-000000000004"


@pytest.fixture
def volume(member: Connection, name: str) -> Iterator[Any]:
    ready = wait_ready(member, cinder(member).create_volume(size=1, name=f"{name}-vol"))
    yield ready
    delete_volume(member, ready)


def test_attach_and_detach_volume(member: Connection, boot: Boot, volume: Any) -> None:
    server = create_server(member, boot)
    attachment = member.compute.create_volume_attachment(server, volume)
    assert attachment.volume_id == volume.id
    assert attachment.server_id == server.id
    assert attachment.device.startswith("/dev/")
    in_use = member.block_storage.wait_for_status(volume, "in-use", interval=INTERVAL, wait=TIMEOUT)
    assert [a["server_id"] for a in in_use.attachments] == [server.id]
    listed = list(member.compute.volume_attachments(server))
    assert [a.volume_id for a in listed] == [volume.id]
    assert listed[0].attachment_id
    assert listed[0].bdm_id
    shown = member.compute.get_volume_attachment(server, volume)
    assert shown.device == attachment.device
    assert [v["id"] for v in member.compute.get_server(server.id).attached_volumes] == [volume.id]
    with pytest.raises(exceptions.BadRequestException):
        member.compute.create_volume_attachment(server, volume)
    member.compute.delete_volume_attachment(server, volume)
    available = member.block_storage.wait_for_status(
        volume, "available", interval=INTERVAL, wait=TIMEOUT
    )
    assert available.attachments == []
    wait_status(member, server, "ACTIVE")
    assert list(member.compute.volume_attachments(server)) == []


def test_attach_errors(member: Connection, boot: Boot, volume: Any) -> None:
    server = create_server(member, boot)
    with pytest.raises(exceptions.NotFoundException):
        member.compute.create_volume_attachment(server, MISSING)
    with pytest.raises(exceptions.NotFoundException):
        member.compute.delete_volume_attachment(server, volume, ignore_missing=False)
    with pytest.raises(exceptions.NotFoundException):
        member.compute.get_volume_attachment(server, volume)
    with pytest.raises(exceptions.NotFoundException):
        member.compute.create_volume_attachment(MISSING, volume)
    assert member.block_storage.get_volume(volume.id).status == "available"


def test_boot_from_volume(member: Connection, boot: Boot) -> None:
    mapping = {
        "boot_index": 0,
        "uuid": boot.image.id,
        "source_type": "image",
        "destination_type": "volume",
        "volume_size": 1,
        "delete_on_termination": True,
    }
    server = member.compute.create_server(
        name=boot.name,
        flavor_id=boot.flavor.id,
        networks=[{"uuid": boot.network.id}],
        block_device_mapping=[mapping],
    )
    server = member.compute.wait_for_server(server, wait=TIMEOUT, interval=INTERVAL)
    shown = member.compute.get_server(server.id)
    assert not shown.image  # Nova shows "" for a volume-backed server
    attached = shown.attached_volumes
    assert len(attached) == 1
    assert attached[0]["delete_on_termination"] is True
    root = member.block_storage.get_volume(attached[0]["id"])
    assert root.status == "in-use"
    assert root.is_bootable is True
    assert root.size == 1
    assert [a["server_id"] for a in root.attachments] == [server.id]
    with pytest.raises(exceptions.BadRequestException):
        member.compute.delete_volume_attachment(server, root.id, ignore_missing=False)
    member.compute.delete_server(server)
    member.compute.wait_for_delete(server, wait=TIMEOUT, interval=INTERVAL)
    member.block_storage.wait_for_delete(root, interval=INTERVAL, wait=TIMEOUT)
