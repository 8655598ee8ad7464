"""Network v2.0 conformance: discovery, networks, subnets, ports, IPAM and list queries.

Driven only through openstacksdk; every resource is created here and deleted afterwards, so the
module runs unchanged against a real Zed cloud. The `net`, `subnet` and `external_net` fixtures
it shares with the other network modules live in `network_fixtures.py`.
"""

from __future__ import annotations

from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection

pytestmark = pytest.mark.conformance


def test_extensions_include_what_clients_check(member: Connection) -> None:
    aliases = {ext.alias for ext in member.network.extensions()}
    assert {"router", "external-net", "security-group", "quotas", "standard-attr-tag"} <= aliases
    ext = member.network.find_extension("router")
    assert ext is not None
    assert ext.name == "Neutron L3 Router"


def test_missing_extension_is_404(member: Connection) -> None:
    response = member.network.get("/extensions/no-such-extension")
    assert response.status_code == 404
    assert member.network.find_extension("no-such-extension") is None


def test_network_create_show_update_delete(member: Connection, name: str) -> None:
    network = member.network.create_network(name=name, description="d")
    try:
        assert network.status == "ACTIVE"
        assert network.is_admin_state_up is True
        assert network.is_shared is False
        assert network.is_router_external is False
        assert network.subnet_ids == []
        assert network.mtu >= 1280
        assert network.revision_number >= 0
        assert network.project_id == member.current_project_id
        assert network.provider_network_type is None  # provider attributes are admin-only
        revision = network.revision_number
        updated = member.network.update_network(network, name=f"{name}-2", description="e")
        assert updated.name == f"{name}-2"
        assert updated.description == "e"
        assert updated.revision_number > revision
        assert member.network.get_network(network.id).name == f"{name}-2"
    finally:
        member.network.delete_network(network)
    with pytest.raises(exceptions.ResourceNotFound, match="could not be found"):
        member.network.get_network(network.id)


def test_admin_sees_provider_attributes(admin: Connection, net: Any) -> None:
    shown = admin.network.get_network(net.id)
    assert shown.provider_network_type
    assert shown.provider_segmentation_id is not None or shown.provider_network_type == "flat"


def test_member_cannot_create_shared_network(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.ForbiddenException):
        member.network.create_network(name=name, shared=True)


def test_member_cannot_see_another_projects_network(
    admin: Connection, member: Connection, name: str
) -> None:
    private = admin.network.create_network(name=name)
    try:
        with pytest.raises(exceptions.ResourceNotFound):
            member.network.get_network(private.id)
        assert private.id not in {n.id for n in member.network.networks()}
        assert private.id in {n.id for n in admin.network.networks()}
    finally:
        admin.network.delete_network(private)


def test_shared_network_is_visible_but_not_writable(
    admin: Connection, member: Connection, name: str
) -> None:
    shared = admin.network.create_network(name=name, shared=True)
    try:
        assert member.network.get_network(shared.id).is_shared is True
        with pytest.raises(exceptions.ForbiddenException):
            member.network.update_network(shared, name="taken")
    finally:
        admin.network.delete_network(shared)


def test_get_missing_network_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound, match=r"Network .* could not be found"):
        member.network.get_network("00000000-0000-0000-0000-000000000000")


def test_unknown_attribute_is_400(member: Connection, name: str) -> None:
    response = member.network.post("/networks", json={"network": {"name": name, "bogus": 1}})
    assert response.status_code == 400
    error = response.json()["NeutronError"]
    assert error["type"] == "HTTPBadRequest"
    assert error["message"] == "Unrecognized attribute(s) 'bogus'"


def test_subnet_defaults_pools_and_gateway(member: Connection, subnet: Any, net: Any) -> None:
    assert subnet.gateway_ip == "10.20.30.1"
    assert subnet.allocation_pools == [{"start": "10.20.30.2", "end": "10.20.30.254"}]
    assert subnet.is_dhcp_enabled is True
    assert subnet.ip_version == 4
    assert member.network.get_network(net.id).subnet_ids == [subnet.id]


