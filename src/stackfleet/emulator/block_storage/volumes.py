"""Cinder volumes: create, list (summary and detail), show, update and delete.

The request checks follow Cinder Zed's v3 controller, its JSON schemas (3.53+) and the
create-volume flow (`cinder/volume/flows/api/create_volume.py`); the delete conditions are
`volume.api.API.delete`'s. Volume actions (`POST /volumes/{id}/action`) are in `actions.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import lifecycle, listing, lookup, source, views
from stackfleet.emulator.block_storage.common import (
    Ctx,
    apply_names,
    body_of,
    bool_param,
    check_metadata,
    check_string,
    ctx,
    invalid_field,
    reject_unknown,
    require_admin,
    routes,
)
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, read_json

_CREATE_FIELDS = frozenset(
    {
        "name",
        "description",
        "display_name",
        "display_description",
        "volume_type",
        "metadata",
        "snapshot_id",
        "source_volid",
        "consistencygroup_id",
        "size",
        "availability_zone",
        "multiattach",
        "image_id",
        "imageRef",
        "group_id",
        "backup_id",
        "scheduler_hints",
    }
)
_UPDATE_FIELDS = frozenset(
    {"name", "description", "display_name", "display_description", "metadata"}
)
_DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
_USER_FILTERS = frozenset(
    {
        "name",
        "status",
        "metadata",
        "bootable",
        "migration_status",
        "availability_zone",
        "group_id",
        "size",
        "created_at",
        "updated_at",
        "consumes_quota",
    }
)
_SORT_KEYS = frozenset(
    {"id", "name", "status", "size", "created_at", "updated_at", "availability_zone", "bootable"}
)


async def create(request: Request) -> Response:
    c = ctx(request)
    body = await read_json(request)
    volume = body_of(body, "volume")
    _check_create(volume)
    if volume.get("multiattach") is not None and _truthy(volume["multiattach"]):
        raise ApiError(
            400,
            "multiattach parameter has been removed. The default behavior is to use multiattach "
            "enabled volume types. Contact your administrator to create a multiattach enabled "
            "volume type and use it to create multiattach volumes.",
        )
    spec = source.new_volume_spec(c, volume)
    doc = lifecycle.create_volume(c.site, spec)
    return json_response({"volume": views.volume_detail(c, doc)}, 202)


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "yes"))


def _check_create(volume: Doc) -> None:
    reject_unknown("volume", volume, _CREATE_FIELDS)
    for field in ("name", "description", "display_name", "display_description"):
        check_string(volume, field)
    for field in ("image_id", "imageRef", "volume_type", "group_id"):
        value = volume.get(field)
        if value is not None and not isinstance(value, str):
            raise invalid_field(field, value, f"{value!r} is not of type 'string', 'null'")
    if "metadata" in volume:
        volume["metadata"] = check_metadata("metadata", volume["metadata"], nullable=True)
    if "size" in volume:
        volume["size"] = source.check_size(volume["size"])


def _matches(volume: Doc, key: str, raw: str) -> bool:  # noqa: PLR0911 - one case per filter
    if key == "metadata":
        return listing.metadata_matches(volume, raw)
    if key == "bootable":
        return bool(volume["bootable"] == str(source.bool_filter(raw)).lower())
    if key == "project_id":
        return bool(volume["_project_id"] == raw)
    if key == "consumes_quota":
        return bool(volume["_use_quota"] == source.bool_filter(raw))
    if key in ("created_at", "updated_at"):
        return True
    if key == "size":
        return str(volume["size"]) == raw
    if key in ("name", "status", "availability_zone", "migration_status", "group_id"):
        return str(volume.get(key)) == raw
    if key in ("volume_type", "volume_type_id", "user_id", "id", "snapshot_id", "source_volid"):
        return str(volume.get(key)) == raw
    # Cinder answers an empty list when an admin filters on something volumes don't have.
    return False


list_summary, list_detail = listing.handlers(
    listing.Listing(
        "volumes",
        _USER_FILTERS,
        _matches,
        _SORT_KEYS,
        views.volume_summary,
        views.volume_detail,
        sort_keys_first=True,
    )
)


async def summary(request: Request) -> Response:
    """`GET /volumes/summary` (3.12): count, total size and (3.36) distinct metadata values."""
    c = ctx(request)
    if not c.at_least(3, 12):
        raise ApiError(404, "The resource could not be found.")
    all_tenants = bool_param(request.query_params, "all_tenants") and c.is_admin
    docs = [v for v in c.state.volumes.values() if all_tenants or v["_project_id"] == c.project_id]
    body: Doc = {"total_count": len(docs), "total_size": sum(v["size"] for v in docs)}
    if c.at_least(3, 36):
        metadata: dict[str, list[str]] = {}
        for doc in docs:
            for key, value in doc["metadata"].items():
                if value not in metadata.setdefault(key, []):
                    metadata[key].append(value)
        body["metadata"] = metadata
    return json_response({"volume-summary": body})


async def show(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.volume(c, request.path_params["volume_id"])
    return json_response({"volume": views.volume_detail(c, doc)})


async def update(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.volume(c, request.path_params["volume_id"])
    body = await read_json(request)
    changes = body_of(body, "volume")
    reject_unknown("volume", changes, _UPDATE_FIELDS)
    if not changes:
        raise invalid_field("volume", changes, "{} is not valid under any of the given schemas")
    for field in ("name", "description", "display_name", "display_description"):
        check_string(changes, field)
    metadata = check_metadata("metadata", changes["metadata"]) if "metadata" in changes else None
    apply_names(doc, changes)
    if metadata is not None:
        doc["metadata"] = metadata
    doc["updated_at"] = c.now()
    return json_response({"volume": views.volume_detail(c, doc)})


async def delete(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.volume(c, request.path_params["volume_id"])
    params = request.query_params
    cascade = bool_param(params, "cascade")
    force = c.at_least(3, 23) and bool_param(params, "force")
    if force:
        require_admin(c, "volume_extension:volume_admin_actions:force_delete")
    check_deletable(c, doc, cascade=cascade, force=force)
    for snapshot in [s for s in c.state.snapshots.values() if s["volume_id"] == doc["id"]]:
        lifecycle.start_deleting(c.site, "snapshots", snapshot, 0)
    lifecycle.start_deleting(c.site, "volumes", doc, c.site.config.boot_seconds / 2)
    return Response(status_code=202)


def check_deletable(c: Ctx, doc: Doc, *, cascade: bool, force: bool) -> None:
    """`volume.api.API.delete`'s conditional update, with its exact refusal."""
    has_snapshots = any(s["volume_id"] == doc["id"] for s in c.state.snapshots.values())
    blocked_by_snapshots = has_snapshots and (
        not cascade
        or (
            not force
            and any(
                s["status"] not in ("available", "error", "deleting")
                for s in c.state.snapshots.values()
                if s["volume_id"] == doc["id"]
            )
        )
    )
    if (
        doc["_attach_status"] == "attached"
        or (not force and doc["status"] not in _DELETABLE)
        or doc["migration_status"] not in (None, "deleting", "error", "success")
        or blocked_by_snapshots
    ):
        status = "" if force else "status must be " + " or ".join(_DELETABLE) + " and"
        raise ApiError(
            400,
            f"Invalid volume: Volume {status} must not be migrating, attached, belong to a "
            "group, have snapshots, awaiting a transfer, or be disassociated from snapshots "
            "after volume transfer.",
        )


ROUTES = [
    *routes("/volumes", list_summary, ["GET"]),
    *routes("/volumes", create, ["POST"]),
    *routes("/volumes/detail", list_detail, ["GET"]),
    *routes("/volumes/summary", summary, ["GET"]),
    *routes("/volumes/{volume_id}", show, ["GET"]),
    *routes("/volumes/{volume_id}", update, ["PUT"]),
    *routes("/volumes/{volume_id}", delete, ["DELETE"]),
]
