"""Glance's rules on image attributes, shared by create (`images.py`) and update (`patch.py`).

The publicize policy, the domain's minimum checks, the database's integer range and the
property/tag quotas (Glance Zed defaults: 128 of each).
"""

from __future__ import annotations

from typing import Any

from stackfleet.emulator.image.faults import error
from stackfleet.emulator.image.state import Viewer

RESERVED_NAMESPACE = "os_glance"
"""Properties in this namespace belong to Glance; users may not set them."""
PROPERTY_QUOTA = 128
TAG_QUOTA = 128
MAX_DB_INT = 2**31 - 1


def check_visibility(who: Viewer, visibility: str | None) -> None:
    """Glance's publicize_image policy: only admins make images public."""
    if visibility == "public" and not who.is_admin:
        raise error(403, "You are not authorized to complete publicize_image action.")


def check_minimum(key: str, value: Any) -> None:
    if isinstance(value, int) and value < 0:
        raise error(
            400, f"Invalid value '{value}' for parameter '{key}': Cannot be a negative value"
        )
    if isinstance(value, int) and value > MAX_DB_INT:
        raise error(400, f"'{key}' value out of range, must not exceed {MAX_DB_INT}.")


def check_quotas(properties: dict[str, Any], tags: list[str]) -> None:
    counted = [key for key in properties if not key.startswith(RESERVED_NAMESPACE)]
    if len(counted) > PROPERTY_QUOTA:
        raise error(
            413,
            "The limit has been exceeded on the number of allowed image properties. "
            f"Attempted: {len(counted)}, Maximum: {PROPERTY_QUOTA}",
        )
    if len(tags) > TAG_QUOTA:
        raise error(
            413,
            "The limit has been exceeded on the number of allowed image tags. "
            f"Attempted: {len(tags)}, Maximum: {TAG_QUOTA}",
        )