def test_subnet_with_explicit_settings(member: Connection, net: Any, name: str) -> None:
    sub = member.network.create_subnet(
        network_id=net.id,
        ip_version=4,
        cidr="10.9.0.0/24",
        name=name,
        gateway_ip="10.9.0.254",
        allocation_pools=[{"start": "10.9.0.10", "end": "10.9.0.20"}],
        dns_nameservers=["8.8.8.8"],
        host_routes=[{"destination": "192.168.0.0/24", "nexthop": "10.9.0.1"}],
        is_dhcp_enabled=False,
    )
    assert sub.gateway_ip == "10.9.0.254"
    assert sub.allocation_pools == [{"start": "10.9.0.10", "end": "10.9.0.20"}]
    assert sub.dns_nameservers == ["8.8.8.8"]
    assert sub.host_routes == [{"destination": "192.168.0.0/24", "nexthop": "10.9.0.1"}]
    updated = member.network.update_subnet(sub, name=f"{name}-2", dns_nameservers=[])
    assert updated.name == f"{name}-2"
    assert updated.dns_nameservers == []
    member.network.delete_subnet(sub)
    assert member.network.find_subnet(sub.id) is None


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"cidr": "10.20.30.128/25"}, exceptions.BadRequestException),  # overlaps
        ({"cidr": "10.1.0.0/24", "ip_version": 6}, exceptions.BadRequestException),
        ({"cidr": "not-a-cidr"}, exceptions.BadRequestException),
        (
            {"cidr": "10.2.0.0/24", "allocation_pools": [{"start": "10.3.0.2", "end": "10.3.0.9"}]},
            exceptions.BadRequestException,
        ),
        (
            {"cidr": "10.4.0.0/24", "gateway_ip": "10.4.0.5",
             "allocation_pools": [{"start": "10.4.0.2", "end": "10.4.0.9"}]},
            exceptions.ConflictException,
        ),
    ],
)  # fmt: skip
def test_invalid_subnets_are_refused(
    member: Connection, subnet: Any, net: Any, settings: dict[str, Any], error: type[Exception]
) -> None:
    del subnet
    with pytest.raises(error):
        member.network.create_subnet(**{"network_id": net.id, "ip_version": 4, **settings})


def test_subnet_on_missing_network_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        member.network.create_subnet(
            network_id="00000000-0000-0000-0000-000000000000", ip_version=4, cidr="10.0.0.0/24"
        )


def test_port_gets_mac_ip_and_default_group(member: Connection, net: Any, subnet: Any) -> None:
    port = member.network.create_port(network_id=net.id, name="p")
    assert port.mac_address.startswith("fa:16:3e:")
    assert len(port.fixed_ips) == 1
    assert port.fixed_ips[0]["subnet_id"] == subnet.id
    assert port.status == "DOWN"
    assert port.is_port_security_enabled is True
    default = member.network.find_security_group("default", project_id=member.current_project_id)
    assert default is not None
    assert port.security_group_ids == [default.id]
    assert port.binding_vnic_type == "normal"
    assert port.binding_host_id is None  # admin-only attribute hidden from members
    updated = member.network.update_port(port, name="q", device_id="dev-1")
    assert (updated.name, updated.device_id) == ("q", "dev-1")


def test_explicit_fixed_ip_is_honoured_then_taken(
    member: Connection, net: Any, subnet: Any
) -> None:
    first = member.network.create_port(
        network_id=net.id, fixed_ips=[{"subnet_id": subnet.id, "ip_address": "10.20.30.77"}]
    )
    assert first.fixed_ips[0]["ip_address"] == "10.20.30.77"
    with pytest.raises(exceptions.ConflictException, match=r"10\.20\.30\.77"):
        member.network.create_port(network_id=net.id, fixed_ips=[{"ip_address": "10.20.30.77"}])
    with pytest.raises(exceptions.BadRequestException):
        member.network.create_port(network_id=net.id, fixed_ips=[{"ip_address": "172.16.0.9"}])


def test_addresses_are_never_given_twice_and_run_out(
    member: Connection, net: Any, name: str
) -> None:
    sub = member.network.create_subnet(
        network_id=net.id,
        ip_version=4,
        cidr="10.30.0.0/29",
        name=name,
        allocation_pools=[{"start": "10.30.0.2", "end": "10.30.0.4"}],
    )
    ports = [member.network.create_port(network_id=net.id) for _ in range(3)]
    addresses = {p.fixed_ips[0]["ip_address"] for p in ports}
    assert addresses == {"10.30.0.2", "10.30.0.3", "10.30.0.4"}
    with pytest.raises(exceptions.ConflictException, match="No more IP addresses"):
        member.network.create_port(network_id=net.id)
    member.network.delete_port(ports[0])
    again = member.network.create_port(network_id=net.id)
    assert again.fixed_ips[0]["ip_address"] == ports[0].fixed_ips[0]["ip_address"]
    assert again.fixed_ips[0]["subnet_id"] == sub.id


