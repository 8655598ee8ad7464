"""Neutron's state for one site: networks, subnets, ports, routers, floating IPs, security groups.

Documents are kept in their wire shape (see `wire.Doc`); private bookkeeping lives under keys
starting with `_` (a subnet's `_allocated` map of IP → port id, a security group's `_rule_ids`).
Every handler module and `internal.py` read and change these dictionaries directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

DEFAULT_QUOTAS = {
    "network": 100,
    "subnet": 100,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
    "subnetpool": -1,
    "rbac_policy": 10,
}
"""Neutron's default quotas (neutron.conf [quotas])."""


@dataclass
class NetworkState:
    """Everything Neutron stores for one site."""

    networks: dict[str, Doc] = field(default_factory=dict)
    subnets: dict[str, Doc] = field(default_factory=dict)
    """Subnet documents; `_allocated` maps each allocated IP to the port holding it."""
    ports: dict[str, Doc] = field(default_factory=dict)
    routers: dict[str, Doc] = field(default_factory=dict)
    floatingips: dict[str, Doc] = field(default_factory=dict)
    security_groups: dict[str, Doc] = field(default_factory=dict)
    """Security group documents; `_rule_ids` lists their rules in creation order."""
    security_group_rules: dict[str, Doc] = field(default_factory=dict)
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per-project overrides of DEFAULT_QUOTAS."""
    default_groups: dict[str, str] = field(default_factory=dict)
    """Project id → id of its `default` security group, made on the project's first use."""
    macs: set[str] = field(default_factory=set)
    device_ports: dict[str, list[str]] = field(default_factory=dict)
    """device_id → ids of the ports bound to it (a server's or router's ports), in order."""
    next_vni: int = 1
    """The next VXLAN id handed to a project network (ML2's tenant network allocation)."""

    @classmethod
    def create(cls, site: Site) -> NetworkState:
        del site
        return cls()
