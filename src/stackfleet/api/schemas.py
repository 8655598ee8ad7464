"""The API's wire schemas (pydantic v2), and their mapping to and from the domain's values.

Separate from the domain dataclasses so the wire can stay stable while the domain changes.
Shared by the routes (`api/routes_*.py`), the typed client (`client.py`) and so the CLI: the
server and its callers never drift. Imports no web framework. Secrets never appear in an output
model: a site's cloud config is always shown `redacted()`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from stackfleet.sites.models import (
    Capacity,
    Cause,
    CloudConfig,
    Discovery,
    Event,
    Labels,
    Location,
    ServiceEndpoint,
    ServiceProbe,
    Site,
    SiteHealth,
)

SITE_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
"""A site's name or id (ids are UUIDs, which have the same shape)."""


class In(BaseModel):
    """Base of request bodies: unknown fields are a mistake worth reporting."""

    model_config = ConfigDict(extra="forbid")


class LocationModel(In):
    """Where a site is."""

    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    country: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2"
    )
    city: str | None = None


class LabelsModel(In):
    """What operators say about a site: location, tier, cost weight and free-form labels."""

    location: LocationModel = Field(default_factory=lambda: LocationModel())
    tier: str | None = None
    cost_weight: float = Field(default=1.0, ge=0)
    extra: dict[str, str] = Field(default_factory=dict)

    def to_domain(self) -> Labels:
        loc = self.location
        country = loc.country.upper() if loc.country else None
        return Labels(
            Location(loc.latitude, loc.longitude, country, loc.city),
            self.tier,
            self.cost_weight,
            dict(self.extra),
        )

    @classmethod
    def of(cls, labels: Labels) -> LabelsModel:
        loc = labels.location
        return cls(
            location=LocationModel(
                latitude=loc.latitude, longitude=loc.longitude, country=loc.country, city=loc.city
            ),
            tier=labels.tier,
            cost_weight=labels.cost_weight,
            extra=dict(labels.extra),
        )


class CloudIn(In):
    """How to reach a site: a clouds.yaml cloud entry without its name."""

    auth: dict[str, str] = Field(
        description="auth_url and username/password or application credential, project, domains"
    )
    auth_type: str = "password"
    region_name: str | None = None
    interface: str = Field(default="public", pattern=r"^(public|internal|admin)$")
    cacert: str | None = None
    verify: bool = True

    def to_domain(self) -> CloudConfig:
        return CloudConfig(
            dict(self.auth),
            self.auth_type,
            self.region_name,
            self.interface,
            self.cacert,
            self.verify,
        )


class CloudOut(BaseModel):
    """A site's cloud config with its secrets removed."""

    auth: dict[str, str]
    auth_type: str
    region_name: str | None
    interface: str
    cacert: str | None
    verify: bool


class SiteCreate(In):
    """`POST /v1/sites`."""

    name: str = Field(min_length=1, max_length=63)
    cloud: CloudIn
    labels: LabelsModel | None = None


class SiteUpdate(In):
    """`PATCH /v1/sites/{site}`: only the fields given change."""

    name: str | None = Field(default=None, min_length=1, max_length=63)
    cloud: CloudIn | None = None
    labels: LabelsModel | None = None


class SiteImport(In):
    """`POST /v1/sites/import`: sites from a clouds.yaml, all of them or none."""

    clouds_yaml: str = Field(min_length=1, description="the clouds.yaml text")
    clouds: list[str] | None = Field(default=None, description="cloud names to import; null: all")
    labels: LabelsModel | None = None


class CauseModel(BaseModel):
    """Why something failed: its kind and the exact reason."""

    kind: str
    message: str

    @classmethod
    def of(cls, cause: Cause | None) -> CauseModel | None:
        return None if cause is None else cls(kind=str(cause.kind), message=cause.message)


class ServiceProbeOut(BaseModel):
    """One service's answer to the last probe."""

    service_type: str
    ok: bool
    latency_ms: float | None
    cause: CauseModel | None


