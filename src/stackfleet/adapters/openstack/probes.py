"""Probing a site: authenticate, then one cheap authenticated GET per service, timed.

The token is the Connection's own: a probe re-authenticates only when the token expired or a
service refuses it (keystoneauth invalidates the token and retries once on a 401), so probing
every few seconds does not churn the site's tokens. Called by the gateway's `probe`; never raises
for a site's failures.
"""

from __future__ import annotations

from collections.abc import Callable

from stackfleet.adapters.openstack.connections import SiteSession
from stackfleet.adapters.openstack.errors import cause_from_response
from stackfleet.kernel.clock import Clock
from stackfleet.kernel.errors import StackfleetError
from stackfleet.sites.errors import SiteAuthFailed, SiteUnavailable
from stackfleet.sites.models import (
    SERVICE_TYPES,
    Cause,
    CauseKind,
    ProbeResult,
    ServiceProbe,
)

PROBES: dict[str, tuple[str, str | None]] = {
    "identity": ("/auth/projects", None),
    "compute": ("/flavors", "2.1"),
    "network": ("/networks", None),
    "image": ("/images", None),
    "block-storage": ("/volumes", None),
}
"""Per service type: the path (under its versioned endpoint) and microversion of its probe;
each asks for one item at most."""

LIMITED = frozenset({"compute", "network", "image", "block-storage"})
SILENT = frozenset({CauseKind.UNREACHABLE, CauseKind.TIMEOUT, CauseKind.TLS})
"""Failures that say the host itself did not answer (not just one service on it)."""


def probe(open_session: Callable[[], SiteSession], clock: Clock) -> ProbeResult:
    """Probe the site whose session `open_session` gives."""
    at = clock.now()
    try:
        session = open_session()
        session.access()
    except (SiteAuthFailed, SiteUnavailable) as failed:
        return ProbeResult(at=at, auth_cause=failed.cause)
    except StackfleetError as failed:
        return ProbeResult(at=at, auth_cause=Cause(CauseKind.ERROR, failed.message))
    silent: dict[str, Cause] = {}
    services = tuple(_probe_service(session, service, clock, silent) for service in SERVICE_TYPES)
    return ProbeResult(at=at, services=services)


def _probe_service(
    session: SiteSession, service: str, clock: Clock, silent: dict[str, Cause]
) -> ServiceProbe:
    """One service's probe; `silent` maps hosts that did not answer to why.

    A host that did not answer one service is not asked again in the same probe: a blackholed
    site would otherwise hold its probe for one timeout per service.
    """
    host = session.endpoint_host(service)
    if host in silent:
        return ServiceProbe(service, False, None, silent[host])
    path, microversion = PROBES[service]
    params = {"limit": "1"} if service in LIMITED else None
    started = clock.monotonic()
    try:
        response = session.send(service, path, microversion=microversion, params=params)
    except (SiteAuthFailed, SiteUnavailable) as failed:
        if host is not None and failed.cause.kind in SILENT:
            silent[host] = failed.cause
        return ServiceProbe(service, False, _ms(clock, started), failed.cause)
    latency = _ms(clock, started)
    if response.status_code >= 400:
        return ServiceProbe(service, False, latency, cause_from_response(response, service))
    return ServiceProbe(service, True, latency)


def _ms(clock: Clock, started: float) -> float:
    return round((clock.monotonic() - started) * 1000, 3)
