"""Volume lifecycle: making volume documents, their delayed transitions, data files, attachments.

Shared by the REST handlers (`volumes.py`, `actions.py`, `snapshots.py`, `backups.py`) and by
`internal.py` (Nova's in-process calls), so a volume made either way is the same. Transitions
that take time in a real Cinder (creating → available, extending, uploading, backing up) are site
timers: module-level functions taking the `Site` last, so state pickles.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from stackfleet.emulator.block_storage import usage
from stackfleet.emulator.block_storage.common import timestamp
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

ZONE = "nova"
"""cinder.conf `storage_availability_zone` default."""


@dataclass
class NewVolume:
    """What a volume is made from; the handlers fill it from the request."""

    project_id: str
    user_id: str
    size: int
    volume_type: Doc
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    snapshot: Doc | None = None
    source_volume: Doc | None = None
    backup: Doc | None = None
    image: Doc | None = None
    """The Glance image document when creating from an image."""
    image_data: Path | None = None


def create_volume(site: Site, spec: NewVolume) -> Doc:
    """Quota-check and record a new volume in `creating`; it becomes available after a delay."""
    state = site.volume
    usage.reserve(
        state,
        spec.project_id,
        "volumes",
        usage.volume_deltas(spec.volume_type["name"], spec.size),
        spec.size,
    )
    now = timestamp(site)
    volume_id = new_id()
    bootable = spec.image is not None or _source_bootable(spec)
    doc: Doc = {
        "id": volume_id,
        "status": "creating",
        "size": spec.size,
        "availability_zone": ZONE,
        "created_at": now,
        "updated_at": None,
        "name": spec.name,
        "description": spec.description,
        "volume_type": spec.volume_type["name"],
        "volume_type_id": spec.volume_type["id"],
        "snapshot_id": spec.snapshot["id"] if spec.snapshot else None,
        "source_volid": spec.source_volume["id"] if spec.source_volume else None,
        "metadata": dict(spec.metadata),
        "user_id": spec.user_id,
        "bootable": "true" if bootable else "false",
        "encrypted": False,
        "replication_status": None,
        "consistencygroup_id": None,
        "multiattach": spec.volume_type.get("extra_specs", {}).get("multiattach") == "<is> True",
        "migration_status": None,
        "group_id": None,
        "provider_id": None,
        "shared_targets": False,
        "service_uuid": state.service_uuid,
        "cluster_name": None,
        "_project_id": spec.project_id,
        "_host": state.host,
        "_attach_status": "detached",
        "_admin_metadata": {},
        "_image_metadata": _image_metadata(spec),
        "_use_quota": True,
        "_data": None,
    }
    state.volumes[volume_id] = doc
    _copy_data(site, doc, spec)
    finish = partial(finish_status, "volumes", volume_id, "creating")
    site.schedule(site.config.boot_seconds, finish)
    return doc


def _source_bootable(spec: NewVolume) -> bool:
    if spec.source_volume is not None:
        return bool(spec.source_volume["bootable"] == "true")
    if spec.snapshot is not None:
        return bool(spec.snapshot.get("_bootable", False))
    if spec.backup is not None:
        return bool(spec.backup.get("_bootable", False))
    return False


def _image_metadata(spec: NewVolume) -> dict[str, str]:
    """`volume_glance_metadata`: copied from the image, or inherited from the source."""
    if spec.image is not None:
        image = spec.image
        meta = {
            "image_id": image["id"],
            "image_name": image.get("name") or "",
            "checksum": image.get("checksum") or "",
            "container_format": image.get("container_format") or "",
            "disk_format": image.get("disk_format") or "",
            "min_disk": str(image.get("min_disk", 0)),
            "min_ram": str(image.get("min_ram", 0)),
            "size": str(image.get("size") or 0),
        }
        return {k: v for k, v in meta.items() if v != ""}
    for source in (spec.source_volume, spec.snapshot, spec.backup):
        if source is not None:
            return dict(source.get("_image_metadata") or {})
    return {}


def _copy_data(site: Site, doc: Doc, spec: NewVolume) -> None:
    """Give the volume the data it was made from: a small file, never a full-size disk."""
    source: Path | None = spec.image_data
    for origin in (spec.snapshot, spec.source_volume, spec.backup):
        if origin is not None and origin.get("_data"):
            source = Path(origin["_data"])
    copy_data(site, source, "volumes", doc)


def copy_data(site: Site, source: str | Path | None, kind: str, doc: Doc) -> None:
    """Give `doc` (a volume, snapshot or backup) its own copy of the data file at `source`."""
    if not source or not Path(source).exists():
        return
    target = data_path(site, kind, doc["id"])
    shutil.copyfile(source, target)
    doc["_data"] = str(target)


def data_path(site: Site, kind: str, item_id: str) -> Path:
    """Where a volume's, snapshot's or backup's data lives; the folder is made on demand."""
    folder = site.data_dir / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder / item_id


