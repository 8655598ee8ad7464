"""Cinder snapshots: create (with `force` / 3.66 in-use rules), list, show, update, delete, actions.

Checks and messages follow Cinder Zed's `v3/snapshots.py`, `volume/api.py` (`_create_snapshot`,
`delete_snapshot`) and `contrib/admin_actions.py` for os-reset_status / os-force_delete. Snapshot
metadata routes are in `metadata.py`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import lifecycle, listing, lookup, usage, views
from stackfleet.emulator.block_storage.common import (
    Ctx,
    apply_names,
    body_of,
    check_metadata,
    check_string,
    ctx,
    invalid_field,
    named_action,
    reject_unknown,
    require_admin,
    routes,
    schema_bool,
    stripped,
)
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, new_id, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

SNAPSHOT_IN_USE_FLAG_MSG = (
    "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward "
    "compatability, however, when the 'force' flag is passed with a value evaluating to True, it "
    "is silently ignored."
)
SNAPSHOT_STATUSES = (
    "error",
    "available",
    "creating",
    "deleting",
    "deleted",
    "updating",
    "error_deleting",
    "unmanaging",
    "backing-up",
    "restoring",
)
_USER_FILTERS = frozenset(
    {"name", "status", "volume_id", "metadata", "availability_zone", "consumes_quota"}
)
_SORT_KEYS = frozenset({"id", "name", "status", "size", "created_at", "updated_at", "volume_id"})
_CREATE_FIELDS = frozenset(
    {"name", "display_name", "description", "display_description", "volume_id", "force", "metadata"}
)
_UPDATE_FIELDS = frozenset({"name", "description", "display_name", "display_description"})


def _check_create(c: Ctx, spec: Doc) -> bool:
    reject_unknown("snapshot", spec, _CREATE_FIELDS, verb_agrees=False)
    if "volume_id" not in spec:
        raise invalid_field("snapshot", spec, "'volume_id' is a required property")
    for field in ("name", "display_name", "description", "display_description"):
        check_string(spec, field)
    force_flag = spec.get("force")
    if force_flag is None:
        return False
    force = schema_bool("force", force_flag)
    if c.at_least(3, 66) and not force:
        raise ApiError(400, SNAPSHOT_IN_USE_FLAG_MSG)
    return force


async def create(request: Request) -> Response:
    c = ctx(request)
    spec = body_of(await read_json(request), "snapshot")
    force = _check_create(c, spec)
    metadata = check_metadata("metadata", spec.get("metadata"), nullable=True)
    volume = lookup.volume(c, str(spec["volume_id"]))
    valid = ("available", "in-use") if force or c.at_least(3, 66) else ("available",)
    if volume["status"] not in valid:
        raise ApiError(
            400,
            f"Invalid volume: Volume {volume['id']} status must be {', '.join(valid)}, but "
            f"current status is: {volume['status']}.",
        )
    type_name = lookup.type_name(c, volume)
    usage.reserve(
        c.state,
        volume["_project_id"],
        "snapshots",
        {
            "snapshots": 1,
            "gigabytes": volume["size"],
            f"snapshots_{type_name}": 1,
            f"gigabytes_{type_name}": volume["size"],
        },
        volume["size"],
    )
    doc = _new_snapshot(c, volume, spec, metadata)
    return json_response({"snapshot": views.snapshot_detail(c, doc)}, 202)


def _new_snapshot(c: Ctx, volume: Doc, spec: Doc, metadata: dict[str, str]) -> Doc:
    name = spec.get("name", spec.get("display_name"))
    description = spec.get("description", spec.get("display_description"))
    snapshot_id = new_id()
    doc: Doc = {
        "id": snapshot_id,
        "created_at": c.now(),
        "updated_at": None,
        "name": stripped(name),
        "description": stripped(description),
        "volume_id": volume["id"],
        "status": "creating",
        "size": volume["size"],
        "metadata": metadata,
        "progress": "0%",
        "user_id": c.caller.user_id,
        "_project_id": volume["_project_id"],
        "_volume_type_id": volume["volume_type_id"],
        "_bootable": volume["bootable"] == "true",
        "_image_metadata": dict(volume["_image_metadata"]),
        "_data": None,
    }
    lifecycle.copy_data(c.site, volume.get("_data"), "snapshots", doc)
    c.state.snapshots[snapshot_id] = doc
    c.site.schedule(c.site.config.boot_seconds / 2, partial(_finish, snapshot_id))
    return doc


def _finish(snapshot_id: str, site: Site) -> None:
    snapshot = site.volume.snapshots.get(snapshot_id)
    if snapshot is not None and snapshot["status"] == "creating":
        snapshot["progress"] = "100%"
        lifecycle.finish_status("snapshots", snapshot_id, "creating", site)


def _matches(snapshot: Doc, key: str, raw: str) -> bool:
    if key == "metadata":
        return listing.metadata_matches(snapshot, raw)
    if key == "project_id":
        return bool(snapshot["_project_id"] == raw)
    if key == "availability_zone":
        return raw == lifecycle.ZONE
    if key in ("name", "status", "volume_id", "id", "user_id"):
        return str(snapshot.get(key)) == raw
    return key == "consumes_quota"


list_summary, list_detail = listing.handlers(
    listing.Listing(
        "snapshots",
        _USER_FILTERS,
        _matches,
        _SORT_KEYS,
        views.snapshot_summary,
        views.snapshot_detail,
    )
)


async def show(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.snapshot(c, request.path_params["snapshot_id"])
    return json_response({"snapshot": views.snapshot_detail(c, doc)})


async def update(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.snapshot(c, request.path_params["snapshot_id"])
    changes = body_of(await read_json(request), "snapshot")
    reject_unknown("snapshot", changes, _UPDATE_FIELDS, verb_agrees=False)
    if not changes:
        raise invalid_field("snapshot", changes, "{} is not valid under any of the given schemas")
    for field in _UPDATE_FIELDS:
        check_string(changes, field)
    apply_names(doc, changes)
    doc["updated_at"] = c.now()
    return json_response({"snapshot": views.snapshot_detail(c, doc)})


async def delete(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.snapshot(c, request.path_params["snapshot_id"])
    _delete(c, doc, force=False)
    return Response(status_code=202)


def _delete(c: Ctx, doc: Doc, force: bool) -> None:
    if not force and doc["status"] not in ("available", "error"):
        raise ApiError(
            400,
            "Invalid snapshot: Snapshot status must be available or error and must not be part "
            "of a group.",
        )
    lifecycle.start_deleting(c.site, "snapshots", doc, c.site.config.boot_seconds / 4)


async def action(request: Request) -> Response:
    c = ctx(request)
    name, inner = named_action(
        await read_json(request),
        ("os-reset_status", "os-force_delete", "os-update_snapshot_status"),
    )
    doc = lookup.snapshot(c, request.path_params["snapshot_id"])
    if name == "os-force_delete":
        require_admin(c, "volume_extension:snapshot_admin_actions:force_delete")
        _delete(c, doc, force=True)
        return Response(status_code=202)
    if name == "os-update_snapshot_status":
        raise ApiError(
            403,
            "Policy doesn't allow snapshot_extension:snapshot_actions:"
            "update_snapshot_status to be performed.",
        )
    require_admin(c, "volume_extension:snapshot_admin_actions:reset_status")
    status = inner.get("status") if isinstance(inner, dict) else None
    if not isinstance(status, str):
        raise invalid_field("os-reset_status", inner, "'status' is a required property")
    if status.lower() not in SNAPSHOT_STATUSES:
        raise ApiError(
            400, f"Snapshot status: {status} is invalid, valid statuses are: {SNAPSHOT_STATUSES!r}."
        )
    lifecycle.set_status(c.site, doc, status.lower())
    return Response(status_code=202)


ROUTES = [
    *routes("/snapshots", list_summary, ["GET"]),
    *routes("/snapshots", create, ["POST"]),
    *routes("/snapshots/detail", list_detail, ["GET"]),
    *routes("/snapshots/{snapshot_id}", show, ["GET"]),
    *routes("/snapshots/{snapshot_id}", update, ["PUT"]),
    *routes("/snapshots/{snapshot_id}", delete, ["DELETE"]),
    *routes("/snapshots/{snapshot_id}/action", action, ["POST"]),
]
