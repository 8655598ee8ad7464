"""The inventory: every resource observed on every site, normalized for search.

Pure values shared by the inventory service, the collector adapter that builds items from each
site's API documents, the repository that stores them, and the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stackfleet.kernel.ids import SiteId


class ResourceType(StrEnum):
    """What the inventory holds, one value per collected API listing."""

    SERVER = "server"
    FLAVOR = "flavor"
    IMAGE = "image"
    KEYPAIR = "keypair"
    NETWORK = "network"
    SUBNET = "subnet"
    PORT = "port"
    ROUTER = "router"
    FLOATING_IP = "floating_ip"
    SECURITY_GROUP = "security_group"
    VOLUME = "volume"
    SNAPSHOT = "snapshot"
    BACKUP = "backup"
    QUOTA = "quota"
    """One item per service (compute, network, block-storage) with limits and usage."""
    HYPERVISOR = "hypervisor"


INCREMENTAL_TYPES = frozenset({ResourceType.SERVER})
"""Types whose listings take `changes-since` and report deletions (Nova's servers): an
incremental refresh asks only for what changed; the other types are listed in full."""


@dataclass(frozen=True)
class InventoryItem:
    """One resource on one site as last observed."""

    site_id: SiteId
    type: ResourceType
    resource_id: str
    name: str | None
    project_id: str | None
    status: str | None
    observed_at: dt.datetime
    addresses: tuple[str, ...] = ()
    """IP addresses, for search (servers, ports, floating IPs, routers)."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """The few attributes shown in lists: flavor, image, AZ, host, size, cidr, ..."""
    raw: Mapping[str, Any] = field(default_factory=dict)
    """The document as the site returned it."""
    updated_at: dt.datetime | None = None
    """The site's own `updated_at`, where the resource has one."""


@dataclass(frozen=True)
class Collected:
    """One resource type's listing from one site."""

    type: ResourceType
    items: tuple[InventoryItem, ...]
    complete: bool
    """True for a full listing (what is absent is gone); False for a `changes-since` listing."""
    deleted_ids: frozenset[str] = frozenset()
    """Resources a `changes-since` listing reported deleted."""
    requests: int = 1


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh of one site did."""

    site_id: SiteId
    full: bool
    started_at: dt.datetime
    finished_at: dt.datetime
    requests: int = 0
    upserted: int = 0
    removed: int = 0
    error: str | None = None
    """Set when the site could not be refreshed; its rows are kept, marked stale."""


@dataclass(frozen=True)
class InventoryQuery:
    """A search over the inventory of every site."""

    types: tuple[ResourceType, ...] = ()
    site_ids: tuple[SiteId, ...] = ()
    project_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    text: str | None = None
    """Case-insensitive substring of name, resource id or an IP address."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Site labels every matching site must have (tier, country, city or extra keys)."""
    sort: str = "name"
    """name, status, type, site, observed_at; a leading "-" sorts descending."""
    limit: int = 100
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a query; `next_cursor` is None on the last page."""

    items: tuple[InventoryItem, ...]
    next_cursor: str | None = None


@dataclass(frozen=True)
class CountRow:
    """One group of an aggregate: e.g. (site, status) → count."""

    key: Mapping[str, str]
    count: int
