"""os-hypervisors and placement conformance: admin-only hypervisor views, server group policies.

Hypervisors are listed, detailed and shown as an admin (403 for a member); /statistics exists up
to microversion 2.87 and is gone (404) from 2.88. Servers of an affinity group share a host and
those of an anti-affinity group do not (compared through `hostId`, which members see too).
"""

from __future__ import annotations

from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection

from tests.conformance.compute_boot import Boot, create_server

pytestmark = pytest.mark.conformance


def _get(conn: Connection, path: str, version: str) -> Any:
    return conn.compute.get(path, microversion=version, raise_exc=False)


def test_list_detail_and_show_as_admin(admin: Connection) -> None:
    brief = list(admin.compute.hypervisors())
    assert brief
    assert all(h.state in ("up", "down") and h.status in ("enabled", "disabled") for h in brief)
    detailed = {h.id: h for h in admin.compute.hypervisors(details=True)}
    assert set(detailed) == {h.id for h in brief}
    first = detailed[brief[0].id]
    assert first.hypervisor_type
    assert first.service_details["host"]
    shown = admin.compute.get_hypervisor(first.id)
    assert shown.name == first.name
    assert shown.host_ip == first.host_ip
    found = admin.compute.find_hypervisor(first.name, ignore_missing=False)
    assert found.id == first.id
    matching = list(admin.compute.hypervisors(hypervisor_hostname_pattern=first.name))
    assert first.id in {h.id for h in matching}


def test_resource_fields_until_2_87(admin: Connection) -> None:
    old = _get(admin, "/os-hypervisors/detail", "2.87")
    assert old.status_code == 200
    node = old.json()["hypervisors"][0]
    assert node["vcpus"] > 0
    assert node["memory_mb"] >= node["memory_mb_used"] >= 0
    assert isinstance(node["cpu_info"], dict)
    new = _get(admin, "/os-hypervisors/detail", "2.88").json()["hypervisors"][0]
    assert "vcpus" not in new
    assert "uptime" in new


def test_statistics_until_2_87(admin: Connection) -> None:
    count = len(list(admin.compute.hypervisors()))
    response = _get(admin, "/os-hypervisors/statistics", "2.87")
    assert response.status_code == 200
    stats = response.json()["hypervisor_statistics"]
    assert stats["count"] == count
    assert stats["vcpus"] >= stats["count"]
    assert stats["memory_mb"] >= stats["memory_mb_used"]
    assert stats["running_vms"] >= 0
    assert _get(admin, "/os-hypervisors/statistics", "2.88").status_code == 404


def test_member_is_forbidden(admin: Connection, member: Connection) -> None:
    any_id = next(iter(admin.compute.hypervisors())).id
    with pytest.raises(exceptions.ForbiddenException):
        list(member.compute.hypervisors())
    with pytest.raises(exceptions.ForbiddenException):
        list(member.compute.hypervisors(details=True))
    with pytest.raises(exceptions.ForbiddenException):
        member.compute.get_hypervisor(any_id)
    assert _get(member, "/os-hypervisors/statistics", "2.87").status_code == 403


def test_show_errors(admin: Connection) -> None:
    with pytest.raises(exceptions.BadRequestException):
        admin.compute.get_hypervisor("not-a-uuid")
    with pytest.raises(exceptions.NotFoundException):
        admin.compute.get_hypervisor("8d9ab9c9-4c1b-4d5e-9f3e-000000000005")


def test_server_is_listed_on_its_hypervisor(
    admin: Connection, member: Connection, boot: Boot
) -> None:
    server = create_server(member, boot)
    node_name = admin.compute.get_server(server.id).hypervisor_hostname
    node = admin.compute.find_hypervisor(node_name, ignore_missing=False)
    assert admin.compute.get_hypervisor(node.id).name == node_name
    listed = list(
        admin.compute.hypervisors(hypervisor_hostname_pattern=node_name, with_servers=True)
    )
    servers = {s["uuid"] for h in listed for s in h.servers or []}
    assert server.id in servers


@pytest.mark.parametrize(("policy", "same"), [("anti-affinity", False), ("affinity", True)])
def test_server_group_policy_is_honoured(
    member: Connection, boot: Boot, group_ids: list[str], name: str, policy: str, same: bool
) -> None:
    group = member.compute.create_server_group(name=name, policy=policy)
    group_ids.append(group.id)
    hints = {"group": group.id}
    first = create_server(member, boot, f"{boot.name}-a", scheduler_hints=hints)
    second = create_server(member, boot, f"{boot.name}-b", scheduler_hints=hints)
    assert first.status == second.status == "ACTIVE"
    assert (first.host_id == second.host_id) is same
    members = set(member.compute.get_server_group(group.id).member_ids)
    assert members == {first.id, second.id}
    shown = member.compute.get_server(first.id)
    assert shown.server_groups == [group.id]
