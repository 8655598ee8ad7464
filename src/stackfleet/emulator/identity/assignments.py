"""Keystone's `GET /v3/role_assignments`: direct or effective, filtered, optionally with names.

Mirrors `keystone/api/role_assignments.py` and `AssignmentManager.list_role_assignments`: the
filter-combination 400s, effective mode (implied roles expanded, domain-specific roles stripped,
system assignments left out), `include_subtree`, `include_names`, and the `links.assignment`
URLs. Routes are collected by `identity/__init__.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common, projects
from stackfleet.emulator.identity.state import IMPLIED_ROLES, IdentityState
from stackfleet.emulator.wire import Doc, json_response

_EXCLUSIVE = (
    ("scope.domain.id", "scope.project.id", "Specify a domain or project, not both"),
    ("scope.domain.id", "scope.system", "Specify system or domain, not both"),
    ("scope.project.id", "scope.system", "Specify system or project, not both"),
    ("user.id", "group.id", "Specify a user or group, not both"),
)

Ref = dict[str, object]
"""An assignment as Keystone's manager returns it: user_id, role_id, and one target key."""


async def list_role_assignments(request: Request) -> Response:
    sc = common.scope(request)
    state = common.identity(request)
    params = request.query_params
    subtree = common.flag(request, "include_subtree")
    if subtree:
        project = state.projects.get(params.get("scope.project.id", ""))
        if params.get("scope.project.id") and project is None:
            raise common.not_found("project", params["scope.project.id"])
        allowed = (
            sc.admin
            or sc.system_reader
            or (project is not None and sc.domain_reader(project["domain_id"]))
        )
        common.enforce("list_role_assignments_for_tree", allowed)
        if not params.get("scope.project.id"):
            raise ApiError(
                400, "scope.project.id must be specified if include_subtree is also specified"
            )
    else:
        allowed = sc.admin or sc.system_reader or sc.domain_reader(sc.domain_id)
        common.enforce("list_role_assignments", allowed)
    _check_filters(request)
    refs = _matching(request, state, subtree)
    if sc.domain_id and not subtree:
        refs = [r for r in refs if _in_domain(state, r, sc.domain_id)]
    names = common.flag(request, "include_names")
    docs = [_format(request, state, ref, names) for ref in refs]
    return json_response({"role_assignments": docs, "links": _links(request)})


def _links(request: Request) -> Doc:
    query = request.url.query
    return {
        "next": None,
        "self": common.v3_url(request, "role_assignments") + (f"?{query}" if query else ""),
        "previous": None,
    }


def _check_filters(request: Request) -> None:
    params = request.query_params
    for first, second, message in _EXCLUSIVE:
        if params.get(first) and params.get(second):
            raise ApiError(400, message)
    if common.flag(request, "effective"):
        if params.get("group.id"):
            raise ApiError(
                400,
                "Combining effective and group filter will always result in an empty list.",
            )
        if _inherited(request) and params.get("scope.domain.id"):
            raise ApiError(
                400,
                "Combining effective, domain and inherited filters will always result in an "
                "empty list.",
            )


def _inherited(request: Request) -> bool | None:
    value = request.query_params.get("scope.OS-INHERIT:inherited_to")
    return None if value is None else value == "projects"


def _matching(request: Request, state: IdentityState, subtree: bool) -> list[Ref]:
    params = request.query_params
    project_ids: set[str] | None = None
    if params.get("scope.project.id"):
        project_ids = {params["scope.project.id"]}
        if subtree:
            project_ids |= _subtree(state, params["scope.project.id"])
    if _inherited(request) or params.get("group.id"):
        # The emulator has no groups and no inherited assignments.
        return []
    effective = common.flag(request, "effective")
    direct = _direct(state, params.get("user.id"), project_ids, params.get("scope.domain.id"))
    if effective:
        refs = [r for r in _with_implied(state, direct) if _is_global(state, r)]
    else:
        refs = [r for r in direct if params.get("scope.system") in (None, "", "all")]
        if params.get("scope.system") == "all" or not (
            project_ids or params.get("scope.domain.id")
        ):
            refs += _system(state, params.get("user.id"))
        if params.get("scope.system") == "all":
            refs = [r for r in refs if "system" in r]
    role_id = params.get("role.id")
    return [r for r in refs if not role_id or r["role_id"] == role_id]


def _subtree(state: IdentityState, project_id: str) -> set[str]:
    found: set[str] = set()
    pending = [project_id]
    while pending:
        for child in projects.children(state, pending.pop()):
            if child["id"] not in found:
                found.add(child["id"])
                pending.append(child["id"])
    return found


