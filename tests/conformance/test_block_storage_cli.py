"""Block storage v3 conformance through the `openstack` CLI: volumes, snapshots and backups.

Each CLI call starts a process (seconds each), so each test makes only three calls and the
waiting between steps is done with openstacksdk.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openstack.block_storage.v3._proxy import Proxy as BlockStorageProxy
from openstack.block_storage.v3.volume import Volume
from openstack.connection import Connection

from tests.conformance.conftest import Osc

pytestmark = pytest.mark.conformance

WAIT = 120


def cinder(conn: Connection) -> BlockStorageProxy:
    """The v3 block-storage proxy (typed; the attribute is a v2/v3 union)."""
    proxy = conn.block_storage
    assert isinstance(proxy, BlockStorageProxy)
    return proxy


@pytest.fixture
def volume(member: Connection, name: str) -> Iterator[Volume]:
    created = cinder(member).create_volume(size=1, name=name, metadata={"tier": "gold"})
    yield cinder(member).wait_for_status(created, "available", wait=WAIT, interval=0.2)
    cinder(member).delete_volume(created, ignore_missing=True, cascade=True)
    cinder(member).wait_for_delete(created, wait=WAIT, interval=0.2)


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
