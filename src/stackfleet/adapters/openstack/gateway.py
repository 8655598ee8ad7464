"""`OpenStackGateway`: how Stackfleet reaches every site, over one Connection per site.

Implements both `sites.service.SiteGateway` (discover, probe, forget) and
`inventory.service.InventorySource` (collect, get_live). Built by `bootstrap.py` and shared by
the sites and inventory services, so probes and listings of a site reuse the same Connection.
"""

from __future__ import annotations

import datetime as dt

from stackfleet.adapters.openstack import collect as listings
from stackfleet.adapters.openstack.connections import Connections, SiteSession
from stackfleet.adapters.openstack.discovery import discover
from stackfleet.adapters.openstack.normalize import Scope
from stackfleet.adapters.openstack.probes import probe
from stackfleet.inventory.models import Collected, InventoryItem, ResourceType
from stackfleet.kernel.clock import Clock
from stackfleet.kernel.ids import SiteId
from stackfleet.sites.models import Discovery, ProbeResult, Site


class OpenStackGateway:
    """Discovery, probes and inventory listings of OpenStack sites through openstacksdk.

    `timeout` bounds every request to a site (seconds); `page_size`, when set, asks listings
    for pages of that many items (the sites' own default page size otherwise).
    """

    def __init__(self, clock: Clock, timeout: float = 10.0, page_size: int | None = None) -> None:
        self.clock = clock
        self.timeout = timeout
        self.page_size = page_size
        self.connections = Connections(timeout)

    def discover(self, site: Site) -> Discovery:
        """Authenticate and read the catalog, versions and capacity (see SiteGateway)."""
        return discover(self.connections.session(site), self.clock)

    def probe(self, site: Site) -> ProbeResult:
        """Authenticate, then call each service once; never raises for the site's failures."""
        return probe(lambda: self.connections.session(site), self.clock)

    def forget(self, site_id: SiteId) -> None:
        """Close the site's Connection."""
        self.connections.forget(site_id)

    def collect(self, site: Site, type_: ResourceType, since: dt.datetime | None) -> Collected:
        """List one resource type on the site (see InventorySource)."""
        session = self.connections.session(site)
        scope = self._scope(session)
        if type_ == ResourceType.QUOTA:
            return listings.collect_quotas(session, scope)
        if type_ != ResourceType.SERVER:
            since = None
        return listings.collect_listing(session, type_, since, scope, self.page_size)

    def get_live(self, site: Site, type_: ResourceType, resource_id: str) -> InventoryItem:
        """Ask the site for one resource now; NotFound if it has none."""
        session = self.connections.session(site)
        return listings.show(session, type_, resource_id, self._scope(session))

    def close(self) -> None:
        """Close every site's Connection."""
        self.connections.close()

    def _scope(self, session: SiteSession) -> Scope:
        return Scope(session.site.id, session.access().project_id, self.clock.now())
