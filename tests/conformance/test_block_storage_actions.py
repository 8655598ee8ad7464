"""Block storage v3 conformance: volume actions, metadata and volume types through openstacksdk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openstack import exceptions
from openstack.block_storage.v3.type import Type
from openstack.block_storage.v3.volume import Volume
from openstack.connection import Connection

from tests.conformance.sdk_helpers import WAIT, cinder, delete_volume, wait_ready

pytestmark = pytest.mark.conformance


@pytest.fixture
def volume(member: Connection, name: str) -> Iterator[Volume]:
    ready = wait_ready(member, cinder(member).create_volume(size=1, name=name))
    yield ready
    delete_volume(member, ready)


@pytest.fixture
def volume_type(admin: Connection, name: str) -> Iterator[Type]:
    created = cinder(admin).create_type(
        name=f"{name}-type", description="test type", extra_specs={"multiattach": "<is> False"}
    )
    yield created
    cinder(admin).delete_type(created, ignore_missing=True)


def test_extend_grows_the_volume(member: Connection, volume: Volume) -> None:
    cinder(member).extend_volume(volume, 2)
    grown = wait_ready(member, cinder(member).get_volume(volume.id))
    assert grown.size == 2


def test_extend_to_a_smaller_size_is_400(member: Connection, volume: Volume) -> None:
    with pytest.raises(exceptions.BadRequestException, match="must be greater than current"):
        cinder(member).extend_volume(volume, 1)


def test_set_bootable_flag(member: Connection, volume: Volume) -> None:
    cinder(member).set_volume_bootable_status(volume, True)
    assert cinder(member).get_volume(volume.id).is_bootable is True
    cinder(member).set_volume_bootable_status(volume, False)
    assert cinder(member).get_volume(volume.id).is_bootable is False


def test_metadata_set_merge_and_delete(member: Connection, volume: Volume) -> None:
    cinder(member).set_volume_metadata(volume, a="1", b="2")
    assert cinder(member).get_volume(volume.id).metadata == {"a": "1", "b": "2"}
    cinder(member).delete_volume_metadata(volume, keys=["a"])
    assert cinder(member).get_volume(volume.id).metadata == {"b": "2"}
    with pytest.raises(exceptions.ResourceNotFound):
        cinder(member).delete_volume_metadata(volume, keys=["missing"])


def test_reset_status_is_admin_only(admin: Connection, member: Connection, volume: Volume) -> None:
    with pytest.raises(exceptions.ForbiddenException):
        cinder(member).reset_volume_status(volume, "error", None, None)
    cinder(admin).reset_volume_status(volume, "error", None, None)
    assert cinder(member).get_volume(volume.id).status == "error"
    cinder(admin).reset_volume_status(volume, "available", None, None)
    assert cinder(member).get_volume(volume.id).status == "available"


def test_reset_status_to_in_use_without_attachments_is_400(
    admin: Connection, volume: Volume
) -> None:
    with pytest.raises(exceptions.BadRequestException, match="does not have any attachments"):
        cinder(admin).reset_volume_status(volume, "in-use", None, None)


def test_image_metadata_set_and_unset(member: Connection, volume: Volume) -> None:
    cinder(member).set_volume_image_metadata(volume, os_distro="debian")
    shown = cinder(member).get_volume(volume.id)
    assert shown.volume_image_metadata == {"os_distro": "debian"}
    cinder(member).delete_volume_image_metadata(volume, keys=["os_distro"])
    assert not cinder(member).get_volume(volume.id).volume_image_metadata


def test_delete_with_snapshot_is_400_until_cascade(member: Connection, volume: Volume) -> None:
    snapshot = cinder(member).create_snapshot(volume_id=volume.id, name="s")
    cinder(member).wait_for_status(snapshot, "available", wait=WAIT, interval=0.2)
    with pytest.raises(exceptions.BadRequestException, match="have snapshots"):
        cinder(member).delete_volume(volume)
    cinder(member).delete_volume(volume, cascade=True)
    cinder(member).wait_for_delete(volume, wait=WAIT, interval=0.2)
    with pytest.raises(exceptions.ResourceNotFound):
        cinder(member).get_snapshot(snapshot.id)


def test_volume_types_list_includes_the_default(member: Connection) -> None:
    names = [t.name for t in cinder(member).types()]
    assert "__DEFAULT__" in names
    default = cinder(member).get_type("default")
    assert default.name == "__DEFAULT__"


def test_volume_type_lifecycle_as_admin(admin: Connection, volume_type: Type) -> None:
    shown = cinder(admin).get_type(volume_type.id)
    assert shown.description == "test type"
    assert shown.extra_specs == {"multiattach": "<is> False"}
    cinder(admin).update_type_extra_specs(volume_type, volume_backend_name="lvm")
    specs = cinder(admin).get_type(volume_type.id).extra_specs
    assert specs == {"multiattach": "<is> False", "volume_backend_name": "lvm"}
    cinder(admin).delete_type_extra_specs(volume_type, ["volume_backend_name"])
    updated = cinder(admin).update_type(volume_type, description="changed")
    assert updated.description == "changed"


def test_member_cannot_create_types(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.ForbiddenException):
        cinder(member).create_type(name=name)


def test_duplicate_type_name_is_409(admin: Connection, volume_type: Type) -> None:
    with pytest.raises(exceptions.ConflictException):
        cinder(admin).create_type(name=volume_type.name)


def test_volume_of_a_type_blocks_type_deletion(
    admin: Connection, member: Connection, volume_type: Type, name: str
) -> None:
    created = cinder(member).create_volume(size=1, name=name, volume_type=volume_type.name)
    try:
        ready = wait_ready(member, created)
        assert ready.volume_type == volume_type.name
        with pytest.raises(exceptions.BadRequestException, match="still in use"):
            cinder(admin).delete_type(volume_type)
    finally:
        delete_volume(member, created)


def test_summary_counts_the_projects_volumes(member: Connection, volume: Volume) -> None:
    summary = cinder(member).summary(False)
    assert summary.total_count >= 1
    assert summary.total_size >= volume.size