def drop_data(doc: Doc) -> None:
    if doc.get("_data"):
        Path(doc["_data"]).unlink(missing_ok=True)
        doc["_data"] = None


def finish_status(kind: str, item_id: str, expected: str, site: Site) -> None:
    """Timer: a volume, snapshot or backup leaves a transient status for its settled one."""
    docs: dict[str, Doc] = getattr(site.volume, kind)
    doc = docs.get(item_id)
    if doc is None or doc["status"] != expected:
        return
    if kind == "volumes":
        doc["status"] = "in-use" if doc["_attach_status"] == "attached" else "available"
    else:
        doc["status"] = "available"
    doc["updated_at"] = timestamp(site)


def start_transition(site: Site, kind: str, doc: Doc, status: str) -> None:
    """`doc` stays in the transient `status` for half the boot delay, then settles."""
    set_status(site, doc, status)
    site.schedule(site.config.boot_seconds / 2, partial(finish_status, kind, doc["id"], status))


def set_status(site: Site, doc: Doc, status: str) -> None:
    doc["status"] = status
    doc["updated_at"] = timestamp(site)


def attach(site: Site, volume: Doc, server_id: str, device: str, host: str) -> str:
    """Record a Nova attachment: the volume becomes in-use; returns the attachment id."""
    attachment_id = new_id()
    now = timestamp(site)
    site.volume.attachments[attachment_id] = {
        "id": attachment_id,
        "volume_id": volume["id"],
        "instance_uuid": server_id,
        "attached_host": host,
        "mountpoint": device,
        "attach_time": now,
        "detach_time": None,
        "attach_status": "attached",
        "attach_mode": "rw",
        "_project_id": volume["_project_id"],
    }
    volume["_attach_status"] = "attached"
    volume["_admin_metadata"]["attached_mode"] = "rw"
    set_status(site, volume, "in-use")
    return attachment_id


def detach(site: Site, volume: Doc, server_id: str | None, attachment_id: str | None) -> bool:
    """Remove the volume's attachment(s) to `server_id` (or by id); False when none matched."""
    state = site.volume
    matched = [
        a
        for a in state.attachments.values()
        if a["volume_id"] == volume["id"]
        and (server_id is None or a["instance_uuid"] == server_id)
        and (attachment_id is None or a["id"] == attachment_id)
    ]
    for attachment in matched:
        del state.attachments[attachment["id"]]
    if not any(a["volume_id"] == volume["id"] for a in state.attachments.values()):
        volume["_attach_status"] = "detached"
        volume["_admin_metadata"].pop("attached_mode", None)
        set_status(site, volume, "available")
    return bool(matched)


def attachments_of(site: Site, volume_id: str) -> list[Doc]:
    return [a for a in site.volume.attachments.values() if a["volume_id"] == volume_id]


def delete_volume(site: Site, volume: Doc) -> None:
    """Forget a volume with its attachments and data (the quota frees with it)."""
    for attachment in attachments_of(site, volume["id"]):
        del site.volume.attachments[attachment["id"]]
    drop_data(volume)
    site.volume.volumes.pop(volume["id"], None)


def start_deleting(site: Site, kind: str, doc: Doc, delay: float) -> None:
    """A volume, snapshot or backup is `deleting` and `forget` removes it after `delay`."""
    set_status(site, doc, "deleting")
    site.schedule(delay, partial(forget, kind, doc["id"]))


def forget(kind: str, item_id: str, site: Site) -> None:
    """Timer: a deleting volume, snapshot or backup is gone (its quota usage with it)."""
    docs: dict[str, Doc] = getattr(site.volume, kind)
    doc = docs.get(item_id)
    if doc is None or doc["status"] != "deleting":
        return
    if kind == "volumes":
        delete_volume(site, doc)
    else:
        drop_data(doc)
        del docs[item_id]
