"""Cinder backups: create (full or incremental), list, show, update, delete and admin actions.

Restoring (to a new or an existing volume) is in `backup_restore.py`.
Checks and messages follow Cinder Zed's `contrib/backups.py`, `v3/backups.py` and
`backup/api.py`. The backup driver is Swift's (the `volumebackups` container, 50 MiB objects);
the backed-up data is a copy of the volume's small data file under site.data_dir/"backups".
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import (
    backup_restore,
    lifecycle,
    listing,
    lookup,
    usage,
    views,
)
from stackfleet.emulator.block_storage.common import (
    Ctx,
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

CONTAINER = "volumebackups"
"""cinder.conf `backup_swift_container` default."""
OBJECT_BYTES = 52428800
"""cinder.conf `backup_swift_object_size` default."""
GB = 1024**3
_USER_FILTERS = frozenset({"name", "status", "volume_id"})
_SORT_KEYS = frozenset(
    {
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
    }
)
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
    return schema_bool(key, spec.get(key, False))


def _check_create(spec: Doc) -> None:
    reject_unknown("backup", spec, _CREATE_FIELDS, verb_agrees=False)
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
    doc: Doc = {
        "id": backup_id,
        "status": "creating",
        "size": volume["size"],
        "object_count": 0,
        "availability_zone": lifecycle.ZONE,
        "container": spec.get("container") or CONTAINER,
        "created_at": now,
        "updated_at": None,
        "name": stripped(spec.get("name")),
        "description": stripped(spec.get("description")),
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
    lifecycle.copy_data(c.site, (snapshot or volume).get("_data"), "backups", doc)
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


def _matches(backup: Doc, key: str, raw: str) -> bool:
    if key == "project_id":
        return bool(backup["_project_id"] == raw)
    if key in ("name", "status", "volume_id", "id", "container", "snapshot_id"):
        return str(backup.get(key)) == raw
    return False


list_summary, list_detail = listing.handlers(
    listing.Listing(
        "backups",
        _USER_FILTERS,
        _matches,
        _SORT_KEYS,
        views.backup_summary,
        views.backup_detail,
    )
)


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
    reject_unknown("backup", changes, allowed, verb_agrees=False)
    # Validate every field before changing any, so a 400 leaves the backup as it was.
    for field in ("name", "description"):
        check_string(changes, field)
    metadata = (
        check_metadata("metadata", changes["metadata"], nullable=True)
        if "metadata" in changes
        else None
    )
    for field in ("name", "description"):
        if field in changes:
            doc[field] = stripped(changes[field])
    if "metadata" in changes:
        doc["metadata"] = metadata
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
    name, inner = named_action(await read_json(request), ("os-reset_status", "os-force_delete"))
    doc = lookup.backup(c, request.path_params["backup_id"])
    require_admin(c, f"volume_extension:backup_admin_actions:{name.removeprefix('os-')}")
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
