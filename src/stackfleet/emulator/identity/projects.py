"""Keystone projects: /v3/projects CRUD with its filters, project tags, and a user's projects.

Rules and messages follow Keystone Zed's `keystone/api/projects.py` and the resource manager:
hierarchy checks (parent in the same domain, no disabled parents, leaf-only delete), name
uniqueness within a domain, and the scope-aware default policies. Routes are collected by
`identity/__init__.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common, schema
from stackfleet.emulator.identity.common import Scope
from stackfleet.emulator.identity.state import IdentityState
from stackfleet.emulator.wire import Doc, new_id

MAX_PROJECT_TREE_DEPTH = 5
"""Keystone's `[DEFAULT] max_project_tree_depth`."""

_FILTERS = ("domain_id", "enabled", "name", "parent_id")
_FIXED = ("id", "domain_id", "parent_id", "is_domain")


def can_read_project(sc: Scope, project: Doc | None) -> bool:
    """`identity:get_project` with the deprecated rule OR-ed in."""
    if sc.admin or sc.system_reader:
        return True
    return project is not None and (
        sc.domain_reader(project["domain_id"]) or sc.project_id == project["id"]
    )


async def list_projects(request: Request) -> Response:
    sc = common.scope(request)
    state = common.identity(request)
    target_domain = request.query_params.get("domain_id") or sc.domain_id
    common.enforce("list_projects", sc.admin or sc.system_reader or sc.domain_reader(target_domain))
    is_domain = request.query_params.get("is_domain")
    if is_domain is not None and common.as_bool(is_domain):
        docs = [domain_as_project(d) for d in state.domains.values()]
    else:
        docs = list(state.projects.values())
    docs = _tagged(request, common.filtered(request, docs, _FILTERS))
    if sc.domain_id:
        docs = [d for d in docs if d["domain_id"] == sc.domain_id]
    return common.collection(request, "projects", docs)


def domain_as_project(domain: Doc) -> Doc:
    """A domain as Keystone stores it: a root project acting as a domain."""
    return {**domain, "domain_id": None, "parent_id": None, "is_domain": True}


def _tagged(request: Request, docs: list[Doc]) -> list[Doc]:
    params = request.query_params
    for name in ("tags", "tags-any", "not-tags", "not-tags-any"):
        if name not in params:
            continue
        wanted = set(params[name].split(","))
        if name == "tags":
            docs = [d for d in docs if wanted <= set(d["tags"])]
        elif name == "tags-any":
            docs = [d for d in docs if wanted & set(d["tags"])]
        elif name == "not-tags":
            docs = [d for d in docs if not wanted <= set(d["tags"])]
        else:
            docs = [d for d in docs if not wanted & set(d["tags"])]
    return docs


async def get_project(request: Request) -> Response:
    project_id = request.path_params["project_id"]
    state = common.identity(request)
    project = state.projects.get(project_id)
    common.enforce("get_project", can_read_project(common.scope(request), project))
    if project is None:
        raise common.not_found("project", project_id)
    return common.member(request, "project", project, "projects")


async def create_project(request: Request) -> Response:
    sc = common.scope(request)
    common.enforce("create_project", sc.admin)
    body = await common.validated_body(request, "project", schema.PROJECT_CREATE, {})
    state = common.identity(request)
    domain_id = body.get("domain_id") or sc.domain_id or "default"
    parent_id = body.get("parent_id") or domain_id
    _check_hierarchy(state, domain_id, parent_id)
    name = body["name"].strip()
    project_id = new_id().replace("-", "")
    _check_unique_name(state, name, domain_id, project_id)
    doc = state.add_project(name, domain_id, project_id=project_id)
    extras = {k: v for k, v in body.items() if k not in (*_FIXED, "name", "options")}
    doc.update(extras)
    doc["description"] = body.get("description") or ""
    doc["parent_id"] = parent_id
    doc["tags"] = list(body.get("tags") or [])
    common.merge_options(doc, body.get("options"))
    return common.member(request, "project", doc, "projects", 201)


def _check_hierarchy(state: IdentityState, domain_id: str, parent_id: str) -> None:
    if domain_id not in state.domains:
        raise ApiError(400, f"Could not find domain: {domain_id}.")
    if parent_id in state.domains:
        if parent_id != domain_id:
            raise ApiError(
                400,
                f"Cannot create project, the parent ({parent_id}) is acting as a domain, "
                f"but this project's domain id ({domain_id}) does not match the parent's id.",
            )
        return
    parent = state.projects.get(parent_id)
    if parent is None:
        raise ApiError(400, f"Could not find project: {parent_id}.")
    if parent["domain_id"] != domain_id:
        raise ApiError(
            400,
            f"Cannot create project, since it specifies its domain_id {domain_id}, but "
            f"specifies a parent in a different domain ({parent['domain_id']}).",
        )
    lineage = [*parents(state, parent), parent]
    for ancestor in lineage:
        if not ancestor["enabled"]:
            raise ApiError(
                400,
                "cannot create a project in a branch containing a disabled project: "
                f"{ancestor['id']}",
            )
    if len(lineage) + 1 > MAX_PROJECT_TREE_DEPTH:
        raise ApiError(403, f"Max hierarchy depth reached for {parent_id} branch.")


