"""os-instance-actions: the record of what was done to a server, and its routes.

Server handlers call `record` when nova-api would start an action (create, stop, reboot, ...);
the lifecycle timers call `finish_pending` when the compute host finishes its event. Actions are
kept per server in `site.compute.instance_actions`, newest last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute import server_access
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, parse_limit

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

EVENTS = {
    "create": "compute__do_build_and_run_instance",
    "delete": "compute_terminate_instance",
    "start": "compute_start_instance",
    "stop": "compute_stop_instance",
    "reboot": "compute_reboot_instance",
    "pause": "compute_pause_instance",
    "unpause": "compute_unpause_instance",
    "suspend": "compute_suspend_instance",
    "resume": "compute_resume_instance",
    "createImage": "compute_snapshot_instance",
    "attach_volume": "compute_attach_volume",
    "detach_volume": "compute_detach_volume",
    "lock": "api_lock",
    "unlock": "api_unlock",
}
"""The event each action records: the compute host's, or nova-api's own for lock/unlock."""

_ACTION_KEYS = ("action", "instance_uuid", "request_id", "user_id", "project_id", "start_time")


def _now(site: Site) -> str:
    # Nova serialises these naive datetimes with microseconds and no zone.
    return site.clock.now().replace(tzinfo=None).isoformat(timespec="microseconds")


def record(site: Site, server: Doc, action: str, caller: Caller, request_id: str) -> None:
    """Start an instance action, with its compute event pending when it has one."""
    now = _now(site)
    events = []
    if action in EVENTS:
        events.append(
            {
                "event": EVENTS[action],
                "start_time": now,
                "finish_time": None,
                "result": None,
                "traceback": None,
                "host": server.get("OS-EXT-SRV-ATTR:host") or "",
                "details": None,
            }
        )
    site.compute.instance_actions.setdefault(server["id"], []).append(
        {
            "action": action,
            "instance_uuid": server["id"],
            "request_id": request_id,
            "user_id": caller.user_id,
            "project_id": caller.project_id or server["tenant_id"],
            "start_time": now,
            "message": None,
            "updated_at": now,
            "_events": events,
        }
    )


def finish_pending(
    site: Site, server_id: str, result: str, host: str | None = None, event_name: str | None = None
) -> None:
    """Finish every pending event of the server's actions with `result` (Success / Error).

    `event_name` renames the events, for failures reported by another service than the compute
    host (NoValidHost is the conductor's `conductor_schedule_and_build_instances`).
    """
    for action in site.compute.instance_actions.get(server_id, ()):
        _finish(site, action, result, host, event_name)


def finish_latest(site: Site, server_id: str, result: str, host: str | None = None) -> None:
    """Finish the events of the server's newest action only (one nova-api did on the spot)."""
    actions = site.compute.instance_actions.get(server_id)
    if actions:
        _finish(site, actions[-1], result, host, None)


def _finish(site: Site, action: Doc, result: str, host: str | None, event_name: str | None) -> None:
    now = _now(site)
    for event in action["_events"]:
        if event["result"] is None:
            event.update(finish_time=now, result=result)
            if event_name:
                event["event"] = event_name
            if host:
                event["host"] = host
            action["updated_at"] = now
            if result == "Error":
                action["message"] = "Error"


def _render_action(action: Doc, version: tuple[int, int]) -> Doc:
    doc = {key: action[key] for key in _ACTION_KEYS}
    doc["message"] = action["message"]
    if version >= (2, 58):
        doc["updated_at"] = action["updated_at"]
    return doc


def _render_event(event: Doc, project_id: str, version: tuple[int, int], admin: bool) -> Doc:
    doc = {key: event[key] for key in ("event", "start_time", "finish_time", "result")}
    if admin:
        doc["traceback"] = event["traceback"]
        if version >= (2, 62):
            doc["host"] = event["host"]
    if version >= (2, 62):
        doc["hostId"] = server_access.host_id(project_id, event["host"])
    if version >= (2, 84) and admin:
        doc["details"] = event["details"]
    return doc


async def list_actions(request: Request) -> Response:
    site = context.site(request)
    server = server_access.find(site, context.caller(request), request.path_params["server_id"])
    version = context.microversion(request)
    actions = list(reversed(site.compute.instance_actions.get(server["id"], [])))
    body: Doc = {}
    if version >= (2, 58):
        actions = _page(request, actions)
    body["instanceActions"] = [_render_action(a, version) for a in actions]
    return json_response(body)


def _page(request: Request, actions: list[Doc]) -> list[Doc]:
    marker = request.query_params.get("marker")
    try:
        limit = parse_limit(request.query_params.get("limit"))
    except ValueError:
        raise ApiError(400, "limit must be a non-negative integer") from None
    if marker is not None:
        ids = [a["request_id"] for a in actions]
        if marker not in ids:
            raise ApiError(400, f"Marker {marker} could not be found.")
        actions = actions[ids.index(marker) + 1 :]
    return actions[: min(limit, 1000)] if limit is not None else actions[:1000]


async def show_action(request: Request) -> Response:
    site = context.site(request)
    caller = context.caller(request)
    server = server_access.find(site, caller, request.path_params["server_id"])
    request_id = request.path_params["request_id"]
    version = context.microversion(request)
    for action in site.compute.instance_actions.get(server["id"], []):
        if action["request_id"] == request_id:
            doc = _render_action(action, version)
            if caller.is_admin or version >= (2, 51):
                doc["events"] = [
                    _render_event(e, action["project_id"], version, caller.is_admin)
                    for e in action["_events"]
                ]
            return json_response({"instanceAction": doc})
    raise ApiError(404, f"Action {request_id} not found")


ROUTES = [
    Route("/v2.1/servers/{server_id}/os-instance-actions", list_actions, methods=["GET"]),
    Route(
        "/v2.1/servers/{server_id}/os-instance-actions/{request_id}", show_action, methods=["GET"]
    ),
]
