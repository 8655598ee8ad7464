"""Block storage v3 conformance through the `openstack` CLI: volumes, snapshots and backups.

Each CLI call starts a process (seconds each), so each test makes only three calls and the
waiting between steps is done with openstacksdk.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openstack.block_storage.v3.volume import Volume
from openstack.connection import Connection

from tests.conformance.conftest import Osc
from tests.conformance.sdk_helpers import WAIT, cinder, delete_volume, wait_ready

pytestmark = pytest.mark.conformance


@pytest.fixture
def volume(member: Connection, name: str) -> Iterator[Volume]:
    created = cinder(member).create_volume(size=1, name=name, metadata={"tier": "gold"})
    yield wait_ready(member, created)
    delete_volume(member, created, cascade=True)


def test_volume_create_list_delete(osc: Osc, member: Connection, name: str) -> None:
    created = osc("volume", "create", "--size", "1", name)
    volume = Volume(id=created["id"])
    try:
        assert created["name"] == name
        assert created["size"] == 1
        cinder(member).wait_for_status(volume, "available", wait=WAIT, interval=0.2)
        listed = osc("volume", "list", "--name", name)
        assert [v["ID"] for v in listed] == [created["id"]]
        assert listed[0]["Status"] == "available"
        osc("volume", "delete", created["id"], parse=False)
    finally:
        cinder(member).delete_volume(volume, ignore_missing=True)
        cinder(member).wait_for_delete(volume, wait=WAIT, interval=0.2)


def test_volume_show_snapshot_and_backup_create(
    osc: Osc, member: Connection, volume: Volume, name: str
) -> None:
    shown = osc("volume", "show", volume.id)
    assert shown["status"] == "available"
    assert shown["properties"] == {"tier": "gold"}
    snapshot = osc("volume", "snapshot", "create", "--volume", volume.id, f"{name}-s")
    assert snapshot["volume_id"] == volume.id
    cinder(member).wait_for_status(
        cinder(member).get_snapshot(snapshot["id"]), "available", wait=WAIT, interval=0.2
    )
    backup = osc("volume", "backup", "create", "--name", f"{name}-bk", volume.id)
    done = cinder(member).wait_for_status(
        cinder(member).get_backup(backup["id"]), "available", wait=WAIT, interval=0.2
    )
    assert done.volume_id == volume.id
    cinder(member).delete_backup(done)
    cinder(member).wait_for_delete(done, wait=WAIT, interval=0.2)
