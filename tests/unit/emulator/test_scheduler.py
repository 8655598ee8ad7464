"""The filter scheduler's choices: resources with allocation ratios, AZs, hosts, server groups."""

from __future__ import annotations

from stackfleet.emulator.compute import scheduler
from stackfleet.emulator.site import Capacity
from stackfleet.emulator.wire import Doc


def _host(name: str, zone: str = "nova", memory_used: int = 0, vcpus_used: int = 0) -> Doc:
    return {
        "host": name,
        "hypervisor_hostname": name,
        "state": "up",
        "status": "enabled",
        "vcpus": 4,
        "memory_mb": 8192,
        "local_gb": 100,
        "_az": zone,
        "_used": {"vcpus": vcpus_used, "memory_mb": memory_used, "disk_gb": 0, "servers": 0},
    }


CAPACITY = Capacity(cpu_allocation_ratio=2.0, ram_allocation_ratio=1.0, disk_allocation_ratio=1.0)


def test_weighs_by_free_ram() -> None:
    hosts = [_host("a", memory_used=4096), _host("b", memory_used=1024)]
    chosen = scheduler.select_host(hosts, scheduler.Demand(1, 512, 1), CAPACITY)
    assert chosen is not None
    assert chosen["host"] == "b"


def test_cpu_allocation_ratio_allows_overcommit_up_to_the_ratio() -> None:
    hosts = [_host("a", vcpus_used=7)]
    assert scheduler.select_host(hosts, scheduler.Demand(1, 512, 1), CAPACITY) is not None
    assert scheduler.select_host(hosts, scheduler.Demand(2, 512, 1), CAPACITY) is None


def test_ram_and_disk_must_fit() -> None:
    hosts = [_host("a", memory_used=8000)]
    assert scheduler.select_host(hosts, scheduler.Demand(1, 512, 1), CAPACITY) is None
    assert scheduler.select_host([_host("b")], scheduler.Demand(1, 512, 101), CAPACITY) is None


def test_availability_zone_and_forced_host_filter() -> None:
    hosts = [_host("a", zone="az1"), _host("b", zone="az2"), _host("c", zone="az2")]
    chosen = scheduler.select_host(hosts, scheduler.Demand(1, 512, 1, zone="az2"), CAPACITY)
    assert chosen is not None
    assert chosen["_az"] == "az2"
    forced = scheduler.select_host(hosts, scheduler.Demand(1, 512, 1, host="c"), CAPACITY)
    assert forced is not None
    assert forced["host"] == "c"
    assert scheduler.select_host(hosts, scheduler.Demand(1, 512, 1, zone="nope"), CAPACITY) is None


def test_disabled_or_down_hosts_are_skipped() -> None:
    down = {**_host("a"), "state": "down"}
    disabled = {**_host("b"), "status": "disabled"}
    assert scheduler.select_host([down, disabled], scheduler.Demand(1, 512, 1), CAPACITY) is None


def test_hard_affinity_and_anti_affinity() -> None:
    hosts = [_host("a"), _host("b", memory_used=4096)]
    affinity = scheduler.Demand(1, 512, 1, group_policy="affinity", group_hosts=("b",))
    chosen = scheduler.select_host(hosts, affinity, CAPACITY)
    assert chosen is not None
    assert chosen["host"] == "b"
    anti = scheduler.Demand(1, 512, 1, group_policy="anti-affinity", group_hosts=("a", "b"))
    assert scheduler.select_host(hosts, anti, CAPACITY) is None


def test_soft_policies_prefer_but_do_not_fail() -> None:
    hosts = [_host("a"), _host("b", memory_used=4096)]
    soft = scheduler.Demand(1, 512, 1, group_policy="soft-affinity", group_hosts=("b",))
    chosen = scheduler.select_host(hosts, soft, CAPACITY)
    assert chosen is not None
    assert chosen["host"] == "b"
    soft_anti = scheduler.Demand(
        1, 512, 1, group_policy="soft-anti-affinity", group_hosts=("a", "b", "b")
    )
    chosen = scheduler.select_host(hosts, soft_anti, CAPACITY)
    assert chosen is not None
    assert chosen["host"] == "a"


def test_same_and_different_host_hints() -> None:
    hosts = [_host("a"), _host("b", memory_used=4096)]
    same = scheduler.select_host(
        hosts, scheduler.Demand(1, 512, 1, same_host=frozenset({"b"})), CAPACITY
    )
    assert same is not None
    assert same["host"] == "b"
    different = scheduler.select_host(
        hosts, scheduler.Demand(1, 512, 1, different_host=frozenset({"a"})), CAPACITY
    )
    assert different is not None
    assert different["host"] == "b"


def test_claim_and_release_track_usage() -> None:
    host = _host("a")
    scheduler.claim(host, 2, 1024, 10)
    assert host["_used"] == {"vcpus": 2, "memory_mb": 1024, "disk_gb": 10, "servers": 1}
    scheduler.release(host, 2, 1024, 10)
    assert host["_used"] == {"vcpus": 0, "memory_mb": 0, "disk_gb": 0, "servers": 0}
