"""Sites, their health, discovery and events in SQL: the `SiteRepository` the sites service uses.

Built by `bootstrap.py` with the `Database` and the credential vault. A site's `CloudConfig` is
stored only sealed (JSON, then Fernet); the plain auth_url and region columns are for display.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stackfleet.adapters.sql import codec
from stackfleet.adapters.sql.database import Database
from stackfleet.adapters.sql.tables import events, site_discovery, site_health, sites
from stackfleet.kernel.errors import Conflict, InvalidInput, NotFound
from stackfleet.kernel.ids import SiteId
from stackfleet.sites.models import (
    Discovery,
    Event,
    Site,
    SiteHealth,
    SiteStatus,
    SiteSummary,
)

MAX_EVENTS = 1000
"""The most events one call returns."""


class Sealer(Protocol):
    """Encrypts credentials at rest (satisfied by `stackfleet.adapters.vault.Vault`)."""

    def seal(self, plain: bytes) -> bytes: ...

    def open(self, sealed: bytes) -> bytes: ...


class SqlSiteRepository:
    """Stores sites with their sealed credentials, health, discovery and events."""

    def __init__(self, db: Database, vault: Sealer) -> None:
        self.db = db
        self.vault = vault

    def add(self, site: Site) -> None:
        """Store a new site with its health and discovery; Conflict if the name is taken."""
        row = self._site_row(site)
        row.update(id=site.id, created_at=site.created_at, updated_at=site.created_at)
        try:
            with self.db.session() as session:
                session.execute(sites.insert().values(**row))
                self._upsert_health(session, site.id, site.health)
                if site.discovery is not None:
                    self._upsert_discovery(session, site.id, site.discovery)
        except IntegrityError as clash:
            raise _conflict(site, clash) from clash

    def get(self, site_id: SiteId) -> Site:
        found = self._load(sites.c.id == site_id)
        if not found:
            raise NotFound(f"No site with id {site_id!r}; `stackfleet site list` shows them.")
        return found[0]

    def find(self, name_or_id: str) -> Site | None:
        found = self._load((sites.c.name == name_or_id) | (sites.c.id == name_or_id))
        # A name wins over an id that happens to equal another site's name.
        by_name = [s for s in found if s.name == name_or_id]
        matches = by_name or found
        return matches[0] if matches else None

    def all(self) -> list[Site]:
        return self._load(None)

    def summaries(self) -> list[SiteSummary]:
        """Name, labels and status of every site: no credentials decrypted, no discovery read."""
        stmt = (
            select(sites.c.id, sites.c.name, sites.c.labels, site_health.c.status)
            .outerjoin(site_health, site_health.c.site_id == sites.c.id)
            .order_by(sites.c.name)
        )
        with self.db.session() as session:
            rows = session.execute(stmt).all()
        return [
            SiteSummary(
                SiteId(site_id),
                name,
                codec.labels_from_doc(labels),
                SiteStatus(status) if status else SiteStatus.UNKNOWN,
            )
            for site_id, name, labels, status in rows
        ]

    def update(self, site: Site) -> None:
        """Replace name, cloud config and labels; NotFound if gone, Conflict on a taken name."""
        row = self._site_row(site)
        try:
            with self.db.session() as session:
                done = session.execute(
                    update(sites).where(sites.c.id == site.id).values(**row)
                ).rowcount  # type: ignore[attr-defined]
        except IntegrityError as clash:
            raise _conflict(site, clash) from clash
        if done == 0:
            raise NotFound(f"Site {site.name!r} ({site.id}) no longer exists; nothing changed.")

    def remove(self, site_id: SiteId) -> None:
        """Delete the site; its health, discovery and inventory go with it, its events stay."""
        with self.db.session() as session:
            done = session.execute(delete(sites).where(sites.c.id == site_id)).rowcount  # type: ignore[attr-defined]
        if done == 0:
            raise NotFound(f"No site with id {site_id!r}; nothing removed.")

    def save_health(self, site_id: SiteId, health: SiteHealth) -> None:
        with self.db.session() as session:
            self._upsert_health(session, site_id, health)

    def save_discovery(self, site_id: SiteId, discovery: Discovery) -> None:
        with self.db.session() as session:
            self._upsert_discovery(session, site_id, discovery)

    def add_event(self, event: Event) -> Event:
        values = {
            "site_id": event.site_id,
            "site_name": event.site_name,
            "at": event.at,
            "kind": event.kind,
            "message": event.message,
            "from_status": event.from_status.value if event.from_status else None,
            "to_status": event.to_status.value if event.to_status else None,
        }
        with self.db.session() as session:
            new_id = session.execute(
                events.insert().values(**values).returning(events.c.id)
            ).scalar_one()
        return dataclasses.replace(event, id=new_id)

    def events(
        self, site_id: SiteId | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[Event]:
        """Newest first; `before_id` continues from the oldest event of the previous page."""
        if not 1 <= limit <= MAX_EVENTS:
            raise InvalidInput(f"Invalid limit {limit}: ask for 1 to {MAX_EVENTS} events.")
        stmt = select(events).order_by(events.c.id.desc()).limit(limit)
        if site_id is not None:
            stmt = stmt.where(events.c.site_id == site_id)
        if before_id is not None:
            stmt = stmt.where(events.c.id < before_id)
        with self.db.session() as session:
            rows = session.execute(stmt).all()
        return [_event(row) for row in rows]

    def _site_row(self, site: Site) -> dict[str, Any]:
        return {
            "name": site.name,
            "auth_url": site.cloud.auth_url,
            "region_name": site.cloud.region_name,
            "sealed_cloud": self.vault.seal(codec.cloud_to_bytes(site.cloud)),
            "labels": codec.labels_to_doc(site.labels),
        }

    def _load(self, where: Any) -> list[Site]:
        """Sites with their health and discovery in one query (no N+1 over 1000 sites)."""
        stmt = (
            select(sites, site_health, site_discovery.c.document)
            .outerjoin(site_health, site_health.c.site_id == sites.c.id)
            .outerjoin(site_discovery, site_discovery.c.site_id == sites.c.id)
            .order_by(sites.c.name)
        )
        if where is not None:
            stmt = stmt.where(where)
        with self.db.session() as session:
            rows = session.execute(stmt).all()
        return [self._site(row) for row in rows]

    def _site(self, row: Row[Any]) -> Site:
        m = row._mapping
        document = m[site_discovery.c.document]
        return Site(
            id=SiteId(m[sites.c.id]),
            name=m[sites.c.name],
            cloud=codec.cloud_from_bytes(self.vault.open(m[sites.c.sealed_cloud])),
            labels=codec.labels_from_doc(m[sites.c.labels]),
            created_at=m[sites.c.created_at],
            health=_health(m) if m[site_health.c.status] is not None else SiteHealth(),
            discovery=None if document is None else codec.discovery_from_doc(document),
        )

    def _upsert_health(self, session: Session, site_id: SiteId, health: SiteHealth) -> None:
        values = {
            "status": health.status.value,
            "since": health.since,
            "cause_kind": health.cause.kind.value if health.cause else None,
            "cause_message": health.cause.message if health.cause else None,
            "consecutive_failures": health.consecutive_failures,
            "last_probe_at": health.last_probe_at,
            "services": codec.probes_to_doc(health.services),
        }
        self._upsert(session, site_health, {"site_id": site_id, **values})

    def _upsert_discovery(self, session: Session, site_id: SiteId, discovery: Discovery) -> None:
        values = {"at": discovery.at, "document": codec.discovery_to_doc(discovery)}
        self._upsert(session, site_discovery, {"site_id": site_id, **values})

    def _upsert(self, session: Session, table: Any, values: dict[str, Any]) -> None:
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        stmt = dialect.insert(table).values(**values)
        changes = {k: stmt.excluded[k] for k in values if k != "site_id"}
        try:
            session.execute(stmt.on_conflict_do_update(index_elements=["site_id"], set_=changes))
        except IntegrityError as gone:
            raise NotFound(
                f"Site {values['site_id']} was removed; its {table.name} was not saved."
            ) from gone


def _conflict(site: Site, clash: IntegrityError) -> Conflict:
    return Conflict(
        f"A site named {site.name!r} already exists; pick another name "
        f"(or update the existing site). Database said: {clash.orig}"
    )


def _health(m: Any) -> SiteHealth:
    return SiteHealth(
        status=SiteStatus(m[site_health.c.status]),
        since=m[site_health.c.since],
        cause=codec.cause(m[site_health.c.cause_kind], m[site_health.c.cause_message]),
        consecutive_failures=m[site_health.c.consecutive_failures],
        last_probe_at=m[site_health.c.last_probe_at],
        services=codec.probes_from_doc(m[site_health.c.services]),
    )


def _event(row: Row[Any]) -> Event:
    m = row._mapping
    return Event(
        site_id=SiteId(m["site_id"]),
        site_name=m["site_name"],
        at=m["at"],
        kind=m["kind"],
        message=m["message"],
        from_status=SiteStatus(m["from_status"]) if m["from_status"] else None,
        to_status=SiteStatus(m["to_status"]) if m["to_status"] else None,
        id=m["id"],
    )
