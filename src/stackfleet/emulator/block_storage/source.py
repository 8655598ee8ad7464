"""Where a new volume comes from, checked as Cinder's create-volume flow checks it.

`new_volume_spec` turns a validated `POST /volumes` body into a `lifecycle.NewVolume`: it resolves
the volume type, snapshot, source volume, backup or image, works out the size and raises
Cinder's own 400/404s in Cinder's order (`ExtractVolumeRequestTask`). Called by `volumes.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from stackfleet.emulator.block_storage import lookup
from stackfleet.emulator.block_storage.common import Ctx, invalid_field
from stackfleet.emulator.block_storage.lifecycle import ZONE, NewVolume
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc

GB = 1024**3
DB_MAX_INT = 0x7FFFFFFF


def check_size(value: object) -> int | None:
    """`parameter_types.volume_size_allows_null`: an integer (or digit string) of at least 1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid_field("size", value, f"{value!r} is not of type 'integer', 'string', 'null'")
    if isinstance(value, str):
        if not value.isdigit() or not value.isascii():
            raise invalid_field("size", value, f"{value!r} does not match '^[0-9]+$'")
        return int(value)
    if value < 1:
        raise invalid_field("size", value, f"{value} is less than the minimum of 1")
    if value > DB_MAX_INT:
        raise invalid_field("size", value, f"{value} is greater than the maximum of {DB_MAX_INT}")
    return value


def literal_dict(raw: str) -> dict[Any, Any] | None:
    """A `metadata` filter: a Python-literal dict, as Cinder reads it with `ast.literal_eval`."""
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, dict) else None


def bool_filter(raw: str) -> bool:
    """Strict boolean filter values (3.2+): anything else is Cinder's 400."""
    lowered = raw.lower()
    if lowered in ("true", "1", "t", "yes", "y", "on"):
        return True
    if lowered in ("false", "0", "f", "no", "n", "off"):
        return False
    raise ApiError(400, f"Invalid input received: '{raw}' is not a valid boolean value.")


def new_volume_spec(c: Ctx, volume: Doc) -> NewVolume:
    """Resolve and check everything a `POST /volumes` body refers to."""
    requested_type = volume.get("volume_type")
    chosen_type = lookup.volume_type_by_name_or_id(c, requested_type) if requested_type else None
    snapshot = lookup.snapshot(c, volume["snapshot_id"]) if volume.get("snapshot_id") else None
    source = lookup.volume(c, volume["source_volid"]) if volume.get("source_volid") else None
    image_ref = volume.get("imageRef") or volume.get("image_id")
    image, image_data = _image(c, image_ref) if image_ref else (None, None)
    backup = None
    if c.at_least(3, 47) and volume.get("backup_id"):
        backup = lookup.backup(c, volume["backup_id"])
    size = volume.get("size")
    if size is None:
        origin = snapshot or source or backup
        size = origin["size"] if origin is not None else None
    present = [x for x in (snapshot, image, source, backup) if x is not None]
    if len(present) > 1:
        raise ApiError(
            400,
            "Invalid input received: May specify only one of backup, imageRef, snapshot, "
            "source volume",
        )
    _check_origin_status(snapshot, source, backup)
    checked_size = _check_sizes(size, snapshot, source, backup)
    if image is not None:
        _check_image(image, checked_size)
    volume_type = chosen_type or _inherited_type(c, snapshot, source)
    zone = volume.get("availability_zone")
    if zone and zone != ZONE:
        raise ApiError(400, f"Availability zone '{zone}' is invalid.")
    return NewVolume(
        project_id=c.project_id,
        user_id=c.caller.user_id,
        size=checked_size,
        volume_type=volume_type,
        name=_strip(volume.get("name", volume.get("display_name"))),
        description=_strip(volume.get("description", volume.get("display_description"))),
        metadata=volume.get("metadata") or {},
        snapshot=snapshot,
        source_volume=source,
        backup=backup,
        image=image,
        image_data=image_data,
    )


def _strip(value: object) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _inherited_type(c: Ctx, snapshot: Doc | None, source: Doc | None) -> Doc:
    type_id = None
    if source is not None:
        type_id = source["volume_type_id"]
    elif snapshot is not None:
        type_id = snapshot["_volume_type_id"]
    inherited = c.state.types.get(type_id) if type_id else None
    return inherited or c.state.default_type()


def _check_origin_status(snapshot: Doc | None, source: Doc | None, backup: Doc | None) -> None:
    if snapshot is not None and snapshot["status"] != "available":
        raise ApiError(
            400,
            "Invalid snapshot: Originating snapshot status must be one of 'available' values",
        )
    if source is not None and source["status"] not in ("available", "in-use"):
        raise ApiError(
            400,
            "Invalid volume: Originating source volume status must be one of "
            "'available, in-use' values",
        )
    if backup is not None and backup["status"] != "available":
        raise ApiError(
            400, "Invalid backup: Originating backup status must be one of 'available' values"
        )


def _check_sizes(size: object, snapshot: Doc | None, source: Doc | None, backup: Doc | None) -> int:
    """`ExtractVolumeRequestTask._extract_size`."""
    if not isinstance(size, int) or size <= 0:
        raise ApiError(
            400,
            f"Invalid input received: Volume size '{size}' must be an integer and greater than 0",
        )
    if source is not None and size < source["size"]:
        raise ApiError(
            400,
            f"Invalid input received: Volume size '{size}'GB cannot be smaller than original "
            f"volume size  {source['size']}GB. They must be >= original volume size.",
        )
    if source is None and snapshot is not None and size < snapshot["size"]:
        raise ApiError(
            400,
            f"Invalid input received: Volume size '{size}'GB cannot be smaller than the snapshot "
            f"size {snapshot['size']}GB. They must be >= original snapshot size.",
        )
    if backup is not None and size < backup["size"]:
        raise ApiError(
            400,
            f"Invalid input received: Volume size {size}GB cannot be smaller than the backup "
            f"size {backup['size']}GB. It must be >= backup size.",
        )
    return size


def _image(c: Ctx, image_ref: str) -> tuple[Doc, Path | None]:
    """The image to copy, through the image service; Cinder's 400 when it is not visible."""
    from stackfleet.emulator.image import internal as image_internal

    image_id = image_ref.rstrip("/").rsplit("/", 1)[-1]
    try:
        image = image_internal.image_for_boot(c.site, c.project_id, image_id, is_admin=c.is_admin)
    except ApiError as error:
        if "not active" in error.message:
            raise ApiError(
                400, f"Invalid input received: Image {image_id} is not active."
            ) from None
        # Cinder's API maps Glance's 404 to a 400 without naming the image.
        raise ApiError(
            400, "Invalid image identifier or unable to access requested image."
        ) from None
    return image, image_internal.image_file(c.site, image_id)


def _check_image(image: Doc, size: int) -> None:
    """`volume_utils.check_image_metadata`."""
    image_gb = ((image.get("size") or 0) + GB - 1) // GB
    if image_gb > size:
        raise ApiError(
            400,
            f"Invalid input received: Size of specified image {image_gb}GB is larger than "
            f"volume size {size}GB.",
        )
    min_disk = image.get("min_disk") or 0
    if size < min_disk:
        raise ApiError(
            400,
            f"Invalid input received: Volume size {size}GB cannot be smaller than the image "
            f"minDisk size {min_disk}GB.",
        )
