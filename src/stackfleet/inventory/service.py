"""Keeping the inventory of every site fresh, and answering questions about it.

A refresh lists each resource type on a site (in full, or only what changed since the last
listing where the API takes `changes-since`) and applies the whole batch in one transaction, so
a crash mid-refresh leaves the previous state. Sites are refreshed in parallel with bounded
concurrency. Declares what it needs from storage (`InventoryRepository`) and from the sites
(`InventorySource`); called by the API routes and the refresh loop in `workers.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from stackfleet.inventory.models import (
    INCREMENTAL_TYPES,
    Collected,
    CountRow,
    InventoryItem,
    InventoryQuery,
    Page,
    RefreshResult,
    ResourceType,
)
from stackfleet.kernel.clock import Clock
from stackfleet.kernel.errors import NotFound, StackfleetError
from stackfleet.kernel.fanout import Outcome, fan_out
from stackfleet.kernel.ids import SiteId
from stackfleet.sites.models import Site

SKEW = dt.timedelta(seconds=60)
"""How far back an incremental listing reaches before the last one, for clock skew between
Stackfleet and the site (changes-since compares with the site's own clock)."""


class InventorySource(Protocol):
    """Listing a site's resources (adapters/openstack), over the site's one connection."""

    def collect(self, site: Site, type_: ResourceType, since: dt.datetime | None) -> Collected:
        """List one resource type, all of it or what changed since `since`.

        Raises SiteUnavailable / SiteAuthFailed when the site cannot answer.
        """

    def get_live(self, site: Site, type_: ResourceType, resource_id: str) -> InventoryItem:
        """Ask the site for one resource now; NotFound if it has none."""


class InventoryRepository(Protocol):
    """Where inventory rows live (adapters/sql)."""

    def apply(
        self, site_id: SiteId, batch: Sequence[Collected], observed_at: dt.datetime
    ) -> tuple[int, int]:
        """Apply one refresh of a site in one transaction; return (rows upserted, rows removed).

        Upserts every item, deletes what a complete listing no longer has and what an
        incremental one reports deleted, and records `observed_at` as each type's mark.
        """

    def marks(self, site_id: SiteId) -> Mapping[ResourceType, dt.datetime]:
        """When each type was last listed successfully on the site."""

    def last_refreshed(self) -> Mapping[SiteId, dt.datetime]:
        """Every site's latest successful listing of any type, in one read."""

    def query(self, query: InventoryQuery) -> Page:
        """One page of matching items, without their raw documents (`get` has them)."""

    def count(self, query: InventoryQuery, group_by: Sequence[str]) -> list[CountRow]:
        """Rows matching `query`, counted per value of `group_by` (site, type, status, project)."""

    def get(self, site_id: SiteId, type_: ResourceType, resource_id: str) -> InventoryItem | None:
        """One stored row."""


class InventoryService:
    """Refresh and query the inventory."""

    def __init__(
        self,
        repo: InventoryRepository,
        source: InventorySource,
        clock: Clock,
        concurrency: int = 32,
    ) -> None:
        self.repo = repo
        self.source = source
        self.clock = clock
        self.concurrency = concurrency

    def refresh(
        self,
        sites: Sequence[Site],
        *,
        full: bool = True,
        on_done: Callable[[RefreshResult], None] | None = None,
    ) -> list[RefreshResult]:
        """Refresh every site, `concurrency` at a time; one site's failure stops only that site."""

        def report(outcome: Outcome[Site, RefreshResult]) -> None:
            if on_done is not None and outcome.result is not None:
                on_done(outcome.result)

        outcomes = fan_out(
            sites, lambda s: self.refresh_site(s, full=full), self.concurrency, report
        )
        return [o.result for o in outcomes if o.result is not None]

    def refresh_site(self, site: Site, *, full: bool = True) -> RefreshResult:
        """List one site (every type, or only what changed) and apply the batch in one go.

        Failures are reported in the result, not raised: the site's rows stay as they were.
        """
        started = self.clock.now()
        marks = {} if full else self.repo.marks(site.id)
        # Incremental: only the types that can say what changed (and what was deleted); a type
        # never listed yet on this site is listed in full. Full refreshes catch up the rest.
        types = list(ResourceType) if full else sorted(INCREMENTAL_TYPES)
        batch: list[Collected] = []
        try:
            for type_ in types:
                since = marks.get(type_)
                batch.append(self.source.collect(site, type_, since - SKEW if since else None))
            upserted, removed = self.repo.apply(site.id, batch, started)
        except StackfleetError as failed:
            return RefreshResult(
                site.id, full, started, self.clock.now(), sum(c.requests for c in batch),
                error=failed.message,
            )  # fmt: skip
        requests = sum(c.requests for c in batch)
        return RefreshResult(site.id, full, started, self.clock.now(), requests, upserted, removed)

    def last_refreshed(self) -> Mapping[SiteId, dt.datetime]:
        """When each site's inventory was last refreshed successfully (for freshness metrics)."""
        return self.repo.last_refreshed()

    def search(self, query: InventoryQuery) -> Page:
        return self.repo.query(query)

    def count(self, query: InventoryQuery, group_by: Sequence[str]) -> list[CountRow]:
        return self.repo.count(query, group_by)

    def get(
        self, site: Site, type_: ResourceType, resource_id: str, *, live: bool = False
    ) -> InventoryItem:
        """One resource: as stored, or (live) as the site says now."""
        if live:
            return self.source.get_live(site, type_, resource_id)
        item = self.repo.get(site.id, type_, resource_id)
        if item is None:
            raise NotFound(
                f"No {type_} {resource_id!r} in the inventory of site {site.name!r}; "
                "try `--live` or refresh the site."
            )
        return item
