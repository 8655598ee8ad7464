"""Finding a server for a caller and the checks nova-api makes before acting on it.

Every server route (servers, actions, volume attachments, instance actions) looks servers up
here, so the 404 for a missing or foreign server, the 409 for a locked one and the 409 for an
action in the wrong state read exactly as Nova words them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import TYPE_CHECKING

from starlette.requests import Request

from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


def find(site: Site, caller: Caller, server_id: str, *, deleted: bool = False) -> Doc:
    """The server `server_id` as the caller may see it, or Nova's 404.

    Args:
        site: the site.
        caller: who asks; non-admins only see their project's servers.
        server_id: the id from the URL.
        deleted: also find deleted servers (instance actions from 2.21 read deleted ones).
    """
    server = site.compute.servers.get(server_id)
    if (
        server is None
        or (server["_deleted"] and not deleted)
        or not (caller.is_admin or server["tenant_id"] == caller.project_id)
    ):
        raise ApiError(404, f"Instance {server_id} could not be found.")
    return server


def check_lock(server: Doc, caller: Caller) -> None:
    """Nova's check_instance_lock: only admins act on a locked server."""
    if server["locked"] and not caller.is_admin:
        raise ApiError(409, f"Instance {server['id']} is locked")


def check_state(
    server: Doc,
    action: str,
    vm_states: Collection[str] | None,
    task_states: Collection[str | None] | None = (None,),
    must_have_launched: bool = True,
) -> None:
    """Nova's check_instance_state, answered as `raise_http_conflict_for_instance_invalid_state`."""
    vm_state = server["OS-EXT-STS:vm_state"]
    task_state = server["OS-EXT-STS:task_state"]
    if vm_states is not None and vm_state not in vm_states:
        _conflict(server, action, "vm_state", vm_state)
    if task_states is not None and task_state not in task_states:
        _conflict(server, action, "task_state", task_state)
    if must_have_launched and not server["OS-SRV-USG:launched_at"]:
        _conflict(server, action, "launched_at", None)


def _conflict(server: Doc, action: str, attr: str, state: object) -> None:
    raise ApiError(409, f"Cannot '{action}' instance {server['id']} while it is in {attr} {state}")


def host_id(project_id: str, host: str | None) -> str:
    """Nova's `hostId`: sha224 of project id + host, "" when not on a host."""
    if not host:
        return ""
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def request_id(request: Request) -> str:
    """The x-openstack-request-id of this request (instance actions are keyed by it)."""
    return str(request.scope.get("emulator.request_id", ""))
