"""Identity v3 conformance: tokens, catalog and auth failures, through openstacksdk."""

from __future__ import annotations

import pathlib
import time
from collections.abc import Iterator
from typing import Any

import openstack
import openstack.config
import pytest
from keystoneauth1.exceptions.http import Unauthorized
from openstack import exceptions
from openstack.connection import Connection
from openstack.identity.v3.project import Project
from openstack.identity.v3.role import Role
from openstack.identity.v3.user import User

from tests.conformance.conftest import Osc

pytestmark = pytest.mark.conformance


def _identity(conn: Connection) -> Any:
    """The identity proxy; openstacksdk types it as a v2/v3 union the tests cannot narrow."""
    return conn.identity


def _access(conn: Connection) -> Any:
    """The keystoneauth AccessInfo of the connection's current token."""
    auth: Any = conn.session.auth
    return auth.get_access(conn.session)


def test_admin_token_is_project_scoped_with_a_catalog(admin: Connection) -> None:
    access = _access(admin)
    assert access.project_name == "admin"
    assert "admin" in access.role_names
    service_types = {entry["type"] for entry in access.service_catalog.catalog}
    assert {"identity", "compute", "network", "image", "block-storage"} <= service_types


def test_wrong_password_is_rejected_with_401(clouds_yaml: pathlib.Path, cloud_name: str) -> None:
    config = openstack.config.OpenStackConfig(config_files=[str(clouds_yaml)])
    region = config.get_one(cloud=cloud_name, auth={"password": "wrong-password"})
    conn = Connection(config=region)
    # Connection.authorize wraps keystoneauth's Unauthorized in an SDKException.
    with pytest.raises(exceptions.SDKException, match=r"\(HTTP 401\)"):
        conn.authorize()


# --- projects ---------------------------------------------------------------------------------


@pytest.fixture
def project(admin: Connection, name: str) -> Iterator[Project]:
    created = _identity(admin).create_project(
        name=name, description="conformance", domain_id="default"
    )
    yield created
    _identity(admin).delete_project(created, ignore_missing=True)


def test_project_create_show_update_list(admin: Connection, project: Project, name: str) -> None:
    assert project.name == name
    assert project.domain_id == "default"
    assert project.parent_id == "default"
    assert project.is_enabled is True
    assert project.is_domain is False
    shown = _identity(admin).get_project(project.id)
    assert shown.description == "conformance"
    updated = _identity(admin).update_project(project, description="changed", tags=["a", "b"])
    assert updated.description == "changed"
    assert sorted(updated.tags) == ["a", "b"]
    listed = list(_identity(admin).projects(name=name))
    assert [p.id for p in listed] == [project.id]
    assert [p.id for p in _identity(admin).projects(tags="a,b")] == [project.id]
    assert project.id not in [p.id for p in _identity(admin).projects(tags="a,c")]


def test_project_duplicate_name_conflicts(admin: Connection, project: Project) -> None:
    with pytest.raises(exceptions.ConflictException) as caught:
        _identity(admin).create_project(name=project.name, domain_id="default")
    assert caught.value.status_code == 409
    assert "Conflict occurred attempting to store project" in str(caught.value)


def test_project_missing_is_404_with_keystone_message(admin: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound) as caught:
        _identity(admin).get_project("0" * 32)
    assert f"Could not find project: {'0' * 32}." in str(caught.value)


def test_project_create_without_name_is_400(admin: Connection) -> None:
    with pytest.raises(exceptions.BadRequestException) as caught:
        _identity(admin).create_project(description="no name")
    assert "'name' is a required property" in str(caught.value)


