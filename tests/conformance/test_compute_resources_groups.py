"""Compute server groups, availability zones and services conformance, with their errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection

from tests.conformance.conftest import Osc

pytestmark = pytest.mark.conformance


def _call(conn: Connection, method: str, path: str, version: str, **kwargs: Any) -> Any:
    return conn.compute.request(path, method, microversion=version, **kwargs)


def test_server_group_create_show_list_delete(
    member: Connection, name: str, group_ids: list[str]
) -> None:
    group = member.compute.create_server_group(
        name=name, policy="anti-affinity", rules={"max_server_per_host": 2}
    )
    group_ids.append(group.id)
    assert group.policy == "anti-affinity"
    assert group.rules == {"max_server_per_host": 2}
    assert group.member_ids == []
    assert group.project_id == member.current_project_id
    shown = member.compute.get_server_group(group.id)
    assert shown.name == name
    assert group.id in {g.id for g in member.compute.server_groups()}
    member.compute.delete_server_group(group)
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.get_server_group(group.id)
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.delete_server_group(group.id, ignore_missing=False)


def test_server_group_with_policies_before_2_64(
    member: Connection, name: str, group_ids: list[str]
) -> None:
    body = {"server_group": {"name": name, "policies": ["soft-affinity"]}}
    response = _call(member, "POST", "/os-server-groups", "2.15", json=body)
    assert response.status_code == 200
    group = response.json()["server_group"]
    group_ids.append(group["id"])
    assert group["policies"] == ["soft-affinity"]
    assert group["metadata"] == {}
    assert "policy" not in group
    old = _call(member, "POST", "/os-server-groups", "2.1", json=body)
    assert old.status_code == 400
    shown = _call(member, "GET", f"/os-server-groups/{group['id']}", "2.64").json()
    assert shown["server_group"]["policy"] == "soft-affinity"
    assert shown["server_group"]["rules"] == {}


@pytest.mark.parametrize(
    "server_group",
    [
        {"policy": "affinity", "rules": {"max_server_per_host": 2}},
        {"policy": "best-effort"},
        {"policy": "anti-affinity", "rules": {"max_server_per_host": 0}},
        {"policy": "affinity", "name": ""},
    ],
)
def test_bad_server_groups_are_rejected(
    member: Connection, name: str, server_group: dict[str, Any]
) -> None:
    body = {"server_group": {"name": name, **server_group}}
    response = _call(member, "POST", "/os-server-groups", "2.64", json=body)
    assert response.status_code == 400


def test_only_anti_affinity_supports_rules(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.BadRequestException, match="Only anti-affinity"):
        member.compute.create_server_group(
            name=name, policy="affinity", rules={"max_server_per_host": 2}
        )


def test_server_group_quota(
    admin: Connection, member: Connection, name: str, group_ids: list[str]
) -> None:
    project = str(member.current_project_id)
    before = admin.compute.get_quota_set(project, usage=True)
    used = before.usage["server_groups"]
    admin.compute.update_quota_set(project, server_groups=used + 1)
    try:
        group = member.compute.create_server_group(name=name, policy="affinity")
        group_ids.append(group.id)
        with pytest.raises(exceptions.ForbiddenException, match="too many server groups"):
            member.compute.create_server_group(name=f"{name}-2", policy="affinity")
    finally:
        admin.compute.update_quota_set(project, server_groups=before.server_groups)


def test_server_groups_are_per_project(
    admin: Connection, member: Connection, name: str, group_ids: list[str]
) -> None:
    group = member.compute.create_server_group(name=name, policy="affinity")
    group_ids.append(group.id)
    assert group.id not in {g.id for g in admin.compute.server_groups()}
    assert group.id in {g.id for g in admin.compute.server_groups(all_projects=True)}
    admin_group = admin.compute.create_server_group(name=f"{name}-admin", policy="affinity")
    try:
        response = _call(member, "GET", f"/os-server-groups/{admin_group.id}", "2.64")
        assert response.status_code == 404
        assert f"Instance group {admin_group.id} could not be found." in response.text
        assert admin_group.id not in {g.id for g in member.compute.server_groups(all_projects=True)}
    finally:
        admin.compute.delete_server_group(admin_group)


def test_server_group_list_limit_and_offset(
    member: Connection, name: str, group_ids: list[str]
) -> None:
    for suffix in ("a", "b"):
        group = member.compute.create_server_group(name=f"{name}-{suffix}", policy="affinity")
        group_ids.append(group.id)
    everything = _call(member, "GET", "/os-server-groups", "2.64").json()["server_groups"]
    one = _call(member, "GET", "/os-server-groups?limit=1&offset=1", "2.64").json()
    assert [g["id"] for g in one["server_groups"]] == [everything[1]["id"]]
    bad = _call(member, "GET", "/os-server-groups?limit=-1", "2.64")
    assert bad.status_code == 400


def test_unknown_server_group_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.get_server_group(str(uuid.uuid4()))


def test_osc_server_group_create(osc: Osc, name: str, group_ids: list[str]) -> None:
    created = osc("server", "group", "create", "--policy", "anti-affinity", name)
    group_ids.append(created["id"])
    assert created["name"] == name
    assert created["policy"] == "anti-affinity"


def test_availability_zones(admin: Connection, member: Connection) -> None:
    zones = list(member.compute.availability_zones())
    assert zones
    assert all(z.state["available"] in (True, False) for z in zones)
    assert "internal" not in {z.name for z in zones}
    assert all(z.hosts is None for z in zones)
    detailed = list(admin.compute.availability_zones(details=True))
    available = [z for z in detailed if z.state["available"]]
    compute_hosts = {
        host
        for z in available
        for host, services in (z.hosts or {}).items()
        if "nova-compute" in services
    }
    assert compute_hosts
    forbidden = _call(member, "GET", "/os-availability-zone/detail", "2.1")
    assert forbidden.status_code == 403


def test_services_list(admin: Connection, member: Connection) -> None:
    services = list(admin.compute.services())
    binaries = {s.binary for s in services}
    assert {"nova-compute", "nova-scheduler", "nova-conductor"} <= binaries
    compute = next(s for s in services if s.binary == "nova-compute")
    assert compute.status in ("enabled", "disabled")
    assert compute.state in ("up", "down")
    uuid.UUID(compute.id)
    old = _call(admin, "GET", "/os-services?binary=nova-compute", "2.1").json()["services"]
    assert all(isinstance(s["id"], int) for s in old)
    assert {s["binary"] for s in old} == {"nova-compute"}
    with pytest.raises(exceptions.ForbiddenException):
        list(member.compute.services())


def test_service_disable_and_enable(admin: Connection) -> None:
    compute = next(s for s in admin.compute.services() if s.binary == "nova-compute")
    body = {"status": "disabled", "disabled_reason": "conformance test"}
    disabled = _call(admin, "PUT", f"/os-services/{compute.id}", "2.53", json=body)
    try:
        assert disabled.status_code == 200
        assert disabled.json()["service"]["status"] == "disabled"
        assert disabled.json()["service"]["disabled_reason"] == "conformance test"
    finally:
        # An explicit PUT: openstacksdk's enable_service sends nothing when its (stale) copy of
        # the service already says "enabled", which would leave a real cloud's compute disabled.
        restored = _call(
            admin, "PUT", f"/os-services/{compute.id}", "2.53", json={"status": "enabled"}
        )
    assert restored.status_code == 200
    enabled = next(s for s in admin.compute.services() if s.id == compute.id)
    assert enabled.status == "enabled"
    assert enabled.disabled_reason is None


def test_bad_service_updates(admin: Connection) -> None:
    scheduler = next(s for s in admin.compute.services() if s.binary == "nova-scheduler")
    body = {"status": "disabled"}
    response = _call(admin, "PUT", f"/os-services/{scheduler.id}", "2.53", json=body)
    assert response.status_code == 400
    missing = _call(admin, "PUT", f"/os-services/{uuid.uuid4()}", "2.53", json=body)
    assert missing.status_code == 404
    not_uuid = _call(admin, "PUT", "/os-services/not-a-uuid", "2.53", json=body)
    assert not_uuid.status_code == 400
    compute = next(s for s in admin.compute.services() if s.binary == "nova-compute")
    nothing = _call(admin, "PUT", f"/os-services/{compute.id}", "2.53", json={})
    assert nothing.status_code == 400
