"""Finding Cinder resources the caller may see, with Cinder's 404s when they may not.

Non-admins see their own project's volumes, snapshots and backups and the public volume types
(plus private ones shared with their project); admins see everything. Called by the route modules.
"""

from __future__ import annotations

from stackfleet.emulator.block_storage.common import Ctx
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, is_uuid


def _owned(c: Ctx, docs: dict[str, Doc], label: str, item_id: str) -> Doc:
    doc = docs.get(item_id)
    if doc is None or not c.owns(doc):
        raise ApiError(404, f"{label} {item_id} could not be found.")
    return doc


def volume(c: Ctx, volume_id: str) -> Doc:
    return _owned(c, c.state.volumes, "Volume", volume_id)


def snapshot(c: Ctx, snapshot_id: str) -> Doc:
    return _owned(c, c.state.snapshots, "Snapshot", snapshot_id)


def backup(c: Ctx, backup_id: str) -> Doc:
    return _owned(c, c.state.backups, "Backup", backup_id)


def type_visible(c: Ctx, doc: Doc) -> bool:
    return c.is_admin or doc["is_public"] or c.project_id in doc.get("_access", ())


def volume_type(c: Ctx, type_id: str) -> Doc:
    """A type by id (`GET /types/{id}`): `VolumeTypeNotFound` when missing or not visible."""
    doc = c.state.types.get(type_id)
    if doc is None or not type_visible(c, doc):
        raise ApiError(404, f"Volume type {type_id} could not be found.")
    return doc


def volume_type_by_name_or_id(c: Ctx, identity: str) -> Doc:
    """`volume_types.get_by_name_or_id`: a UUID is tried as an id first, then as a name."""
    if is_uuid(identity):
        doc = c.state.types.get(identity)
        if doc is not None and type_visible(c, doc):
            return doc
    for doc in c.state.types.values():
        if doc["name"] == identity and type_visible(c, doc):
            return doc
    if is_uuid(identity):
        raise ApiError(404, f"Volume type {identity} could not be found.")
    raise ApiError(404, f"Volume type with name {identity} could not be found.")


def type_name(c: Ctx, volume: Doc) -> str:
    """The name of the volume's type now, or the one recorded if the type has gone since."""
    type_doc = c.state.types.get(volume["volume_type_id"])
    return str(type_doc["name"] if type_doc else volume["volume_type"])