def _direct(
    state: IdentityState, user_id: str | None, project_ids: set[str] | None, domain_id: str | None
) -> list[Ref]:
    refs: list[tuple[str, str, str, str]] = []
    for role, user, target in state.assignments:
        kind, _, target_id = target.partition(":")
        if kind == "system" or (user_id and user != user_id):
            continue
        if project_ids is not None and (kind != "project" or target_id not in project_ids):
            continue
        if domain_id and (kind != "domain" or target_id != domain_id):
            continue
        # Keystone's table is keyed (type, actor, target, role): UserDomain before UserProject.
        refs.append(("UserDomain" if kind == "domain" else "UserProject", user, target_id, role))
    return [
        {"user_id": user, f"{'domain' if t == 'UserDomain' else 'project'}_id": tid, "role_id": r}
        for t, user, tid, r in sorted(refs)
    ]


def _system(state: IdentityState, user_id: str | None) -> list[Ref]:
    return [
        {"system": {"all": True}, "user_id": user, "role_id": role}
        for role, user, target in sorted(state.assignments, key=lambda a: (a[1], a[0]))
        if target == "system" and (not user_id or user == user_id)
    ]


def _with_implied(state: IdentityState, refs: list[Ref]) -> list[Ref]:
    """Keystone's `add_implied_roles`: a copy of each assignment per implied role."""
    results = list(refs)
    pending = list(refs)
    checked: list[Ref] = []
    while pending:
        ref = pending.pop()
        checked.append(ref)
        for implied in _implied_ids(state, str(ref["role_id"])):
            copy: Ref = {**ref, "role_id": implied, "indirect": {"role_id": ref["role_id"]}}
            if copy not in checked:
                results.append(copy)
                pending.append(copy)
    return results


def _implied_ids(state: IdentityState, role_id: str) -> list[str]:
    role = state.roles.get(role_id)
    if role is None:
        return []
    implied = IMPLIED_ROLES.get(role["name"], ())
    return [
        r["id"] for r in state.roles.values() if r["name"] in implied and r["domain_id"] is None
    ]


def _is_global(state: IdentityState, ref: Ref) -> bool:
    role = state.roles.get(str(ref["role_id"]))
    return role is not None and role["domain_id"] is None


def _in_domain(state: IdentityState, ref: Ref, domain_id: str) -> bool:
    if ref.get("domain_id") == domain_id:
        return True
    project = state.projects.get(str(ref.get("project_id", "")))
    return project is not None and project["domain_id"] == domain_id


def _format(request: Request, state: IdentityState, ref: Ref, names: bool) -> Doc:
    """Keystone's `_format_entity`: the API shape of one assignment, with its links."""
    doc: Doc = {"links": {}}
    if "project_id" in ref:
        doc["scope"] = {"project": _project_ref(state, str(ref["project_id"]), names)}
        link = f"/projects/{ref['project_id']}"
    elif "domain_id" in ref:
        doc["scope"] = {"domain": _domain_ref(state, str(ref["domain_id"]), names)}
        link = f"/domains/{ref['domain_id']}"
    else:
        doc["scope"] = {"system": ref["system"]}
        link = "/system"
    doc["user"] = _user_ref(state, str(ref["user_id"]), names)
    link += f"/users/{ref['user_id']}"
    doc["role"] = _role_ref(state, str(ref["role_id"]), names)
    indirect = ref.get("indirect")
    if isinstance(indirect, dict):
        link += f"/roles/{indirect['role_id']}"
        # Keystone names these two the other way round; kept as Keystone renders them.
        doc["links"]["prior_role"] = common.v3_url(
            request, f"/prior_role/{ref['role_id']}/implies/{indirect['role_id']}"
        )
    else:
        link += f"/roles/{ref['role_id']}"
    doc["links"] = {"assignment": common.v3_url(request, link), **doc["links"]}
    return doc


def _domain_ref(state: IdentityState, domain_id: str, names: bool) -> Doc:
    if not names:
        return {"id": domain_id}
    domain = state.domains.get(domain_id)
    return {"id": domain_id, "name": domain["name"] if domain else ""}


def _project_ref(state: IdentityState, project_id: str, names: bool) -> Doc:
    if not names:
        return {"id": project_id}
    project = state.projects[project_id]
    return {
        "id": project_id,
        "name": project["name"],
        "domain": _domain_ref(state, project["domain_id"], True),
    }


def _user_ref(state: IdentityState, user_id: str, names: bool) -> Doc:
    if not names:
        return {"id": user_id}
    user = state.users.get(user_id)
    if user is None:
        return {"id": user_id, "name": "", "domain": {"id": "", "name": ""}}
    return {
        "id": user_id,
        "name": user["name"],
        "domain": _domain_ref(state, user["domain_id"], True),
    }


def _role_ref(state: IdentityState, role_id: str, names: bool) -> Doc:
    if not names:
        return {"id": role_id}
    role = state.roles[role_id]
    doc: Doc = {"id": role_id, "name": role["name"]}
    if role["domain_id"] is not None:
        doc["domain"] = _domain_ref(state, role["domain_id"], True)
    return doc


ROUTES = [Route("/v3/role_assignments", list_role_assignments, methods=["GET"])]
