"""Keystone domains: /v3/domains CRUD, as in Keystone Zed's `keystone/api/domains.py`.

A domain must be disabled before it is deleted, and deleting it removes its projects, users and
their role assignments. Routes are collected by `identity/__init__.py`.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common, schema
from stackfleet.emulator.identity.projects import forget_project
from stackfleet.emulator.identity.state import IdentityState
from stackfleet.emulator.wire import Doc, new_id

_FIXED = ("id", "explicit_domain_id", "domain_id", "parent_id", "is_domain")


async def list_domains(request: Request) -> Response:
    sc = common.scope(request)
    common.enforce("list_domains", sc.admin or sc.system_reader)
    docs = common.filtered(request, common.identity(request).domains.values(), ("name", "enabled"))
    return common.collection(request, "domains", docs)


async def get_domain(request: Request) -> Response:
    domain_id = request.path_params["domain_id"]
    sc = common.scope(request)
    common.enforce(
        "get_domain",
        sc.admin or sc.system_reader or domain_id in (sc.domain_id, sc.project_domain_id),
    )
    domain = common.lookup(common.identity(request).domains, "domain", domain_id)
    return common.member(request, "domain", domain, "domains")


async def create_domain(request: Request) -> Response:
    common.enforce("create_domain", common.scope(request).admin)
    body = await common.validated_body(request, "domain", schema.DOMAIN_CREATE, {})
    domain_id = body.get("explicit_domain_id")
    if domain_id is None:
        domain_id = new_id().replace("-", "")
    elif not _is_hex_uuid(domain_id):
        raise ApiError(400, "Domain ID does not conform to required UUID format.")
    state = common.identity(request)
    name = body["name"].strip()
    if any(d["name"] == name for d in state.domains.values()) or domain_id in state.domains:
        raise common.conflict(
            "project",
            "it is not permitted to have two projects acting as domains with the same name: "
            + name,
        )
    doc = state.add_domain(domain_id, name, body.get("description") or "")
    doc.update({k: v for k, v in body.items() if k not in (*_FIXED, "name", "options")})
    doc["description"] = body.get("description") or ""
    doc["tags"] = list(body.get("tags") or [])
    common.merge_options(doc, body.get("options"))
    return common.member(request, "domain", doc, "domains", 201)


def _is_hex_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and uuid.UUID(value).hex == value
    except ValueError:
        return False


async def update_domain(request: Request) -> Response:
    domain_id = request.path_params["domain_id"]
    common.enforce("update_domain", common.scope(request).admin)
    body = await common.validated_body(request, "domain", schema.DOMAIN_UPDATE, {})
    state = common.identity(request)
    domain = common.lookup(state.domains, "domain", domain_id)
    common.check_immutable_update(domain, body, "domain")
    if "name" in body:
        name = body["name"].strip()
        if any(d["name"] == name and d["id"] != domain_id for d in state.domains.values()):
            raise common.conflict(
                "project",
                "it is not permitted to have two projects acting as domains with the same "
                f"name: {name}",
            )
        body["name"] = name
    common.apply_update(domain, body, _FIXED)
    return common.member(request, "domain", domain, "domains")


async def delete_domain(request: Request) -> Response:
    domain_id = request.path_params["domain_id"]
    common.enforce("delete_domain", common.scope(request).admin)
    state = common.identity(request)
    domain = common.lookup(state.domains, "domain", domain_id)
    common.check_immutable_delete(domain, "domain")
    if domain["enabled"]:
        raise ApiError(403, "Cannot delete a domain that is enabled, please disable it first.")
    _delete_contents(state, domain)
    del state.domains[domain_id]
    return common.no_content()


def _delete_contents(state: IdentityState, domain: Doc) -> None:
    domain_id = domain["id"]
    for project in [p for p in state.projects.values() if p["domain_id"] == domain_id]:
        forget_project(state, project["id"])
    for user in [u for u in state.users.values() if u["domain_id"] == domain_id]:
        forget_user(state, user["id"])
    target = f"domain:{domain_id}"
    state.assignments = {a for a in state.assignments if a[2] != target}
    for role in [r for r in state.roles.values() if r["domain_id"] == domain_id]:
        del state.roles[role["id"]]


def forget_user(state: IdentityState, user_id: str) -> None:
    """Delete a user with its role assignments, application credentials and tokens."""
    del state.users[user_id]
    state.assignments = {a for a in state.assignments if a[1] != user_id}
    common.forget_application_credentials(state, user_id)
    state.revoke_tokens(user_id=user_id)
    state.user_revoked_at.pop(user_id, None)


ROUTES = [
    Route("/v3/domains", list_domains, methods=["GET"]),
    Route("/v3/domains", create_domain, methods=["POST"]),
    Route("/v3/domains/{domain_id}", get_domain, methods=["GET"]),
    Route("/v3/domains/{domain_id}", update_domain, methods=["PATCH"]),
    Route("/v3/domains/{domain_id}", delete_domain, methods=["DELETE"]),
]
