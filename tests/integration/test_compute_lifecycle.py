"""Emulator-only compute behaviour: boot timing, the scheduler's capacity, faults and quotas.

Each test adds a site of its own with the capacity and boot delay it needs (so the shared `site1`
is never disturbed) and drives it with openstacksdk over real HTTP; the `Site` object is reached
directly only to inject the capacity fault and to read the hypervisors' claims.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openstack.config
import pytest
from openstack import exceptions
from openstack.connection import Connection

from stackfleet.emulator.compute.server_lifecycle import NO_VALID_HOST
from stackfleet.emulator.site import Capacity, Site
from tests.conftest import RunningEmulator

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
]

WAIT = 30


@dataclass
class ComputeSite:
    """A site of the test's own, its admin connection, and a flavor and image to boot from."""

    site: Site
    conn: Connection
    image_id: str

    def flavor(self, vcpus: int = 1, ram: int = 512, disk: int = 1) -> str:
        name = f"f-{uuid.uuid4().hex[:8]}"
        return str(self.conn.compute.create_flavor(name=name, ram=ram, vcpus=vcpus, disk=disk).id)

    def create(self, flavor_id: str, **extra: Any) -> Any:
        return self.conn.compute.create_server(
            name=f"s-{uuid.uuid4().hex[:6]}",
            flavor_id=flavor_id,
            image_id=self.image_id,
            networks="none",
            **extra,
        )

    def settle(self, server: Any) -> Any:
        """Wait until the server leaves BUILD, whether it went ACTIVE or ERROR."""
        deadline = time.monotonic() + WAIT
        while True:
            fresh = self.conn.compute.get_server(server.id)
            if fresh.status != "BUILD" or time.monotonic() > deadline:
                return fresh
            time.sleep(0.05)  # noqa: TID251 - the emulator runs on the real clock here

    def boot(self, flavor_id: str, **extra: Any) -> Any:
        return self.settle(self.create(flavor_id, **extra))

    def delete(self, server: Any) -> None:
        self.conn.compute.delete_server(server)
        self.conn.compute.wait_for_delete(server, wait=WAIT, interval=0.05)


SiteFactory = Callable[..., ComputeSite]


@pytest.fixture
def make_site(running_emulator: RunningEmulator) -> Iterator[SiteFactory]:
    made: list[tuple[str, Connection]] = []

    def make(boot_seconds: float = 0.1, capacity: Capacity | None = None) -> ComputeSite:
        name = f"cmp-{uuid.uuid4().hex[:8]}"
        running_emulator.add_site(name, boot_seconds=boot_seconds, capacity=capacity or Capacity())
        config = openstack.config.OpenStackConfig(config_files=[str(running_emulator.clouds_yaml)])
        conn = Connection(config=config.get_one(cloud=name))
        made.append((name, conn))
        image = conn.image.create_image(
            name="cirros",
            data=b"bootable bytes",
            disk_format="raw",
            container_format="bare",
            allow_duplicates=True,
        )
        return ComputeSite(running_emulator.emulator.sites[name], conn, str(image.id))

    yield make
    for name, conn in made:
        conn.close()
        running_emulator.emulator.remove_site(name)


def _small(hypervisors: int, vcpus: int = 2) -> Capacity:
    """Hosts of 1 GiB and (by default) 2 vCPUs each, not overcommitted."""
    return Capacity(
        hypervisors=hypervisors,
        vcpus=vcpus,
        memory_mb=1024,
        disk_gb=10,
        cpu_allocation_ratio=1.0,
    )


def _assert_no_valid_host(server: Any) -> None:
    assert server.status == "ERROR"
    assert server.fault["code"] == 500
    assert server.fault["message"] == NO_VALID_HOST
    assert server.fault["created"]


def test_server_builds_for_boot_seconds_then_is_active(make_site: SiteFactory) -> None:
    cloud = make_site(boot_seconds=0.6)
    started = time.monotonic()
    server = cloud.create(cloud.flavor())
    building = cloud.conn.compute.get_server(server.id)
    assert building.status == "BUILD"
    assert building.vm_state == "building"
    assert building.task_state in ("scheduling", "spawning")
    active = cloud.settle(server)
    assert active.status == "ACTIVE"
    assert time.monotonic() - started >= 0.55
    assert active.launched_at
    assert active.task_state is None


def test_server_nobody_polls_is_active_at_first_look(make_site: SiteFactory) -> None:
    cloud = make_site(boot_seconds=0.3)
    server = cloud.create(cloud.flavor())
    # Timers fire on the next request: placement and spawning must both catch up at once.
    time.sleep(0.4)  # noqa: TID251 - the emulator runs on the real clock here
    assert cloud.conn.compute.get_server(server.id).status == "ACTIVE"


