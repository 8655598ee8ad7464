"""Network fixtures shared by the network conformance modules (registered in `conftest.py`).

`net` (a member network whose leftover ports are removed at teardown), `subnet` on it, and
`external_net` (an admin external network with a subnet, freed of floating IPs and router
gateways at teardown).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openstack.connection import Connection


@pytest.fixture
def net(member: Connection, name: str) -> Iterator[Any]:
    network = member.network.create_network(name=name)
    yield network
    for port in member.network.ports(network_id=network.id):
        if not port.device_owner.startswith("network:"):
            member.network.delete_port(port, ignore_missing=True)
    member.network.delete_network(network, ignore_missing=True)


@pytest.fixture
def subnet(member: Connection, net: Any, name: str) -> Any:
    return member.network.create_subnet(
        network_id=net.id, ip_version=4, cidr="10.20.30.0/24", name=name
    )


@pytest.fixture
def external_net(admin: Connection, name: str) -> Iterator[tuple[Any, Any]]:
    network = admin.network.create_network(name=f"{name}-ext", is_router_external=True)
    sub = admin.network.create_subnet(
        network_id=network.id, ip_version=4, cidr="198.51.100.0/24", name=f"{name}-ext"
    )
    yield network, sub
    for fip in admin.network.ips(floating_network_id=network.id):
        admin.network.delete_ip(fip, ignore_missing=True)
    for router in admin.network.routers():
        if (router.external_gateway_info or {}).get("network_id") == network.id:
            admin.network.update_router(router, external_gateway_info={})
    admin.network.delete_network(network, ignore_missing=True)
