"""What Stackfleet knows about a site: how to reach it, its labels, what it offers, how it is.

Pure values, shared by the sites service, the adapters that store and reach sites, and the API.
A site's `CloudConfig` holds secrets; only `redacted()` may leave the process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stackfleet.kernel.ids import SiteId

SERVICE_TYPES = ("identity", "compute", "network", "image", "block-storage")
"""The services probed and inventoried on every site, in OpenStack's service-type names."""

SECRET_AUTH_KEYS = frozenset({"password", "application_credential_secret", "token"})


@dataclass(frozen=True)
class CloudConfig:
    """How to reach and authenticate to a site: a clouds.yaml cloud entry, minus its name."""

    auth: Mapping[str, str]
    """clouds.yaml's `auth` section: auth_url, username/password or application credential,
    project and domain names or ids."""
    auth_type: str = "password"
    region_name: str | None = None
    interface: str = "public"
    cacert: str | None = None
    """Path of a CA bundle to verify the site's TLS certificates with."""
    verify: bool = True

    @property
    def auth_url(self) -> str:
        return self.auth.get("auth_url", "")

    def redacted(self) -> dict[str, Any]:
        """The config without its secrets: what the API and CLI may show."""
        auth = {k: v for k, v in self.auth.items() if k not in SECRET_AUTH_KEYS}
        return {
            "auth": auth,
            "auth_type": self.auth_type,
            "region_name": self.region_name,
            "interface": self.interface,
            "cacert": self.cacert,
            "verify": self.verify,
        }


@dataclass(frozen=True)
class Location:
    """Where a site is; placement and sovereignty rules read it."""

    latitude: float | None = None
    longitude: float | None = None
    country: str | None = None
    """ISO 3166-1 alpha-2 code, e.g. "DE"."""
    city: str | None = None


@dataclass(frozen=True)
class Labels:
    """What operators say about a site."""

    location: Location = field(default_factory=Location)
    tier: str | None = None
    cost_weight: float = 1.0
    extra: Mapping[str, str] = field(default_factory=dict)


class SiteStatus(StrEnum):
    """A site's health as a whole."""

    UNKNOWN = "unknown"
    """Not probed yet."""
    ONLINE = "online"
    DEGRADED = "degraded"
    """Reachable, but some services fail their probes."""
    OFFLINE = "offline"
    """Two consecutive probes failed to reach it at all."""
    AUTH_FAILED = "auth-failed"
    """Keystone refuses the credentials: only an operator can fix it."""


class CauseKind(StrEnum):
    """Why a probe or a call to a site failed."""

    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server-error"
    """An HTTP 5xx; the cause's message carries the status and body."""
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    TLS = "tls"
    MISSING = "missing"
    """The service is not in the site's catalog."""
    ERROR = "error"
    """Anything else (an unexpected answer)."""


@dataclass(frozen=True)
class Cause:
    """A failure's kind and the exact reason, e.g. (server-error, "HTTP 503 from compute: ...")."""

    kind: CauseKind
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True)
class ServiceProbe:
    """One service's answer to one probe."""

    service_type: str
    ok: bool
    latency_ms: float | None = None
    cause: Cause | None = None


@dataclass(frozen=True)
class ProbeResult:
    """One probe of a site: authentication, then each service in `SERVICE_TYPES`."""

    at: dt.datetime
    services: tuple[ServiceProbe, ...] = ()
    auth_cause: Cause | None = None
    """Why authentication failed; when set, `services` is empty."""


@dataclass(frozen=True)
class SiteHealth:
    """A site's current status, since when, and why."""

    status: SiteStatus = SiteStatus.UNKNOWN
    since: dt.datetime | None = None
    cause: Cause | None = None
    consecutive_failures: int = 0
    last_probe_at: dt.datetime | None = None
    services: tuple[ServiceProbe, ...] = ()


@dataclass(frozen=True)
class ServiceEndpoint:
    """One service in a site's catalog, with its API's version range where it has one."""

    service_type: str
    url: str
    min_version: str | None = None
    max_version: str | None = None
    """The highest microversion (compute, block-storage) or API version the service offers."""


@dataclass(frozen=True)
class Capacity:
    """Hypervisor totals (os-hypervisors/statistics), where the credentials may read them."""

    hypervisors: int
    vcpus: int
    vcpus_used: int
    memory_mb: int
    memory_mb_used: int
    local_gb: int
    local_gb_used: int
    running_vms: int


@dataclass(frozen=True)
class Discovery:
    """What a site offers, as last discovered."""

    at: dt.datetime
    regions: tuple[str, ...] = ()
    services: tuple[ServiceEndpoint, ...] = ()
    capacity: Capacity | None = None
    project_id: str | None = None
    """The project the credentials are scoped to."""


@dataclass(frozen=True)
class Site:
    """A registered site."""

    id: SiteId
    name: str
    cloud: CloudConfig
    labels: Labels
    created_at: dt.datetime
    health: SiteHealth = field(default_factory=SiteHealth)
    discovery: Discovery | None = None


@dataclass(frozen=True)
class SiteSummary:
    """What a search needs of a site: its name, labels and status (no credentials to open)."""

    id: SiteId
    name: str
    labels: Labels
    status: SiteStatus


@dataclass(frozen=True)
class Event:
    """Something that happened to a site (a status transition, a registration, a removal)."""

    site_id: SiteId
    site_name: str
    at: dt.datetime
    kind: str
    """"status", "added", "updated", "removed"."""
    message: str
    from_status: SiteStatus | None = None
    to_status: SiteStatus | None = None
    id: int | None = None
    """Assigned by the repository."""