def test_network_with_ports_is_in_use(member: Connection, net: Any, subnet: Any) -> None:
    del subnet
    port = member.network.create_port(network_id=net.id)
    with pytest.raises(exceptions.ConflictException, match="still in use"):
        member.network.delete_network(net)
    member.network.delete_port(port)


def test_subnet_with_allocations_is_in_use(member: Connection, net: Any, subnet: Any) -> None:
    port = member.network.create_port(network_id=net.id)
    with pytest.raises(exceptions.ConflictException, match="IP allocation"):
        member.network.delete_subnet(subnet)
    member.network.delete_port(port)
    member.network.delete_subnet(subnet)


def test_port_security_and_address_pairs(member: Connection, net: Any, subnet: Any) -> None:
    del subnet
    port = member.network.create_port(
        network_id=net.id, allowed_address_pairs=[{"ip_address": "10.20.30.200"}]
    )
    assert port.allowed_address_pairs == [
        {"ip_address": "10.20.30.200", "mac_address": port.mac_address}
    ]
    bare = member.network.create_port(
        network_id=net.id, port_security_enabled=False, security_group_ids=[]
    )
    assert bare.security_group_ids == []
    assert bare.is_port_security_enabled is False


def test_admin_binds_a_port(admin: Connection, member: Connection, net: Any, subnet: Any) -> None:
    del subnet
    port = member.network.create_port(network_id=net.id)
    bound = admin.network.update_port(port, binding_host_id="compute-1")
    assert bound.binding_host_id == "compute-1"
    assert bound.binding_vif_type not in ("unbound", "binding_failed")
    with pytest.raises(exceptions.ForbiddenException):
        member.network.update_port(port, binding_host_id="compute-2")


def test_port_on_missing_network_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        member.network.create_port(network_id="00000000-0000-0000-0000-000000000000")


def test_missing_port_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound, match=r"Port .* could not be found"):
        member.network.get_port("00000000-0000-0000-0000-000000000000")


def test_filters_sorting_fields_and_pagination(member: Connection, name: str) -> None:
    created = [member.network.create_network(name=f"{name}-{i}") for i in range(5)]
    try:
        mine = list(member.network.networks(name=f"{name}-3"))
        assert [n.id for n in mine] == [created[3].id]
        either = member.network.networks(name=[f"{name}-1", f"{name}-2"])
        assert {n.name for n in either} == {f"{name}-1", f"{name}-2"}
        ordered = [
            n.name
            for n in member.network.networks(sort_key="name", sort_dir="desc")
            if n.name.startswith(name)
        ]
        assert ordered == sorted(ordered, reverse=True)
        paged = [n.id for n in member.network.networks(limit=2) if n.name.startswith(name)]
        assert sorted(paged) == sorted(n.id for n in created)
        response = member.network.get("/networks?limit=2&sort_key=name&sort_dir=asc")
        body = response.json()
        assert len(body["networks"]) == 2
        assert [link["rel"] for link in body["networks_links"]] == ["next", "previous"]
        only = member.network.get(f"/networks?name={name}-0&fields=id&fields=name").json()
        assert only["networks"] == [{"id": created[0].id, "name": f"{name}-0"}]
    finally:
        for network in created:
            member.network.delete_network(network)


def test_invalid_filter_and_sort_are_400(member: Connection) -> None:
    response = member.network.get("/networks?bogus_filter=1")
    assert response.status_code == 400
    assert response.json()["NeutronError"]["type"] == "HTTPBadRequest"
    response = member.network.get("/networks?sort_key=subnets&sort_dir=asc")
    assert response.status_code == 400
    response = member.network.get("/networks?limit=-1")
    assert response.status_code == 400


def test_cloud_layer_helpers(member: Connection, name: str) -> None:
    network = member.create_network(name)
    try:
        sub = member.create_subnet(network.id, cidr="10.40.0.0/24", subnet_name=name)
        assert sub.cidr == "10.40.0.0/24"
        found = member.get_network(name)
        assert found is not None
        assert found.id == network.id
        assert [s.id for s in member.list_subnets(filters={"network_id": network.id})] == [sub.id]
        port = member.create_port(network.id, name=name)
        found_port = member.get_port(name)
        assert found_port is not None
        assert found_port.id == port.id
        member.delete_port(port.id)
        member.delete_subnet(sub.id)
    finally:
        member.delete_network(network.id)
    assert member.get_network(name) is None
