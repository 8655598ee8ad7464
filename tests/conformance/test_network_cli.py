"""Network conformance through the `openstack` CLI: the everyday network commands.

Each CLI run costs seconds of start-up, so setup is done with openstacksdk and only the commands
under test (network, subnet, router, floating IP and rule create; port list) go through the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openstack.connection import Connection

from tests.conformance.conftest import Osc

pytestmark = pytest.mark.conformance


@pytest.fixture
def cleanup(member: Connection) -> Iterator[list[tuple[str, str]]]:
    """Resources the test made, as (kind, id), deleted in reverse order afterwards."""
    made: list[tuple[str, str]] = []
    yield made
    for kind, resource_id in reversed(made):
        if kind == "router":
            for port in member.network.ports(device_id=resource_id):
                if port.device_owner == "network:router_interface":
                    member.network.remove_interface_from_router(resource_id, port=port.id)
            member.network.delete_router(resource_id, ignore_missing=True)
        elif kind == "network":
            for port in member.network.ports(network_id=resource_id):
                member.network.delete_port(port, ignore_missing=True)
            member.network.delete_network(resource_id, ignore_missing=True)
        elif kind == "fip":
            member.network.delete_ip(resource_id, ignore_missing=True)
        elif kind == "sg":
            member.network.delete_security_group(resource_id, ignore_missing=True)


def test_cli_network_and_subnet_create(osc: Osc, name: str, cleanup: list[tuple[str, str]]) -> None:
    network = osc("network", "create", name)
    cleanup.append(("network", network["id"]))
    assert network["name"] == name
    assert network["status"] == "ACTIVE"
    subnet = osc(
        "subnet", "create", name, "--network", network["id"], "--subnet-range", "10.50.0.0/24"
    )
    assert subnet["cidr"] == "10.50.0.0/24"
    assert subnet["gateway_ip"] == "10.50.0.1"
    assert subnet["allocation_pools"] == [{"start": "10.50.0.2", "end": "10.50.0.254"}]


def test_cli_router_and_floating_ip_create(
    osc: Osc,
    member: Connection,
    name: str,
    external_net: tuple[Any, Any],
    cleanup: list[tuple[str, str]],
) -> None:
    ext, _ = external_net
    router = osc("router", "create", name)
    cleanup.append(("router", router["id"]))
    assert router["name"] == name
    assert router["status"] == "ACTIVE"
    fip = osc("floating", "ip", "create", ext.id)
    cleanup.append(("fip", fip["id"]))
    assert fip["floating_network_id"] == ext.id
    assert member.network.get_ip(fip["id"]).floating_ip_address == fip["floating_ip_address"]


def test_cli_security_group_rule_create_and_port_list(
    osc: Osc, member: Connection, name: str, cleanup: list[tuple[str, str]]
) -> None:
    group = member.network.create_security_group(name=name)
    cleanup.append(("sg", group.id))
    network = member.network.create_network(name=name)
    cleanup.append(("network", network.id))
    member.network.create_subnet(network_id=network.id, ip_version=4, cidr="10.60.0.0/24")
    port = member.network.create_port(network_id=network.id, name=name)
    rule = osc(
        "security", "group", "rule", "create", group.id,
        "--protocol", "tcp", "--dst-port", "443", "--remote-ip", "0.0.0.0/0",
    )  # fmt: skip
    assert rule["protocol"] == "tcp"
    assert (rule["port_range_min"], rule["port_range_max"]) == (443, 443)
    assert rule["direction"] == "ingress"
    ports = osc("port", "list", "--network", network.id)
    assert [(p["ID"], p["Name"]) for p in ports] == [(port.id, name)]
    assert ports[0]["Fixed IP Addresses"][0]["ip_address"] == port.fixed_ips[0]["ip_address"]
