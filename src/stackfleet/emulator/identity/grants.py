"""Keystone role grants: a user's roles on a project, a domain or the system.

`/v3/projects/{p}/users/{u}/roles/{r}` (PUT, HEAD/GET, DELETE), its list, and the domain and
system twins.
As in Keystone, the role, user and target are looked up before the policy check (so a missing
one answers 404 even to a caller who may not grant), and a token's roles follow its user's
assignments at once. Routes are collected by `identity/__init__.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common
from stackfleet.emulator.identity.common import Scope
from stackfleet.emulator.identity.state import IdentityState
from stackfleet.emulator.wire import Doc


@dataclass(frozen=True)
class Grant:
    """The parts of a grant URL, resolved: who, on what, which role."""

    user_id: str
    user: Doc | None
    target: str
    """"project:<id>", "domain:<id>" or "system", as stored in `IdentityState.assignments`."""
    target_domain_id: str | None
    role: Doc | None


def _resolve(request: Request, *, need_role: bool, need_user: bool) -> Grant:
    """Look the grant's parts up in Keystone's order, answering 404 for a missing one."""
    state = common.identity(request)
    params = request.path_params
    role = None
    if need_role:
        role = state.roles.get(params["role_id"])
        if role is None:
            raise common.not_found("role", params["role_id"])
    user = state.users.get(params["user_id"])
    if user is None and need_user:
        raise common.not_found("user", params["user_id"])
    if "project_id" in params:
        project = state.projects.get(params["project_id"])
        if project is None:
            raise common.not_found("project", params["project_id"])
        target, domain_id = f"project:{project['id']}", project["domain_id"]
    elif "domain_id" in params:
        if params["domain_id"] not in state.domains:
            raise common.not_found("domain", params["domain_id"])
        target, domain_id = f"domain:{params['domain_id']}", params["domain_id"]
    else:
        target, domain_id = "system", None
    return Grant(params["user_id"], user, target, domain_id, role)


def _may_read(sc: Scope, grant: Grant) -> bool:
    if sc.admin or sc.system_reader:
        return True
    if grant.target == "system" or grant.user is None:
        return False
    role_ok = grant.role is None or grant.role["domain_id"] in (None, sc.domain_id)
    return (
        sc.domain_reader(grant.user["domain_id"])
        and sc.domain_reader(grant.target_domain_id)
        and role_ok
    )


def _action(grant: Grant, base: str) -> str:
    if grant.target == "system":
        noun = "system_grants" if base == "list" else "system_grant"
        return f"{base}_{noun}_for_user"
    return f"{base}_grants" if base == "list" else f"{base}_grant"


async def check_grant(request: Request) -> Response:
    grant = _resolve(request, need_role=True, need_user=True)
    common.enforce(_action(grant, "check"), _may_read(common.scope(request), grant))
    _assignment(common.identity(request), grant)
    return common.no_content()


def _assignment(state: IdentityState, grant: Grant) -> tuple[str, str, str]:
    assert grant.role is not None  # noqa: S101 - every member route resolves the role
    key = (grant.role["id"], grant.user_id, grant.target)
    if key not in state.assignments:
        target_id = grant.target.partition(":")[2] or grant.target
        raise ApiError(
            404,
            f"Could not find role assignment with role: {grant.role['id']}, user or group: "
            f"{grant.user_id}, project, domain, or system: {target_id}.",
        )
    return key


async def create_grant(request: Request) -> Response:
    grant = _resolve(request, need_role=True, need_user=True)
    common.enforce(_action(grant, "create"), common.scope(request).admin)
    assert grant.role is not None  # noqa: S101 - need_role
    role_domain = grant.role["domain_id"]
    if grant.target == "system" and role_domain:
        raise ApiError(
            400,
            f"Role {grant.role['id']} is a domain-specific role. Unable to use a domain-specific "
            "role in a system assignment.",
        )
    if grant.target.startswith("project:") and role_domain not in (None, grant.target_domain_id):
        raise ApiError(
            403,
            f"Project {grant.target[8:]} must be in the same domain as the role "
            f"{grant.role['id']} being assigned.",
        )
    state = common.identity(request)
    state.assign(grant.role["id"], grant.user_id, grant.target)
    state.refresh_tokens(grant.user_id)
    return common.no_content()


async def revoke_grant(request: Request) -> Response:
    grant = _resolve(request, need_role=True, need_user=False)
    common.enforce(_action(grant, "revoke"), common.scope(request).admin)
    state = common.identity(request)
    state.assignments.discard(_assignment(state, grant))
    state.refresh_tokens(grant.user_id)
    return common.no_content()


async def list_grants(request: Request) -> Response:
    grant = _resolve(request, need_role=False, need_user=True)
    common.enforce(_action(grant, "list"), _may_read(common.scope(request), grant))
    state = common.identity(request)
    ids = {r for r, u, t in state.assignments if u == grant.user_id and t == grant.target}
    return common.collection(request, "roles", [r for r in state.roles.values() if r["id"] in ids])


def _routes(prefix: str) -> list[Route]:
    member = f"{prefix}/users/{{user_id}}/roles/{{role_id}}"
    return [
        Route(member, check_grant, methods=["GET"]),
        Route(member, create_grant, methods=["PUT"]),
        Route(member, revoke_grant, methods=["DELETE"]),
        Route(f"{prefix}/users/{{user_id}}/roles", list_grants, methods=["GET"]),
    ]


ROUTES = [
    *_routes("/v3/projects/{project_id}"),
    *_routes("/v3/domains/{domain_id}"),
    *_routes("/v3/system"),
]
