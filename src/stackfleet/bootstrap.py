"""The composition root: settings → adapters → services. Nothing else wires objects together.

Called by `stackfleet serve` (server.py) and by tests that want the whole control plane.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackfleet.adapters.openstack import OpenStackGateway
from stackfleet.adapters.sql.database import Database
from stackfleet.adapters.sql.inventory import SqlInventoryRepository
from stackfleet.adapters.sql.sites import SqlSiteRepository
from stackfleet.adapters.vault import Vault
from stackfleet.inventory.service import InventoryService
from stackfleet.kernel.clock import Clock, SystemClock
from stackfleet.settings import Settings
from stackfleet.sites.service import SiteService


@dataclass
class Services:
    """The control plane's use cases, ready to serve."""

    settings: Settings
    clock: Clock
    sites: SiteService
    inventory: InventoryService
    database: Database
    gateway: OpenStackGateway

    def close(self) -> None:
        """Close every site connection and the database."""
        self.gateway.close()
        self.database.close()


def build_services(
    settings: Settings, clock: Clock | None = None, *, migrate: bool = True
) -> Services:
    """Open the database and wire the services.

    The database is migrated to the current schema first unless `migrate` is False (the loop
    processes of `stackfleet serve`, whose parent migrated it before starting them).
    """
    clock = clock or SystemClock()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    vault = Vault(settings.key.encode()) if settings.key else None
    vault = vault or Vault.from_key_file(settings.resolved_key_file())
    database = Database(settings.resolved_database_url())
    if migrate:
        database.upgrade()
    gateway = OpenStackGateway(clock, timeout=settings.request_timeout)
    sites = SiteService(SqlSiteRepository(database, vault), gateway, clock)
    inventory = InventoryService(
        SqlInventoryRepository(database), gateway, clock, concurrency=settings.concurrency
    )
    return Services(settings, clock, sites, inventory, database, gateway)
