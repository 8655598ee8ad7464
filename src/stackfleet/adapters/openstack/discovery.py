"""Discovering what a site offers: regions, endpoints with version ranges, project, capacity.

Read from the token's catalog and keystoneauth's version discovery (cached in the site's
Connection), plus `GET /os-hypervisors/statistics` for capacity where the credentials allow it.
Called by the gateway's `discover`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from keystoneauth1.access import AccessInfo
from keystoneauth1.exceptions import EndpointNotFound

from stackfleet.adapters.openstack.connections import LIBRARY_ERRORS, SiteSession
from stackfleet.adapters.openstack.errors import (
    cause_from_exception,
    cause_from_response,
    site_error,
)
from stackfleet.kernel.clock import Clock
from stackfleet.sites.errors import SiteUnavailable
from stackfleet.sites.models import (
    SERVICE_TYPES,
    Capacity,
    CauseKind,
    Discovery,
    ServiceEndpoint,
)

STATISTICS_MICROVERSION = "2.1"
"""os-hypervisors/statistics is gone after 2.87 (Zed); 2.1 reads it on every release."""

MICROVERSIONED = frozenset({"compute", "block-storage"})


def discover(session: SiteSession, clock: Clock) -> Discovery:
    """Authenticate and read the site's catalog, version ranges and capacity."""
    access = session.access()
    services = tuple(
        endpoint
        for service_type in SERVICE_TYPES
        if (endpoint := _endpoint(session, service_type)) is not None
    )
    return Discovery(
        at=clock.now(),
        regions=_regions(access),
        services=services,
        capacity=_capacity(session),
        project_id=access.project_id,
    )


def _regions(access: AccessInfo) -> tuple[str, ...]:
    catalog: Sequence[Mapping[str, Any]] = access.service_catalog.catalog or []
    regions = {
        str(endpoint.get("region_id") or endpoint.get("region"))
        for service in catalog
        for endpoint in service.get("endpoints", [])
        if endpoint.get("region_id") or endpoint.get("region")
    }
    return tuple(sorted(regions))


def _endpoint(session: SiteSession, service_type: str) -> ServiceEndpoint | None:
    """The service's endpoint for the site's interface and region, or None when not catalogued.

    keystoneauth matches block-storage's aliases (volumev3, volume) in the catalog.
    """
    cloud = session.site.cloud
    try:
        data = session.conn.session.get_endpoint_data(
            service_type=service_type, interface=cloud.interface, region_name=cloud.region_name
        )
    except EndpointNotFound:
        return None
    except LIBRARY_ERRORS as failed:
        cause = cause_from_exception(failed, service_type)
        raise site_error(session.site.name, cause, authenticating=False) from None
    if data is None or not data.url:
        return None
    if service_type in MICROVERSIONED:
        return ServiceEndpoint(
            service_type,
            data.url,
            _version(data.min_microversion),
            _version(data.max_microversion),
        )
    return ServiceEndpoint(service_type, data.url, None, _version(data.api_version))


def _version(version: tuple[int | float, ...] | None) -> str | None:
    if not version:
        return None
    return ".".join(str(int(part)) for part in version)


def _capacity(session: SiteSession) -> Capacity | None:
    """Hypervisor totals; None when the credentials may not read them (non-admins get 403)."""
    try:
        response = session.send(
            "compute", "/os-hypervisors/statistics", microversion=STATISTICS_MICROVERSION
        )
    except SiteUnavailable as failed:
        if failed.cause.kind == CauseKind.MISSING:
            return None
        raise
    if response.status_code in (403, 404):
        return None
    if response.status_code >= 400:
        raise site_error(
            session.site.name, cause_from_response(response, "compute"), authenticating=False
        )
    stats: Mapping[str, Any] = response.json().get("hypervisor_statistics", {})
    return Capacity(
        hypervisors=int(stats.get("count", 0)),
        vcpus=int(stats.get("vcpus", 0)),
        vcpus_used=int(stats.get("vcpus_used", 0)),
        memory_mb=int(stats.get("memory_mb", 0)),
        memory_mb_used=int(stats.get("memory_mb_used", 0)),
        local_gb=int(stats.get("local_gb", 0)),
        local_gb_used=int(stats.get("local_gb_used", 0)),
        running_vms=int(stats.get("running_vms", 0)),
    )
