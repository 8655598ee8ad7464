"""Nova's state for one site: servers, flavors, keypairs, server groups, quotas and hypervisors.

Documents are kept in their wire shape (see `wire.Doc`); private bookkeeping lives under keys
starting with `_`. The hypervisors are made from the site's `Capacity` when the site is created;
the scheduler (`scheduler.py`) places servers on them and keeps their usage.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

DEFAULT_QUOTAS = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "metadata_items": 128,
    "key_pairs": 100,
    "server_groups": 10,
    "server_group_members": 10,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
}
"""Nova's default quota values (nova.conf [quota])."""


@dataclass
class ComputeState:
    """Everything Nova stores for one site."""

    servers: dict[str, Doc] = field(default_factory=dict)
    flavors: dict[str, Doc] = field(default_factory=dict)
    """Flavor documents; `_extra_specs` and `_access` (project ids) are private."""
    keypairs: dict[tuple[str, str], Doc] = field(default_factory=dict)
    """Keyed by (user id, keypair name): keypairs belong to users, not projects."""
    server_groups: dict[str, Doc] = field(default_factory=dict)
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per-project overrides of DEFAULT_QUOTAS."""
    default_quotas: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    hypervisors: dict[str, Doc] = field(default_factory=dict)
    """Keyed by hypervisor UUID (the 2.53+ id); `host` is the compute service's host name.

    Private: `_legacy_id` (the pre-2.53 integer id), `_az` (its availability zone) and `_used`
    (vcpus, memory_mb, disk_gb, servers claimed by the scheduler, `scheduler.py`).
    """
    services: dict[str, Doc] = field(default_factory=dict)
    instance_actions: dict[str, list[Doc]] = field(default_factory=dict)
    """Per-server list of actions (os-instance-actions)."""
    instances_created: int = 0
    """How many servers this site has created: numbers `instance_name` (instance-0000002a)."""

    @classmethod
    def create(cls, site: Site) -> ComputeState:
        state = cls()
        capacity = site.config.capacity
        zones = capacity.availability_zones or ("nova",)
        for index in range(capacity.hypervisors):
            doc = _hypervisor(site, index, zones[index % len(zones)])
            state.hypervisors[doc["id"]] = doc
        return state


def _hypervisor(site: Site, index: int, zone: str) -> Doc:
    """One compute node, shaped as `os-hypervisors` detail renders it at 2.53+."""
    capacity = site.config.capacity
    host = f"{site.name}-compute-{index + 1}"
    # Stable ids, so a site rebuilt from the same config has the same hypervisors.
    node_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site.url}/compute-node/{host}"))
    service_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site.url}/compute-service/{host}"))
    return {
        "id": node_uuid,
        "hypervisor_hostname": host,
        "state": "up",
        "status": "enabled",
        "hypervisor_type": "QEMU",
        "hypervisor_version": 4002001,
        "host_ip": f"192.168.{(index // 250) % 250}.{index % 250 + 2}",
        "service": {"id": service_uuid, "host": host, "disabled_reason": None},
        "vcpus": capacity.vcpus,
        "memory_mb": capacity.memory_mb,
        "local_gb": capacity.disk_gb,
        "host": host,
        # Before microversion 2.53 Nova shows integer ids for the node and its service.
        "_legacy_id": index + 1,
        "_az": zone,
        "_used": {"vcpus": 0, "memory_mb": 0, "disk_gb": 0, "servers": 0},
    }
