"""Volume actions that involve Glance: upload to image and the volume's image metadata.

`os-volume_upload_image` makes the image through `image/internal.py` (`image_from_volume`) and
keeps the volume `uploading` until the copy is done; `os-set_image_metadata`,
`os-unset_image_metadata` and `os-show_image_metadata` manage `volume_image_metadata`, as in
Cinder Zed's `contrib/volume_actions.py` and `contrib/volume_image_metadata.py`. Dispatched from
`actions.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.responses import Response

from stackfleet.emulator.block_storage import lifecycle
from stackfleet.emulator.block_storage.common import (
    Ctx,
    check_metadata,
    invalid_field,
    reject_unknown,
    require_admin,
    schema_bool,
    to_bool,
)
from stackfleet.emulator.block_storage.types import type_detail
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

GB = 1024**3
DISK_FORMATS = ("raw", "vmdk", "vdi", "qcow2", "vhd", "vhdx", "ploop")
CONTAINER_FORMATS = ("bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("community", "public", "private", "shared")

ImageAction = Callable[[Ctx, Doc, Doc], Awaitable[Response]]


def _check_upload(c: Ctx, inner: object) -> Doc:
    allowed = {"image_name", "force", "disk_format", "container_format"}
    if c.at_least(3, 1):
        allowed |= {"visibility", "protected"}
    if not isinstance(inner, dict):
        raise invalid_field("os-volume_upload_image", inner, f"{inner!r} is not of type 'object'")
    reject_unknown("os-volume_upload_image", inner, allowed)
    name = inner.get("image_name")
    if name is None:
        raise invalid_field("os-volume_upload_image", inner, "'image_name' is a required property")
    if not isinstance(name, str) or not 0 < len(name) <= 255:
        raise invalid_field("image_name", name, f"{name!r} is not a valid image name")
    for key, choices in (
        ("disk_format", DISK_FORMATS),
        ("container_format", CONTAINER_FORMATS),
        ("visibility", VISIBILITIES),
    ):
        if key in inner and inner[key] not in choices:
            raise invalid_field(key, inner[key], f"{inner[key]!r} is not one of {list(choices)!r}")
    for key in ("force", "protected"):
        if key in inner:
            schema_bool(key, inner[key])
    return inner


async def upload_image(c: Ctx, volume: Doc, inner: Doc) -> Response:
    from stackfleet.emulator.image import internal as image_internal

    params = _check_upload(c, inner)
    force = to_bool(params.get("force", "False"))
    allowed = ("available", "in-use") if force else ("available",)
    if volume["status"] not in allowed:
        raise ApiError(
            400,
            f"Invalid volume: Volume {volume['id']} status must be {' or '.join(allowed)}",
        )
    visibility = params.get("visibility", "private") if c.at_least(3, 1) else "private"
    if visibility == "public":
        require_admin(c, "volume_extension:volume_actions:upload_public")
    disk_format = params.get("disk_format", "raw")
    container_format = params.get("container_format", "bare")
    image = image_internal.image_from_volume(
        c.site,
        c.project_id,
        params["image_name"],
        disk_format,
        container_format,
        Path(volume["_data"]) if volume.get("_data") else None,
        volume["size"] * GB,
        visibility,
    )
    previous = volume["status"]
    lifecycle.set_status(c.site, volume, "uploading")
    c.site.schedule(c.site.config.boot_seconds, partial(_finish_upload, volume["id"], previous))
    volume_type = c.state.types.get(volume["volume_type_id"])
    response: Doc = {
        "id": volume["id"],
        "updated_at": volume["updated_at"],
        "status": "uploading",
        "display_description": volume["description"],
        "size": volume["size"],
        "volume_type": type_detail(c, volume_type) if volume_type else None,
        "image_id": image["id"],
        "container_format": container_format,
        "disk_format": disk_format,
        "image_name": params["image_name"],
    }
    if c.at_least(3, 1):
        response["protected"] = to_bool(params.get("protected", "False"))
        response["visibility"] = visibility
    return json_response({"os-volume_upload_image": response}, 202)


def _finish_upload(volume_id: str, previous: str, site: Site) -> None:
    """Timer: the copy to Glance is done; the volume returns to its previous status."""
    volume = site.volume.volumes.get(volume_id)
    if volume is not None and volume["status"] == "uploading":
        lifecycle.set_status(site, volume, previous)


async def set_image_metadata(c: Ctx, volume: Doc, inner: Doc) -> Response:
    if not isinstance(inner, dict) or "metadata" not in inner:
        raise invalid_field("os-set_image_metadata", inner, "'metadata' is a required property")
    metadata = check_metadata("metadata", inner["metadata"])
    volume["_image_metadata"].update(metadata)
    return json_response({"metadata": dict(volume["_image_metadata"])})


async def unset_image_metadata(c: Ctx, volume: Doc, inner: Doc) -> Response:
    del c
    if not isinstance(inner, dict) or "key" not in inner:
        raise invalid_field("os-unset_image_metadata", inner, "'key' is a required property")
    key = inner["key"]
    if key not in volume["_image_metadata"]:
        raise ApiError(404, f"Glance metadata for volume/snapshot {volume['id']} cannot be found.")
    del volume["_image_metadata"][key]
    return Response(status_code=200)


async def show_image_metadata(c: Ctx, volume: Doc, inner: Doc) -> Response:
    del c, inner
    return json_response({"metadata": dict(volume["_image_metadata"])})


ACTIONS: dict[str, ImageAction] = {
    "os-volume_upload_image": upload_image,
    "os-set_image_metadata": set_image_metadata,
    "os-unset_image_metadata": unset_image_metadata,
    "os-show_image_metadata": show_image_metadata,
}
