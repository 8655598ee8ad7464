"""Neutron quotas: `/v2.0/quotas[/{project}[/default|/details]]` and the check made on create.

`check_quota` is called by every create handler (through `common.charge`) and by `internal.py`
before it creates a server's ports; it raises Neutron's 409 OverQuota.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network.faults import http_bad_request, policy_denied
from stackfleet.emulator.network.state import DEFAULT_QUOTAS, NetworkState
from stackfleet.emulator.network.validators import to_int
from stackfleet.emulator.wire import Doc, json_response, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

_STORES = {
    "network": "networks",
    "subnet": "subnets",
    "port": "ports",
    "router": "routers",
    "floatingip": "floatingips",
    "security_group": "security_groups",
    "security_group_rule": "security_group_rules",
}
_MAX_LIMIT = 2147483647


def limits(state: NetworkState, project_id: str) -> dict[str, int]:
    return {**DEFAULT_QUOTAS, **state.quotas.get(project_id, {})}


def usage(state: NetworkState, project_id: str, resource: str) -> int:
    store = _STORES.get(resource)
    if store is None:
        return 0
    docs: dict[str, Doc] = getattr(state, store)
    return sum(1 for doc in docs.values() if doc["project_id"] == project_id)


def check_quota(site: Site, project_id: str, resource: str, count: int = 1) -> None:
    """Raise Neutron's OverQuota if `count` more of `resource` exceed the project's limit."""
    state = site.network
    limit = limits(state, project_id)[resource]
    if limit >= 0 and usage(state, project_id, resource) + count > limit:
        raise ApiError(409, f"Quota exceeded for resources: ['{resource}'].", kind="OverQuota")


def _may_read(request: Request, project_id: str) -> None:
    caller = context.caller(request)
    if project_id != caller.project_id and not caller.is_admin:
        raise policy_denied("rule:get_quota")


async def list_quotas(request: Request) -> Response:
    caller = context.caller(request)
    if not caller.is_admin:
        raise policy_denied("rule:get_quota")
    state = context.site(request).network
    quotas = [
        {**limits(state, project), "project_id": project, "tenant_id": project}
        for project in state.quotas
    ]
    return json_response({"quotas": quotas})


async def show_quota(request: Request) -> Response:
    project_id = request.path_params["project_id"]
    if project_id in ("project", "tenant"):
        caller = context.caller(request)
        return json_response({project_id: {f"{project_id}_id": caller.project_id}})
    _may_read(request, project_id)
    return json_response({"quota": limits(context.site(request).network, project_id)})


async def show_default(request: Request) -> Response:
    _may_read(request, request.path_params["project_id"])
    return json_response({"quota": dict(DEFAULT_QUOTAS)})


async def show_details(request: Request) -> Response:
    project_id = request.path_params["project_id"]
    _may_read(request, project_id)
    state = context.site(request).network
    details = {
        resource: {"limit": limit, "used": usage(state, project_id, resource), "reserved": 0}
        for resource, limit in limits(state, project_id).items()
    }
    return json_response({"quota": details})


async def update_quota(request: Request) -> Response:
    if not context.caller(request).is_admin:
        raise policy_denied("rule:update_quota")
    project_id = request.path_params["project_id"]
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("quota"), dict):
        raise http_bad_request("Unable to find 'quota' in request body")
    changes: Doc = dict(body["quota"])
    changes.pop("force", None)
    check_limit = changes.pop("check_limit", False)
    unknown = sorted(set(changes) - set(DEFAULT_QUOTAS))
    if unknown:
        raise http_bad_request(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    state = context.site(request).network
    new: dict[str, int] = {}
    for resource, raw in changes.items():
        value = to_int(raw)
        if not -1 <= value <= _MAX_LIMIT:
            raise ApiError(
                400,
                f"Invalid input for operation: Invalid input for {resource}. Reason: "
                f"'{value}' is not in range -1 through {_MAX_LIMIT}.",
                kind="InvalidInput",
            )
        used = usage(state, project_id, resource)
        if check_limit and used > value:
            raise http_bad_request(
                f"Quota limit {value} for {resource} must be greater than or equal to "
                f"already used {used}"
            )
        new[resource] = value
    state.quotas.setdefault(project_id, {}).update(new)
    return json_response({"quota": limits(state, project_id)})


async def delete_quota(request: Request) -> Response:
    if not context.caller(request).is_admin:
        raise policy_denied("rule:delete_quota")
    context.site(request).network.quotas.pop(request.path_params["project_id"], None)
    return Response(status_code=204)


ROUTES = [
    Route("/v2.0/quotas", list_quotas, methods=["GET"]),
    Route("/v2.0/quotas/{project_id}", show_quota, methods=["GET"]),
    Route("/v2.0/quotas/{project_id}", update_quota, methods=["PUT"]),
    Route("/v2.0/quotas/{project_id}", delete_quota, methods=["DELETE"]),
    Route("/v2.0/quotas/{project_id}/default", show_default, methods=["GET"]),
    Route("/v2.0/quotas/{project_id}/details", show_details, methods=["GET"]),
]
