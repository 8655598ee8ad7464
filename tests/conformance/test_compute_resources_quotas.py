"""Compute quota sets and limits conformance: show, defaults, detail, update, limits, errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection

from tests.conformance.conftest import Osc

pytestmark = pytest.mark.conformance


def _call(conn: Connection, method: str, path: str, version: str, **kwargs: Any) -> Any:
    return conn.compute.request(path, method, microversion=version, **kwargs)


@pytest.fixture
def member_project(member: Connection) -> str:
    return str(member.current_project_id)


@pytest.fixture
def restore_quotas(admin: Connection, member_project: str) -> Iterator[None]:
    """Put the member project's quotas back as they were."""
    before = _call(admin, "GET", f"/os-quota-sets/{member_project}", "2.57").json()["quota_set"]
    yield
    before.pop("id")
    _call(admin, "PUT", f"/os-quota-sets/{member_project}", "2.57", json={"quota_set": before})


def test_member_sees_own_quotas_and_defaults(member: Connection, member_project: str) -> None:
    quotas = member.compute.get_quota_set(member_project)
    assert quotas.instances >= -1
    assert quotas.cores >= -1
    defaults = member.compute.get_quota_set_defaults(member_project)
    assert defaults.key_pairs is not None
    detail = member.compute.get_quota_set(member_project, usage=True)
    assert set(detail.usage) >= {"instances", "cores", "ram", "server_groups"}
    assert detail.usage["key_pairs"] == 0


def test_member_cannot_see_other_projects_quotas(admin: Connection, member: Connection) -> None:
    response = _call(member, "GET", f"/os-quota-sets/{admin.current_project_id}", "2.1")
    assert response.status_code == 403
    assert "os_compute_api:os-quota-sets:show" in response.json()["forbidden"]["message"]


def test_quota_set_shape_by_microversion(admin: Connection, member_project: str) -> None:
    old = _call(admin, "GET", f"/os-quota-sets/{member_project}", "2.35").json()["quota_set"]
    assert {"floating_ips", "fixed_ips", "security_groups", "injected_files"} <= set(old)
    mid = _call(admin, "GET", f"/os-quota-sets/{member_project}", "2.36").json()["quota_set"]
    assert "floating_ips" not in mid
    assert "injected_files" in mid
    new = _call(admin, "GET", f"/os-quota-sets/{member_project}", "2.57").json()["quota_set"]
    assert "injected_files" not in new
    assert new["id"] == member_project
    detail = _call(admin, "GET", f"/os-quota-sets/{member_project}/detail", "2.57").json()
    assert set(detail["quota_set"]["cores"]) == {"in_use", "limit", "reserved"}


@pytest.mark.usefixtures("restore_quotas")
def test_admin_updates_quotas(admin: Connection, member: Connection, member_project: str) -> None:
    updated = admin.compute.update_quota_set(member_project, key_pairs=42, metadata_items=64)
    assert updated.key_pairs == 42
    assert member.compute.get_quota_set(member_project).metadata_items == 64
    response = _call(
        admin, "PUT", f"/os-quota-sets/{member_project}", "2.57", json={"quota_set": {"cores": "7"}}
    )
    assert response.status_code == 200
    assert response.json()["quota_set"]["cores"] == 7
    assert "id" not in response.json()["quota_set"]


def test_member_cannot_update_quotas(member: Connection, member_project: str) -> None:
    with pytest.raises(exceptions.ForbiddenException):
        member.compute.update_quota_set(member_project, key_pairs=1)


@pytest.mark.parametrize(
    ("version", "quota_set"),
    [
        ("2.57", {"injected_files": 3}),
        ("2.57", {"cores": -2}),
        ("2.57", {"cores": "many"}),
        ("2.35", {"networks": 3}),
    ],
)
def test_bad_quota_updates_are_rejected(
    admin: Connection, member_project: str, version: str, quota_set: dict[str, Any]
) -> None:
    body = {"quota_set": quota_set}
    response = _call(admin, "PUT", f"/os-quota-sets/{member_project}", version, json=body)
    assert response.status_code == 400


def test_quota_of_unknown_project_is_rejected(admin: Connection) -> None:
    response = _call(admin, "GET", "/os-quota-sets/0123456789abcdef0123456789abcdef", "2.1")
    assert response.status_code == 400
    assert "is not a valid project" in response.json()["badRequest"]["message"]


@pytest.mark.usefixtures("restore_quotas")
def test_quota_below_usage_is_rejected(
    admin: Connection, member: Connection, member_project: str, name: str
) -> None:
    group = member.compute.create_server_group(name=name, policy="affinity")
    try:
        used = member.compute.get_quota_set(member_project, usage=True).usage["server_groups"]
        body = {"quota_set": {"server_groups": used - 1}}
        response = _call(admin, "PUT", f"/os-quota-sets/{member_project}", "2.57", json=body)
        assert response.status_code == 400
        assert "must be greater than or equal to already used" in response.text
        forced = {"quota_set": {"server_groups": used - 1, "force": True}}
        response = _call(admin, "PUT", f"/os-quota-sets/{member_project}", "2.57", json=forced)
        assert response.status_code == 200
    finally:
        member.compute.delete_server_group(group)


def test_limits(member: Connection, member_project: str) -> None:
    limits = member.compute.get_limits()
    quotas = member.compute.get_quota_set(member_project)
    assert limits.absolute.instances == quotas.instances
    assert limits.absolute.total_cores == quotas.cores
    assert limits.absolute.keypairs == quotas.key_pairs
    assert limits.absolute.instances_used >= 0
    assert limits.rate == []


def test_limits_shape_by_microversion(member: Connection) -> None:
    old = _call(member, "GET", "/limits", "2.1").json()["limits"]["absolute"]
    assert {"maxTotalFloatingIps", "maxImageMeta", "maxPersonality"} <= set(old)
    new = _call(member, "GET", "/limits", "2.57").json()["limits"]["absolute"]
    assert "maxTotalFloatingIps" not in new
    assert "maxImageMeta" not in new
    assert "maxPersonality" not in new
    assert {"maxServerGroups", "maxServerGroupMembers", "totalServerGroupsUsed"} <= set(new)


def test_limits_of_other_project_need_admin(
    admin: Connection, member: Connection, member_project: str
) -> None:
    response = _call(member, "GET", f"/limits?tenant_id={admin.current_project_id}", "2.1")
    assert response.status_code == 403
    theirs = _call(admin, "GET", f"/limits?tenant_id={member_project}", "2.1")
    assert theirs.status_code == 200


def test_osc_quota_show(osc: Osc, member_project: str) -> None:
    shown = osc("quota", "show", "--compute", member_project)
    rows = shown if isinstance(shown, list) else [shown]
    flattened = str(rows)
    assert "instances" in flattened or "Instances" in flattened
