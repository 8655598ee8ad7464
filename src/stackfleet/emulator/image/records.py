"""Image records: creating, finding, rendering and moving images through Glance's statuses.

Shared by the HTTP routes (`images.py`, `data.py`, `imports.py`, `actions.py`, `members.py`) and
by `internal.py`, so an image Nova or Cinder creates is the same kind of record a user creates.
The status machine and its messages are `glance.domain.Image`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stackfleet.emulator.clock import isoformat
from stackfleet.emulator.image import store
from stackfleet.emulator.image.faults import not_found
from stackfleet.emulator.image.state import Viewer
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

TRANSITIONS = {
    "queued": ("saving", "uploading", "importing", "active", "deleted"),
    "saving": ("active", "killed", "deleted", "queued"),
    "uploading": ("importing", "queued", "deleted"),
    "importing": ("active", "deleted", "queued"),
    "active": ("pending_delete", "deleted", "deactivated"),
    "killed": ("deleted",),
    "pending_delete": ("deleted", "active"),
    "deleted": (),
    "deactivated": ("active", "deleted"),
}
"""`glance.domain.Image.valid_state_targets`."""


class InvalidTransition(ValueError):
    """Glance's InvalidImageStatusTransition; routes map it to their own status code."""


class MissingFormats(ValueError):
    """Data may not be saved before disk_format and container_format are set (a 400)."""


def now(site: Site) -> str:
    return isoformat(site.clock.now())


def new_image(site: Site, owner: str | None, attributes: dict[str, Any]) -> Doc:
    """Create a queued image (Glance's `ImageFactory.new_image` defaults) and store it."""
    created = now(site)
    image: Doc = {
        "name": None,
        "disk_format": None,
        "container_format": None,
        "visibility": "shared",
        "size": None,
        "virtual_size": None,
        "status": "queued",
        "checksum": None,
        "protected": False,
        "min_ram": 0,
        "min_disk": 0,
        "owner": owner,
        "os_hidden": False,
        "os_hash_algo": None,
        "os_hash_value": None,
        "id": new_id(),
        "created_at": created,
        "updated_at": created,
        "tags": [],
    }
    image.update(attributes)
    site.image.images[image["id"]] = image
    return image


def render(image: Doc) -> Doc:
    """The image as Glance's ResponseSerializer shows it."""
    view = {key: value for key, value in image.items() if not key.startswith("_")}
    view.pop("os_glance_stage_host", None)
    view["tags"] = list(image["tags"])
    view["self"] = f"/v2/images/{image['id']}"
    view["file"] = f"/v2/images/{image['id']}/file"
    view["schema"] = "/v2/schemas/image"
    return view


def find(site: Site, viewer: Viewer, image_id: str) -> Doc:
    """The image if it exists and `viewer` may see it, else Glance's 404."""
    image = site.image.images.get(image_id)
    if image is None or not site.image.is_visible(image, viewer):
        raise not_found(image_id)
    return image


def set_status(site: Site, image: Doc, status: str) -> None:
    """Move the image to `status`, enforcing Glance's transitions and format prerequisites."""
    current = image["status"]
    if status not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"Image status transition from {current} to {status} is not allowed"
        )
    if current in ("queued", "uploading") and status in ("saving", "active", "importing"):
        missing = [key for key in ("disk_format", "container_format") if not image.get(key)]
        if missing:
            noun = "Property" if len(missing) == 1 else "Properties"
            raise MissingFormats(f"{noun} {', '.join(missing)} must be set prior to saving data.")
    if status == "queued":
        image["size"] = None
        image["virtual_size"] = None
    image["status"] = status
    image["updated_at"] = now(site)


def store_data(site: Site, image: Doc, digest: store.Digest | dict[str, Any]) -> None:
    """Record data just written to the image's file and make the image active.

    `digest` is the digest of the data written, or the checksums of the image it was copied from.
    """
    if isinstance(digest, store.Digest):
        digest = digest.checksums(image["disk_format"], image["container_format"])
    image.update(digest)
    image["_has_data"] = True
    if image["status"] != "active":
        set_status(site, image, "active")
