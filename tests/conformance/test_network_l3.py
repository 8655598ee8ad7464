"""Network v2.0 conformance for L3: routers, gateways, interfaces, extra routes, floating IPs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection

pytestmark = pytest.mark.conformance


@pytest.fixture
def router(member: Connection, net: Any, name: str) -> Iterator[Any]:
    # Depending on `net` makes the router go first at teardown, freeing the network's ports.
    del net
    created = member.network.create_router(name=name)
    yield created
    for port in member.network.ports(device_id=created.id):
        if port.device_owner == "network:router_interface":
            member.network.remove_interface_from_router(created, port=port.id)
    member.network.delete_router(created, ignore_missing=True)


@pytest.fixture
def topology(
    member: Connection, router: Any, subnet: Any, external_net: tuple[Any, Any]
) -> tuple[Any, Any, Any]:
    """A router joining the member's subnet to an external network."""
    ext, _ = external_net
    member.network.update_router(router, external_gateway_info={"network_id": ext.id})
    member.network.add_interface_to_router(router, subnet=subnet.id)
    return router, subnet, ext


def test_router_defaults(member: Connection, router: Any) -> None:
    assert router.status == "ACTIVE"
    assert router.is_admin_state_up is True
    assert router.external_gateway_info is None
    assert router.routes == []
    updated = member.network.update_router(router, name="renamed", description="d")
    assert (updated.name, updated.description) == ("renamed", "d")


def test_gateway_takes_an_external_address(
    member: Connection, router: Any, external_net: tuple[Any, Any]
) -> None:
    ext, ext_subnet = external_net
    updated = member.network.update_router(router, external_gateway_info={"network_id": ext.id})
    info = updated.external_gateway_info
    assert info["network_id"] == ext.id
    assert info["enable_snat"] is True
    [fixed] = info["external_fixed_ips"]
    assert fixed["subnet_id"] == ext_subnet.id
    assert fixed["ip_address"].startswith("198.51.100.")
    cleared = member.network.update_router(router, external_gateway_info={})
    assert cleared.external_gateway_info is None


def test_gateway_must_be_external(member: Connection, router: Any, net: Any) -> None:
    with pytest.raises(exceptions.BadRequestException, match="not an external network"):
        member.network.update_router(router, external_gateway_info={"network_id": net.id})


def test_member_cannot_set_snat(
    member: Connection, router: Any, external_net: tuple[Any, Any]
) -> None:
    ext, _ = external_net
    with pytest.raises(exceptions.ForbiddenException):
        member.network.update_router(
            router, external_gateway_info={"network_id": ext.id, "enable_snat": False}
        )


def test_interface_by_subnet_uses_the_gateway_ip(
    member: Connection, router: Any, subnet: Any
) -> None:
    info = member.network.add_interface_to_router(router, subnet=subnet.id)
    assert info["subnet_id"] == subnet.id
    port = member.network.get_port(info["port_id"])
    assert port.device_owner == "network:router_interface"
    assert port.device_id == router.id
    assert port.fixed_ips == [{"subnet_id": subnet.id, "ip_address": subnet.gateway_ip}]
    with pytest.raises(exceptions.BadRequestException, match="already has a port"):
        member.network.add_interface_to_router(router, subnet=subnet.id)
    with pytest.raises(exceptions.ConflictException):
        member.network.delete_port(port)
    with pytest.raises(exceptions.ConflictException, match="has ports still attached"):
        member.network.delete_router(router)
    member.network.remove_interface_from_router(router, subnet=subnet.id)
    assert member.network.find_port(info["port_id"]) is None


def test_interface_by_port(member: Connection, router: Any, net: Any, subnet: Any) -> None:
    port = member.network.create_port(
        network_id=net.id, fixed_ips=[{"subnet_id": subnet.id, "ip_address": "10.20.30.5"}]
    )
    info = member.network.add_interface_to_router(router, port=port.id)
    assert info["port_id"] == port.id
    assert member.network.get_port(port.id).device_id == router.id
    member.network.remove_interface_from_router(router, port=port.id)
    assert member.network.find_port(port.id) is None


def test_removing_a_missing_interface_is_404(member: Connection, router: Any, subnet: Any) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        member.network.remove_interface_from_router(router, subnet=subnet.id)


def test_extra_routes_need_a_connected_nexthop(
    member: Connection, router: Any, subnet: Any
) -> None:
    route = {"destination": "172.31.0.0/16", "nexthop": "10.20.30.9"}
    with pytest.raises(exceptions.BadRequestException):
        member.network.update_router(router, routes=[route])
    member.network.add_interface_to_router(router, subnet=subnet.id)
    assert member.network.update_router(router, routes=[route]).routes == [route]
    member.network.update_router(router, routes=[])
    added = member.network.add_extra_routes_to_router(router, {"router": {"routes": [route]}})
    assert added.routes == [route]
    removed = member.network.remove_extra_routes_from_router(
        router, {"router": {"routes": [route]}}
    )
    assert removed.routes == []


def test_missing_router_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound, match=r"Router .* could not be found"):
        member.network.get_router("00000000-0000-0000-0000-000000000000")


def test_floating_ip_lifecycle(
    member: Connection, net: Any, topology: tuple[Any, Any, Any]
) -> None:
    router, _, ext = topology
    fip = member.network.create_ip(floating_network_id=ext.id)
    try:
        assert fip.floating_ip_address.startswith("198.51.100.")
        assert fip.port_id is None
        assert fip.status == "DOWN"
        port = member.network.create_port(network_id=net.id)
        fixed = port.fixed_ips[0]["ip_address"]
        associated = member.network.update_ip(fip, port_id=port.id)
        assert associated.fixed_ip_address == fixed
        assert associated.router_id == router.id
        shown = member.network.get_ip(fip.id)
        assert shown.port_id == port.id
        assert [f.id for f in member.network.ips(port_id=port.id)] == [fip.id]
        released = member.network.update_ip(fip, port_id=None)
        assert released.port_id is None
        assert released.fixed_ip_address is None
        member.network.update_ip(fip, port_id=port.id)
        member.network.delete_port(port)
        assert member.network.get_ip(fip.id).port_id is None
    finally:
        member.network.delete_ip(fip)
    with pytest.raises(exceptions.ResourceNotFound):
        member.network.get_ip(fip.id)


def test_floating_ip_needs_a_router(
    member: Connection, net: Any, subnet: Any, external_net: tuple[Any, Any]
) -> None:
    del subnet
    ext, _ = external_net
    port = member.network.create_port(network_id=net.id)
    with pytest.raises(exceptions.ResourceNotFound, match="not reachable"):
        member.network.create_ip(floating_network_id=ext.id, port_id=port.id)


def test_floating_ip_from_internal_network_is_400(member: Connection, net: Any) -> None:
    with pytest.raises(exceptions.BadRequestException, match="not a valid external network"):
        member.network.create_ip(floating_network_id=net.id)


def test_cloud_layer_floating_ip(
    member: Connection, net: Any, topology: tuple[Any, Any, Any]
) -> None:
    _, _, ext = topology
    port = member.network.create_port(network_id=net.id)
    fip = member.create_floating_ip(network=ext.id, port=port.id, wait=False)
    try:
        assert fip["port_id"] == port.id
        assert fip["fixed_ip_address"] == port.fixed_ips[0]["ip_address"]
    finally:
        member.delete_floating_ip(fip["id"])