class HealthOut(BaseModel):
    """A site's status, since when, why, and each service's last probe."""

    site_id: str
    site_name: str
    status: str
    since: dt.datetime | None
    cause: CauseModel | None
    consecutive_failures: int
    last_probe_at: dt.datetime | None
    services: list[ServiceProbeOut]

    @classmethod
    def of(cls, site: Site) -> HealthOut:
        health: SiteHealth = site.health
        return cls(
            site_id=site.id,
            site_name=site.name,
            status=str(health.status),
            since=health.since,
            cause=CauseModel.of(health.cause),
            consecutive_failures=health.consecutive_failures,
            last_probe_at=health.last_probe_at,
            services=[_probe_out(p) for p in health.services],
        )


def _probe_out(probe: ServiceProbe) -> ServiceProbeOut:
    return ServiceProbeOut(
        service_type=probe.service_type,
        ok=probe.ok,
        latency_ms=probe.latency_ms,
        cause=CauseModel.of(probe.cause),
    )


class ServiceEndpointOut(BaseModel):
    """One service in a site's catalog."""

    service_type: str
    url: str
    min_version: str | None
    max_version: str | None


class CapacityOut(BaseModel):
    """Hypervisor totals."""

    hypervisors: int
    vcpus: int
    vcpus_used: int
    memory_mb: int
    memory_mb_used: int
    local_gb: int
    local_gb_used: int
    running_vms: int


class DiscoveryOut(BaseModel):
    """What a site offers, as last discovered."""

    at: dt.datetime
    regions: list[str]
    services: list[ServiceEndpointOut]
    capacity: CapacityOut | None
    project_id: str | None

    @classmethod
    def of(cls, discovery: Discovery | None) -> DiscoveryOut | None:
        if discovery is None:
            return None
        return cls(
            at=discovery.at,
            regions=list(discovery.regions),
            services=[_endpoint_out(s) for s in discovery.services],
            capacity=_capacity_out(discovery.capacity),
            project_id=discovery.project_id,
        )


def _endpoint_out(endpoint: ServiceEndpoint) -> ServiceEndpointOut:
    return ServiceEndpointOut(
        service_type=endpoint.service_type,
        url=endpoint.url,
        min_version=endpoint.min_version,
        max_version=endpoint.max_version,
    )


def _capacity_out(capacity: Capacity | None) -> CapacityOut | None:
    if capacity is None:
        return None
    return CapacityOut(
        hypervisors=capacity.hypervisors,
        vcpus=capacity.vcpus,
        vcpus_used=capacity.vcpus_used,
        memory_mb=capacity.memory_mb,
        memory_mb_used=capacity.memory_mb_used,
        local_gb=capacity.local_gb,
        local_gb_used=capacity.local_gb_used,
        running_vms=capacity.running_vms,
    )


class SiteOut(BaseModel):
    """A registered site, as the API shows it (never with credentials)."""

    id: str
    name: str
    cloud: CloudOut
    labels: LabelsModel
    created_at: dt.datetime
    health: HealthOut
    discovery: DiscoveryOut | None

    @classmethod
    def of(cls, site: Site) -> SiteOut:
        return cls(
            id=site.id,
            name=site.name,
            cloud=CloudOut.model_validate(site.cloud.redacted()),
            labels=LabelsModel.of(site.labels),
            created_at=site.created_at,
            health=HealthOut.of(site),
            discovery=DiscoveryOut.of(site.discovery),
        )


class EventOut(BaseModel):
    """Something that happened to a site."""

    id: int | None
    site_id: str
    site_name: str
    at: dt.datetime
    kind: str
    message: str
    from_status: str | None
    to_status: str | None

    @classmethod
    def of(cls, event: Event) -> EventOut:
        return cls(
            id=event.id,
            site_id=event.site_id,
            site_name=event.site_name,
            at=event.at,
            kind=event.kind,
            message=event.message,
            from_status=str(event.from_status) if event.from_status else None,
            to_status=str(event.to_status) if event.to_status else None,
        )


class Problem(BaseModel):
    """An error as application/problem+json (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    site: str | None = None
    cause: CauseModel | None = None
