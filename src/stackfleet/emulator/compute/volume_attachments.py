"""/servers/{id}/os-volume_attachments: attach, list, show and detach volumes.

As `nova.api.openstack.compute.volumes.VolumeAttachmentController`: the server's block device
mappings with a volume, `tag` from 2.70, `delete_on_termination` from 2.79, and from 2.89
`attachment_id` and `bdm_uuid` instead of `id`. The Cinder side goes through
`block_storage/internal.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.block_storage import internal as volumes
from stackfleet.emulator.compute import instance_actions, server_access
from stackfleet.emulator.compute.body_checks import BOOLEAN, check_body, is_true
from stackfleet.emulator.compute.paging import MAX_LIMIT
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, new_id, read_json

_ATTACH_STATES = ("active", "paused", "stopped", "resized", "soft-delete", "shelved")


def _view(server: Doc, bdm: Doc, version: tuple[int, int]) -> Doc:
    doc: Doc = {}
    if version < (2, 89):
        doc["id"] = bdm["volume_id"]
    doc["volumeId"] = bdm["volume_id"]
    doc["serverId"] = server["id"]
    if bdm.get("device"):
        doc["device"] = bdm["device"]
    if version >= (2, 70):
        doc["tag"] = bdm.get("tag")
    if version >= (2, 79):
        doc["delete_on_termination"] = bool(bdm.get("delete_on_termination"))
    if version >= (2, 89):
        doc["attachment_id"] = bdm.get("attachment_id")
        doc["bdm_uuid"] = bdm.setdefault("bdm_uuid", new_id())
    return doc


def _bdm(server: Doc, volume_id: str) -> Doc:
    bdm: Doc
    for bdm in server["_bdms"]:
        if bdm.get("volume_id") == volume_id:
            return bdm
    raise ApiError(404, f"Instance {server['id']} is not attached to volume {volume_id}")


async def list_attachments(request: Request) -> Response:
    site = context.site(request)
    server = server_access.find(site, context.caller(request), request.path_params["server_id"])
    version = context.microversion(request)
    offset = _query_integer(request, "offset", 0)
    limit = min(_query_integer(request, "limit", MAX_LIMIT) or MAX_LIMIT, MAX_LIMIT)
    # Nova's common.limited pages over all the server's mappings, then keeps the volumes.
    bdms = server["_bdms"][offset : offset + limit]
    docs = [_view(server, b, version) for b in bdms if b.get("volume_id")]
    return json_response({"volumeAttachments": docs})


def _query_integer(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ApiError(
            400,
            f"Invalid input for query parameters {name}. Value: {raw}. "
            f"'{raw}' does not match '^[0-9]*$'",
        )
    return int(raw)


async def show_attachment(request: Request) -> Response:
    site = context.site(request)
    server = server_access.find(site, context.caller(request), request.path_params["server_id"])
    bdm = _bdm(server, request.path_params["volume_id"])
    return json_response({"volumeAttachment": _view(server, bdm, context.microversion(request))})


def _attach_schema(version: tuple[int, int]) -> Doc:
    properties: Doc = {
        "volumeId": {"type": "string"},
        "device": {
            "type": ["string", "null"],
            "pattern": "(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$",
        },
    }
    if version >= (2, 49):
        properties["tag"] = {
            "type": "string",
            "minLength": 1,
            "maxLength": 60,
            "pattern": "^[^,/]*$",
        }
    if version >= (2, 79):
        properties["delete_on_termination"] = BOOLEAN
    return {
        "type": "object",
        "properties": {
            "volumeAttachment": {
                "type": "object",
                "properties": properties,
                "required": ["volumeId"],
                "additionalProperties": False,
            }
        },
        "required": ["volumeAttachment"],
        "additionalProperties": False,
    }


def _next_device(server: Doc) -> str:
    used = {b.get("device") for b in server["_bdms"]}
    for letter in "bcdefghijklmnopqrstuvwxyz":
        device = f"/dev/vd{letter}"
        if device not in used:
            return device
    raise ApiError(
        403,
        "The maximum allowed number of disk devices (26) to attach to a single instance has "
        "been exceeded.",
    )


async def attach_volume(request: Request) -> Response:
    site = context.site(request)
    caller = context.caller(request)
    version = context.microversion(request)
    body = await read_json(request)
    check_body(_attach_schema(version), body)
    spec = body["volumeAttachment"]
    server = server_access.find(site, caller, request.path_params["server_id"])
    server_access.check_lock(server, caller)
    server_access.check_state(server, "attach_volume", _ATTACH_STATES)
    volume_id = str(spec["volumeId"])
    volumes.volume_for_attach(site, str(server["tenant_id"]), volume_id)
    if any(b.get("volume_id") == volume_id for b in server["_bdms"]):
        raise ApiError(400, f"Invalid volume: volume {volume_id} already attached")
    device = _next_device(server)
    instance_actions.record(
        site, server, "attach_volume", caller, server_access.request_id(request)
    )
    attachment_id = volumes.attach(
        site, volume_id, server["id"], device, server["OS-EXT-SRV-ATTR:host"] or ""
    )
    bdm: Doc = {
        "source_type": "volume",
        "uuid": volume_id,
        "boot_index": None,
        "delete_on_termination": is_true(spec.get("delete_on_termination", False)),
        "device": device,
        "volume_size": None,
        "volume_id": volume_id,
        "attachment_id": attachment_id,
        "tag": spec.get("tag"),
        "bdm_uuid": new_id(),
    }
    server["_bdms"].append(bdm)
    instance_actions.finish_latest(site, server["id"], "Success")
    doc: Doc = {"id": volume_id, "serverId": server["id"], "volumeId": volume_id, "device": device}
    if version >= (2, 70):
        doc["tag"] = bdm["tag"]
    if version >= (2, 79):
        doc["delete_on_termination"] = bdm["delete_on_termination"]
    return json_response({"volumeAttachment": doc})


async def detach_volume(request: Request) -> Response:
    site = context.site(request)
    caller = context.caller(request)
    server = server_access.find(site, caller, request.path_params["server_id"])
    volume_id = request.path_params["volume_id"]
    if volume_id not in site.volume.volumes:
        raise ApiError(404, f"Volume {volume_id} could not be found.")
    bdm = _bdm(server, volume_id)
    if bdm.get("boot_index") == 0:
        raise ApiError(400, "Cannot detach a root device volume")
    server_access.check_lock(server, caller)
    server_access.check_state(server, "detach_volume", _ATTACH_STATES)
    instance_actions.record(
        site, server, "detach_volume", caller, server_access.request_id(request)
    )
    volumes.detach(site, volume_id, server["id"])
    server["_bdms"].remove(bdm)
    instance_actions.finish_latest(site, server["id"], "Success")
    return Response(status_code=202)


_PATH = "/v2.1/servers/{server_id}/os-volume_attachments"

ROUTES = [
    Route(_PATH, list_attachments, methods=["GET"]),
    Route(_PATH, attach_volume, methods=["POST"]),
    Route(_PATH + "/{volume_id}", show_attachment, methods=["GET"]),
    Route(_PATH + "/{volume_id}", detach_volume, methods=["DELETE"]),
]
