"""Restoring a Cinder backup: `POST /backups/{id}/restore` to a new or an existing volume.

As Cinder Zed's `backup/api.py` `restore`: without a volume_id a volume of the backup's size is
made (`restore_backup_<id>`, quota-checked); an existing one must be available and big enough.
The backup is `restoring` and the volume `restoring-backup` until the copy is done. Called from
the backup routes in `backups.py`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import lifecycle, lookup
from stackfleet.emulator.block_storage.common import body_of, ctx, reject_unknown
from stackfleet.emulator.block_storage.lifecycle import NewVolume
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


async def restore(request: Request) -> Response:
    c = ctx(request)
    spec = body_of(await read_json(request), "restore")
    reject_unknown("restore", spec, {"volume_id", "name"}, verb_agrees=False)
    backup = lookup.backup(c, request.path_params["backup_id"])
    if backup["status"] != "available":
        raise ApiError(400, "Invalid backup: Backup status must be available")
    volume_id = spec.get("volume_id")
    if volume_id is None:
        name = spec.get("name") or f"restore_backup_{backup['id']}"
        volume = lifecycle.create_volume(
            c.site,
            NewVolume(
                project_id=c.project_id,
                user_id=c.caller.user_id,
                size=backup["size"],
                volume_type=c.state.default_type(),
                name=name,
                description="auto-created_from_restore_from_backup",
            ),
        )
        # Cinder waits for the new volume to leave `creating` before it restores into it.
        volume["status"] = "available"
    else:
        volume = lookup.volume(c, str(volume_id))
    if volume["status"] != "available":
        raise ApiError(400, "Invalid volume: Volume to be restored to must be available")
    if backup["size"] > volume["size"]:
        raise ApiError(
            400,
            f"Invalid volume: volume size {volume['size']} is too small to restore backup of "
            f"size {backup['size']}.",
        )
    lifecycle.set_status(c.site, backup, "restoring")
    lifecycle.set_status(c.site, volume, "restoring-backup")
    c.site.schedule(
        c.site.config.boot_seconds, partial(_finish_restore, backup["id"], volume["id"])
    )
    body: Doc = {
        "backup_id": backup["id"],
        "volume_id": volume["id"],
        "volume_name": volume["name"],
    }
    return json_response({"restore": body}, 202)


def _finish_restore(backup_id: str, volume_id: str, site: Site) -> None:
    """Timer: the data is back; the volume takes the backup's bootable flag and image data."""
    state = site.volume
    backup = state.backups.get(backup_id)
    volume = state.volumes.get(volume_id)
    if volume is not None and volume["status"] == "restoring-backup":
        if backup is not None:
            lifecycle.copy_data(site, backup.get("_data"), "volumes", volume)
            volume["bootable"] = "true" if backup["_bootable"] else volume["bootable"]
            volume["_image_metadata"] = dict(backup["_image_metadata"])
        attached = volume["_attach_status"] == "attached"
        lifecycle.set_status(site, volume, "in-use" if attached else "available")
    if backup is not None and backup["status"] == "restoring":
        lifecycle.set_status(site, backup, "available")
