"""Network v2.0 conformance: security groups and rules, quotas, tags, version discovery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection

pytestmark = pytest.mark.conformance


@pytest.fixture
def group(member: Connection, name: str) -> Iterator[Any]:
    created = member.network.create_security_group(name=name, description="sg")
    yield created
    member.network.delete_security_group(created, ignore_missing=True)


def test_project_has_a_default_group_with_default_rules(member: Connection) -> None:
    groups = list(member.network.security_groups(name="default"))
    mine = [g for g in groups if g.project_id == member.current_project_id]
    assert len(mine) == 1
    rules = mine[0].security_group_rules
    shapes = {(r["direction"], r["ethertype"], r["remote_group_id"] is not None) for r in rules}
    assert shapes == {
        ("egress", "IPv4", False),
        ("egress", "IPv6", False),
        ("ingress", "IPv4", True),
        ("ingress", "IPv6", True),
    }


def test_new_group_has_egress_rules(member: Connection, group: Any) -> None:
    rules = group.security_group_rules
    assert {(r["direction"], r["ethertype"]) for r in rules} == {
        ("egress", "IPv4"),
        ("egress", "IPv6"),
    }
    assert group.stateful is True
    new_name = f"{group.name}-2"
    updated = member.network.update_security_group(group, name=new_name)
    assert updated.name == new_name


def test_rule_create_show_delete(member: Connection, group: Any) -> None:
    rule = member.network.create_security_group_rule(
        security_group_id=group.id,
        direction="ingress",
        protocol="tcp",
        port_range_min=22,
        port_range_max=22,
        remote_ip_prefix="0.0.0.0/0",
    )
    assert (rule.protocol, rule.port_range_min, rule.port_range_max) == ("tcp", 22, 22)
    assert rule.ether_type == "IPv4"
    assert member.network.get_security_group_rule(rule.id).security_group_id == group.id
    assert rule.id in {
        r["id"] for r in member.network.get_security_group(group.id).security_group_rules
    }
    with pytest.raises(exceptions.ConflictException, match="already exists"):
        member.network.create_security_group_rule(
            security_group_id=group.id,
            direction="ingress",
            protocol="tcp",
            port_range_min=22,
            port_range_max=22,
            remote_ip_prefix="0.0.0.0/0",
        )
    member.network.delete_security_group_rule(rule)
    with pytest.raises(exceptions.ResourceNotFound):
        member.network.get_security_group_rule(rule.id)


@pytest.mark.parametrize(
    "settings",
    [
        {"direction": "sideways"},
        {"direction": "ingress", "protocol": "nope"},
        {"direction": "ingress", "protocol": "tcp", "port_range_min": 90, "port_range_max": 80},
        {"direction": "ingress", "port_range_min": 80, "port_range_max": 80},
        {"direction": "ingress", "protocol": "icmp", "port_range_min": 300},
        {"direction": "ingress", "ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"},
        {"direction": "ingress", "ethertype": "IPv5"},
    ],
)
def test_invalid_rules_are_400(member: Connection, group: Any, settings: dict[str, Any]) -> None:
    with pytest.raises(exceptions.BadRequestException):
        member.network.create_security_group_rule(security_group_id=group.id, **settings)


def test_rule_for_missing_group_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        member.network.create_security_group_rule(
            security_group_id="00000000-0000-0000-0000-000000000000", direction="ingress"
        )


def test_group_in_use_cannot_be_deleted(member: Connection, group: Any, net: Any) -> None:
    port = member.network.create_port(network_id=net.id, security_group_ids=[group.id])
    assert port.security_group_ids == [group.id]
    with pytest.raises(exceptions.ConflictException, match="in use"):
        member.network.delete_security_group(group)
    member.network.delete_port(port)


def test_default_group_cannot_be_deleted_by_member(member: Connection) -> None:
    default = member.network.find_security_group("default", project_id=member.current_project_id)
    assert default is not None
    with pytest.raises(exceptions.ConflictException):
        member.network.delete_security_group(default)


def test_missing_group_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        member.network.get_security_group("00000000-0000-0000-0000-000000000000")


def test_quota_defaults_and_details(member: Connection) -> None:
    project_id = member.current_project_id
    assert project_id is not None
    quota = member.network.get_quota(project_id)
    for attribute in ("networks", "subnets", "ports", "routers", "floating_ips"):
        assert isinstance(getattr(quota, attribute), int)
    details = member.network.get_quota(project_id, details=True)
    assert set(details.networks) >= {"limit", "used", "reserved"}


def test_quota_update_is_enforced(admin: Connection, name: str) -> None:
    identity: Any = admin.identity
    project = identity.create_project(name=name, domain_id="default")
    try:
        admin.network.update_quota(project.id, security_groups=1)
        assert admin.network.get_quota(project.id).security_groups == 1
        first = admin.network.create_security_group(name=f"{name}-1", project_id=project.id)
        with pytest.raises(exceptions.ConflictException, match="Quota exceeded"):
            admin.network.create_security_group(name=f"{name}-2", project_id=project.id)
        admin.network.delete_security_group(first)
        for group in admin.network.security_groups(project_id=project.id):
            admin.network.delete_security_group(group)
        admin.network.delete_quota(project.id)
        assert admin.network.get_quota(project.id).security_groups == 10
    finally:
        identity.delete_project(project)


def test_member_cannot_change_quotas(member: Connection) -> None:
    project_id = member.current_project_id
    assert project_id is not None
    with pytest.raises(exceptions.ForbiddenException):
        member.network.update_quota(project_id, networks=1)


def test_tags(member: Connection, net: Any) -> None:
    member.network.set_tags(net, ["a", "b"])
    assert sorted(member.network.get_network(net.id).tags) == ["a", "b"]
    net.add_tag(member.network, "c")
    assert net.check_tag(member.network, "c")
    net.remove_tag(member.network, "a")
    assert sorted(member.network.get_network(net.id).tags) == ["b", "c"]
    assert [n.id for n in member.network.networks(tags="b,c")] == [net.id]
    assert net.id not in {n.id for n in member.network.networks(not_tags="b")}
    with pytest.raises(exceptions.NotFoundException):
        net.remove_tag(member.network, "zzz")


def test_version_discovery(member: Connection) -> None:
    endpoint = member.network.get_endpoint()
    assert endpoint is not None
    root = endpoint.rstrip("/").removesuffix("/v2.0")
    body = member.session.get(root + "/", endpoint_filter=None).json()
    [version] = body["versions"]
    assert (version["id"], version["status"]) == ("v2.0", "CURRENT")
    resources = member.network.get("/").json()["resources"]
    assert {r["collection"] for r in resources} >= {"networks", "subnets", "ports"}
