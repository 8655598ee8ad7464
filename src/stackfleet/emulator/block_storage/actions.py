"""Volume actions: `POST /volumes/{id}/action` with one `os-*` key naming the action.

Extend, reset status / force delete (admin), bootable and read-only flags, the legacy attach /
detach / reserve calls, and revert to snapshot, with the checks and messages of Cinder Zed's
`contrib/volume_actions.py`, `contrib/admin_actions.py` and `volume/api.py`. Image-related
actions (upload to image, image metadata) are in `image_actions.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import image_actions, lifecycle, lookup, usage, volumes
from stackfleet.emulator.block_storage.common import (
    Ctx,
    ctx,
    invalid_field,
    is_bool_string,
    named_action,
    reject_unknown,
    require_admin,
    routes,
    to_bool,
)
from stackfleet.emulator.block_storage.source import check_size
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, read_json

VOLUME_STATUSES = (
    "creating",
    "available",
    "deleting",
    "error",
    "error_deleting",
    "error_managing",
    "managing",
    "attaching",
    "in-use",
    "detaching",
    "maintenance",
    "restoring-backup",
    "error_restoring",
    "reserved",
    "awaiting-transfer",
    "backing-up",
    "error_backing-up",
    "error_extending",
    "downloading",
    "uploading",
    "retyping",
    "extending",
)
"""`fields.VolumeStatus.ALL`, as the reset-status validator lists them."""

Action = Callable[[Ctx, Doc, Doc], Awaitable[Response]]


async def action(request: Request) -> Response:
    c = ctx(request)
    name, inner = named_action(await read_json(request), _ALL_ACTIONS)
    volume = lookup.volume(c, request.path_params["volume_id"])
    return await _ALL_ACTIONS[name](c, volume, inner if inner is not None else {})


def fields(inner: object, action_name: str, allowed: set[str], required: set[str]) -> Doc:
    """Schema check of an action's body: an object with known keys and the required ones."""
    if not isinstance(inner, dict):
        raise invalid_field(action_name, inner, f"{inner!r} is not of type 'object'")
    reject_unknown(action_name, inner, allowed)
    for key in sorted(required):
        if key not in inner:
            raise invalid_field(action_name, inner, f"'{key}' is a required property")
    return inner


def bool_field(inner: Doc, key: str) -> bool:
    value = inner[key]
    if not is_bool_string(value):
        raise invalid_field(key, value, f"{value!r} is not one of the allowed boolean values")
    return to_bool(value)


async def _extend(c: Ctx, volume: Doc, inner: Doc) -> Response:
    fields(inner, "os-extend", {"new_size"}, {"new_size"})
    new_size = check_size(inner["new_size"])
    assert new_size is not None  # noqa: S101 - check_size only returns None for None
    attached = c.at_least(3, 42) and volume["status"] == "in-use"
    increase = new_size - volume["size"]
    if increase <= 0:
        raise ApiError(
            400,
            "Invalid input received: New size for extend must be greater than current size. "
            f"(current: {volume['size']}, extended: {new_size}).",
        )
    expected = "in-use" if attached else "available"
    if volume["status"] != expected:
        raise ApiError(
            400,
            f"Invalid volume: Volume {volume['id']} status must be "
            f"'{{'status': '{expected}'}}' to extend, currently {volume['status']}.",
        )
    type_name = lookup.type_name(c, volume)
    usage.reserve(
        c.state,
        volume["_project_id"],
        "extend",
        {"gigabytes": increase, f"gigabytes_{type_name}": increase},
        increase,
    )
    volume["size"] = new_size
    lifecycle.start_transition(c.site, "volumes", volume, "extending")
    return Response(status_code=202)


async def _reset_status(c: Ctx, volume: Doc, inner: Doc) -> Response:
    fields(inner, "os-reset_status", {"status", "attach_status", "migration_status"}, set())
    require_admin(c, "volume_extension:volume_admin_actions:reset_status")
    status = _lowered(inner, "status")
    attach_status = _lowered(inner, "attach_status")
    migration_status = _lowered(inner, "migration_status")
    if status and status not in VOLUME_STATUSES:
        raise ApiError(
            400,
            f"Volume status: {inner['status']} is invalid, valid statuses are: "
            f"{VOLUME_STATUSES!r}.",
        )
    if attach_status and attach_status not in ("attached", "detached"):
        raise ApiError(
            400,
            f"Volume attach status: {inner['attach_status']} is invalid, valid statuses are: "
            "['attached', 'detached'].",
        )
    if status in ("deleting", "error_deletingdetaching"):
        raise ApiError(400, f"Cannot reset-state to {status}")
    if status == "in-use" and not lifecycle.attachments_of(c.site, volume["id"]):
        raise ApiError(
            400, "Cannot reset-state to in-use because volume does not have any attachments."
        )
    if status:
        lifecycle.set_status(c.site, volume, status)
    if migration_status:
        volume["migration_status"] = None if migration_status == "none" else migration_status
    if attach_status:
        volume["_attach_status"] = attach_status
        if attach_status == "detached":
            for attachment in lifecycle.attachments_of(c.site, volume["id"]):
                del c.state.attachments[attachment["id"]]
            volume["_admin_metadata"].pop("attached_mode", None)
    return Response(status_code=202)


def _lowered(inner: Doc, key: str) -> str | None:
    value = inner.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_field(key, value, f"{value!r} is not of type 'string', 'null'")
    return value.lower()


