"""Keystone roles: /v3/roles CRUD, global and domain-specific, as in `keystone/api/roles.py`.

Bootstrap roles are immutable; deleting a role removes its assignments, the application
credentials that relied on it, and the role from every live token. Routes are collected by
`identity/__init__.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common, schema
from stackfleet.emulator.identity.state import IdentityState
from stackfleet.emulator.wire import Doc

_FIXED = ("id", "domain_id", "options")


def _action(base: str, role: Doc | None) -> str:
    """Keystone checks the `*_domain_role` policy for a domain-specific role."""
    return f"{base}_domain_role" if role is not None and role.get("domain_id") else f"{base}_role"


async def list_roles(request: Request) -> Response:
    sc = common.scope(request)
    domain_filter = request.query_params.get("domain_id")
    action = "list_domain_roles" if domain_filter else "list_roles"
    common.enforce(action, sc.admin or sc.system_reader)
    docs = common.filtered(request, common.identity(request).roles.values(), ("name", "domain_id"))
    if not domain_filter:
        docs = [r for r in docs if r["domain_id"] is None]
    return common.collection(request, "roles", docs)


def _checked_role(request: Request, base: str, allowed: bool) -> Doc:
    """The addressed role; Keystone checks the policy, which depends on the role, before its 404."""
    role_id = request.path_params["role_id"]
    role = common.identity(request).roles.get(role_id)
    common.enforce(_action(base, role), allowed)
    if role is None:
        raise common.not_found("role", role_id)
    return role


async def get_role(request: Request) -> Response:
    sc = common.scope(request)
    role = _checked_role(request, "get", sc.admin or sc.system_reader)
    return common.member(request, "role", role, "roles")


async def create_role(request: Request) -> Response:
    body = await common.body_member(request, "role", {})
    probe = body if isinstance(body, dict) else None
    common.enforce(_action("create", probe), common.scope(request).admin)
    schema.validate(schema.ROLE_CREATE, body)
    assert isinstance(body, dict)  # noqa: S101 - guaranteed by the schema
    state = common.identity(request)
    domain_id = body.get("domain_id")
    _check_unique_name(state, body["name"], domain_id, None, "domain_id" in body)
    doc = state.add_role(body["name"], domain_id)
    common.apply_update(doc, body, _FIXED)
    return common.member(request, "role", doc, "roles", 201)


def _check_unique_name(
    state: IdentityState, name: str, domain_id: str | None, role_id: str | None, scoped: bool
) -> None:
    for other in state.roles.values():
        if other["name"] == name and other["domain_id"] == domain_id and other["id"] != role_id:
            where = f" at domain ID {domain_id}" if scoped and domain_id else ""
            raise common.conflict("role", f"Duplicate entry found with name {name}{where}")


async def update_role(request: Request) -> Response:
    role_id = request.path_params["role_id"]
    state = common.identity(request)
    role = _checked_role(request, "update", common.scope(request).admin)
    body = await common.validated_body(request, "role", schema.ROLE_UPDATE, {})
    common.check_same_id(body, role_id)
    common.check_immutable_update(role, body, "role")
    if "domain_id" in body and body["domain_id"] != role["domain_id"]:
        raise ApiError(400, "Update of `domain_id` is not allowed.")
    if "name" in body:
        _check_unique_name(state, body["name"], role["domain_id"], role_id, False)
    common.apply_update(role, body, _FIXED)
    return common.member(request, "role", role, "roles")


async def delete_role(request: Request) -> Response:
    role_id = request.path_params["role_id"]
    state = common.identity(request)
    role = _checked_role(request, "delete", common.scope(request).admin)
    common.check_immutable_delete(role, "role")
    holders = {(user, target) for r, user, target in state.assignments if r == role_id}
    for user_id, target in holders:
        if target.startswith("project:"):
            common.forget_application_credentials(state, user_id, target.removeprefix("project:"))
    state.assignments = {a for a in state.assignments if a[0] != role_id}
    del state.roles[role_id]
    for user_id in {user for user, _ in holders}:
        state.refresh_tokens(user_id)
    return common.no_content()


ROUTES = [
    Route("/v3/roles", list_roles, methods=["GET"]),
    Route("/v3/roles", create_role, methods=["POST"]),
    Route("/v3/roles/{role_id}", get_role, methods=["GET"]),
    Route("/v3/roles/{role_id}", update_role, methods=["PATCH"]),
    Route("/v3/roles/{role_id}", delete_role, methods=["DELETE"]),
]
