"""Compute server actions conformance: power, reboot, pause, suspend, lock, createImage, history.

Drives POST /servers/{id}/action through openstacksdk's server proxy methods, the 409s Nova
answers for actions in the wrong state, os-instance-actions, and changes-since listing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openstack import exceptions
from openstack.connection import Connection

from tests.conformance.compute_boot import (
    INTERVAL,
    TIMEOUT,
    Boot,
    create_server,
    delete_server,
    wait_status,
)

pytestmark = pytest.mark.conformance


def test_stop_and_start(member: Connection, boot: Boot) -> None:
    server = create_server(member, boot)
    member.compute.stop_server(server)
    stopped = wait_status(member, server, "SHUTOFF")
    assert stopped.vm_state == "stopped"
    assert stopped.power_state == 4
    assert stopped.task_state is None
    with pytest.raises(exceptions.ConflictException) as stop_again:
        member.compute.stop_server(server)
    assert "vm_state stopped" in str(stop_again.value)
    member.compute.start_server(server)
    started = wait_status(member, server, "ACTIVE")
    assert started.vm_state == "active"
    assert started.power_state == 1
    with pytest.raises(exceptions.ConflictException) as start_again:
        member.compute.start_server(server)
    assert f"Cannot 'start' instance {server.id} while it is in vm_state active" in str(
        start_again.value
    )


def test_reboot_soft_and_hard(member: Connection, boot: Boot) -> None:
    server = create_server(member, boot)
    member.compute.reboot_server(server, "SOFT")
    assert wait_status(member, server, "ACTIVE").power_state == 1
    member.compute.reboot_server(server, "HARD")
    assert wait_status(member, server, "ACTIVE").task_state is None
    member.compute.stop_server(server)
    wait_status(member, server, "SHUTOFF")
    with pytest.raises(exceptions.ConflictException):
        member.compute.reboot_server(server, "SOFT")
    # A hard reboot is how Nova starts a stopped server too.
    member.compute.reboot_server(server, "HARD")
    assert wait_status(member, server, "ACTIVE").vm_state == "active"
    actions = [a.action for a in member.compute.server_actions(server)]
    assert actions.count("reboot") == 3


def test_pause_and_unpause(member: Connection, boot: Boot) -> None:
    server = create_server(member, boot)
    with pytest.raises(exceptions.ConflictException):
        member.compute.unpause_server(server)
    member.compute.pause_server(server)
    paused = wait_status(member, server, "PAUSED")
    assert paused.vm_state == "paused"
    assert paused.power_state == 3
    with pytest.raises(exceptions.ConflictException):
        member.compute.pause_server(server)
    with pytest.raises(exceptions.ConflictException):
        member.compute.suspend_server(server)
    member.compute.unpause_server(server)
    assert wait_status(member, server, "ACTIVE").power_state == 1


def test_suspend_and_resume(member: Connection, boot: Boot) -> None:
    server = create_server(member, boot)
    with pytest.raises(exceptions.ConflictException):
        member.compute.resume_server(server)
    member.compute.suspend_server(server)
    suspended = wait_status(member, server, "SUSPENDED")
    assert suspended.vm_state == "suspended"
    with pytest.raises(exceptions.ConflictException):
        member.compute.start_server(server)
    member.compute.resume_server(server)
    assert wait_status(member, server, "ACTIVE").vm_state == "active"


def test_lock_by_member_with_reason(member: Connection, boot: Boot) -> None:
    server = create_server(member, boot)
    member.compute.lock_server(server, locked_reason="maintenance window")
    locked = member.compute.get_server(server.id)
    assert locked.is_locked is True
    assert locked.locked_reason == "maintenance window"
    # Nova ignores the owner locking again: the first reason stays.
    member.compute.lock_server(server, locked_reason="another reason")
    assert member.compute.get_server(server.id).locked_reason == "maintenance window"
    lock = next(a for a in member.compute.server_actions(server) if a.action == "lock")
    events = member.compute.get_server_action(lock.request_id, server).events
    assert [(e.event, e.result) for e in events] == [("api_lock", "Success")]
    assert server.id in {s.id for s in member.compute.servers(locked=True)}
    with pytest.raises(exceptions.ConflictException) as stop:
        member.compute.stop_server(server)
    assert f"Instance {server.id} is locked" in str(stop.value)
    with pytest.raises(exceptions.ConflictException):
        member.compute.delete_server(server)
    member.compute.unlock_server(server)
    unlocked = member.compute.get_server(server.id)
    assert unlocked.is_locked is False
    assert unlocked.locked_reason is None
    assert server.id not in {s.id for s in member.compute.servers(locked=True)}


def test_lock_by_admin_needs_admin_to_unlock(
    admin: Connection, member: Connection, boot: Boot
) -> None:
    server = create_server(member, boot)
    admin.compute.lock_server(server)
    with pytest.raises(exceptions.ForbiddenException):
        member.compute.unlock_server(server)
    # An admin acts on a locked server: the lock only binds the others.
    admin.compute.stop_server(server)
    wait_status(member, server, "SHUTOFF")
    admin.compute.unlock_server(server)
    assert member.compute.get_server(server.id).is_locked is False


def test_create_image_goes_active(member: Connection, boot: Boot) -> None:
    server = create_server(member, boot)
    image = member.compute.create_server_image(
        server, f"{boot.name}-snap", metadata={"purpose": "backup"}
    )
    try:
        active = member.image.wait_for_status(image, "active", interval=INTERVAL, wait=TIMEOUT)
        assert active.name == f"{boot.name}-snap"
        assert active.owner == member.current_project_id
        assert active.properties["image_type"] == "snapshot"
        assert active.instance_uuid == server.id
        assert active.properties["purpose"] == "backup"
        assert wait_status(member, server, "ACTIVE").task_state is None
        assert "createImage" in {a.action for a in member.compute.server_actions(server)}
    finally:
        member.image.delete_image(image.id)


def test_create_image_of_missing_server_is_not_found(member: Connection) -> None:
    missing = "8d9ab9c9-4c1b-4d5e-9f3e-000000000002"
    with pytest.raises(exceptions.NotFoundException):
        member.compute.create_server_image(missing, "nothing")


def test_instance_actions_record_each_action(member: Connection, boot: Boot) -> None:
    server = create_server(member, boot)
    member.compute.stop_server(server)
    wait_status(member, server, "SHUTOFF")
    member.compute.start_server(server)
    wait_status(member, server, "ACTIVE")
    actions = list(member.compute.server_actions(server))
    assert [a.action for a in actions] == ["start", "stop", "create"]
    assert {a.user_id for a in actions} == {member.current_user_id}
    assert {a.project_id for a in actions} == {member.current_project_id}
    stop = member.compute.get_server_action(actions[1].request_id, server)
    assert stop.action == "stop"
    assert [e.event for e in stop.events] == ["compute_stop_instance"]
    with pytest.raises(exceptions.NotFoundException):
        member.compute.get_server_action("req-00000000-0000-0000-0000-000000000000", server)


def test_changes_since_lists_changed_and_deleted_servers(member: Connection, boot: Boot) -> None:
    server = create_server(member, boot)
    since = member.compute.get_server(server.id).updated_at
    # A day after the server last changed: in the future, by the cloud's own clock.
    later = dt.datetime.fromisoformat(since.replace("Z", "+00:00")) + dt.timedelta(days=1)
    mine = f"^{boot.name}$"
    assert list(member.compute.servers(name=mine, changes_since=later.isoformat())) == []
    changed = list(member.compute.servers(name=mine, changes_since=since))
    assert [s.id for s in changed] == [server.id]
    delete_server(member, server)
    assert list(member.compute.servers(name=mine)) == []
    deleted = list(member.compute.servers(name=mine, changes_since=since))
    assert [(s.id, s.status) for s in deleted] == [(server.id, "DELETED")]


def test_action_on_missing_server_is_not_found(member: Connection) -> None:
    missing = "8d9ab9c9-4c1b-4d5e-9f3e-000000000003"
    with pytest.raises(exceptions.NotFoundException):
        member.compute.stop_server(missing)
    with pytest.raises(exceptions.NotFoundException):
        member.compute.lock_server(missing)
