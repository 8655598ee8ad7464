"""Block storage v3 conformance: snapshots, backups, quotas, limits, services and zones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openstack import exceptions
from openstack.block_storage.v3.snapshot import Snapshot
from openstack.block_storage.v3.volume import Volume
from openstack.connection import Connection

from tests.conformance.sdk_helpers import WAIT, cinder, delete_volume, wait_ready

pytestmark = pytest.mark.conformance


@pytest.fixture
def volume(member: Connection, name: str) -> Iterator[Volume]:
    created = cinder(member).create_volume(size=1, name=name)
    ready = wait_ready(member, created)
    assert isinstance(ready, Volume)
    yield ready
    delete_volume(member, ready, cascade=True)


@pytest.fixture
def snapshot(member: Connection, volume: Volume, name: str) -> Iterator[Snapshot]:
    created = cinder(member).create_snapshot(
        volume_id=volume.id, name=f"{name}-snap", metadata={"k": "v"}
    )
    ready = wait_ready(member, created)
    assert isinstance(ready, Snapshot)
    yield ready
    cinder(member).delete_snapshot(ready, ignore_missing=True)
    cinder(member).wait_for_delete(ready, wait=WAIT, interval=0.2)


def test_snapshot_fields_and_list(member: Connection, volume: Volume, snapshot: Snapshot) -> None:
    assert snapshot.volume_id == volume.id
    assert snapshot.size == volume.size
    assert snapshot.metadata == {"k": "v"}
    listed = list(cinder(member).snapshots(volume_id=volume.id))
    assert [s.id for s in listed] == [snapshot.id]
    assert [s.id for s in cinder(member).snapshots(details=False, name=snapshot.name)] == [
        snapshot.id
    ]


def test_snapshot_update_and_metadata(member: Connection, snapshot: Snapshot) -> None:
    updated = cinder(member).update_snapshot(snapshot, description="changed")
    assert updated.description == "changed"
    cinder(member).set_snapshot_metadata(snapshot, extra="1")
    assert cinder(member).get_snapshot(snapshot.id).metadata == {"k": "v", "extra": "1"}


def test_volume_from_snapshot_inherits_size(
    member: Connection, snapshot: Snapshot, name: str
) -> None:
    created = cinder(member).create_volume(snapshot_id=snapshot.id, name=f"{name}-clone")
    try:
        ready = wait_ready(member, created)
        assert isinstance(ready, Volume)
        assert ready.size == snapshot.size
        assert ready.snapshot_id == snapshot.id
    finally:
        delete_volume(member, created, cascade=True)


def test_volume_from_volume(member: Connection, volume: Volume, name: str) -> None:
    created = cinder(member).create_volume(source_volume_id=volume.id, name=f"{name}-copy", size=2)
    try:
        ready = wait_ready(member, created)
        assert isinstance(ready, Volume)
        assert ready.source_volume_id == volume.id
        assert ready.size == 2
    finally:
        delete_volume(member, created, cascade=True)


def test_snapshot_of_missing_volume_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        cinder(member).create_snapshot(volume_id="00000000-0000-0000-0000-000000000000")


def test_deleting_a_snapshot_removes_it(member: Connection, volume: Volume) -> None:
    created = cinder(member).create_snapshot(volume_id=volume.id)
    wait_ready(member, created)
    cinder(member).delete_snapshot(created)
    cinder(member).wait_for_delete(created, wait=WAIT, interval=0.2)
    with pytest.raises(exceptions.ResourceNotFound):
        cinder(member).get_snapshot(created.id)


def test_backup_create_restore_and_delete(member: Connection, volume: Volume, name: str) -> None:
    backup = cinder(member).create_backup(volume_id=volume.id, name=f"{name}-bk")
    try:
        ready = wait_ready(member, backup)
        assert ready.volume_id == volume.id
        assert ready.is_incremental is False
        assert [b.id for b in cinder(member).backups(name=f"{name}-bk")] == [backup.id]
        incremental = cinder(member).create_backup(volume_id=volume.id, is_incremental=True)
        inc_ready = wait_ready(member, incremental)
        assert inc_ready.is_incremental is True
        assert cinder(member).get_backup(backup.id).has_dependent_backups is True
        with pytest.raises(exceptions.BadRequestException, match="Incremental backups exist"):
            cinder(member).delete_backup(backup)
        cinder(member).delete_backup(incremental)
        cinder(member).wait_for_delete(incremental, wait=WAIT, interval=0.2)
        cinder(member).restore_backup(backup, volume=volume.id)
        restored = wait_ready(member, cinder(member).get_volume(volume.id))
        assert isinstance(restored, Volume)
        wait_ready(member, cinder(member).get_backup(backup.id))
    finally:
        cinder(member).delete_backup(backup, ignore_missing=True)
        cinder(member).wait_for_delete(backup, wait=WAIT, interval=0.2)


def test_backup_restore_to_a_new_volume(member: Connection, volume: Volume, name: str) -> None:
    backup = cinder(member).create_backup(volume_id=volume.id, name=f"{name}-bk2")
    restored_id = None
    try:
        wait_ready(member, backup)
        result = cinder(member).restore_backup(backup, name=f"{name}-restored")
        restored_id = result.volume_id
        restored = wait_ready(member, cinder(member).get_volume(restored_id))
        assert isinstance(restored, Volume)
        assert restored.name == f"{name}-restored"
        assert restored.size == volume.size
    finally:
        if restored_id:
            delete_volume(member, cinder(member).get_volume(restored_id), cascade=True)
        cinder(member).delete_backup(backup, ignore_missing=True)
        cinder(member).wait_for_delete(backup, wait=WAIT, interval=0.2)


def test_incremental_backup_without_a_full_one_is_400(member: Connection, volume: Volume) -> None:
    with pytest.raises(exceptions.BadRequestException, match="No backups available"):
        cinder(member).create_backup(volume_id=volume.id, is_incremental=True)


def test_quota_set_shows_defaults_and_usage(member: Connection, volume: Volume) -> None:
    project = member.current_project_id
    assert project is not None
    quotas = cinder(member).get_quota_set(project)
    assert quotas.volumes >= 1
    assert quotas.gigabytes >= 1
    with_usage = cinder(member).get_quota_set(project, usage=True)
    assert with_usage.usage["volumes"] >= 1
    defaults = cinder(member).get_quota_set_defaults(project)
    assert defaults.volumes is not None


def test_volume_quota_is_enforced_with_413(
    admin: Connection, member: Connection, volume: Volume, name: str
) -> None:
    project = member.current_project_id
    assert project is not None
    before = cinder(admin).get_quota_set(project, usage=True)
    in_use = before.usage["volumes"]
    cinder(admin).update_quota_set(project, volumes=in_use)
    try:
        with pytest.raises(exceptions.HttpException) as raised:
            cinder(member).create_volume(size=1, name=name)
        assert raised.value.status_code == 413
        assert "VolumeLimitExceeded" in str(raised.value)
    finally:
        cinder(admin).update_quota_set(project, volumes=before.volumes)


def test_member_cannot_update_quotas(member: Connection) -> None:
    with pytest.raises(exceptions.ForbiddenException):
        cinder(member).update_quota_set(str(member.current_project_id), volumes=5)


def test_limits_report_usage(member: Connection, volume: Volume) -> None:
    limits = cinder(member).get_limits()
    assert limits.absolute.max_total_volumes >= 1
    assert limits.absolute.total_volumes_used >= 1
    assert limits.absolute.total_gigabytes_used >= volume.size


def test_services_are_up_for_admin(admin: Connection, member: Connection) -> None:
    binaries = {s.binary: s for s in cinder(admin).services()}
    assert {"cinder-scheduler", "cinder-volume"} <= set(binaries)
    assert all(s.state == "up" for s in binaries.values())
    with pytest.raises(exceptions.ForbiddenException):
        list(cinder(member).services())


def test_availability_zones(member: Connection) -> None:
    zones = list(cinder(member).availability_zones())
    assert zones
    assert all(z.state["available"] for z in zones)
