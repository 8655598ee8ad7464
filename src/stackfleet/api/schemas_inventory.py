"""The inventory's wire schemas: query filters, items with their freshness, counts, refreshes.

Split from `api/schemas.py` (sites, health, events, problems) to keep each module small; shared
the same way by the routes (`api/routes_inventory.py`, `api/routes_sites.py`), the typed client
and the CLI.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from stackfleet.api.schemas import In
from stackfleet.inventory.models import CountRow, InventoryItem, RefreshResult, ResourceType

SORT_PATTERN = r"^-?(name|status|type|site|observed_at)$"

Text = Annotated[str, StringConstraints(max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$")]
"""A query value: printable, and short enough for any index."""


class InventoryFilters(In):
    """The query string of `GET /v1/inventory` (and the filters of `/v1/inventory/count`)."""

    type: list[ResourceType] = Field(default_factory=list)
    site: list[Text] = Field(default_factory=list, description="site names or ids")
    project: list[Text] = Field(default_factory=list)
    status: list[Text] = Field(default_factory=list)
    q: Text | None = Field(default=None, description="substring of name, resource id or IP address")
    label: list[Text] = Field(
        default_factory=list, description="key:value site labels (tier, country, city, extra)"
    )
    sort: str = Field(default="name", pattern=SORT_PATTERN)
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: Text | None = None


class CountFilters(InventoryFilters):
    """The query string of `GET /v1/inventory/count`."""

    group_by: str = Field(
        default="site", pattern=r"^(site|type|status|project)(,(site|type|status|project))*$"
    )


class InventoryItemOut(BaseModel):
    """One resource on one site as last observed, with how fresh that observation is."""

    site_id: str
    site_name: str
    type: ResourceType
    resource_id: str
    name: str | None
    project_id: str | None
    status: str | None
    addresses: list[str]
    attributes: dict[str, Any]
    observed_at: dt.datetime
    updated_at: dt.datetime | None
    stale: bool
    age_seconds: float
    raw: dict[str, Any] | None = None

    @classmethod
    def of(
        cls, item: InventoryItem, site_name: str, *, stale: bool, age: float, raw: bool = False
    ) -> InventoryItemOut:
        return cls(
            site_id=item.site_id,
            site_name=site_name,
            type=item.type,
            resource_id=item.resource_id,
            name=item.name,
            project_id=item.project_id,
            status=item.status,
            addresses=list(item.addresses),
            attributes=dict(item.attributes),
            observed_at=item.observed_at,
            updated_at=item.updated_at,
            stale=stale,
            age_seconds=round(max(age, 0.0), 3),
            raw=dict(item.raw) if raw else None,
        )


class InventoryPage(BaseModel):
    """One page of an inventory query; pass `next_cursor` back as `cursor` for the next."""

    items: list[InventoryItemOut]
    next_cursor: str | None


class CountGroup(BaseModel):
    """One group of an aggregate, e.g. {site: ..., status: ACTIVE} → 12."""

    key: dict[str, str]
    count: int

    @classmethod
    def of(cls, row: CountRow, site_names: dict[str, str]) -> CountGroup:
        key = dict(row.key)
        if "site" in key:
            key["site_name"] = site_names.get(key["site"], key["site"])
        return cls(key=key, count=row.count)


class CountOut(BaseModel):
    """`GET /v1/inventory/count`."""

    groups: list[CountGroup]


class RefreshOut(BaseModel):
    """What one refresh of one site did; `error` is set when the site could not be refreshed."""

    site_id: str
    site_name: str
    full: bool
    started_at: dt.datetime
    finished_at: dt.datetime
    requests: int
    upserted: int
    removed: int
    error: str | None

    @classmethod
    def of(cls, result: RefreshResult, site_name: str) -> RefreshOut:
        return cls(
            site_id=result.site_id,
            site_name=site_name,
            full=result.full,
            started_at=result.started_at,
            finished_at=result.finished_at,
            requests=result.requests,
            upserted=result.upserted,
            removed=result.removed,
            error=result.error,
        )
