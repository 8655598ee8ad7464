"""What the other emulated services ask of Glance, in-process instead of over REST.

Callers: the compute server modules (boot image checks, createImage snapshots) and block
storage (volumes from images, os-volume_upload_image). Errors are worded as the calling
service words them to its own client; everything is validated before anything is created.
Returned documents are the stored records: read them, never change them.
"""

from __future__ import annotations

import contextlib
import functools
import pathlib
from functools import partial
from typing import TYPE_CHECKING, Any

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.image import records, store
from stackfleet.emulator.image.state import Viewer, custom_properties
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

NON_INHERITABLE_PROPERTIES = frozenset(
    {
        "cinder_encryption_key_id",
        "cinder_encryption_key_deletion_policy",
        "img_signature",
        "img_signature_hash_method",
        "img_signature_key_type",
        "img_signature_certificate_uuid",
        # nova.conf [DEFAULT] non_inheritable_image_properties
        "cache_in_nova",
        "bittorrent",
    }
)
"""Base image properties Nova does not copy into a snapshot."""

POLL_SECONDS = 0.05
_CHECKSUMS = ("size", "checksum", "os_hash_algo", "os_hash_value", "virtual_size")


def image_for_boot(site: Site, project_id: str, image_id: str, *, is_admin: bool = False) -> Doc:
    """The image to boot from (or make a volume from), as Nova checks it.

    Raises ApiError(400, "Image <id> could not be found.") when it is missing or not visible to
    the project, and ApiError(400, "Image <id> is not active.") when it has no usable data.
    """
    image = site.image.images.get(image_id)
    viewer = Viewer(project_id, "", is_admin)
    if image is None or not site.image.is_visible(image, viewer):
        raise ApiError(400, f"Image {image_id} could not be found.")
    if image["status"] != "active":
        raise ApiError(400, f"Image {image_id} is not active.")
    return image


def image_file(site: Site, image_id: str) -> pathlib.Path | None:
    """Where the image's data is stored, or None when it has none."""
    image = site.image.images.get(image_id)
    if image is None or not image.get("_has_data"):
        return None
    path = store.data_path(site, image_id)
    return path if path.exists() else None


def snapshot_server(
    site: Site, project_id: str, server: Doc, name: str, metadata: dict[str, str]
) -> Doc:
    """createImage: a snapshot of `server` owned by `project_id`, queued → saving → active.

    Properties are those Nova sets (image_type=snapshot, instance_uuid, base_image_ref, user_id,
    owner_id, ...) over the inheritable properties of the server's image; the data is a copy of
    the boot image's data, when there is one.
    """
    base_ref = _boot_image_ref(server)
    base = site.image.images.get(base_ref) if base_ref else None
    properties: dict[str, Any] = {}
    if base is not None:
        properties.update(
            (key, value)
            for key, value in custom_properties(base).items()
            if key not in NON_INHERITABLE_PROPERTIES and not key.startswith("os_glance")
        )
    properties.update(_snapshot_properties(site, server, base_ref))
    owner = server.get("tenant_id") or project_id
    if owner != project_id:
        properties["instance_owner"] = owner
    properties.update(metadata)
    attributes: dict[str, Any] = {
        "name": name,
        "visibility": "private" if owner == project_id else "shared",
        "min_ram": base["min_ram"] if base else 0,
        "min_disk": max(base["min_disk"] if base else 0, _flavor_disk(server)),
        **properties,
    }
    image = records.new_image(site, project_id, attributes)
    source = image_file(site, base_ref) if base_ref else None
    staged = store.staging_path(site, image["id"])
    checksums: dict[str, Any] | None = None
    if source is not None and base is not None:
        store.link_or_copy(source, staged)
        checksums = {key: base[key] for key in _CHECKSUMS}
    else:
        store.write_file(None, staged, 0)
    formats = {
        "disk_format": (base or {}).get("disk_format") or "qcow2",
        "container_format": (base or {}).get("container_format") or "bare",
    }
    delay = site.config.boot_seconds
    site.schedule(delay / 2, partial(_snapshot_saving, image["id"], formats))
    site.schedule(delay, partial(_finish_from_staging, image["id"], checksums))
    return image