def test_project_bad_enabled_type_is_400(admin: Connection, name: str) -> None:
    response = _identity(admin).post(
        "/projects", json={"project": {"name": name, "enabled": "yes"}}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["title"] == "Bad Request"
    assert error["message"].startswith(
        "Invalid input for field 'enabled': 'yes' is not of type 'boolean'"
    )


def test_member_cannot_create_or_list_projects(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.ForbiddenException) as caught:
        _identity(member).create_project(name=name)
    assert "identity:create_project" in str(caught.value)
    with pytest.raises(exceptions.ForbiddenException):
        list(_identity(member).projects())


def test_member_sees_own_project_and_user_projects(member: Connection) -> None:
    own_id = member.current_project_id
    assert _identity(member).get_project(own_id).name == "demo"
    user_id = member.current_user_id
    assert own_id in [p.id for p in _identity(member).user_projects(user_id)]


def test_child_project_blocks_parent_delete(admin: Connection, project: Project, name: str) -> None:
    child = _identity(admin).create_project(name=f"{name}-child", parent_id=project.id)
    try:
        assert child.parent_id == project.id
        with pytest.raises(exceptions.ForbiddenException) as caught:
            _identity(admin).delete_project(project)
        assert "is not a leaf in the hierarchy" in str(caught.value)
    finally:
        _identity(admin).delete_project(child)


# --- users --------------------------------------------------------------------------------------


@pytest.fixture
def user(admin: Connection, name: str) -> Iterator[User]:
    created = _identity(admin).create_user(
        name=name, password="first-Secret1", domain_id="default", description="conformance"
    )
    yield created
    _identity(admin).delete_user(created, ignore_missing=True)


@pytest.fixture
def role(admin: Connection, name: str) -> Iterator[Role]:
    created = _identity(admin).create_role(name=f"{name}-role")
    yield created
    _identity(admin).delete_role(created, ignore_missing=True)


def _connect_as(admin: Connection, user: User, password: str, project: Project) -> Connection:
    auth_url = admin.config.config["auth"]["auth_url"]
    return openstack.connect(
        auth_url=auth_url,
        username=user.name,
        password=password,
        user_domain_id="default",
        project_id=project.id,
        region_name=admin.config.region_name,
    )


def test_user_create_show_update_list_delete(admin: Connection, user: User, name: str) -> None:
    assert user.name == name
    assert user.domain_id == "default"
    assert user.is_enabled is True
    assert user.description == "conformance"
    assert user.password_expires_at is None
    shown = _identity(admin).get_user(user.id)
    assert shown.name == name
    updated = _identity(admin).update_user(user, email="someone@example.com")
    assert updated.email == "someone@example.com"
    assert [u.id for u in _identity(admin).users(name=name)] == [user.id]
    assert user.id in [u.id for u in _identity(admin).users(name__startswith="sfc-")]
    _identity(admin).delete_user(user)
    with pytest.raises(exceptions.ResourceNotFound) as caught:
        _identity(admin).get_user(user.id)
    assert f"Could not find user: {user.id}." in str(caught.value)


def test_duplicate_user_name_conflicts(admin: Connection, user: User) -> None:
    with pytest.raises(exceptions.ConflictException) as caught:
        _identity(admin).create_user(name=user.name, domain_id="default")
    assert (
        f"Conflict occurred attempting to store user - Duplicate entry found with name "
        f"{user.name} at domain ID default." in str(caught.value)
    )


def test_member_can_read_self_but_not_others(member: Connection, admin: Connection) -> None:
    me = _identity(member).get_user(member.current_user_id)
    assert me.name == "demo"
    with pytest.raises(exceptions.ForbiddenException) as caught:
        _identity(member).get_user(admin.current_user_id)
    assert "identity:get_user" in str(caught.value)
    with pytest.raises(exceptions.ForbiddenException):
        list(_identity(member).users())


def test_user_changes_own_password_and_old_token_dies(
    admin: Connection, user: User, project: Project
) -> None:
    member_role = _identity(admin).find_role("member", ignore_missing=False)
    _identity(admin).assign_project_role_to_user(project, user, member_role)
    conn = _connect_as(admin, user, "first-Secret1", project)
    assert _identity(conn).get_user(user.id).name == user.name
    with pytest.raises(exceptions.HttpException) as caught:
        _identity(conn).update_password(user, current_password="wrong", password="x-Secret2")
    assert caught.value.status_code == 401
    _identity(conn).update_password(user, current_password="first-Secret1", password="new-Secret2")
    # The old token is revoked and re-authenticating with the old password fails in keystoneauth.
    with pytest.raises(Unauthorized):
        _identity(conn).get_user(user.id)
    conn.close()
    # Revocation events compare whole seconds: a token issued in the second of the change is
    # revoked too, so clients wait for the next second (as tempest does).
    time.sleep(1)  # noqa: TID251 - waiting out Keystone's one-second revocation granularity
    renewed = _connect_as(admin, user, "new-Secret2", project)
    assert _identity(renewed).get_user(user.id).name == user.name
    renewed.close()


# --- roles, grants and role assignments --------------------------------------------------------


def test_role_create_show_list_update(admin: Connection, role: Role) -> None:
    assert role.domain_id is None
    assert _identity(admin).get_role(role.id).name == role.name
    assert [r.id for r in _identity(admin).roles(name=role.name)] == [role.id]
    updated = _identity(admin).update_role(role, description="conformance role")
    assert updated.description == "conformance role"
    with pytest.raises(exceptions.ConflictException):
        _identity(admin).create_role(name=role.name)


def test_bootstrap_roles_are_immutable(admin: Connection) -> None:
    reader = _identity(admin).find_role("reader", ignore_missing=False)
    assert reader.options == {"immutable": True}
    with pytest.raises(exceptions.ForbiddenException) as caught:
        _identity(admin).delete_role(reader)
    assert "Unable to delete immutable role resource" in str(caught.value)


def test_member_cannot_list_roles(member: Connection) -> None:
    with pytest.raises(exceptions.ForbiddenException) as caught:
        list(_identity(member).roles())
    assert "identity:list_roles" in str(caught.value)


def test_missing_role_is_404(admin: Connection) -> None:
    with pytest.raises(exceptions.ResourceNotFound) as caught:
        _identity(admin).get_role("f" * 32)
    assert f"Could not find role: {'f' * 32}." in str(caught.value)


def test_grant_check_list_revoke_on_project(
    admin: Connection, user: User, project: Project, role: Role
) -> None:
    assert not _identity(admin).validate_user_has_project_role(project, user, role)
    _identity(admin).assign_project_role_to_user(project, user, role)
    assert _identity(admin).validate_user_has_project_role(project, user, role)
    listed = _identity(admin).get(f"/projects/{project.id}/users/{user.id}/roles").json()
    assert [r["id"] for r in listed["roles"]] == [role.id]
    assigned = list(_identity(admin).role_assignments(user_id=user.id, scope_project_id=project.id))
    assert [(a.role["id"], a.scope["project"]["id"]) for a in assigned] == [(role.id, project.id)]
    assert (
        assigned[0]
        .links["assignment"]
        .endswith(f"/v3/projects/{project.id}/users/{user.id}/roles/{role.id}")
    )
    _identity(admin).unassign_project_role_from_user(project, user, role)
    assert not _identity(admin).validate_user_has_project_role(project, user, role)
    again = _identity(admin).delete(f"/projects/{project.id}/users/{user.id}/roles/{role.id}")
    assert again.status_code == 404
    assert again.json()["error"]["message"] == (
        f"Could not find role assignment with role: {role.id}, user or group: {user.id}, "
        f"project, domain, or system: {project.id}."
    )


def test_grant_to_missing_user_is_404(admin: Connection, project: Project, role: Role) -> None:
    response = _identity(admin).put(f"/projects/{project.id}/users/{'e' * 32}/roles/{role.id}")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"Could not find user: {'e' * 32}."


def test_effective_assignments_expand_implied_roles_with_names(
    admin: Connection, user: User, project: Project
) -> None:
    admin_role = _identity(admin).find_role("admin", ignore_missing=False)
    _identity(admin).assign_project_role_to_user(project, user, admin_role)
    effective = list(
        _identity(admin).role_assignments(
            user_id=user.id, scope_project_id=project.id, effective=True, include_names=True
        )
    )
    names = sorted(a.role["name"] for a in effective)
    assert names == ["admin", "member", "reader"]
    assert all(a.user["name"] == user.name for a in effective)
    assert all(a.scope["project"]["name"] == project.name for a in effective)
    implied = [a for a in effective if a.role["name"] != "admin"]
    assert all("prior_role" in a.links for a in implied)
    direct = list(_identity(admin).role_assignments(user_id=user.id, scope_project_id=project.id))
    assert [a.role["id"] for a in direct] == [admin_role.id]


def test_role_assignment_filter_conflicts_are_400(admin: Connection, project: Project) -> None:
    response = _identity(admin).get(
        f"/role_assignments?scope.project.id={project.id}&scope.domain.id=default"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Specify a domain or project, not both"


def test_member_cannot_list_role_assignments(member: Connection) -> None:
    with pytest.raises(exceptions.ForbiddenException) as caught:
        list(_identity(member).role_assignments())
    assert "identity:list_role_assignments" in str(caught.value)


def test_system_assignment_of_admin_is_listed(admin: Connection) -> None:
    system = list(_identity(admin).role_assignments(user_id=admin.current_user_id))
    assert any(a.scope == {"system": {"all": True}} for a in system)


# --- domains, regions, services, endpoints, the caller's auth views ---------------------------


def test_domain_lifecycle_must_disable_before_delete(admin: Connection, name: str) -> None:
    domain = _identity(admin).create_domain(name=name, description="conformance")
    try:
        assert domain.is_enabled is True
        assert _identity(admin).get_domain(domain.id).name == name
        assert [d.id for d in _identity(admin).domains(name=name)] == [domain.id]
        with pytest.raises(exceptions.ForbiddenException) as caught:
            _identity(admin).delete_domain(domain)
        assert "Cannot delete a domain that is enabled" in str(caught.value)
        with pytest.raises(exceptions.ConflictException):
            _identity(admin).create_domain(name=name)
    finally:
        _identity(admin).update_domain(domain, is_enabled=False)
        _identity(admin).delete_domain(domain)
    with pytest.raises(exceptions.ResourceNotFound):
        _identity(admin).get_domain(domain.id)


def test_member_reads_own_domain_only(member: Connection) -> None:
    assert _identity(member).get_domain("default").name == "Default"
    with pytest.raises(exceptions.ForbiddenException):
        list(_identity(member).domains())


def test_region_create_list_delete(admin: Connection, member: Connection, name: str) -> None:
    region = _identity(admin).create_region(id=name, description="conformance")
    try:
        assert region.id == name
        assert region.parent_region_id is None
        assert name in [r.id for r in _identity(member).regions()]
        assert _identity(member).get_region(name).description == "conformance"
        with pytest.raises(exceptions.ConflictException):
            _identity(admin).create_region(id=name)
    finally:
        _identity(admin).delete_region(name)
    with pytest.raises(exceptions.ResourceNotFound) as caught:
        _identity(admin).get_region(name)
    assert f"Could not find region: {name}." in str(caught.value)


def test_service_and_endpoint_crud(admin: Connection, name: str) -> None:
    service = _identity(admin).create_service(name=name, type=f"{name}-type", description="x")
    try:
        region = admin.config.region_name
        endpoint = _identity(admin).create_endpoint(
            service_id=service.id, interface="public", url="http://example.com/x", region_id=region
        )
        assert endpoint.region_id == region
        assert endpoint.is_enabled is True
        listed = list(_identity(admin).endpoints(service_id=service.id))
        assert [e.id for e in listed] == [endpoint.id]
        assert [s.id for s in _identity(admin).services(type=f"{name}-type")] == [service.id]
        _identity(admin).delete_endpoint(endpoint)
        with pytest.raises(exceptions.ResourceNotFound):
            _identity(admin).get_endpoint(endpoint.id)
    finally:
        _identity(admin).delete_service(service)


def test_endpoint_with_bad_interface_is_400(admin: Connection) -> None:
    service = next(iter(_identity(admin).services(type="compute")))
    response = _identity(admin).post(
        "/endpoints",
        json={"endpoint": {"service_id": service.id, "interface": "side", "url": "http://x/"}},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(
        "Invalid input for field 'interface': 'side' is not one of ['admin', 'internal', 'public']"
    )


def test_member_cannot_list_services_or_endpoints(member: Connection) -> None:
    with pytest.raises(exceptions.ForbiddenException):
        list(_identity(member).services())
    with pytest.raises(exceptions.ForbiddenException):
        list(_identity(member).endpoints())


def test_auth_catalog_projects_and_system(member: Connection, admin: Connection) -> None:
    catalog = _identity(member).get("/auth/catalog").json()
    types = {entry["type"] for entry in catalog["catalog"]}
    assert {"identity", "compute", "network", "image"} <= types
    assert catalog["links"]["self"].endswith("/v3/auth/catalog")
    projects = _identity(member).get("/auth/projects").json()["projects"]
    assert member.current_project_id in [p["id"] for p in projects]
    assert _identity(member).get("/auth/system").json()["system"] == []
    assert _identity(admin).get("/auth/system").json()["system"] == [{"all": True}]


# --- application credentials -------------------------------------------------------------------


def _app_cred_connection(admin: Connection, credential_id: str, secret: str) -> Connection:
    return openstack.connect(
        auth_url=admin.config.config["auth"]["auth_url"],
        auth_type="v3applicationcredential",
        application_credential_id=credential_id,
        application_credential_secret=secret,
        region_name=admin.config.region_name,
    )


def test_application_credential_lifecycle_and_auth(member: Connection, name: str) -> None:
    user_id = member.current_user_id
    reader = _identity(member).get("/auth/catalog")  # any project-scoped call works
    assert reader.status_code == 200
    credential = _identity(member).create_application_credential(
        user_id, name, description="conformance", expires_at="2099-01-01T00:00:00"
    )
    try:
        assert credential.secret
        assert credential.project_id == member.current_project_id
        assert credential.unrestricted in (None, False)
        assert credential.expires_at == "2099-01-01T00:00:00.000000"
        assert sorted(r["name"] for r in credential.roles) == ["member", "reader"]
        shown = _identity(member).get_application_credential(user_id, credential.id)
        assert shown.secret is None
        listed = list(_identity(member).application_credentials(user_id, name=name))
        assert [c.id for c in listed] == [credential.id]
        conn = _app_cred_connection(member, credential.id, credential.secret)
        token = _access(conn)
        assert token.project_id == member.current_project_id
        assert sorted(token.role_names) == ["member", "reader"]
        with pytest.raises(exceptions.ForbiddenException) as caught:
            _identity(conn).create_application_credential(user_id, f"{name}-nested")
        assert "Using method 'application_credential' is not allowed" in str(caught.value)
        conn.close()
        with pytest.raises(exceptions.ConflictException):
            _identity(member).create_application_credential(user_id, name)
    finally:
        _identity(member).delete_application_credential(user_id, credential.id)
    with pytest.raises(exceptions.ResourceNotFound):
        _identity(member).get_application_credential(user_id, credential.id)


def test_application_credential_with_unheld_role_is_400(member: Connection, name: str) -> None:
    response = _identity(member).post(
        f"/users/{member.current_user_id}/application_credentials",
        json={"application_credential": {"name": name, "roles": [{"name": "admin"}]}},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Invalid application credential: Cannot create an application credential with "
        "unassigned role"
    )


def test_application_credential_for_another_user_is_403(
    member: Connection, admin: Connection, name: str
) -> None:
    with pytest.raises(exceptions.ForbiddenException) as caught:
        _identity(member).create_application_credential(admin.current_user_id, name)
    assert "identity:create_application_credential" in str(caught.value)


def test_application_credential_in_the_past_is_400(member: Connection, name: str) -> None:
    response = _identity(member).post(
        f"/users/{member.current_user_id}/application_credentials",
        json={"application_credential": {"name": name, "expires_at": "2001-01-01T00:00:00"}},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(
        "The 'expires_at' must not be before now."
    )


def test_revoked_token_is_rejected(admin: Connection, member: Connection) -> None:
    issued = _access(member)
    fresh = _connect_as_member_copy(member)
    token = fresh.session.get_token()
    response = _identity(admin).delete("/auth/tokens", headers={"X-Subject-Token": token})
    assert response.status_code == 204
    check = _identity(admin).head("/auth/tokens", headers={"X-Subject-Token": token})
    assert check.status_code == 404
    assert issued.auth_token != token
    fresh.close()


def _connect_as_member_copy(member: Connection) -> Connection:
    auth = member.config.config["auth"]
    return openstack.connect(
        auth_url=auth["auth_url"],
        username=auth["username"],
        password=auth["password"],
        user_domain_name=auth["user_domain_name"],
        project_name=auth["project_name"],
        project_domain_name=auth["project_domain_name"],
        region_name=member.config.region_name,
    )


# --- the openstack CLI ------------------------------------------------------------------------


def test_osc_project_user_and_role_add(
    osc: Osc, admin: Connection, cloud_name: str, name: str
) -> None:
    # The CLI takes seconds per call, so each command the brief names runs exactly once.
    created = osc(
        "project", "create", "--domain", "default", "--description", "cli", name, cloud=cloud_name
    )
    user_id = None
    try:
        assert created["name"] == name
        assert created["description"] == "cli"
        assert created["domain_id"] == "default"
        assert osc("project", "show", created["id"], cloud=cloud_name)["id"] == created["id"]
        assert name in [p["Name"] for p in osc("project", "list", cloud=cloud_name)]
        user = osc(
            "user", "create", "--domain", "default", "--password", "cli-Secret1",
            f"{name}-user", cloud=cloud_name,
        )  # fmt: skip
        user_id = user["id"]
        assert user["name"] == f"{name}-user"
        osc(
            "role", "add", "--project", created["id"], "--user", user_id, "member",
            cloud=cloud_name, parse=False,
        )  # fmt: skip
        member_role = _identity(admin).find_role("member", ignore_missing=False)
        assert _identity(admin).validate_user_has_project_role(created["id"], user_id, member_role)
    finally:
        if user_id:
            _identity(admin).delete_user(user_id)
        osc("project", "delete", created["id"], cloud=cloud_name, parse=False)
    with pytest.raises(exceptions.ResourceNotFound):
        _identity(admin).get_project(created["id"])


def test_osc_application_credential_create(osc: Osc, member: Connection, name: str) -> None:
    credential = osc("application", "credential", "create", "--description", "cli", name)
    try:
        assert credential["Name"] == name
        assert credential["Secret"]
        assert credential["Description"] == "cli"
        assert credential["Project ID"] == member.current_project_id
    finally:
        _identity(member).delete_application_credential(member.current_user_id, credential["ID"])
