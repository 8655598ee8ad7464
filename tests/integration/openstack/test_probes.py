"""`OpenStackGateway.probe` against emulated sites, healthy and under every injected fault."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stackfleet.adapters.openstack import OpenStackGateway
from stackfleet.kernel.clock import SystemClock
from stackfleet.sites.models import SERVICE_TYPES, CauseKind, ProbeResult
from tests.integration.openstack.conftest import EmulatedSite


@pytest.fixture
def impatient() -> Iterator[OpenStackGateway]:
    gw = OpenStackGateway(SystemClock(), timeout=0.3)
    yield gw
    gw.close()


def _failed(result: ProbeResult) -> dict[str, CauseKind | None]:
    return {s.service_type: s.cause.kind if s.cause else None for s in result.services if not s.ok}


def test_a_healthy_site_answers_every_service_with_a_latency(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    result = gateway.probe(fresh.site())
    assert result.auth_cause is None
    assert [s.service_type for s in result.services] == list(SERVICE_TYPES)
    assert all(s.ok and s.cause is None for s in result.services)
    assert all(s.latency_ms is not None and 0 < s.latency_ms < 5000 for s in result.services)


def test_a_site_going_down_fails_every_service_as_unreachable_and_recovers(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site = fresh.site()
    gateway.probe(site)
    fresh.faults(down=True)
    down = gateway.probe(site)
    assert _failed(down) == dict.fromkeys(SERVICE_TYPES, CauseKind.UNREACHABLE)
    fresh.faults()
    assert _failed(gateway.probe(site)) == {}


def test_a_down_site_never_signed_in_to_fails_authentication_as_unreachable(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    fresh.faults(down=True)
    result = gateway.probe(fresh.site())
    assert result.services == ()
    assert result.auth_cause is not None
    assert result.auth_cause.kind == CauseKind.UNREACHABLE


def test_answers_slower_than_the_timeout_are_timeouts(
    fresh: EmulatedSite, impatient: OpenStackGateway
) -> None:
    site = fresh.site()
    assert _failed(impatient.probe(site)) == {}
    fresh.faults(latency_ms=600)
    clock = SystemClock()
    started = clock.monotonic()
    slow = impatient.probe(site)
    took = clock.monotonic() - started
    assert _failed(slow) == dict.fromkeys(SERVICE_TYPES, CauseKind.TIMEOUT)
    first, *others = slow.services
    assert first.latency_ms is not None
    assert first.latency_ms >= 300
    # Every service is on the same silent host: it is waited for once, not once per service.
    assert all(s.latency_ms is None for s in others)
    assert took < 1.2  # five timeouts would take 1.5 s


def test_a_503_from_one_service_fails_only_that_service_with_the_body(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    fresh.faults(unavailable=frozenset({"compute"}))
    result = gateway.probe(fresh.site())
    assert _failed(result) == {"compute": CauseKind.SERVER_ERROR}
    compute = next(s for s in result.services if s.service_type == "compute")
    assert compute.cause is not None
    assert compute.cause.message.startswith("HTTP 503 from compute: ")
    assert "currently unavailable" in compute.cause.message


def test_expired_tokens_are_replaced_and_the_probe_stays_ok(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    site = fresh.site()
    assert _failed(gateway.probe(site)) == {}
    session = gateway.connections.session(site)
    old = session.conn.auth_token
    fresh.expire_tokens()
    assert _failed(gateway.probe(site)) == {}
    assert session.conn.auth_token != old


def test_probes_reuse_the_token(fresh: EmulatedSite, gateway: OpenStackGateway) -> None:
    site = fresh.site()
    gateway.probe(site)
    token = gateway.connections.session(site).conn.auth_token
    gateway.probe(site)
    assert gateway.connections.session(site).conn.auth_token == token


def test_a_wrong_password_fills_the_auth_cause(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    result = gateway.probe(fresh.site(password="wrong"))
    assert result.services == ()
    assert result.auth_cause is not None
    assert result.auth_cause.kind == CauseKind.UNAUTHORIZED
    assert "Keystone refused the credentials" in result.auth_cause.message
