"""The health state machine: no flapping, a cause for every state, events on changes only."""

from __future__ import annotations

import datetime as dt

from stackfleet.kernel.ids import SiteId
from stackfleet.sites.health import next_health
from stackfleet.sites.models import (
    SERVICE_TYPES,
    Cause,
    CauseKind,
    CloudConfig,
    Labels,
    ProbeResult,
    ServiceProbe,
    Site,
    SiteHealth,
    SiteStatus,
)

T0 = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
DOWN = Cause(CauseKind.UNREACHABLE, "connection refused")


def _site(health: SiteHealth | None = None) -> Site:
    cloud = CloudConfig({"auth_url": "http://x/v3", "username": "u", "password": "p"})
    return Site(SiteId("s1"), "edge-1", cloud, Labels(), T0, health or SiteHealth())


def _ok(at: dt.datetime) -> ProbeResult:
    return ProbeResult(at, tuple(ServiceProbe(s, True, 3.0) for s in SERVICE_TYPES))


def _unreachable(at: dt.datetime) -> ProbeResult:
    return ProbeResult(at, auth_cause=DOWN)


def _step(site: Site, probe: ProbeResult) -> tuple[Site, str | None]:
    health, event = next_health(site, probe)
    return Site(site.id, site.name, site.cloud, site.labels, site.created_at, health), (
        event.message if event else None
    )


def test_first_success_is_online_with_an_event() -> None:
    site, event = _step(_site(), _ok(T0))
    assert site.health.status is SiteStatus.ONLINE
    assert site.health.since == T0
    assert event == "edge-1 is online"


def test_offline_only_after_two_consecutive_failures_and_back_after_one_success() -> None:
    site, _ = _step(_site(), _ok(T0))
    t1, t2, t3 = (T0 + dt.timedelta(seconds=10 * n) for n in (1, 2, 3))
    site, event = _step(site, _unreachable(t1))
    assert site.health.status is SiteStatus.ONLINE
    assert site.health.cause == DOWN
    assert event is None
    site, event = _step(site, _unreachable(t2))
    assert site.health.status is SiteStatus.OFFLINE
    assert site.health.since == t2
    assert event == "edge-1 is offline: unreachable: connection refused"
    site, event = _step(site, _ok(t3))
    assert site.health.status is SiteStatus.ONLINE
    assert site.health.consecutive_failures == 0
    assert event == "edge-1 is online"


def test_one_lost_probe_between_successes_changes_nothing() -> None:
    site, _ = _step(_site(), _ok(T0))
    site, _ = _step(site, _unreachable(T0 + dt.timedelta(seconds=10)))
    site, event = _step(site, _ok(T0 + dt.timedelta(seconds=20)))
    assert (site.health.status, site.health.since, event) == (SiteStatus.ONLINE, T0, None)


def test_some_services_failing_is_degraded_with_their_causes() -> None:
    site, _ = _step(_site(), _ok(T0))
    failing = Cause(CauseKind.SERVER_ERROR, "HTTP 503 from compute: unavailable")
    services = tuple(
        ServiceProbe(s, s != "compute", 2.0, failing if s == "compute" else None)
        for s in SERVICE_TYPES
    )
    site, event = _step(site, ProbeResult(T0 + dt.timedelta(seconds=10), services))
    assert site.health.status is SiteStatus.DEGRADED
    assert site.health.cause is not None
    assert site.health.cause.kind is CauseKind.SERVER_ERROR
    assert "compute server-error: HTTP 503" in site.health.cause.message
    assert event is not None


def test_refused_credentials_are_auth_failed_at_once() -> None:
    refused = Cause(CauseKind.UNAUTHORIZED, "The request you have made requires authentication.")
    site, event = _step(_site(), ProbeResult(T0, auth_cause=refused))
    assert site.health.status is SiteStatus.AUTH_FAILED
    assert site.health.cause == refused
    assert event is not None
