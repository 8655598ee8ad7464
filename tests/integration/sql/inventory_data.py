"""Building inventory items and batches for the SQL inventory tests."""

from __future__ import annotations

import datetime as dt

from stackfleet.inventory.models import Collected, InventoryItem, ResourceType
from stackfleet.kernel.ids import SiteId

T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def server(
    site_id: SiteId,
    resource_id: str,
    name: str | None = None,
    *,
    status: str = "ACTIVE",
    project_id: str = "p1",
    addresses: tuple[str, ...] = (),
    at: dt.datetime = T0,
) -> InventoryItem:
    return InventoryItem(
        site_id=site_id,
        type=ResourceType.SERVER,
        resource_id=resource_id,
        name=name,
        project_id=project_id,
        status=status,
        observed_at=at,
        addresses=addresses,
        attributes={"flavor": "m1.small", "az": "nova"},
        raw={"id": resource_id, "name": name, "status": status, "metadata": {"k": "v"}},
        updated_at=at - dt.timedelta(minutes=5),
    )


def volume(
    site_id: SiteId, resource_id: str, name: str, status: str = "available"
) -> InventoryItem:
    return InventoryItem(
        site_id, ResourceType.VOLUME, resource_id, name, "p1", status, T0, attributes={"size": 1}
    )


def full(*items: InventoryItem, type_: ResourceType = ResourceType.SERVER) -> Collected:
    return Collected(type_, items, complete=True)


def changes(*items: InventoryItem, deleted: frozenset[str] = frozenset()) -> Collected:
    return Collected(ResourceType.SERVER, items, complete=False, deleted_ids=deleted)
