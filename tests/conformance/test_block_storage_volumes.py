"""Block storage v3 conformance: volume create, list, show, update and delete via openstacksdk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openstack import exceptions
from openstack.block_storage.v3.volume import Volume
from openstack.connection import Connection

from tests.conformance.sdk_helpers import WAIT, cinder, delete_volume, wait_ready

pytestmark = pytest.mark.conformance


@pytest.fixture
def volume(member: Connection, name: str) -> Iterator[Volume]:
    created = cinder(member).create_volume(size=1, name=name, metadata={"team": "a"})
    available = wait_ready(member, created)
    yield available
    delete_volume(member, available)


def test_version_discovery_reports_the_v3_microversion_range(member: Connection) -> None:
    versions = cinder(member).get_endpoint_data()
    assert versions is not None
    assert versions.min_microversion is not None
    assert (versions.min_microversion[0], versions.min_microversion[1]) == (3, 0)
    assert versions.max_microversion is not None
    assert versions.max_microversion[0] == 3
    assert versions.max_microversion[1] >= 70


def test_created_volume_becomes_available_with_its_fields(volume: Volume, name: str) -> None:
    assert volume.status == "available"
    assert volume.name == name
    assert volume.size == 1
    assert volume.metadata == {"team": "a"}
    assert volume.is_bootable is False
    assert volume.volume_type
    assert volume.availability_zone
    assert volume.attachments == []


def test_cloud_layer_create_volume_waits(member: Connection, name: str) -> None:
    created = member.create_volume(size=1, name=name, wait=True, timeout=WAIT)
    try:
        assert created.status == "available"
        found = member.get_volume(name)
        assert found is not None
        assert found["id"] == created.id
    finally:
        assert member.delete_volume(created.id, wait=True, timeout=WAIT)


def test_list_filters_by_name_and_status(member: Connection, volume: Volume, name: str) -> None:
    found = list(cinder(member).volumes(name=name))
    assert [v.id for v in found] == [volume.id]
    assert found[0].status == "available"
    assert list(cinder(member).volumes(name=name, status="error")) == []
    summary = list(cinder(member).volumes(details=False, name=name))
    assert [v.id for v in summary] == [volume.id]


def test_list_filters_by_metadata(member: Connection, volume: Volume) -> None:
    # The SDK sends `properties` as `metadata`; Cinder reads it as a Python literal.
    found = list(cinder(member).volumes(properties=str({"team": "a"})))
    assert volume.id in [v.id for v in found]
    other = cinder(member).volumes(properties=str({"team": "b"}))
    assert volume.id not in [v.id for v in other]


def test_update_changes_name_and_description(member: Connection, volume: Volume) -> None:
    updated = cinder(member).update_volume(volume, name="renamed", description="d")
    assert updated.name == "renamed"
    assert updated.description == "d"
    assert cinder(member).get_volume(volume.id).description == "d"


def test_show_missing_volume_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        cinder(member).get_volume("00000000-0000-0000-0000-000000000000")


def test_create_with_unknown_type_is_404(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.ResourceNotFound, match="Volume type with name"):
        cinder(member).create_volume(size=1, name=name, volume_type=f"{name}-nope")


def test_create_with_zero_size_is_400(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.BadRequestException):
        cinder(member).create_volume(size=0, name=name)


def test_member_does_not_see_other_projects_volumes(
    admin: Connection, member: Connection, name: str
) -> None:
    theirs = cinder(admin).create_volume(size=1, name=name)
    try:
        with pytest.raises(exceptions.ResourceNotFound):
            cinder(member).get_volume(theirs.id)
        assert list(cinder(member).volumes(name=name)) == []
        assert [v.id for v in cinder(admin).volumes(name=name, all_projects=True)] == [theirs.id]
    finally:
        cinder(admin).wait_for_status(theirs, "available", wait=WAIT, interval=0.2)
        cinder(admin).delete_volume(theirs)
        cinder(admin).wait_for_delete(theirs, wait=WAIT, interval=0.2)
