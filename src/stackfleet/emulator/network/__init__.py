"""Network v2.0 (Neutron, Zed, ML2 without agents): the service the emulator app serves.

Routes are split by resource (networks, subnets, ports, routers, floating IPs, security groups
and rules, quotas, tags); errors render in Neutron's `NeutronError` shape. Nova reaches this
service in-process through `internal.py`.
"""

from __future__ import annotations

from stackfleet.emulator.network import (
    floating_ips,
    networks,
    ports,
    quotas,
    router_interfaces,
    routers,
    security_groups,
    sg_rules,
    subnets,
    tags,
    versions,
)
from stackfleet.emulator.network.faults import render_neutron_error
from stackfleet.emulator.service import Service


def _is_public(method: str, path: str) -> bool:
    return method == "GET" and path == "/"


SERVICE = Service(
    name="network",
    routes=[
        *versions.ROUTES,
        *networks.ROUTES,
        *subnets.ROUTES,
        *ports.ROUTES,
        *routers.ROUTES,
        *router_interfaces.ROUTES,
        *floating_ips.ROUTES,
        *security_groups.ROUTES,
        *sg_rules.ROUTES,
        *quotas.ROUTES,
        *tags.ROUTES,
    ],
    render_error=render_neutron_error,
    is_public=_is_public,
)