async def _force_delete(c: Ctx, volume: Doc, inner: Doc) -> Response:
    del inner
    require_admin(c, "volume_extension:volume_admin_actions:force_delete")
    volumes.check_deletable(c, volume, cascade=False, force=True)
    lifecycle.start_deleting(c.site, "volumes", volume, 0)
    return Response(status_code=202)


async def _set_bootable(c: Ctx, volume: Doc, inner: Doc) -> Response:
    fields(inner, "os-set_bootable", {"bootable"}, {"bootable"})
    volume["bootable"] = "true" if bool_field(inner, "bootable") else "false"
    volume["updated_at"] = c.now()
    return Response(status_code=200)


async def _readonly(c: Ctx, volume: Doc, inner: Doc) -> Response:
    fields(inner, "os-update_readonly_flag", {"readonly"}, {"readonly"})
    readonly = bool_field(inner, "readonly")
    if volume["status"] != "available":
        raise ApiError(
            400,
            f"Invalid volume: Volume {volume['id']} status must be available to update readonly "
            f"flag, but current status is: {volume['status']}.",
        )
    volume["_admin_metadata"]["readonly"] = "True" if readonly else "False"
    return Response(status_code=202)


async def _attach(c: Ctx, volume: Doc, inner: Doc) -> Response:
    fields(inner, "os-attach", {"instance_uuid", "mountpoint", "host_name", "mode"}, {"mountpoint"})
    if volume["status"] not in ("available", "attaching", "reserved"):
        raise ApiError(
            400, f"Invalid volume: Volume {volume['id']} status must be available or attaching"
        )
    lifecycle.attach(
        c.site,
        volume,
        inner.get("instance_uuid") or "",
        str(inner["mountpoint"]),
        inner.get("host_name") or "",
    )
    return Response(status_code=202)


async def _detach(c: Ctx, volume: Doc, inner: Doc) -> Response:
    fields(inner, "os-detach", {"attachment_id"}, set())
    lifecycle.detach(c.site, volume, None, inner.get("attachment_id"))
    return Response(status_code=202)


async def _reserve(c: Ctx, volume: Doc, inner: Doc) -> Response:
    del inner
    if volume["status"] != "available":
        raise ApiError(
            400,
            "Invalid volume: Volume status must be available to reserve, but the status is "
            f"{volume['status']}.",
        )
    lifecycle.set_status(c.site, volume, "attaching")
    return Response(status_code=202)


async def _unreserve(c: Ctx, volume: Doc, inner: Doc) -> Response:
    del inner
    if volume["status"] == "attaching":
        attached = bool(lifecycle.attachments_of(c.site, volume["id"]))
        lifecycle.set_status(c.site, volume, "in-use" if attached else "available")
    return Response(status_code=202)


async def _begin_detaching(c: Ctx, volume: Doc, inner: Doc) -> Response:
    del inner
    if volume["status"] != "in-use" or volume["_attach_status"] != "attached":
        raise ApiError(
            400,
            "Invalid volume: Unable to detach volume. Volume status must be 'in-use' and "
            "attach_status must be 'attached' to detach.",
        )
    lifecycle.set_status(c.site, volume, "detaching")
    return Response(status_code=202)


async def _roll_detaching(c: Ctx, volume: Doc, inner: Doc) -> Response:
    del inner
    if volume["status"] == "detaching":
        lifecycle.set_status(c.site, volume, "in-use")
    return Response(status_code=202)


async def _revert(c: Ctx, volume: Doc, inner: Doc) -> Response:
    if not c.at_least(3, 40):
        raise ApiError(404, "The resource could not be found.")
    snapshot_id = inner.get("snapshot_id") if isinstance(inner, dict) else None
    snapshots = sorted(
        (s for s in c.state.snapshots.values() if s["volume_id"] == volume["id"]),
        key=lambda s: str(s["created_at"]),
    )
    if not snapshots:
        raise ApiError(400, f"Volume {volume['id']} doesn't have any snapshots.")
    latest = snapshots[-1]
    if snapshot_id is None or snapshot_id != latest["id"]:
        raise ApiError(
            400,
            f"Specified snapshot {snapshot_id} is None or not the latest one of volume "
            f"{volume['id']}.",
        )
    if volume["size"] != latest["size"]:
        raise ApiError(
            400,
            f"Can't revert volume {volume['id']} to its latest snapshot {snapshot_id}. The "
            "volume size must be equal to the snapshot size.",
        )
    if volume["status"] != "available" or latest["status"] != "available":
        raise ApiError(
            409,
            "Invalid volume: Volume status must be available or snapshot status must be "
            "available before reverting.",
        )
    lifecycle.start_transition(c.site, "volumes", volume, "reverting")
    return Response(status_code=202)


_ACTIONS: dict[str, Action] = {
    "os-extend": _extend,
    "os-reset_status": _reset_status,
    "os-force_delete": _force_delete,
    "os-set_bootable": _set_bootable,
    "os-update_readonly_flag": _readonly,
    "os-attach": _attach,
    "os-detach": _detach,
    "os-reserve": _reserve,
    "os-unreserve": _unreserve,
    "os-begin_detaching": _begin_detaching,
    "os-roll_detaching": _roll_detaching,
    "revert": _revert,
}

_ALL_ACTIONS: dict[str, Action] = {**image_actions.ACTIONS, **_ACTIONS}

ROUTES = [*routes("/volumes/{volume_id}/action", action, ["POST"])]
