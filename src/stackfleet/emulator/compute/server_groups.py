"""Nova's os-server-groups: create, list, show and delete server groups.

Groups are stored in `site.compute.server_groups` as {"id", "name", "policy", "rules",
"members", "project_id", "user_id"}; the servers API's scheduler reads `policy`/`members` and
adds and removes members. Before 2.64 a group is created with `policies: [one policy]` and shown
with `policies` and `metadata`; from 2.64 with `policy` and `rules` (max_server_per_host).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute.body_checks import (
    NAME,
    NON_NEGATIVE_INTEGER,
    POSITIVE_INTEGER,
    check_body,
    check_query,
)
from stackfleet.emulator.compute.paging import MAX_LIMIT, int_param, query_lists
from stackfleet.emulator.compute.policy_checks import require_admin_or_owner
from stackfleet.emulator.compute.quotas import check_server_group_quota
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, new_id, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

SOFT_POLICIES_VERSION = (2, 15)
PROJECT_FIELDS_VERSION = (2, 13)
POLICY_OBJECT_VERSION = (2, 64)
STRICT_QUERY_VERSION = (2, 75)

_POLICY = "os_compute_api:os-server-groups:%s"
_QUERY = {
    "all_projects": {"type": "string"},
    "limit": NON_NEGATIVE_INTEGER,
    "offset": NON_NEGATIVE_INTEGER,
}


def _create_schema(version: tuple[int, int]) -> Doc:
    choices = ["anti-affinity", "affinity"]
    if version >= SOFT_POLICIES_VERSION:
        choices += ["soft-anti-affinity", "soft-affinity"]
    properties: dict[str, Any] = {"name": NAME}
    if version >= POLICY_OBJECT_VERSION:
        properties["policy"] = {"type": "string", "enum": choices}
        properties["rules"] = {
            "type": "object",
            "properties": {"max_server_per_host": POSITIVE_INTEGER},
            "additionalProperties": False,
        }
        required = ["name", "policy"]
    else:
        properties["policies"] = {
            "type": "array",
            "items": [{"type": "string", "enum": choices}],
            "uniqueItems": True,
            "minItems": 1,
            "maxItems": 1,
            "additionalItems": False,
        }
        required = ["name", "policies"]
    return {
        "type": "object",
        "properties": {
            "server_group": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            }
        },
        "required": ["server_group"],
        "additionalProperties": False,
    }


def live_members(site: Site, group: Doc) -> list[str]:
    """The group's members that are still servers (Nova hides deleted ones)."""
    servers = site.compute.servers
    return [
        member
        for member in group["members"]
        if member in servers and not servers[member].get("_deleted")
    ]


def group_view(site: Site, group: Doc, version: tuple[int, int]) -> Doc:
    view: Doc = {"id": group["id"], "name": group["name"]}
    if version >= POLICY_OBJECT_VERSION:
        view["policy"] = group["policy"]
        view["rules"] = dict(group["rules"])
    else:
        view["policies"] = [group["policy"]]
        view["metadata"] = {}
    view["members"] = live_members(site, group)
    if version >= PROJECT_FIELDS_VERSION:
        view["project_id"] = group["project_id"]
        view["user_id"] = group["user_id"]
    return view


def _find(request: Request) -> tuple[Site, Doc]:
    site = context.site(request)
    group_id = request.path_params["group_id"]
    group = site.compute.server_groups.get(group_id)
    caller = context.caller(request)
    # Nova's API database query filters other projects' groups out for non-admins: a 404.
    if group is None or not (caller.is_admin or caller.project_id == group["project_id"]):
        raise ApiError(404, f"Instance group {group_id} could not be found.")
    return site, group


async def show_server_group(request: Request) -> Response:
    site, group = _find(request)
    return json_response({"server_group": group_view(site, group, context.microversion(request))})


async def delete_server_group(request: Request) -> Response:
    site, group = _find(request)
    del site.compute.server_groups[group["id"]]
    return Response(status_code=204)


async def list_server_groups(request: Request) -> Response:
    version = context.microversion(request)
    check_query(_QUERY, query_lists(request), strict=version >= STRICT_QUERY_VERSION)
    caller = context.caller(request)
    site = context.site(request)
    groups = list(site.compute.server_groups.values())
    if not ("all_projects" in request.query_params and caller.is_admin):
        groups = [g for g in groups if g["project_id"] == caller.project_id]
    offset = int_param(request, "offset") or 0
    limit = min(MAX_LIMIT, int_param(request, "limit") or MAX_LIMIT)
    page = groups[offset : offset + limit]
    return json_response({"server_groups": [group_view(site, g, version) for g in page]})


def _policy_and_rules(spec: Doc, version: tuple[int, int]) -> tuple[str, Doc]:
    if version < POLICY_OBJECT_VERSION:
        return str(spec["policies"][0]), {}
    policy = str(spec["policy"])
    rules = spec.get("rules", {})
    if policy != "anti-affinity" and rules:
        raise ApiError(400, "Only anti-affinity policy supports rules.")
    if "max_server_per_host" in rules:
        rules = {"max_server_per_host": int(rules["max_server_per_host"])}
    return policy, rules


async def create_server_group(request: Request) -> Response:
    version = context.microversion(request)
    body = await read_json(request)
    check_body(_create_schema(version), body)
    caller = context.caller(request)
    project_id = caller.project_id or ""
    require_admin_or_owner(caller, project_id, _POLICY % "create")
    site = context.site(request)
    check_server_group_quota(site, project_id)
    policy, rules = _policy_and_rules(body["server_group"], version)
    group: Doc = {
        "id": new_id(),
        "name": body["server_group"]["name"],
        "policy": policy,
        "rules": rules,
        "members": [],
        "project_id": project_id,
        "user_id": caller.user_id,
    }
    site.compute.server_groups[group["id"]] = group
    return json_response({"server_group": group_view(site, group, version)})


ROUTES = [
    Route("/v2.1/os-server-groups", list_server_groups, methods=["GET"]),
    Route("/v2.1/os-server-groups", create_server_group, methods=["POST"]),
    Route("/v2.1/os-server-groups/{group_id}", show_server_group, methods=["GET"]),
    Route("/v2.1/os-server-groups/{group_id}", delete_server_group, methods=["DELETE"]),
]
