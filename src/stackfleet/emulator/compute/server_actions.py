"""POST /servers/{id}/action: start, stop, reboot, pause, suspend, lock, createImage and kin.

Each action checks what nova-api checks (lock, then vm_state/task_state, with Nova's 409
wording), records an instance action, sets the transient task_state and lets
`server_lifecycle.finish_task` settle the server after half a boot. Called by `servers.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator import context
from stackfleet.emulator.compute import instance_actions, server_access, server_lifecycle
from stackfleet.emulator.compute.body_checks import NAME, check_body
from stackfleet.emulator.compute.policy_checks import forbidden
from stackfleet.emulator.compute.server_lifecycle import PAUSED, RUNNING, SHUTDOWN
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.image import internal as images
from stackfleet.emulator.wire import Doc, json_response, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

_ALLOW_REBOOT = (None, "rebooting", "reboot_pending", "reboot_started", "resuming")
_ALLOW_REBOOT_TASKS = (*_ALLOW_REBOOT, "rebooting_hard", "unpausing", "pausing", "suspending")

_SIMPLE: dict[str, tuple[str, tuple[str, ...], str, tuple[str, int]]] = {
    # action: (Nova's name in conflicts, allowed vm_states, task_state, (vm_state, power) after)
    "os-start": ("start", ("stopped",), "powering-on", ("active", RUNNING)),
    "os-stop": ("stop", ("active", "error"), "powering-off", ("stopped", SHUTDOWN)),
    "pause": ("pause", ("active",), "pausing", ("paused", PAUSED)),
    "unpause": ("unpause", ("paused",), "unpausing", ("active", RUNNING)),
    "suspend": ("suspend", ("active",), "suspending", ("suspended", SHUTDOWN)),
    "resume": ("resume", ("suspended",), "resuming", ("active", RUNNING)),
}

_Handler = Callable[[Request, "Site", Caller, Doc, Any], Awaitable[Response]]


async def server_action(request: Request) -> Response:
    site = context.site(request)
    caller = context.caller(request)
    body = await read_json(request)
    if not isinstance(body, dict) or not body:
        raise ApiError(400, "Malformed request body")
    name = next(iter(body))
    handler = _HANDLERS.get(name)
    if handler is None and name not in _SIMPLE:
        raise ApiError(400, f"There is no such action: {name}")
    server = server_access.find(site, caller, request.path_params["server_id"])
    if handler is not None:
        return await handler(request, site, caller, server, body)
    return _simple(request, site, caller, server, name)


def _simple(request: Request, site: Site, caller: Caller, server: Doc, action: str) -> Response:
    nova_name, vm_states, task_state, then = _SIMPLE[action]
    server_access.check_lock(server, caller)
    server_access.check_state(server, nova_name, vm_states)
    instance_actions.record(site, server, nova_name, caller, server_access.request_id(request))
    server_lifecycle.start_task(site, server, task_state, then)
    return Response(status_code=202)


_REBOOT_SCHEMA = {
    "type": "object",
    "properties": {
        "reboot": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]}
            },
            "required": ["type"],
            "additionalProperties": False,
        }
    },
    "required": ["reboot"],
    "additionalProperties": False,
}


async def _reboot(request: Request, site: Site, caller: Caller, server: Doc, body: Any) -> Response:
    check_body(_REBOOT_SCHEMA, body)
    hard = body["reboot"]["type"].upper() == "HARD"
    server_access.check_lock(server, caller)
    if hard:
        allowed = ("active", "stopped", "paused", "suspended", "error")
        server_access.check_state(server, "reboot", allowed, _ALLOW_REBOOT_TASKS)
    else:
        server_access.check_state(server, "reboot", ("active",))
    instance_actions.record(site, server, "reboot", caller, server_access.request_id(request))
    task = "rebooting_hard" if hard else "rebooting"
    server_lifecycle.start_task(site, server, task, ("active", RUNNING))
    return Response(status_code=202)


def _lock_schema(version: tuple[int, int]) -> Doc:
    lock: Doc = {"type": ["object", "null"]}
    if version >= (2, 73):
        lock = {
            "type": ["object", "null"],
            "properties": {"locked_reason": {"type": "string", "minLength": 1, "maxLength": 255}},
            "additionalProperties": False,
        }
    return {
        "type": "object",
        "properties": {"lock": lock},
        "required": ["lock"],
        "additionalProperties": False,
    }


async def _lock(request: Request, site: Site, caller: Caller, server: Doc, body: Any) -> Response:
    version = context.microversion(request)
    check_body(_lock_schema(version), body)
    reason = (body["lock"] or {}).get("locked_reason") if version >= (2, 73) else None
    owner = caller.project_id == server["tenant_id"]
    if server["locked"] and owner:
        # Nova's compute API returns early: the owner's re-lock changes nothing, not the reason.
        return Response(status_code=202)
    instance_actions.record(site, server, "lock", caller, server_access.request_id(request))
    server["locked"] = True
    server["locked_reason"] = reason or server["locked_reason"]
    server["_locked_by"] = "owner" if owner else "admin"
    instance_actions.finish_latest(site, server["id"], "Success", f"{site.name}-controller")
    return Response(status_code=202)


async def _unlock(request: Request, site: Site, caller: Caller, server: Doc, body: Any) -> Response:
    del body
    owner = caller.project_id == server["tenant_id"]
    expected = server.get("_locked_by") in (None, "owner" if owner else "admin")
    if not expected and not caller.is_admin:
        raise forbidden("os_compute_api:os-lock-server:unlock:unlock_override")
    instance_actions.record(site, server, "unlock", caller, server_access.request_id(request))
    server["locked"] = False
    server["locked_reason"] = None
    server["_locked_by"] = None
    instance_actions.finish_latest(site, server["id"], "Success", f"{site.name}-controller")
    return Response(status_code=202)


_CREATE_IMAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "createImage": {
            "type": "object",
            "properties": {
                "name": NAME,
                "metadata": {
                    "type": "object",
                    "patternProperties": {
                        "^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255}
                    },
                    "additionalProperties": False,
                },
            },
            "required": ["name"],
            "additionalProperties": False,
        }
    },
    "required": ["createImage"],
    "additionalProperties": False,
}


async def _create_image(
    request: Request, site: Site, caller: Caller, server: Doc, body: Any
) -> Response:
    check_body(_CREATE_IMAGE_SCHEMA, body)
    spec = body["createImage"]
    allowed = ("active", "stopped", "paused", "suspended")
    server_access.check_state(server, "createImage", allowed)
    project_id = caller.project_id or server["tenant_id"]
    image = images.snapshot_server(site, project_id, server, spec["name"], spec.get("metadata", {}))
    instance_actions.record(site, server, "createImage", caller, server_access.request_id(request))
    vm_state = server["OS-EXT-STS:vm_state"]
    power = server["OS-EXT-STS:power_state"]
    server_lifecycle.start_task(
        site, server, "image_snapshot", (vm_state, power), site.config.boot_seconds
    )
    if context.microversion(request) >= (2, 45):
        return json_response({"image_id": image["id"]}, 202)
    location = f"{site.service_url('image')}/v2/images/{image['id']}"
    return Response(status_code=202, headers={"Location": location})


_HANDLERS: dict[str, _Handler] = {
    "reboot": _reboot,
    "lock": _lock,
    "unlock": _unlock,
    "createImage": _create_image,
}

__all__ = ["partial", "server_action"]
