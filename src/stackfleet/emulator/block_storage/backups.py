"""Cinder backups: create (full or incremental), list, show, update, delete and admin actions.

Restoring (to a new or an existing volume) is in `backup_restore.py`.
Checks and messages follow Cinder Zed's `contrib/backups.py`, `v3/backups.py` and
`backup/api.py`. The backup driver is Swift's (the `volumebackups` container, 50 MiB objects);
the backed-up data is a copy of the volume's small data file under site.data_dir/"backups".
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import backup_restore, lifecycle, lookup, usage, views
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
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, new_id, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

CONTAINER = "volumebackups"
"""cinder.conf `backup_swift_container` default."""
OBJECT_BYTES = 52428800
"""cinder.conf `backup_swift_object_size` default."""
GB = 1024**3
_USER_FILTERS = frozenset({"name", "status", "volume_id"})
_CREATE_FIELDS = frozenset(
    {
        "volume_id",
        "container",
        "description",
        "incremental",
        "force",
        "name",
        "snapshot_id",
        "metadata",
        "availability_zone",
    }
)


def _flag(spec: Doc, key: str) -> bool:
    value = spec.get(key, False)
    if not is_bool_string(value):
        raise invalid_field(key, value, f"{value!r} is not a valid boolean")
    return to_bool(value)


def _check_create(spec: Doc) -> None:
    extra = sorted(set(spec) - _CREATE_FIELDS)
    if extra:
        listed = ", ".join(repr(e) for e in extra)
        raise invalid_field(
            "backup", spec, f"Additional properties are not allowed ({listed} was unexpected)"
        )
    if "volume_id" not in spec:
        raise invalid_field("backup", spec, "'volume_id' is a required property")
    for field in ("name", "description", "container", "availability_zone"):
        check_string(spec, field)


async def create(request: Request) -> Response:
    c = ctx(request)
    spec = body_of(await read_json(request), "backup")
    _check_create(spec)
    incremental, force = _flag(spec, "incremental"), _flag(spec, "force")
    metadata = (
        check_metadata("metadata", spec.get("metadata"), nullable=True) if c.at_least(3, 43) else {}
    )
    volume = lookup.volume(c, str(spec["volume_id"]))
    snapshot = lookup.snapshot(c, spec["snapshot_id"]) if spec.get("snapshot_id") else None
    _check_source(volume, snapshot, force)
    usage.reserve(
        c.state,
        volume["_project_id"],
        "backups",
        {"backups": 1, "backup_gigabytes": volume["size"]},
        volume["size"],
    )
    parent = _parent(c, volume, snapshot) if incremental else None
    doc = _new_backup(c, volume, snapshot, spec, metadata)
    doc["is_incremental"] = parent is not None
    doc["_parent_id"] = parent["id"] if parent else None
    previous = volume["status"]
    source = snapshot or volume
    lifecycle.set_status(c.site, source, "backing-up")
    c.site.schedule(
        c.site.config.boot_seconds,
        partial(
            _finish_backup,
            doc["id"],
            "snapshots" if snapshot else "volumes",
            source["id"],
            "available" if snapshot else previous,
        ),
    )
    return json_response({"backup": views.backup_summary(c, doc)}, 202)


def _check_source(volume: Doc, snapshot: Doc | None, force: bool) -> None:
    if snapshot is not None:
        if snapshot["volume_id"] != volume["id"]:
            raise ApiError(
                400,
                f"Invalid volume: Volume {volume['id']} does not match with snapshot.volume_id "
                f"{snapshot['volume_id']}.",
            )
        if snapshot["status"] != "available":
            raise ApiError(
                400,
                "Invalid snapshot: Snapshot to be backed up must be available, but the current "
                f'status is "{snapshot["status"]}".',
            )
    elif volume["status"] not in ("available", "in-use"):
        raise ApiError(
            400,
            "Invalid volume: Volume to be backed up must be available or in-use, but the "
            f'current status is "{volume["status"]}".',
        )
    elif volume["status"] == "in-use" and not force:
        raise ApiError(400, "Invalid volume: Backing up an in-use volume must use the force flag.")


def _parent(c: Ctx, volume: Doc, snapshot: Doc | None) -> Doc:
    """The latest backup of the volume, parent of an incremental one."""
    candidates = [
        b
        for b in c.state.backups.values()
        if b["volume_id"] == volume["id"]
        and (snapshot is None or str(b["data_timestamp"]) < str(snapshot["created_at"]))
    ]
    if not candidates:
        raise ApiError(400, "Invalid backup: No backups available to do an incremental backup.")
    latest = max(candidates, key=lambda b: str(b["data_timestamp"]))
    if latest["status"] != "available":
        raise ApiError(
            400, "Invalid backup: The parent backup must be available for incremental backup."
        )
    return latest


def _new_backup(c: Ctx, volume: Doc, snapshot: Doc | None, spec: Doc, metadata: Doc) -> Doc:
    now = c.now()
    backup_id = new_id()
    name, description = spec.get("name"), spec.get("description")
    doc: Doc = {
        "id": backup_id,
        "status": "creating",
        "size": volume["size"],
        "object_count": 0,
        "availability_zone": lifecycle.ZONE,
        "container": spec.get("container") or CONTAINER,
        "created_at": now,
        "updated_at": None,
        "name": name.strip() if isinstance(name, str) else name,
        "description": description.strip() if isinstance(description, str) else description,
        "fail_reason": None,
        "volume_id": volume["id"],
        "is_incremental": False,
        "has_dependent_backups": False,
        "snapshot_id": snapshot["id"] if snapshot else None,
        "data_timestamp": snapshot["created_at"] if snapshot else now,
        "metadata": metadata,
        "user_id": c.caller.user_id,
        "_project_id": volume["_project_id"],
        "_bootable": volume["bootable"] == "true",
        "_image_metadata": dict(volume["_image_metadata"]),
        "_data": None,
    }
    source = (snapshot or volume).get("_data")
    if source and Path(source).exists():
        target = lifecycle.data_path(c.site, "backups", backup_id)
        shutil.copyfile(source, target)
        doc["_data"] = str(target)
    c.state.backups[backup_id] = doc
    return doc


def _finish_backup(backup_id: str, kind: str, source_id: str, restore: str, site: Site) -> None:
    """Timer: the backup is written; its source returns to the status it had."""
    state = site.volume
    backup = state.backups.get(backup_id)
    source = getattr(state, kind).get(source_id)
    if source is not None and source["status"] == "backing-up":
        attached = kind == "volumes" and source["_attach_status"] == "attached"
        lifecycle.set_status(site, source, "in-use" if attached else restore)
    if backup is None or backup["status"] != "creating":
        return
    backup["object_count"] = -(-backup["size"] * GB // OBJECT_BYTES)
    lifecycle.set_status(site, backup, "available")
    parent = state.backups.get(backup.get("_parent_id") or "")
    if parent is not None:
        parent["has_dependent_backups"] = True


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
        b
        for b in c.state.backups.values()
        if (all_tenants or b["_project_id"] == c.project_id)
        and all(_matches(b, key, raw) for key, raw in filters.items())
    ]
    items, total = sort_and_page(docs, page, _sort_value)
    body = views.list_body(
        c,
        "backups/detail" if detail else "backups",
        items,
        views.backup_detail if detail else views.backup_summary,
        (page, params, total if with_count else None),
    )
    return json_response(body)


def _sort_value(doc: Doc, key: str) -> object:
    if key not in (
        "id",
        "name",
        "status",
        "size",
        "created_at",
        "updated_at",
        "volume_id",
        "container",
        "availability_zone",
        "object_count",
        "data_timestamp",
    ):
        raise ApiError(400, f"Invalid input received: Invalid sort key {key}")
    return doc[key]


def _matches(backup: Doc, key: str, raw: str) -> bool:
    if key == "project_id":
        return bool(backup["_project_id"] == raw)
    if key in ("name", "status", "volume_id", "id", "container", "snapshot_id"):
        return str(backup.get(key)) == raw
    return False


async def show(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.backup(c, request.path_params["backup_id"])
    return json_response({"backup": views.backup_detail(c, doc)})


async def update(request: Request) -> Response:
    c = ctx(request)
    if not c.at_least(3, 9):
        raise ApiError(404, "The resource could not be found.")
    doc = lookup.backup(c, request.path_params["backup_id"])
    changes = body_of(await read_json(request), "backup")
    allowed = {"name", "description"} | ({"metadata"} if c.at_least(3, 43) else set())
    extra = sorted(set(changes) - allowed)
    if extra:
        listed = ", ".join(repr(e) for e in extra)
        raise invalid_field(
            "backup", changes, f"Additional properties are not allowed ({listed} was unexpected)"
        )
    for field in ("name", "description"):
        check_string(changes, field)
        if field in changes:
            value = changes[field]
            doc[field] = value.strip() if isinstance(value, str) else value
    if "metadata" in changes:
        doc["metadata"] = check_metadata("metadata", changes["metadata"], nullable=True)
    doc["updated_at"] = c.now()
    return json_response({"backup": views.backup_detail(c, doc)})


async def delete(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.backup(c, request.path_params["backup_id"])
    delete_backup(c, doc, force=False)
    return Response(status_code=202)


def delete_backup(c: Ctx, doc: Doc, force: bool) -> None:
    """`backup.api.API.delete`: status and dependency checks, then deleting → gone."""
    if not force and doc["status"] not in ("available", "error"):
        raise ApiError(400, "Invalid backup: Backup status must be available or error")
    if any(b.get("_parent_id") == doc["id"] for b in c.state.backups.values()):
        raise ApiError(400, "Invalid backup: Incremental backups exist for this backup.")
    lifecycle.set_status(c.site, doc, "deleting")
    c.site.schedule(
        c.site.config.boot_seconds / 4, partial(_forget_backup, doc["id"], doc.get("_parent_id"))
    )


def _forget_backup(backup_id: str, parent_id: str | None, site: Site) -> None:
    lifecycle.forget("backups", backup_id, site)
    state = site.volume
    parent = state.backups.get(parent_id or "")
    if parent is not None and not any(
        b.get("_parent_id") == parent["id"] for b in state.backups.values()
    ):
        parent["has_dependent_backups"] = False


async def action(request: Request) -> Response:
    """os-reset_status and os-force_delete (admin only)."""
    c = ctx(request)
    body = await read_json(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise ApiError(400, "Malformed request body")
    name, inner = next(iter(body.items()))
    if name not in ("os-reset_status", "os-force_delete"):
        raise ApiError(
            400, f"There is no such action: {name}. Verify the request body and Content-Type header"
        )
    doc = lookup.backup(c, request.path_params["backup_id"])
    if not c.is_admin:
        rule = "reset_status" if name == "os-reset_status" else "force_delete"
        raise ApiError(
            403,
            f"Policy doesn't allow volume_extension:backup_admin_actions:{rule} to be performed.",
        )
    if name == "os-force_delete":
        delete_backup(c, doc, force=True)
        return Response(status_code=202)
    status = inner.get("status") if isinstance(inner, dict) else None
    if status not in ("available", "error"):
        raise invalid_field("status", status, f"{status!r} is not one of ['available', 'error']")
    lifecycle.set_status(c.site, doc, status)
    return Response(status_code=202)


ROUTES = [
    *routes("/backups", list_summary, ["GET"]),
    *routes("/backups", create, ["POST"]),
    *routes("/backups/detail", list_detail, ["GET"]),
    *routes("/backups/{backup_id}", show, ["GET"]),
    *routes("/backups/{backup_id}", update, ["PUT"]),
    *routes("/backups/{backup_id}", delete, ["DELETE"]),
    *routes("/backups/{backup_id}/restore", backup_restore.restore, ["POST"]),
    *routes("/backups/{backup_id}/action", action, ["POST"]),
]
