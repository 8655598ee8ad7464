"""Typed identifiers shared across packages."""

from __future__ import annotations

import uuid
from typing import NewType

SiteId = NewType("SiteId", str)
"""A site's Stackfleet id (a UUID string); never the site's own ids."""


def new_site_id() -> SiteId:
    return SiteId(str(uuid.uuid4()))


def new_request_id() -> str:
    """A global request id in OpenStack's form, `req-<uuid>`, sent to every site for one action."""
    return f"req-{uuid.uuid4()}"
