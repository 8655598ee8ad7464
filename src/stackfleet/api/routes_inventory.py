"""Routes for the inventory: search across every site, counts, and one resource (stored or live).

Site names and label filters are resolved to site ids here, from the registered sites, before
the inventory service is asked; each item is shown with its site's name and how fresh it is
(stale when its site is offline or refuses our credentials, or when it is older than three
full-refresh intervals). Included under /v1 by `app.create_api`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query

from stackfleet.api.deps import ServicesDep
from stackfleet.api.schemas import SITE_REF_PATTERN
from stackfleet.api.schemas_inventory import (
    CountFilters,
    CountGroup,
    CountOut,
    InventoryFilters,
    InventoryItemOut,
    InventoryPage,
)
from stackfleet.bootstrap import Services
from stackfleet.inventory.models import InventoryItem, InventoryQuery, ResourceType
from stackfleet.kernel.errors import InvalidInput, NotFound
from stackfleet.kernel.ids import SiteId
from stackfleet.sites.models import SiteStatus, SiteSummary

router = APIRouter(tags=["inventory"])

STALE_AFTER_REFRESHES = 3
"""A row older than this many full-refresh intervals is stale even if its site is online."""

_UNREACHED = frozenset({SiteStatus.OFFLINE, SiteStatus.AUTH_FAILED})


@router.get("/inventory")
def search(filters: Annotated[InventoryFilters, Query()], services: ServicesDep) -> InventoryPage:
    """Resources of every site, filtered, sorted and paginated (pass `next_cursor` back)."""
    sites = services.sites.summaries()
    query = build_query(filters, sites)
    if query is None:
        return InventoryPage(items=[], next_cursor=None)
    page = services.inventory.search(query)
    view = Freshness(services, sites)
    return InventoryPage(items=[view.show(i) for i in page.items], next_cursor=page.next_cursor)


@router.get("/inventory/count")
def count(filters: Annotated[CountFilters, Query()], services: ServicesDep) -> CountOut:
    """How many resources match, per value of `group_by` (site,type,status,project)."""
    sites = services.sites.summaries()
    query = build_query(filters, sites)
    if query is None:
        return CountOut(groups=[])
    rows = services.inventory.count(query, filters.group_by.split(","))
    names: dict[str, str] = {site.id: site.name for site in sites}
    return CountOut(groups=[CountGroup.of(row, names) for row in rows])


@router.get("/sites/{site}/inventory/{type}/{resource_id}")
def get_item(
    site: Annotated[str, Path(description="a site's name or id", pattern=SITE_REF_PATTERN)],
    type: ResourceType,
    resource_id: Annotated[str, Path(max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$")],
    services: ServicesDep,
    live: Annotated[bool, Query(description="ask the site now instead of the stored row")] = False,
) -> InventoryItemOut:
    """One resource with its raw document: as stored, or (live) as the site says now."""
    found = services.sites.get(site)
    item = services.inventory.get(found, type, resource_id, live=live)
    summary = SiteSummary(found.id, found.name, found.labels, found.health.status)
    return Freshness(services, [summary]).show(item, raw=True)


def build_query(filters: InventoryFilters, sites: Sequence[SiteSummary]) -> InventoryQuery | None:
    """The inventory query for `filters`; None when the site and label filters match no site."""
    site_ids = _named_sites(filters.site, sites)
    if filters.label:
        labelled = _labelled_sites(parse_labels(filters.label), sites)
        site_ids = labelled if not filters.site else [s for s in site_ids if s in labelled]
        if not site_ids:
            return None
    return InventoryQuery(
        types=tuple(filters.type),
        site_ids=tuple(site_ids),
        project_ids=tuple(filters.project),
        statuses=tuple(filters.status),
        text=filters.q or None,
        sort=filters.sort,
        limit=filters.limit,
        cursor=filters.cursor,
    )


def parse_labels(pairs: Sequence[str]) -> dict[str, str]:
    """`key:value` strings as a mapping; InvalidInput for one without a colon."""
    labels = {}
    for pair in pairs:
        key, colon, value = pair.partition(":")
        if not colon or not key:
            raise InvalidInput(
                f"Invalid label filter {pair!r}: write it as key:value, e.g. tier:gold."
            )
        labels[key] = value
    return labels


def site_labels(site: SiteSummary) -> dict[str, str]:
    """A site's labels as flat key/values: tier, country, city and the free-form ones."""
    flat = dict(site.labels.extra)
    location = site.labels.location
    for key, value in (
        ("tier", site.labels.tier),
        ("country", location.country),
        ("city", location.city),
    ):
        if value is not None:
            flat[key] = value
    return flat


def _labelled_sites(wanted: Mapping[str, str], sites: Sequence[SiteSummary]) -> list[SiteId]:
    def matches(site: SiteSummary) -> bool:
        have = site_labels(site)
        return all(have.get(k, "").casefold() == v.casefold() for k, v in wanted.items())

    return [site.id for site in sites if matches(site)]


def _named_sites(refs: Sequence[str], sites: Sequence[SiteSummary]) -> list[SiteId]:
    by_ref = {site.name: site.id for site in sites} | {site.id: site.id for site in sites}
    unknown = [ref for ref in refs if ref not in by_ref]
    if unknown:
        raise NotFound(f"No site named {unknown[0]!r}; `stackfleet site list` shows them.")
    return [by_ref[ref] for ref in refs]


class Freshness:
    """Shows inventory items with their site's name, their age and whether they are stale."""

    def __init__(self, services: Services, sites: Sequence[SiteSummary]) -> None:
        self.now = services.clock.now()
        self.stale_after = STALE_AFTER_REFRESHES * services.settings.refresh_interval
        self.sites = {site.id: site for site in sites}

    def show(self, item: InventoryItem, *, raw: bool = False) -> InventoryItemOut:
        site = self.sites.get(item.site_id)
        age = (self.now - item.observed_at) / dt.timedelta(seconds=1)
        unreached = site is None or site.status in _UNREACHED
        return InventoryItemOut.of(
            item,
            site.name if site else item.site_id,
            stale=unreached or age > self.stale_after,
            age=age,
            raw=raw,
        )