def parents(state: IdentityState, project: Doc) -> list[Doc]:
    """The project's ancestors that are projects (not its domain), root first."""
    chain: list[Doc] = []
    current = state.projects.get(project["parent_id"])
    while current is not None and current not in chain:
        chain.insert(0, current)
        current = state.projects.get(current["parent_id"])
    return chain


def children(state: IdentityState, project_id: str) -> list[Doc]:
    return [p for p in state.projects.values() if p["parent_id"] == project_id]


def _check_unique_name(state: IdentityState, name: str, domain_id: str, project_id: str) -> None:
    for other in state.projects.values():
        if other["name"] == name and other["domain_id"] == domain_id and other["id"] != project_id:
            raise common.conflict(
                "project",
                "it is not permitted to have two projects with either the same name or same id "
                f"in the same domain: name is {name}, project id {project_id}",
            )


async def update_project(request: Request) -> Response:
    project_id = request.path_params["project_id"]
    common.enforce("update_project", common.scope(request).admin)
    body = await common.validated_body(request, "project", schema.PROJECT_UPDATE, {})
    common.check_same_id(body, project_id)
    state = common.identity(request)
    project = common.lookup(state.projects, "project", project_id)
    _check_update(state, project, body)
    if "name" in body:
        body["name"] = body["name"].strip()
        _check_unique_name(state, body["name"], project["domain_id"], project_id)
    project.update({k: v for k, v in body.items() if k not in (*_FIXED, "options")})
    if "tags" in body:
        project["tags"] = list(body["tags"])
    common.merge_options(project, body.get("options"))
    return common.member(request, "project", project, "projects")


def _check_update(state: IdentityState, project: Doc, body: Doc) -> None:
    if "domain_id" in body and body["domain_id"] != project["domain_id"]:
        raise ApiError(400, "Cannot change Domain ID")
    common.check_immutable_update(project, body, "project")
    if "parent_id" in body and body["parent_id"] != project["parent_id"]:
        raise ApiError(403, "Update of `parent_id` is not allowed.")
    if "is_domain" in body and body["is_domain"] != project["is_domain"]:
        raise ApiError(400, "Update of `is_domain` is not allowed.")
    enabling = body.get("enabled", True)
    if (
        not project["enabled"]
        and enabling
        and any(not p["enabled"] for p in parents(state, project))
    ):
        raise ApiError(403, f"Cannot enable project {project['id']} since it has disabled parents")
    if project["enabled"] and not enabling and _enabled_below(state, project["id"]):
        raise ApiError(
            403,
            f"Cannot disable project {project['id']} since its subtree contains enabled projects.",
        )


def _enabled_below(state: IdentityState, project_id: str) -> bool:
    return any(c["enabled"] or _enabled_below(state, c["id"]) for c in children(state, project_id))


async def delete_project(request: Request) -> Response:
    project_id = request.path_params["project_id"]
    common.enforce("delete_project", common.scope(request).admin)
    state = common.identity(request)
    project = common.lookup(state.projects, "project", project_id)
    common.check_immutable_delete(project, "project")
    if children(state, project_id):
        raise ApiError(
            403,
            f"Cannot delete the project {project_id} since it is not a leaf in the hierarchy. "
            "Use the cascade option if you want to delete a whole subtree.",
        )
    forget_project(state, project_id)
    return common.no_content()


def forget_project(state: IdentityState, project_id: str) -> None:
    """Delete a project with what Keystone removes alongside it."""
    del state.projects[project_id]
    target = f"project:{project_id}"
    state.assignments = {a for a in state.assignments if a[2] != target}
    state.revoke_tokens(project_id=project_id)


async def list_user_projects(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    sc = common.scope(request)
    state = common.identity(request)
    user = state.users.get(user_id)
    common.enforce(
        "list_user_projects",
        sc.admin
        or sc.user_id == user_id
        or sc.system_reader
        or (user is not None and sc.domain_reader(user["domain_id"])),
    )
    docs = projects_for_user(state, user_id)
    return common.collection(
        request, "projects", common.filtered(request, docs, ("domain_id", "enabled", "name"))
    )


def projects_for_user(state: IdentityState, user_id: str) -> list[Doc]:
    """The projects where the user has any role (`list_projects_for_user`)."""
    ids = {t[8:] for _, u, t in state.assignments if u == user_id and t.startswith("project:")}
    return [p for p in state.projects.values() if p["id"] in ids]


ROUTES = [
    Route("/v3/projects", list_projects, methods=["GET"]),
    Route("/v3/projects", create_project, methods=["POST"]),
    Route("/v3/projects/{project_id}", get_project, methods=["GET"]),
    Route("/v3/projects/{project_id}", update_project, methods=["PATCH"]),
    Route("/v3/projects/{project_id}", delete_project, methods=["DELETE"]),
    Route("/v3/users/{user_id}/projects", list_user_projects, methods=["GET"]),
]
