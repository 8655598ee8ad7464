"""Registering sites and keeping their health: the use cases behind `stackfleet site ...`.

Declares what it needs from storage (`SiteRepository`) and from the sites themselves
(`SiteGateway`); `bootstrap.py` passes the SQL and OpenStack adapters. Called by the API routes
and by the probe loop in `workers.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from stackfleet.kernel.clock import Clock
from stackfleet.kernel.errors import Conflict, InvalidInput, NotFound, StackfleetError
from stackfleet.kernel.ids import SiteId, new_site_id
from stackfleet.sites import health
from stackfleet.sites.errors import SiteAuthFailed
from stackfleet.sites.models import (
    CauseKind,
    CloudConfig,
    Discovery,
    Event,
    Labels,
    ProbeResult,
    Site,
    SiteHealth,
    SiteStatus,
    SiteSummary,
)

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


class SiteRepository(Protocol):
    """Where sites, their health and their events are kept (adapters/sql)."""

    def add(self, site: Site) -> None:
        """Store a new site; raise Conflict if the name is taken."""

    def get(self, site_id: SiteId) -> Site:
        """The site, or NotFound."""

    def find(self, name_or_id: str) -> Site | None: ...

    def all(self) -> list[Site]: ...

    def summaries(self) -> list[SiteSummary]:
        """Every site's name, labels and status, without opening its credentials."""

    def update(self, site: Site) -> None:
        """Replace the site's name, cloud config and labels; raise Conflict on a taken name."""

    def remove(self, site_id: SiteId) -> None:
        """Delete the site with its health, discovery and inventory; its events stay (audit)."""

    def save_health(self, site_id: SiteId, health: SiteHealth) -> None: ...

    def save_discovery(self, site_id: SiteId, discovery: Discovery) -> None: ...

    def add_event(self, event: Event) -> Event:
        """Store the event; return it with its id."""

    def events(
        self, site_id: SiteId | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[Event]:
        """Newest first."""


class SiteGateway(Protocol):
    """How Stackfleet reaches sites (adapters/openstack): one long-lived connection per site."""

    def discover(self, site: Site) -> Discovery:
        """Authenticate and read the catalog, versions and capacity.

        Raises SiteAuthFailed (refused credentials, bad TLS) or SiteUnavailable (unreachable,
        timeout, 5xx).
        """

    def probe(self, site: Site) -> ProbeResult:
        """Authenticate, then call each service once; never raises for a site's failure."""

    def forget(self, site_id: SiteId) -> None:
        """Close the site's connection (on removal or when its config changes)."""


class SiteService:
    """Add, change, remove and probe sites."""

    def __init__(self, repo: SiteRepository, gateway: SiteGateway, clock: Clock) -> None:
        self.repo = repo
        self.gateway = gateway
        self.clock = clock

    def add(self, name: str, cloud: CloudConfig, labels: Labels | None = None) -> Site:
        """Register a site after checking it can be reached.

        Refused credentials still register it, as auth-failed with Keystone's reason; an
        unreachable auth_url or bad TLS registers nothing (SiteUnavailable / SiteAuthFailed for
        TLS propagate).
        """
        _check_name(name)
        _check_cloud(cloud)
        if self.repo.find(name) is not None:
            raise Conflict(f"A site named {name!r} already exists; pick another name.")
        now = self.clock.now()
        site = Site(new_site_id(), name, cloud, labels or Labels(), now)
        try:
            discovery = self.gateway.discover(site)
        except SiteAuthFailed as failed:
            if failed.cause.kind is CauseKind.TLS:
                raise
            refused = SiteHealth(SiteStatus.AUTH_FAILED, now, failed.cause, 1, now)
            site = replace(site, health=refused)
            self._store_new(site, f"{name} added; credentials refused: {failed.cause}")
            return site
        site = replace(site, discovery=discovery)
        self._store_new(site, f"{name} added ({cloud.auth_url})")
        return site

    def add_all(
        self, clouds: Mapping[str, CloudConfig], labels: Labels | None = None
    ) -> list[Site]:
        """Register every cloud as a site of the same name, all or none (a clouds.yaml import).

        If one fails, the sites this call added are removed again and the error says which
        cloud failed; a name already taken fails before anything is added.
        """
        taken = [name for name in clouds if self.repo.find(name) is not None]
        if taken:
            raise Conflict(
                f"A site named {taken[0]!r} already exists; nothing was imported. Import the "
                "other clouds by name, or remove the existing site first."
            )
        added: list[Site] = []
        for name, cloud in clouds.items():
            try:
                added.append(self.add(name, cloud, labels))
            except StackfleetError as failed:
                for site in added:
                    self.remove(site.id)
                # Same error class (so the same HTTP status), saying which cloud failed.
                failed.message = f"Importing cloud {name!r} failed, nothing was imported: {failed}"
                failed.args = (failed.message,)
                raise
        return added

    def _store_new(self, site: Site, message: str) -> None:
        self.repo.add(site)
        if site.discovery is not None:
            self.repo.save_discovery(site.id, site.discovery)
        self.repo.save_health(site.id, site.health)
        self.repo.add_event(Event(site.id, site.name, site.created_at, "added", message))

    def get(self, name_or_id: str) -> Site:
        site = self.repo.find(name_or_id)
        if site is None:
            raise NotFound(f"No site named {name_or_id!r}; `stackfleet site list` shows them.")
        return site

    def summaries(self) -> list[SiteSummary]:
        """Every site's name, labels and status: cheap enough for every search request."""
        return self.repo.summaries()

    def list(self) -> list[Site]:
        return self.repo.all()

    def update(
        self,
        name_or_id: str,
        *,
        name: str | None = None,
        cloud: CloudConfig | None = None,
        labels: Labels | None = None,
    ) -> Site:
        """Change a site's name, credentials or labels; new credentials are checked first."""
        site = self.get(name_or_id)
        changed = replace(
            site, name=name or site.name, cloud=cloud or site.cloud, labels=labels or site.labels
        )
        if name is not None and name != site.name:
            _check_name(name)
            if self.repo.find(name) is not None:
                raise Conflict(f"A site named {name!r} already exists; pick another name.")
        if cloud is not None:
            _check_cloud(cloud)
            self.gateway.forget(site.id)
            discovery = self.gateway.discover(changed)
            self.repo.save_discovery(site.id, discovery)
            changed = replace(changed, discovery=discovery)
        self.repo.update(changed)
        self.repo.add_event(
            Event(site.id, changed.name, self.clock.now(), "updated", f"{changed.name} updated")
        )
        return changed

    def remove(self, name_or_id: str) -> Site:
        """Forget a site; the site itself is never touched."""
        site = self.get(name_or_id)
        self.gateway.forget(site.id)
        self.repo.remove(site.id)
        self.repo.add_event(
            Event(site.id, site.name, self.clock.now(), "removed", f"{site.name} removed")
        )
        return site

    def probe(self, site: Site) -> Site:
        """Probe one site, record its new health and any status change; return it updated."""
        result = self.gateway.probe(site)
        # Judge against the health stored now, not the caller's copy (the loops list sites
        # once a second; the API may probe the same site meanwhile).
        current = self.repo.find(site.id)
        if current is None:
            return site  # removed while being probed
        new_health, event = health.next_health(current, result)
        self.repo.save_health(site.id, new_health)
        if event is not None:
            self.repo.add_event(event)
        return replace(current, health=new_health)

    def rediscover(self, site: Site) -> Site:
        """Re-read the catalog, versions and capacity (periodically, and on demand)."""
        discovery = self.gateway.discover(site)
        self.repo.save_discovery(site.id, discovery)
        return replace(site, discovery=discovery)

    def events(
        self, name_or_id: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> Sequence[Event]:
        site_id = self.get(name_or_id).id if name_or_id else None
        return self.repo.events(site_id, limit, before_id)


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise InvalidInput(
            f"Invalid site name {name!r}: use 1-63 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )


def _check_cloud(cloud: CloudConfig) -> None:
    url = cloud.auth_url
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(
            f"Invalid auth_url {url!r}: give the site's Keystone URL, e.g. "
            "https://keystone.example.com:5000/v3."
        )
    has_password = "username" in cloud.auth or "user_id" in cloud.auth
    has_app_cred = "application_credential_secret" in cloud.auth
    if not (has_password or has_app_cred):
        raise InvalidInput(
            "No credentials: give a username and password or an application credential id "
            "and secret."
        )
