"""Nova's state for one site: servers, flavors, keypairs, server groups, quotas and hypervisors.

Documents are kept in their wire shape (see `wire.Doc`); private bookkeeping lives under keys
starting with `_`. The hypervisors are made from the site's `Capacity` when the site is created;
the scheduler (`scheduler.py`) places servers on them and keeps their usage.
"""

from __future__ import annotations

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
    """Keyed by hypervisor id; `_az` and `_used` (vcpus, memory_mb, disk_gb) are private."""
    services: dict[str, Doc] = field(default_factory=dict)
    instance_actions: dict[str, list[Doc]] = field(default_factory=dict)
    """Per-server list of actions (os-instance-actions)."""

    @classmethod
    def create(cls, site: Site) -> ComputeState:
        state = cls()
        capacity = site.config.capacity
        zones = capacity.availability_zones or ("nova",)
        for index in range(capacity.hypervisors):
            host = f"{site.name}-compute-{index + 1}"
            state.hypervisors[str(index + 1)] = {
                "id": str(index + 1),
                "hypervisor_hostname": host,
                "host": host,
                "state": "up",
                "status": "enabled",
                "_az": zones[index % len(zones)],
                "_used": {"vcpus": 0, "memory_mb": 0, "disk_gb": 0, "servers": 0},
            }
        return state
