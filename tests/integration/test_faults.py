"""Injected faults as openstacksdk sees them, end to end over real HTTP.

Each test adds its own site through the admin API, so a fault never leaks into another test, and
drives it with openstacksdk exactly as an operator's automation would.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import openstack
import openstack.exceptions
import pytest
from keystoneauth1.exceptions import ConnectFailure
from openstack.connection import Connection

from tests.conftest import RunningEmulator


@dataclass
class FaultySite:
    """A site of its own, its admin connection, and a way to inject faults into it."""

    name: str
    url: str
    admin_api: httpx.Client
    cloud: dict[str, Any]
    conn: Connection

    def faults(self, **fields: object) -> dict[str, Any]:
        response = self.admin_api.patch(f"/sites/{self.name}/faults", json=fields)
        assert response.status_code == 200, response.text
        faults: dict[str, Any] = response.json()["faults"]
        return faults

    def connect(self) -> Connection:
        return openstack.connect(load_yaml_config=False, load_envvars=False, **self.cloud)


@pytest.fixture
def site(running_emulator: RunningEmulator) -> Iterator[FaultySite]:
    headers = {"X-Admin-Token": running_emulator.emulator.admin_token}
    name = f"flt-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=f"{running_emulator.url}/_admin", headers=headers) as admin_api:
        created = admin_api.post("/sites", json={"name": name, "boot_seconds": 0.2})
        assert created.status_code == 201, created.text
        cloud = admin_api.get("/clouds", params={"site": name}).json()["clouds"][name]
        conn = openstack.connect(load_yaml_config=False, load_envvars=False, **cloud)
        yield FaultySite(name, created.json()["site"]["url"], admin_api, cloud, conn)
        conn.close()
        admin_api.delete(f"/sites/{name}")


def _boot(site: FaultySite) -> Any:
    """Create a flavor and an image on the site and boot a server from them, without networks."""
    conn = site.conn
    suffix = uuid.uuid4().hex[:6]
    flavor = conn.compute.create_flavor(name=f"f-{suffix}", ram=64, vcpus=1, disk=1)
    image = conn.image.create_image(
        name=f"i-{suffix}",
        data=b"bootable bytes",
        disk_format="raw",
        container_format="bare",
        wait=True,
    )
    return conn.compute.create_server(
        name=f"s-{suffix}", flavor_id=flavor.id, image_id=image.id, networks="none"
    )


def test_a_down_site_drops_connections_until_it_is_up(site: FaultySite) -> None:
    list(site.conn.compute.servers())
    site.faults(down=True)
    with pytest.raises(ConnectFailure):
        list(site.conn.compute.servers())
    with pytest.raises(openstack.exceptions.SDKException, match="Unable to establish connection"):
        site.connect().authorize()
    site.faults(down=False)
    assert list(site.conn.compute.servers()) == []
    assert site.connect().authorize()


def test_a_down_site_does_not_touch_the_others(
    site: FaultySite, running_emulator: RunningEmulator
) -> None:
    site.faults(down=True)
    other = httpx.get(f"{running_emulator.url}/site1/identity/v3")
    assert other.status_code == 200


def test_an_unavailable_service_answers_503_while_identity_works(site: FaultySite) -> None:
    site.faults(unavailable=["compute"])
    with pytest.raises(openstack.exceptions.HttpException) as raised:
        list(site.conn.compute.servers())
    assert raised.value.status_code == 503
    assert site.connect().authorize()
    site.faults(unavailable=[])
    assert list(site.conn.compute.servers()) == []


def test_all_services_unavailable_includes_identity(site: FaultySite) -> None:
    site.faults(unavailable="all")
    response = httpx.get(f"{site.url}/identity/v3")
    assert response.status_code == 503
    assert httpx.get(f"{site.url}/image/").status_code == 503


def test_latency_delays_every_answer(site: FaultySite) -> None:
    site.conn.authorize()
    site.faults(latency_ms=300)
    started = time.monotonic()
    list(site.conn.compute.servers())
    assert time.monotonic() - started >= 0.3
    site.faults(latency_ms=0)
    started = time.monotonic()
    list(site.conn.compute.servers())
    assert time.monotonic() - started < 0.3


def test_jitter_adds_a_bounded_random_delay(site: FaultySite) -> None:
    site.faults(latency_ms=50, jitter_ms=50)
    took = []
    for _ in range(5):
        started = time.monotonic()
        httpx.get(f"{site.url}/identity/v3")
        took.append(time.monotonic() - started)
    assert min(took) >= 0.05
    assert max(took) < 1.0


def test_error_rate_one_fails_every_request_and_zero_none(site: FaultySite) -> None:
    site.conn.authorize()
    site.faults(error_rate=1.0)
    for _ in range(5):
        with pytest.raises(openstack.exceptions.HttpException) as raised:
            list(site.conn.compute.servers())
        assert raised.value.status_code == 500
    site.faults(error_rate=0.0)
    for _ in range(5):
        assert list(site.conn.compute.servers()) == []


def test_error_rate_fails_about_that_fraction(site: FaultySite) -> None:
    site.faults(error_rate=0.5)
    with httpx.Client() as client:
        statuses = [client.get(f"{site.url}/identity/v3").status_code for _ in range(200)]
    assert set(statuses) == {200, 500}
    # 200 fair coin flips land outside 50..150 with a probability below 1e-12.
    assert 50 <= statuses.count(500) <= 150


def test_expired_tokens_are_rejected_and_openstacksdk_signs_in_again(site: FaultySite) -> None:
    list(site.conn.compute.servers())
    old_token = site.conn.auth_token
    revoked = site.admin_api.post(f"/sites/{site.name}/expire-tokens")
    assert revoked.status_code == 200
    headers = {"X-Auth-Token": str(old_token)}
    rejected = httpx.get(f"{site.url}/compute/v2.1/servers", headers=headers)
    assert rejected.status_code == 401
    assert rejected.json()["error"]["code"] == 401
    assert list(site.conn.compute.servers()) == []
    assert site.conn.auth_token != old_token


def test_exhausted_capacity_sends_new_servers_to_error(site: FaultySite) -> None:
    site.faults(capacity_exhausted=True)
    server = _boot(site)
    failed = site.conn.compute.wait_for_server(
        server, status="ERROR", failures=[], interval=0.1, wait=10
    )
    assert "No valid host was found" in failed.fault["message"]
    site.faults(capacity_exhausted=False)
    healthy = _boot(site)
    assert site.conn.compute.wait_for_server(healthy, interval=0.1, wait=10).status == "ACTIVE"
    counts = site.admin_api.get(f"/sites/{site.name}").json()["site"]["counts"]
    assert (counts["servers"], counts["images"]) == (2, 2)
    site.conn.compute.delete_server(failed)
    site.conn.compute.wait_for_delete(failed, interval=0.1, wait=10)
    counts = site.admin_api.get(f"/sites/{site.name}").json()["site"]["counts"]
    assert counts["servers"] == 1


def test_slow_boot_keeps_a_server_in_build(site: FaultySite) -> None:
    site.faults(boot_seconds=1.0)
    started = time.monotonic()
    server = _boot(site)
    time.sleep(0.6)  # noqa: TID251 - the emulator runs on the real clock here
    assert site.conn.compute.get_server(server.id).status == "BUILD"
    active = site.conn.compute.wait_for_server(server, interval=0.1, wait=10)
    assert active.status == "ACTIVE"
    assert time.monotonic() - started >= 1.0
