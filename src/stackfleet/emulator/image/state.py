"""Glance's state for one site: image records, image members, and who may see or change them.

Images are kept in their wire shape (base attributes and custom properties side by side, as Glance
renders them); private bookkeeping lives under `_` keys. Image data never lives in memory: it is a
file under `<site data dir>/images/<image id>` (see `store.py`), staged data under
`<site data dir>/staging/<image id>`. The visibility and ownership rules here are Glance Zed's
defaults (`glance.db.utils.is_image_visible`, `check_is_image_mutable`), used by every route and by
`internal.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

BASE_PROPERTIES = (
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "size",
    "virtual_size",
    "container_format",
    "disk_format",
    "created_at",
    "updated_at",
    "tags",
    "min_ram",
    "min_disk",
)
"""The attributes every image has; anything else in an image document is a custom property."""


@dataclass(frozen=True)
class Viewer:
    """Who looks at images: Glance's request context reduced to what its rules read."""

    project_id: str | None
    user_id: str
    is_admin: bool


@dataclass
class ImageState:
    """Everything Glance stores for one site."""

    images: dict[str, Doc] = field(default_factory=dict)
    members: dict[str, dict[str, Doc]] = field(default_factory=dict)
    """Image id → member (project) id → member document."""
    deleted_ids: set[str] = field(default_factory=set)
    """Ids of deleted images: Glance keeps their rows, so an id is never reused."""

    @classmethod
    def create(cls, site: Site) -> ImageState:
        del site
        return cls()

    def member(self, image_id: str, project_id: str | None) -> Doc | None:
        if project_id is None:
            return None
        return self.members.get(image_id, {}).get(project_id)

    def is_visible(self, image: Doc, viewer: Viewer, member_status: str | None = None) -> bool:
        """Whether `viewer` may see `image` (optionally only via a membership in that status)."""
        if viewer.is_admin or image["owner"] is None:
            return True
        if image["visibility"] in ("public", "community"):
            return True
        if viewer.project_id is None:
            return False
        if image["owner"] == viewer.project_id:
            return True
        if image["visibility"] == "shared":
            member = self.member(image["id"], viewer.project_id)
            return member is not None and member_status in (None, member["status"])
        return False


def is_mutable(image: Doc, viewer: Viewer) -> bool:
    """Glance's admin-or-owner rule for changing an image (`check_is_image_mutable`)."""
    if viewer.is_admin:
        return True
    return image["owner"] is not None and image["owner"] == viewer.project_id


def custom_properties(image: Doc) -> dict[str, str]:
    """The image's custom (extra) properties."""
    return {
        key: value
        for key, value in image.items()
        if key not in BASE_PROPERTIES and not key.startswith("_")
    }