def test_actions_show_their_transient_states(make_site: SiteFactory) -> None:
    cloud = make_site(boot_seconds=0.6)
    server = cloud.boot(cloud.flavor())
    compute = cloud.conn.compute
    compute.reboot_server(server, "SOFT")
    rebooting = compute.get_server(server.id)
    assert (rebooting.status, rebooting.task_state) == ("REBOOT", "rebooting")
    compute.wait_for_server(rebooting, status="ACTIVE", wait=WAIT, interval=0.05)
    compute.reboot_server(server, "HARD")
    assert compute.get_server(server.id).status == "HARD_REBOOT"
    with pytest.raises(exceptions.ConflictException) as during:
        compute.stop_server(server)
    assert "task_state rebooting_hard" in str(during.value)
    compute.wait_for_server(compute.get_server(server.id), wait=WAIT, interval=0.05)
    compute.stop_server(server)
    stopping = compute.get_server(server.id)
    assert (stopping.status, stopping.task_state) == ("ACTIVE", "powering-off")


def test_flavor_bigger_than_any_host_errors(make_site: SiteFactory) -> None:
    cloud = make_site(capacity=_small(2))
    server = cloud.boot(cloud.flavor(ram=2048))
    _assert_no_valid_host(server)
    actions = list(cloud.conn.compute.server_actions(server))
    assert [(a.action, a.message) for a in actions] == [("create", "Error")]
    create = cloud.conn.compute.get_server_action(actions[0].request_id, server)
    assert [(e.event, e.result) for e in create.events] == [
        ("conductor_schedule_and_build_instances", "Error")
    ]
    cloud.delete(server)


def test_full_hypervisors_error_until_a_server_is_deleted(make_site: SiteFactory) -> None:
    cloud = make_site(capacity=_small(2))
    flavor = cloud.flavor(vcpus=1, ram=512)
    servers = [cloud.boot(flavor) for _ in range(4)]
    assert [s.status for s in servers] == ["ACTIVE"] * 4
    assert len({s.hypervisor_hostname for s in servers}) == 2
    used = [h["_used"]["memory_mb"] for h in cloud.site.compute.hypervisors.values()]
    assert used == [1024, 1024]
    overflow = cloud.boot(flavor)
    _assert_no_valid_host(overflow)
    cloud.delete(overflow)
    cloud.delete(servers[0])
    assert cloud.boot(flavor).status == "ACTIVE"


def test_capacity_exhausted_fault(make_site: SiteFactory) -> None:
    cloud = make_site()
    flavor = cloud.flavor()
    cloud.site.faults.capacity_exhausted = True
    _assert_no_valid_host(cloud.boot(flavor))
    cloud.site.faults.capacity_exhausted = False
    assert cloud.boot(flavor).status == "ACTIVE"
    assert all(h["_used"]["servers"] <= 1 for h in cloud.site.compute.hypervisors.values())


def test_quota_exceeded_is_forbidden(make_site: SiteFactory) -> None:
    cloud = make_site()
    project_id = str(cloud.conn.current_project_id)
    cloud.conn.set_compute_quotas(project_id, instances=1)
    flavor = cloud.flavor()
    first = cloud.boot(flavor)
    with pytest.raises(exceptions.ForbiddenException) as exceeded:
        cloud.create(flavor)
    assert "Quota exceeded for instances" in str(exceeded.value)
    cloud.delete(first)
    assert cloud.boot(flavor).status == "ACTIVE"


def test_anti_affinity_on_one_host_errors(make_site: SiteFactory) -> None:
    cloud = make_site(capacity=_small(1, vcpus=8))
    group = cloud.conn.compute.create_server_group(name="spread", policy="anti-affinity")
    flavor = cloud.flavor(ram=128)
    hints = {"group": group.id}
    assert cloud.boot(flavor, scheduler_hints=hints).status == "ACTIVE"
    _assert_no_valid_host(cloud.boot(flavor, scheduler_hints=hints))
    soft = cloud.conn.compute.create_server_group(name="soft", policy="soft-anti-affinity")
    soft_hints = {"group": soft.id}
    assert cloud.boot(flavor, scheduler_hints=soft_hints).status == "ACTIVE"
    assert cloud.boot(flavor, scheduler_hints=soft_hints).status == "ACTIVE"


def test_server_group_members_quota_is_forbidden(make_site: SiteFactory) -> None:
    cloud = make_site()
    cloud.conn.set_compute_quotas(str(cloud.conn.current_project_id), server_group_members=1)
    group = cloud.conn.compute.create_server_group(name="pair", policy="soft-affinity")
    flavor = cloud.flavor()
    hints = {"group": group.id}
    first = cloud.boot(flavor, scheduler_hints=hints)
    with pytest.raises(exceptions.ForbiddenException) as exceeded:
        cloud.create(flavor, scheduler_hints=hints)
    assert "Quota exceeded, too many servers in group" in str(exceeded.value)
    cloud.delete(first)
    assert cloud.boot(flavor, scheduler_hints=hints).status == "ACTIVE"
