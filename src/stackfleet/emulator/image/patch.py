"""Glance's image update: `PATCH /v2/images/{id}` with a JSON-patch document.

Parses `application/openstack-images-v2.1-json-patch` (draft 10: `{"op", "path", "value"}`) and the
older v2.0 media type (draft 4: `{"add": path, "value"}`), then applies add/replace/remove to the
image the way `glance.api.v2.images` does, with the same 400/403/409/413/415 messages. Changes are
applied to a copy and stored only when every one of them succeeded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from stackfleet.emulator.image import records, rules
from stackfleet.emulator.image.faults import error, read_body, unsupported_media_type
from stackfleet.emulator.image.schemas import validate
from stackfleet.emulator.image.state import BASE_PROPERTIES, Viewer, is_mutable
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

MEDIA_TYPES = {
    "application/openstack-images-v2.0-json-patch": 4,
    "application/openstack-images-v2.1-json-patch": 10,
}
OPERATIONS = ("add", "remove", "replace")
_READONLY = (
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "size",
    "virtual_size",
    "direct_url",
    "self",
    "file",
    "schema",
    "id",
    "os_hash_algo",
    "os_hash_value",
)
_RESERVED = ("location", "deleted", "deleted_at")
_QUEUED_ONLY = ("disk_format", "container_format")


@dataclass(frozen=True)
class Change:
    """One parsed JSON-patch operation."""

    op: str
    path: list[str]
    value: Any
    draft: int


async def read_changes(request: Request) -> list[Change]:
    """Glance's `RequestDeserializer.update`: the body's operations, validated."""
    raw_type = request.headers.get("content-type")
    media_type = (raw_type or "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        accept = ", ".join(sorted(MEDIA_TYPES))
        raise unsupported_media_type(raw_type, {"Accept-Patch": accept})
    draft = MEDIA_TYPES[media_type]
    body = await read_body(request)
    if not isinstance(body, list):
        raise error(400, "Request body must be a JSON array of operation objects.")
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise error(400, "Operations must be JSON objects.")
        changes.append(_parse(raw, draft))
    return changes


def _parse(raw: dict[str, Any], draft: int) -> Change:
    op, pointer = _operation_d10(raw) if draft == 10 else _operation_d4(raw)
    path = _decode_pointer(pointer)
    depth = {"add": 2, "remove": 2, "replace": 1}[op] if path[0] == "locations" else 1
    if len(path) != depth:
        raise error(400, f"Invalid JSON pointer for this resource: '/{'/'.join(path)}'")
    value = None
    if op != "remove":
        if "value" not in raw:
            raise error(400, f'Operation "{op}" requires a member named "value".')
        value = raw["value"]
    change = Change(op, path, value, draft)
    _validate_change(change)
    return change


def _operation_d10(raw: dict[str, Any]) -> tuple[str, Any]:
    op = raw.get("op")
    available = ", ".join(OPERATIONS)
    if op is None:
        raise error(
            400,
            f"Unable to find `op` in JSON Schema change. It must be one of the following: "
            f"{available}.",
        )
    if op not in OPERATIONS:
        raise error(
            400, f"Invalid operation: `{op}`. It must be one of the following: {available}."
        )
    if "path" not in raw:
        raise error(400, "Unable to find 'path' in JSON Schema change")
    return str(op), raw["path"]


def _operation_d4(raw: dict[str, Any]) -> tuple[str, Any]:
    found = [key for key in OPERATIONS if key in raw]
    if len(found) > 1:
        raise error(
            400,
            'Operation objects must contain only one member named "add", "remove", or "replace".',
        )
    if not found:
        raise error(
            400,
            'Operation objects must contain exactly one member named "add", "remove", or '
            '"replace".',
        )
    return found[0], raw[found[0]]


def _decode_pointer(pointer: Any) -> list[str]:
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise error(400, f'Pointer `{pointer}` does not start with "/".')
    if re.search(r"/\s*?/", pointer[1:]):
        raise error(400, f'Pointer `{pointer}` contains adjacent "/".')
    if len(pointer) > 1 and pointer.endswith("/"):
        raise error(400, f'Pointer `{pointer}` end with "/".')
    if pointer[1:].strip() == "/":
        raise error(400, f"Pointer `{pointer}` does not contains valid token.")
    if re.search("~[^01]", pointer) or pointer.endswith("~"):
        raise error(
            400, f'Pointer `{pointer}` contains "~" not part of a recognized escape sequence.'
        )
    return [
        part.replace("~1", "/").replace("~0", "~").strip()
        for part in pointer.lstrip("/").split("/")
    ]


def _validate_change(change: Change) -> None:
    root = change.path[0]
    if root in _READONLY:
        raise error(403, f"Attribute '{root}' is read-only.")
    if root in _RESERVED or root.startswith(rules.RESERVED_NAMESPACE):
        raise error(403, f"Attribute '{root}' is reserved.")
    if change.op != "remove" and len(change.path) == 1:
        validate({root: change.value})


def apply(site: Site, image: Doc, who: Viewer, changes: list[Change]) -> None:
    """Apply `changes` to `image` (all or nothing), as Glance's ImagesController.update."""
    work = {**image, "tags": list(image["tags"])}
    added = False
    for change in changes:
        if change.path[0] == "locations":
            _locations(change, image, who)
        added = _apply_one(work, image, who, change) or added
    custom = {key: 0 for key in work if key not in BASE_PROPERTIES and not key.startswith("_")}
    rules.check_quotas(custom if added else {}, work["tags"])
    if changes:
        work["updated_at"] = records.now(site)
    image.clear()
    image.update(work)


def _apply_one(work: Doc, image: Doc, who: Viewer, change: Change) -> bool:
    """Apply one change to `work`; return whether it added a property."""
    root = change.path[0]
    if change.op == "remove":
        _may_modify(image, who, root, None)
        if root in BASE_PROPERTIES:
            raise error(403, f"Property {root} may not be removed.")
        if root not in work:
            raise error(409, f"Property {root} does not exist.")
        del work[root]
        return False
    if change.op == "replace" and root == "owner" and not who.is_admin:
        raise error(403, "Owner can't be updated by non admin.")
    _may_modify(image, who, root, change.value)
    exists = root in work
    if change.op == "replace" and not exists:
        raise error(409, f"Property {root} does not exist.")
    if change.op == "add" and exists and change.draft == 4:
        raise error(409, f"Property {root} already present.")
    _set(work, root, change.value)
    return not exists


def _locations(change: Change, image: Doc, who: Viewer) -> None:
    """Locations are hidden (show_multiple_locations is off), so Glance refuses every change."""
    if change.op == "replace" and not change.value:
        raise error(403, "Cannot set locations to empty list.")
    if change.op == "remove" and not is_mutable(image, who):
        raise error(403, "You do not own this image")
    verb = {"replace": "update", "add": "add", "remove": "remove"}[change.op]
    raise error(403, f"It's not allowed to {verb} locations if locations are invisible.")


def _may_modify(image: Doc, who: Viewer, root: str, value: Any) -> None:
    if root == "visibility":
        rules.check_visibility(who, value)
    if not is_mutable(image, who):
        raise error(403, "You do not own this image")


def _set(work: Doc, key: str, value: Any) -> None:
    """Glance's domain setters: format changes only while queued, no negative minimums."""
    if key in _QUEUED_ONLY and work["status"] not in ("queued", "importing"):
        raise error(403, f"Attribute {key} can be only replaced for a queued image.")
    if key in ("min_disk", "min_ram"):
        rules.check_minimum(key, value)
    work[key] = list(dict.fromkeys(value)) if key == "tags" else value
