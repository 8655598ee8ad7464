"""`OpenStackGateway.discover` against emulated sites: catalog, versions, capacity, refusals."""

from __future__ import annotations

import pytest

from stackfleet.adapters.openstack import OpenStackGateway
from stackfleet.sites.errors import SiteAuthFailed, SiteUnavailable
from stackfleet.sites.models import CauseKind
from tests.integration.openstack.conftest import EmulatedSite


def test_an_admin_discovers_every_service_with_its_versions_and_capacity(
    seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    found = gateway.discover(seeded.site())
    versions = {s.service_type: (s.min_version, s.max_version) for s in found.services}
    assert versions == {
        "identity": (None, "3.14"),
        "compute": ("2.1", "2.93"),
        "network": (None, "2.0"),
        "image": (None, "2.15"),
        "block-storage": ("3.0", "3.70"),
    }
    urls = {s.service_type: s.url for s in found.services}
    assert urls["compute"].startswith(f"{seeded.running.url}/{seeded.name}/compute/v2.1")
    assert found.regions == ("RegionOne",)
    assert found.project_id == seeded.sdk().current_project_id
    assert found.capacity is not None
    # The emulator's default capacity: four hypervisors of 32 vCPUs; the seed runs 20 servers.
    assert (found.capacity.hypervisors, found.capacity.vcpus) == (4, 128)
    assert found.capacity.running_vms == 20


def test_a_member_discovers_no_capacity_and_its_own_project(
    seeded: EmulatedSite, gateway: OpenStackGateway
) -> None:
    found = gateway.discover(seeded.site(member=True))
    assert found.capacity is None
    assert found.project_id == seeded.sdk(member=True).current_project_id
    assert len(found.services) == 5


def test_wrong_password_is_refused_with_keystones_reason(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    with pytest.raises(SiteAuthFailed) as refused:
        gateway.discover(fresh.site(password="wrong"))
    assert refused.value.cause.kind == CauseKind.UNAUTHORIZED
    assert "requires authentication" in refused.value.cause.message
    assert fresh.name in str(refused.value)


def test_an_unreachable_auth_url_is_unavailable(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    with pytest.raises(SiteUnavailable) as failed:
        gateway.discover(fresh.site(auth_url="http://127.0.0.1:9/v3"))
    assert failed.value.cause.kind == CauseKind.UNREACHABLE
    assert "127.0.0.1:9" in failed.value.cause.message


def test_tls_to_a_plain_http_site_fails_as_tls(
    fresh: EmulatedSite, gateway: OpenStackGateway
) -> None:
    url = fresh.site().cloud.auth_url.replace("http://", "https://")
    with pytest.raises(SiteAuthFailed) as failed:
        gateway.discover(fresh.site(auth_url=url))
    assert failed.value.cause.kind == CauseKind.TLS
    assert "cacert" in failed.value.cause.message


def test_a_down_site_is_unavailable(fresh: EmulatedSite, gateway: OpenStackGateway) -> None:
    fresh.faults(down=True)
    with pytest.raises(SiteUnavailable) as failed:
        gateway.discover(fresh.site())
    assert failed.value.cause.kind == CauseKind.UNREACHABLE