def image_from_volume(  # noqa: PLR0913, PLR0917 - the fixed cross-service signature
    site: Site,
    project_id: str,
    name: str,
    disk_format: str,
    container_format: str,
    source: pathlib.Path | None,
    size_bytes: int,
    visibility: str,
) -> Doc:
    """os-volume_upload_image: a new image that becomes active once the volume's data is copied.

    The data (the `source` file, or `size_bytes` zero bytes for a volume never written) is copied
    in a worker thread; the image is saving meanwhile.
    """
    image = records.new_image(
        site,
        project_id,
        {
            "name": name,
            "disk_format": disk_format,
            "container_format": container_format,
            "visibility": visibility,
        },
    )
    records.set_status(site, image, "saving")
    target = store.staging_path(site, image["id"])
    if source is None:
        work = partial(_sparse_zeros, target, size_bytes)
    else:
        work = partial(store.write_file, source, target, size_bytes)
    store.start_job(site, image["id"], work)
    site.schedule(site.config.boot_seconds, partial(_poll_volume_upload, image["id"]))
    return image


def _boot_image_ref(server: Doc) -> str:
    image = server.get("image")
    if isinstance(image, dict):
        return str(image.get("id") or "")
    return image if isinstance(image, str) else ""


def _flavor_disk(server: Doc) -> int:
    flavor = server.get("flavor")
    disk = flavor.get("disk") if isinstance(flavor, dict) else None
    return disk if isinstance(disk, int) else 0


def _snapshot_properties(site: Site, server: Doc, base_ref: str) -> dict[str, str]:
    project = site.identity.projects.get(server.get("tenant_id", ""), {})
    user = site.identity.users.get(server.get("user_id", ""), {})
    return {
        "owner_project_name": project.get("name", ""),
        "owner_user_name": user.get("name", ""),
        "image_type": "snapshot",
        "instance_uuid": server["id"],
        "user_id": server.get("user_id", ""),
        "base_image_ref": base_ref,
        "image_location": "snapshot",
        "image_state": "available",
        "owner_id": server.get("tenant_id", ""),
    }


def _snapshot_saving(image_id: str, formats: dict[str, str], site: Site) -> None:
    """Nova's driver starts the upload: the formats are set and the image is saving."""
    image = site.image.images.get(image_id)
    if image is None or image["status"] != "queued":
        return
    image.update(formats)
    records.set_status(site, image, "saving")


def _finish_from_staging(
    image_id: str, digest: store.Digest | dict[str, Any] | None, site: Site
) -> None:
    """Move staged data into the store and make the image active."""
    image = site.image.images.get(image_id)
    staged = store.staging_path(site, image_id)
    if image is None or image["status"] not in ("saving", "queued"):
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        return
    if digest is None:
        digest = _hash_file(staged)
    store.commit_staged(site, image_id)
    if image["status"] == "queued":
        records.set_status(site, image, "saving")
    records.store_data(site, image, digest)


def _poll_volume_upload(image_id: str, site: Site) -> None:
    job = store.poll_job(site, image_id)
    if job is None:
        site.schedule(POLL_SECONDS, partial(_poll_volume_upload, image_id))
        return
    image = site.image.images.get(image_id)
    failure = job.exception()
    if failure is not None:
        store.remove_files(site, image_id)
        if image is not None and image["status"] == "saving":
            records.set_status(site, image, "queued")
        return
    _finish_from_staging(image_id, job.result(), site)


def _hash_file(path: pathlib.Path) -> store.Digest:
    digest = store.Digest()
    with path.open("rb") as data:
        while chunk := data.read(store.CHUNK_BYTES):
            digest.update(chunk)
    return digest


def _sparse_zeros(target: pathlib.Path, size: int) -> store.Digest:
    """A never-written volume's data: `size` zero bytes, as a sparse file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        out.truncate(size)
    return _zeros_digest(size)


@functools.cache
def _zeros_digest(size: int) -> store.Digest:
    # Hashing a gigabyte of zeros takes seconds; volumes share a few sizes, so do it once each.
    digest = store.Digest()
    chunk = bytes(1024 * 1024)
    remaining = size
    while remaining > 0:
        digest.update(chunk[: min(remaining, len(chunk))])
        remaining -= min(remaining, len(chunk))
    return digest
