"""Nova's filter scheduler, in miniature: pick a hypervisor for a new server and claim its usage.

Filters as a default Zed deployment runs them (ComputeFilter, AvailabilityZoneFilter, the
placement resource claims for VCPU, MEMORY_MB and DISK_GB with the allocation ratios,
ServerGroupAffinityFilter and ServerGroupAntiAffinityFilter, SameHostFilter and
DifferentHostFilter), then weighs the survivors: soft (anti-)affinity first, then free RAM (the
RAMWeigher spreads). Pure functions over the hypervisor documents in `ComputeState.hypervisors`;
`server_lifecycle.py` calls them when a server is placed and when it goes away.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Capacity


@dataclass(frozen=True)
class Demand:
    """What one server asks of the scheduler."""

    vcpus: int
    memory_mb: int
    disk_gb: int
    zone: str | None = None
    host: str | None = None
    """A forced host (`availability_zone: "az:host"`)."""
    node: str | None = None
    """A forced hypervisor_hostname (`"az:host:node"`)."""
    group_policy: str | None = None
    group_hosts: tuple[str, ...] = ()
    """Hosts of the server group's other members (one entry per member, repeats count)."""
    same_host: frozenset[str] = field(default_factory=frozenset)
    different_host: frozenset[str] = field(default_factory=frozenset)
    """Hosts of the servers named in the `same_host` / `different_host` hints."""


def select_host(hypervisors: Iterable[Doc], demand: Demand, capacity: Capacity) -> Doc | None:
    """The hypervisor the server should land on, or None when no host is valid."""
    candidates = [h for h in hypervisors if _passes(h, demand, capacity)]
    if not candidates:
        return None
    return max(candidates, key=lambda h: (_soft_group_weight(h, demand), free_ram_mb(h, capacity)))


def _passes(hypervisor: Doc, demand: Demand, capacity: Capacity) -> bool:
    host = hypervisor["host"]
    return (
        hypervisor["state"] == "up"
        and hypervisor["status"] == "enabled"
        and (demand.zone is None or hypervisor["_az"] == demand.zone)
        and (demand.host is None or host == demand.host)
        and (demand.node is None or hypervisor["hypervisor_hostname"] == demand.node)
        and _fits(hypervisor, demand, capacity)
        and _hard_group_allows(host, demand)
        and (not demand.same_host or host in demand.same_host)
        and host not in demand.different_host
    )


def _fits(hypervisor: Doc, demand: Demand, capacity: Capacity) -> bool:
    used = hypervisor["_used"]
    limits = (
        (demand.vcpus, used["vcpus"], hypervisor["vcpus"], capacity.cpu_allocation_ratio),
        (
            demand.memory_mb,
            used["memory_mb"],
            hypervisor["memory_mb"],
            capacity.ram_allocation_ratio,
        ),
        (demand.disk_gb, used["disk_gb"], hypervisor["local_gb"], capacity.disk_allocation_ratio),
    )
    return all(
        asked == 0 or used_now + asked <= math.floor(total * ratio)
        for asked, used_now, total, ratio in limits
    )


def _hard_group_allows(host: str, demand: Demand) -> bool:
    if demand.group_policy == "affinity":
        return not demand.group_hosts or host in demand.group_hosts
    if demand.group_policy == "anti-affinity":
        # Nova's default max_server_per_host rule for anti-affinity is 1.
        return host not in demand.group_hosts
    return True


def _soft_group_weight(hypervisor: Doc, demand: Demand) -> int:
    members_here = demand.group_hosts.count(hypervisor["host"])
    if demand.group_policy == "soft-affinity":
        return members_here
    if demand.group_policy == "soft-anti-affinity":
        return -members_here
    return 0


def free_ram_mb(hypervisor: Doc, capacity: Capacity) -> int:
    total: int = math.floor(hypervisor["memory_mb"] * capacity.ram_allocation_ratio)
    return total - int(hypervisor["_used"]["memory_mb"])


def claim(hypervisor: Doc, vcpus: int, memory_mb: int, disk_gb: int) -> None:
    """Record a server's usage on the hypervisor it was placed on."""
    _adjust(hypervisor, vcpus, memory_mb, disk_gb, 1)


def release(hypervisor: Doc, vcpus: int, memory_mb: int, disk_gb: int) -> None:
    """Give back a deleted (or failed) server's usage."""
    _adjust(hypervisor, -vcpus, -memory_mb, -disk_gb, -1)


def _adjust(hypervisor: Doc, vcpus: int, memory_mb: int, disk_gb: int, servers: int) -> None:
    used = hypervisor["_used"]
    used["vcpus"] = max(0, used["vcpus"] + vcpus)
    used["memory_mb"] = max(0, used["memory_mb"] + memory_mb)
    used["disk_gb"] = max(0, used["disk_gb"] + disk_gb)
    used["servers"] = max(0, used["servers"] + servers)
