"""Tags on Neutron resources (standard-attr-tag): `/v2.0/<collection>/{id}/tags[/{tag}]`.

Works for networks, subnets, ports, routers, floating IPs and security groups, as Neutron's
tagging extension does; a change bumps the resource's revision. Only the resource's owner (or
an admin) may change its tags.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import common, security_groups
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import http_bad_request
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc, json_response, read_json

_COLLECTIONS = {
    "networks": ("network", "networks"),
    "subnets": ("subnet", "subnets"),
    "ports": ("port", "ports"),
    "routers": ("router", "routers"),
    "floatingips": ("floatingip", "floatingips"),
    "security-groups": ("security_group", "security_groups"),
}
"""URL collection → (resource name, NetworkState attribute)."""


def _visible(state: NetworkState, caller: Caller, resource: str, doc: Doc) -> bool:
    if resource == "network":
        return common.network_visible(caller, doc)
    if resource == "subnet":
        return common.subnet_visible(state, caller, doc)
    if resource == "port":
        return common.port_visible(state, caller, doc)
    if resource == "security_group":
        return security_groups.group_visible(caller, doc)
    return common.owns(caller, doc)


def _target(request: Request, change: bool) -> Doc:
    collection = request.path_params["collection"]
    if collection not in _COLLECTIONS:
        raise ApiError(404, "The resource could not be found.", kind="HTTPNotFound")
    resource, store = _COLLECTIONS[collection]
    caller = context.caller(request)
    state = common.network_state(request)
    resource_id = request.path_params["resource_id"]
    docs: dict[str, Doc] = getattr(state, store)
    doc = docs.get(resource_id)
    if doc is None or not _visible(state, caller, resource, doc):
        raise ApiError(
            404,
            f"Resource {resource} {resource_id} could not be found.",
            kind="TagResourceNotFound",
        )
    if change:
        common.require_owner(caller, doc, f"update_{resource}_tags")
    return doc


async def list_tags(request: Request) -> Response:
    return json_response({"tags": _target(request, change=False)["tags"]})


async def replace_tags(request: Request) -> Response:
    doc = _target(request, change=True)
    body = await read_json(request)
    if not isinstance(body, dict) or "tags" not in body:
        raise http_bad_request("Invalid input for tags. Reason: Body contains no tags.")
    doc["tags"] = v.tags(body["tags"])
    common.touch(context.site(request), doc)
    return json_response({"tags": doc["tags"]})


async def delete_tags(request: Request) -> Response:
    doc = _target(request, change=True)
    doc["tags"] = []
    common.touch(context.site(request), doc)
    return Response(status_code=204)


async def check_tag(request: Request) -> Response:
    doc = _target(request, change=False)
    tag = request.path_params["tag"]
    if tag not in doc["tags"]:
        raise _tag_not_found(request, tag)
    return Response(status_code=204)


async def add_tag(request: Request) -> Response:
    doc = _target(request, change=True)
    tag = v.tags([request.path_params["tag"]])[0]
    if tag not in doc["tags"]:
        doc["tags"].append(tag)
        common.touch(context.site(request), doc)
    return Response(status_code=201)


async def delete_tag(request: Request) -> Response:
    doc = _target(request, change=True)
    tag = request.path_params["tag"]
    if tag not in doc["tags"]:
        raise _tag_not_found(request, tag)
    doc["tags"].remove(tag)
    common.touch(context.site(request), doc)
    return Response(status_code=204)


def _tag_not_found(request: Request, tag: str) -> ApiError:
    resource = _COLLECTIONS[request.path_params["collection"]][0]
    resource_id = request.path_params["resource_id"]
    return ApiError(
        404,
        f"Tag {tag} could not be found for {resource} {resource_id}.",
        kind="TagNotFound",
    )


_BASE = "/v2.0/{collection}/{resource_id}/tags"
ROUTES = [
    Route(_BASE, list_tags, methods=["GET"]),
    Route(_BASE, replace_tags, methods=["PUT"]),
    Route(_BASE, delete_tags, methods=["DELETE"]),
    Route(_BASE + "/{tag}", check_tag, methods=["GET"]),
    Route(_BASE + "/{tag}", add_tag, methods=["PUT"]),
    Route(_BASE + "/{tag}", delete_tag, methods=["DELETE"]),
]
