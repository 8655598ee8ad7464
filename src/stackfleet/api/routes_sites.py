"""Routes for sites, their health and events, and per-site actions (probe, refresh).

Thin: parse the wire schema, call one service method, map the result to a wire schema. Plain
`def` routes: the services block on sites and the database, so FastAPI runs them in its thread
pool. Included under /v1 by `app.create_api`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from stackfleet.api.deps import ServicesDep
from stackfleet.api.importing import parse_clouds_yaml
from stackfleet.api.schemas import (
    SITE_REF_PATTERN,
    EventOut,
    HealthOut,
    SiteCreate,
    SiteImport,
    SiteOut,
    SiteUpdate,
)
from stackfleet.api.schemas_inventory import RefreshOut

router = APIRouter()

SiteRef = Annotated[str, Path(description="a site's name or id", pattern=SITE_REF_PATTERN)]


@router.post("/sites", status_code=201, tags=["sites"])
def add_site(body: SiteCreate, services: ServicesDep) -> SiteOut:
    """Register a site after checking it can be reached (refused credentials: auth-failed)."""
    labels = body.labels.to_domain() if body.labels else None
    return SiteOut.of(services.sites.add(body.name, body.cloud.to_domain(), labels))


@router.post("/sites/import", status_code=201, tags=["sites"])
def import_sites(body: SiteImport, services: ServicesDep) -> list[SiteOut]:
    """Register every (or every named) cloud of a clouds.yaml, all of them or none."""
    clouds = parse_clouds_yaml(body.clouds_yaml, body.clouds)
    labels = body.labels.to_domain() if body.labels else None
    return [SiteOut.of(site) for site in services.sites.add_all(clouds, labels)]


@router.get("/sites", tags=["sites"])
def list_sites(services: ServicesDep) -> list[SiteOut]:
    """Every registered site."""
    return [SiteOut.of(site) for site in services.sites.list()]


@router.get("/sites/{site}", tags=["sites"])
def show_site(site: SiteRef, services: ServicesDep) -> SiteOut:
    """One site, by name or id."""
    return SiteOut.of(services.sites.get(site))


@router.patch("/sites/{site}", tags=["sites"])
def update_site(site: SiteRef, body: SiteUpdate, services: ServicesDep) -> SiteOut:
    """Rename a site, replace its credentials (checked first) or its labels."""
    updated = services.sites.update(
        site,
        name=body.name,
        cloud=body.cloud.to_domain() if body.cloud else None,
        labels=body.labels.to_domain() if body.labels else None,
    )
    return SiteOut.of(updated)


@router.delete("/sites/{site}", status_code=204, tags=["sites"])
def remove_site(site: SiteRef, services: ServicesDep) -> Response:
    """Forget a site and its inventory; the site itself is never touched."""
    services.sites.remove(site)
    return Response(status_code=204)


@router.get("/health", tags=["health"])
def health(services: ServicesDep) -> list[HealthOut]:
    """Every site's status, since when, why, and each service's last probe."""
    return [HealthOut.of(site) for site in services.sites.list()]


@router.get("/sites/{site}/health", tags=["health"])
def site_health(site: SiteRef, services: ServicesDep) -> HealthOut:
    """One site's health."""
    return HealthOut.of(services.sites.get(site))


@router.post("/sites/{site}/probe", tags=["health"])
def probe_site(site: SiteRef, services: ServicesDep) -> HealthOut:
    """Probe a site now and return its health after the probe."""
    return HealthOut.of(services.sites.probe(services.sites.get(site)))


@router.get("/events", tags=["health"])
def events(
    services: ServicesDep,
    site: Annotated[
        str | None, Query(description="a site's name or id", pattern=SITE_REF_PATTERN)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, description="only events older than this id")] = None,
) -> list[EventOut]:
    """What happened to sites (status changes, additions, updates), newest first."""
    return [EventOut.of(event) for event in services.sites.events(site, limit, before)]


@router.post("/sites/{site}/refresh", tags=["inventory"])
def refresh_site(
    site: SiteRef,
    services: ServicesDep,
    full: Annotated[bool, Query(description="false: only what changed since the last")] = True,
) -> RefreshOut:
    """Refresh one site's inventory now; a site that cannot answer is reported in `error`."""
    found = services.sites.get(site)
    return RefreshOut.of(services.inventory.refresh_site(found, full=full), found.name)
