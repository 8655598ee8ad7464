"""Compute flavors conformance: CRUD, extra specs, flavor access, filters and errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from openstack import exceptions
from openstack.compute.v2.flavor import Flavor
from openstack.connection import Connection

from tests.conformance.conftest import Osc

pytestmark = pytest.mark.conformance


@pytest.fixture
def flavor(admin: Connection, name: str) -> Iterator[Flavor]:
    created = admin.compute.create_flavor(name=name, ram=256, vcpus=1, disk=1)
    yield created
    admin.compute.delete_flavor(created, ignore_missing=True)


@pytest.fixture
def private_flavor(admin: Connection, name: str) -> Iterator[Flavor]:
    created = admin.compute.create_flavor(
        name=f"{name}-private", ram=128, vcpus=1, disk=0, is_public=False
    )
    yield created
    admin.compute.delete_flavor(created, ignore_missing=True)


def _get(conn: Connection, path: str, version: str = "2.1") -> Any:
    response = conn.compute.get(path, microversion=version)
    exceptions.raise_from_response(response)
    return response.json()


def test_flavor_create_show_and_delete(admin: Connection, member: Connection, name: str) -> None:
    created = admin.compute.create_flavor(
        name=name, ram=512, vcpus=2, disk=5, ephemeral=1, swap=64, description="small"
    )
    try:
        assert created.is_public is True
        assert (created.ram, created.vcpus, created.disk) == (512, 2, 5)
        shown = member.compute.get_flavor(created.id)
        assert shown.name == name
        assert shown.ephemeral == 1
        assert shown.swap == 64
        assert shown.description == "small"
        assert shown.extra_specs == {}
        assert shown.is_disabled is False
        assert shown.rxtx_factor == 1.0
    finally:
        admin.compute.delete_flavor(created)
    with pytest.raises(exceptions.ResourceNotFound):
        admin.compute.get_flavor(created.id)


def test_flavor_show_before_2_55_has_no_description(admin: Connection, flavor: Flavor) -> None:
    old = _get(admin, f"/flavors/{flavor.id}", "2.1")["flavor"]
    assert "description" not in old
    assert "extra_specs" not in old
    assert old["swap"] == ""
    assert old["links"][0]["rel"] == "self"
    assert old["links"][0]["href"].endswith(f"/flavors/{flavor.id}")
    new = _get(admin, f"/flavors/{flavor.id}", "2.75")["flavor"]
    assert new["swap"] == 0
    assert new["description"] is None


def test_flavor_with_given_id_and_duplicates(admin: Connection, name: str) -> None:
    flavor_id = f"id-{uuid.uuid4().hex[:8]}"
    created = admin.compute.create_flavor(name=name, ram=64, vcpus=1, disk=0, id=flavor_id)
    try:
        assert created.id == flavor_id
        with pytest.raises(exceptions.ConflictException, match="already exists"):
            admin.compute.create_flavor(name=name, ram=64, vcpus=1, disk=0)
        with pytest.raises(exceptions.ConflictException, match=f"ID {flavor_id} already exists"):
            admin.compute.create_flavor(name=f"{name}-2", ram=64, vcpus=1, disk=0, id=flavor_id)
    finally:
        admin.compute.delete_flavor(created)


def test_flavor_create_needs_admin(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.ForbiddenException):
        member.compute.create_flavor(name=name, ram=64, vcpus=1, disk=0)


@pytest.mark.parametrize(
    "fields",
    [{"ram": 0, "vcpus": 1, "disk": 0}, {"ram": 64, "vcpus": -1, "disk": 0}],
)
def test_flavor_create_rejects_bad_sizes(
    admin: Connection, name: str, fields: dict[str, int]
) -> None:
    with pytest.raises(exceptions.BadRequestException) as caught:
        admin.compute.create_flavor(name=name, **fields)
    assert caught.value.status_code == 400


def test_flavor_create_rejects_unknown_field(admin: Connection, name: str) -> None:
    body = {"flavor": {"name": name, "ram": 64, "vcpus": 1, "disk": 0, "colour": "red"}}
    response = admin.compute.post("/flavors", json=body)
    assert response.status_code == 400
    message = response.json()["badRequest"]["message"]
    assert "Additional properties are not allowed ('colour' was unexpected)" in message


def test_flavor_missing_is_404(member: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.get_flavor(f"missing-{uuid.uuid4().hex}")


def test_flavor_delete_needs_admin_and_missing_is_404(
    admin: Connection, member: Connection, flavor: Flavor
) -> None:
    with pytest.raises(exceptions.ForbiddenException):
        member.compute.delete_flavor(flavor)
    admin.compute.delete_flavor(flavor)
    with pytest.raises(exceptions.ResourceNotFound):
        admin.compute.delete_flavor(flavor, ignore_missing=False)


def test_flavor_update_description(admin: Connection, flavor: Flavor) -> None:
    updated = admin.compute.update_flavor(flavor, description="now described")
    assert updated.description == "now described"
    assert admin.compute.get_flavor(flavor.id).description == "now described"


def test_flavor_list_filters(admin: Connection, member: Connection, flavor: Flavor) -> None:
    names = {f.name for f in member.compute.flavors(min_ram=256)}
    assert flavor.name in names
    assert flavor.name not in {f.name for f in member.compute.flavors(min_ram=257)}
    assert flavor.name not in {f.name for f in member.compute.flavors(min_disk=2)}
    brief = _get(member, "/flavors")["flavors"]
    mine = next(f for f in brief if f["id"] == flavor.id)
    assert set(mine) == {"id", "name", "links"}
    bad = member.compute.get("/flavors/detail?minRam=lots")
    assert bad.status_code == 400
    assert "Invalid minRam filter [lots]" in bad.json()["badRequest"]["message"]


def test_flavor_list_pages_with_next_link(admin: Connection, flavor: Flavor, name: str) -> None:
    second = admin.compute.create_flavor(name=f"{name}-b", ram=256, vcpus=1, disk=1)
    try:
        page = _get(admin, "/flavors?limit=1")
        assert len(page["flavors"]) == 1
        assert page["flavors_links"][0]["rel"] == "next"
        assert "marker=" in page["flavors_links"][0]["href"]
        all_ids = [f.id for f in admin.compute.flavors()]
        assert {flavor.id, second.id} <= set(all_ids)
        after = _get(admin, f"/flavors?marker={all_ids[0]}")["flavors"]
        assert [f["id"] for f in after] == all_ids[1:]
        bad = admin.compute.get("/flavors?marker=no-such-flavor")
        assert bad.status_code == 400
    finally:
        admin.compute.delete_flavor(second)


def test_flavor_extra_specs(admin: Connection, member: Connection, flavor: Flavor) -> None:
    admin.compute.create_flavor_extra_specs(flavor, {"hw:cpu_policy": "shared", "k": "v"})
    assert admin.compute.get_flavor_extra_specs_property(flavor, "k") == "v"
    admin.compute.update_flavor_extra_specs_property(flavor, "k", "w")
    shown = member.compute.get_flavor(flavor.id)
    assert shown.extra_specs == {"hw:cpu_policy": "shared", "k": "w"}
    assert member.compute.fetch_flavor_extra_specs(flavor).extra_specs["k"] == "w"
    admin.compute.delete_flavor_extra_specs_property(flavor, "k")
    with pytest.raises(exceptions.ResourceNotFound):
        admin.compute.get_flavor_extra_specs_property(flavor, "k")
    missing = admin.compute.delete(f"/flavors/{flavor.id}/os-extra_specs/k")
    assert missing.status_code == 404
    with pytest.raises(exceptions.ForbiddenException):
        member.compute.create_flavor_extra_specs(flavor, {"a": "b"})


def test_flavor_extra_spec_update_must_match_uri(admin: Connection, flavor: Flavor) -> None:
    response = admin.compute.put(f"/flavors/{flavor.id}/os-extra_specs/a", json={"b": "c"})
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == "Request body and URI mismatch"


def test_private_flavor_access(
    admin: Connection, member: Connection, private_flavor: Flavor
) -> None:
    project = str(member.current_project_id)
    assert private_flavor.id not in {f.id for f in member.compute.flavors()}
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.get_flavor(private_flavor.id)
    assert admin.compute.get_flavor_access(private_flavor) == []
    admin.compute.flavor_add_tenant_access(private_flavor, project)
    assert admin.compute.get_flavor_access(private_flavor) == [
        {"flavor_id": private_flavor.id, "tenant_id": project}
    ]
    assert member.compute.get_flavor(private_flavor.id).is_public is False
    assert private_flavor.id in {f.id for f in member.compute.flavors()}
    with pytest.raises(exceptions.ConflictException):
        admin.compute.flavor_add_tenant_access(private_flavor, project)
    admin.compute.flavor_remove_tenant_access(private_flavor, project)
    with pytest.raises(exceptions.ResourceNotFound):
        admin.compute.flavor_remove_tenant_access(private_flavor, project)
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.get_flavor(private_flavor.id)


def test_flavor_access_errors(admin: Connection, member: Connection, flavor: Flavor) -> None:
    project = str(member.current_project_id)
    with pytest.raises(exceptions.ResourceNotFound, match="not available for public"):
        admin.compute.get_flavor_access(flavor)
    with pytest.raises(exceptions.ForbiddenException):
        member.compute.flavor_add_tenant_access(flavor, project)
    body = {"addTenantAccess": {"tenant": project}}
    response = admin.compute.post(f"/flavors/{flavor.id}/action", json=body, microversion="2.7")
    assert response.status_code == 409
    bad = admin.compute.post(
        f"/flavors/{flavor.id}/action",
        json={"addTenantAccess": {"tenant": uuid.uuid4().hex}},
        microversion="2.7",
    )
    assert bad.status_code == 400


def test_admin_lists_private_flavors(admin: Connection, private_flavor: Flavor) -> None:
    assert private_flavor.id in {f.id for f in admin.compute.flavors()}
    public_only = _get(admin, "/flavors?is_public=true")["flavors"]
    assert private_flavor.id not in {f["id"] for f in public_only}
    private_only = _get(admin, "/flavors?is_public=false")["flavors"]
    assert private_flavor.id in {f["id"] for f in private_only}


def test_osc_flavor_create_and_list(
    admin: Connection, osc: Osc, cloud_name: str, name: str
) -> None:
    created = osc("flavor", "create", "--ram", "128", "--vcpus", "1", "--disk", "1", name,
                  cloud=cloud_name)  # fmt: skip
    try:
        assert created["name"] == name
        assert created["ram"] == 128
        listed = osc("flavor", "list")
        assert name in {row["Name"] for row in listed}
    finally:
        admin.compute.delete_flavor(created["id"], ignore_missing=True)
