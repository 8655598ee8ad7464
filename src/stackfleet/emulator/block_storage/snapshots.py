"""Cinder snapshots: create (with `force` / 3.66 in-use rules), list, show, update, delete, actions.

Checks and messages follow Cinder Zed's `v3/snapshots.py`, `volume/api.py` (`_create_snapshot`,
`delete_snapshot`) and `contrib/admin_actions.py` for os-reset_status / os-force_delete. Snapshot
metadata routes are in `metadata.py`.
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import lifecycle, lookup, usage, views
from stackfleet.emulator.block_storage.common import (
    Ctx,
    body_of,
    bool_param,
    check_metadata,
    check_string,
    ctx,
    invalid_field,
    is_bool_string,
    page_params,
    routes,
    sort_and_page,
    to_bool,
)
from stackfleet.emulator.block_storage.source import literal_dict
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


def _check_create(c: Ctx, spec: Doc) -> bool:
    allowed = {
        "name",
        "display_name",
        "description",
        "display_description",
        "volume_id",
        "force",
        "metadata",
    }
    extra = sorted(set(spec) - allowed)
    if extra:
        listed = ", ".join(repr(e) for e in extra)
        raise invalid_field(
            "snapshot", spec, f"Additional properties are not allowed ({listed} was unexpected)"
        )
    if "volume_id" not in spec:
        raise invalid_field("snapshot", spec, "'volume_id' is a required property")
    for field in ("name", "display_name", "description", "display_description"):
        check_string(spec, field)
    force_flag = spec.get("force")
    if force_flag is None:
        return False
    if not is_bool_string(force_flag):
        raise invalid_field("force", force_flag, f"{force_flag!r} is not a valid boolean")
    force = to_bool(force_flag)
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
    type_doc = c.state.types.get(volume["volume_type_id"])
    type_name = type_doc["name"] if type_doc else volume["volume_type"]
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
        "name": name.strip() if isinstance(name, str) else name,
        "description": description.strip() if isinstance(description, str) else description,
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
    if volume.get("_data") and Path(volume["_data"]).exists():
        target = lifecycle.data_path(c.site, "snapshots", snapshot_id)
        shutil.copyfile(volume["_data"], target)
        doc["_data"] = str(target)
    c.state.snapshots[snapshot_id] = doc
    c.site.schedule(c.site.config.boot_seconds / 2, partial(_finish, snapshot_id))
    return doc


def _finish(snapshot_id: str, site: Site) -> None:
    snapshot = site.volume.snapshots.get(snapshot_id)
    if snapshot is not None and snapshot["status"] == "creating":
        snapshot["progress"] = "100%"
        lifecycle.finish_status("snapshots", snapshot_id, "creating", site)


async def list_summary(request: Request) -> Response:
    return await _list(request, detail=False)


async def list_detail(request: Request) -> Response:
    return await _list(request, detail=True)


async def _list(request: Request, detail: bool) -> Response:
    c = ctx(request)
    params = dict(request.query_params)
    page = page_params(params)
    filters = dict(page.filters)
    with_count = c.at_least(3, 45) and bool_param(filters, "with_count")
    filters.pop("with_count", None)
    all_tenants = bool_param(filters, "all_tenants") and c.is_admin
    filters.pop("all_tenants", None)
    if not c.is_admin:
        filters = {k: v for k, v in filters.items() if k in _USER_FILTERS}
    docs = [
        s
        for s in c.state.snapshots.values()
        if (all_tenants or s["_project_id"] == c.project_id)
        and all(_matches(s, key, raw) for key, raw in filters.items())
    ]
    items, total = sort_and_page(docs, page, _sort_value)
    body = views.list_body(
        c,
        "snapshots/detail" if detail else "snapshots",
        items,
        views.snapshot_detail if detail else views.snapshot_summary,
        (page, params, total if with_count else None),
    )
    return json_response(body)


def _sort_value(doc: Doc, key: str) -> object:
    if key not in ("id", "name", "status", "size", "created_at", "updated_at", "volume_id"):
        raise ApiError(400, f"Invalid input received: Invalid sort key {key}")
    return doc[key]


def _matches(snapshot: Doc, key: str, raw: str) -> bool:
    if key == "metadata":
        wanted = literal_dict(raw)
        return wanted is not None and all(
            snapshot["metadata"].get(str(k)) == str(v) for k, v in wanted.items()
        )
    if key == "project_id":
        return bool(snapshot["_project_id"] == raw)
    if key == "availability_zone":
        return raw == lifecycle.ZONE
    if key in ("name", "status", "volume_id", "id", "user_id"):
        return str(snapshot.get(key)) == raw
    return key == "consumes_quota"


async def show(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.snapshot(c, request.path_params["snapshot_id"])
    return json_response({"snapshot": views.snapshot_detail(c, doc)})


async def update(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.snapshot(c, request.path_params["snapshot_id"])
    changes = body_of(await read_json(request), "snapshot")
    allowed = {"name", "description", "display_name", "display_description"}
    extra = sorted(set(changes) - allowed)
    if extra or not changes:
        detail = (
            f"Additional properties are not allowed ({', '.join(map(repr, extra))} was unexpected)"
            if extra
            else "{} is not valid under any of the given schemas"
        )
        raise invalid_field("snapshot", changes, detail)
    for field in allowed:
        check_string(changes, field)
    for wire, stored in (
        ("display_name", "name"),
        ("name", "name"),
        ("display_description", "description"),
        ("description", "description"),
    ):
        if wire in changes:
            value = changes[wire]
            doc[stored] = value.strip() if isinstance(value, str) else value
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
    lifecycle.set_status(c.site, doc, "deleting")
    c.site.schedule(
        c.site.config.boot_seconds / 4, partial(lifecycle.forget, "snapshots", doc["id"])
    )


async def action(request: Request) -> Response:
    c = ctx(request)
    body = await read_json(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise ApiError(400, "Malformed request body")
    name, inner = next(iter(body.items()))
    if name not in ("os-reset_status", "os-force_delete", "os-update_snapshot_status"):
        raise ApiError(
            400, f"There is no such action: {name}. Verify the request body and Content-Type header"
        )
    doc = lookup.snapshot(c, request.path_params["snapshot_id"])
    if name == "os-force_delete":
        _require_admin(c, "volume_extension:snapshot_admin_actions:force_delete")
        _delete(c, doc, force=True)
        return Response(status_code=202)
    if name == "os-update_snapshot_status":
        raise ApiError(
            403,
            "Policy doesn't allow snapshot_extension:snapshot_actions:"
            "update_snapshot_status to be performed.",
        )
    _require_admin(c, "volume_extension:snapshot_admin_actions:reset_status")
    status = inner.get("status") if isinstance(inner, dict) else None
    if not isinstance(status, str):
        raise invalid_field("os-reset_status", inner, "'status' is a required property")
    if status.lower() not in SNAPSHOT_STATUSES:
        raise ApiError(
            400, f"Snapshot status: {status} is invalid, valid statuses are: {SNAPSHOT_STATUSES!r}."
        )
    lifecycle.set_status(c.site, doc, status.lower())
    return Response(status_code=202)


def _require_admin(c: Ctx, rule: str) -> None:
    if not c.is_admin:
        raise ApiError(403, f"Policy doesn't allow {rule} to be performed.")


ROUTES = [
    *routes("/snapshots", list_summary, ["GET"]),
    *routes("/snapshots", create, ["POST"]),
    *routes("/snapshots/detail", list_detail, ["GET"]),
    *routes("/snapshots/{snapshot_id}", show, ["GET"]),
    *routes("/snapshots/{snapshot_id}", update, ["PUT"]),
    *routes("/snapshots/{snapshot_id}", delete, ["DELETE"]),
    *routes("/snapshots/{snapshot_id}/action", action, ["POST"]),
]
