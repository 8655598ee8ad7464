"""The /servers resource: list, detail, show, update and delete, and the servers' routes.

Handlers here do what `nova.api.openstack.compute.servers.ServersController` does at API time;
creation is in `server_create.py`, actions in `server_actions.py`, filters in `server_query.py`,
the body in `server_render.py`. `compute/__init__.py` includes `ROUTES`.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute import (
    instance_actions,
    server_access,
    server_actions,
    server_create,
    server_lifecycle,
    server_query,
    server_render,
)
from stackfleet.emulator.compute.body_checks import NAME, check_body
from stackfleet.emulator.compute.server_request import sanitize_hostname
from stackfleet.emulator.wire import Doc, json_response, read_json


def _view(request: Request) -> server_render.View:
    return server_render.View(
        context.site(request), context.microversion(request), context.caller(request).is_admin
    )


def _next_links(
    request: Request, view: server_render.View, page: list[Doc], path: str
) -> list[Doc]:
    raw = request.query_params.get("limit")
    max_items = server_query.MAX_LIMIT
    if raw is not None and raw.isdigit():
        max_items = min(int(raw), server_query.MAX_LIMIT)
    if not max_items or len(page) != max_items:
        return []
    params = dict(sorted(request.query_params.items()))
    params["marker"] = page[-1]["id"]
    return [{"rel": "next", "href": f"{view.root}/v2.1/{path}?{urlencode(params)}"}]


async def list_servers(request: Request) -> Response:
    return _list(request, server_render.brief, "servers")


async def list_servers_detail(request: Request) -> Response:
    return _list(request, server_render.show, "servers/detail")


def _list(
    request: Request, render: Callable[[server_render.View, Doc], Doc], path: str
) -> Response:
    view = _view(request)
    caller = context.caller(request)
    page = server_query.page(server_query.select(request, view.site, caller, view.version), request)
    body: Doc = {"servers": [render(view, s) for s in page]}
    links = _next_links(request, view, page, path)
    if links:
        body["servers_links"] = links
    # Both renderers build documents from public keys only (see test_seed).
    return json_response(body, already_public=True)


async def show_server(request: Request) -> Response:
    view = _view(request)
    server = server_access.find(
        view.site, context.caller(request), request.path_params["server_id"]
    )
    groups = view.version >= (2, 71)
    body = {"server": server_render.show(view, server, server_groups=groups)}
    return json_response(body, already_public=True)


def _update_schema(version: tuple[int, int]) -> Doc:
    properties: Doc = {
        "name": NAME,
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        "accessIPv4": {"type": "string"},
        "accessIPv6": {"type": "string"},
    }
    if version >= (2, 19):
        properties["description"] = {"type": ["string", "null"], "minLength": 0, "maxLength": 255}
    if version >= (2, 90):
        properties["hostname"] = {
            "type": "string",
            "minLength": 2,
            "maxLength": 63,
            "pattern": "^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$",
        }
    return {
        "type": "object",
        "properties": {
            "server": {"type": "object", "properties": properties, "additionalProperties": False}
        },
        "required": ["server"],
        "additionalProperties": False,
    }


async def update_server(request: Request) -> Response:
    view = _view(request)
    body = await read_json(request)
    check_body(_update_schema(view.version), body)
    server = server_access.find(
        view.site, context.caller(request), request.path_params["server_id"]
    )
    changes: Doc = body["server"]
    renames = {
        "name": "name",
        "description": "description",
        "hostname": "OS-EXT-SRV-ATTR:hostname",
        "accessIPv4": "accessIPv4",
        "accessIPv6": "accessIPv6",
        "OS-DCF:diskConfig": "OS-DCF:diskConfig",
    }
    for key, field in renames.items():
        if key in changes:
            server[field] = changes[key]
    if "name" in changes and "hostname" not in changes and view.version < (2, 90):
        server["OS-EXT-SRV-ATTR:hostname"] = sanitize_hostname(changes["name"])
    server_lifecycle.set_state(view.site, server, task_state=server["OS-EXT-STS:task_state"])
    groups = view.version >= (2, 71)
    doc = server_render.show(view, server, server_groups=groups, update=True)
    return json_response({"server": doc})


async def delete_server(request: Request) -> Response:
    site = context.site(request)
    caller = context.caller(request)
    server = server_access.find(site, caller, request.path_params["server_id"])
    server_access.check_lock(server, caller)
    if server["OS-EXT-STS:task_state"] != "deleting":
        instance_actions.record(site, server, "delete", caller, server_access.request_id(request))
        server_lifecycle.start_delete(site, server)
    return Response(status_code=204)


ROUTES = [
    Route("/v2.1/servers", list_servers, methods=["GET"]),
    Route("/v2.1/servers", server_create.create_server, methods=["POST"]),
    Route("/v2.1/servers/detail", list_servers_detail, methods=["GET"]),
    Route("/v2.1/servers/{server_id}", show_server, methods=["GET"]),
    Route("/v2.1/servers/{server_id}", update_server, methods=["PUT"]),
    Route("/v2.1/servers/{server_id}", delete_server, methods=["DELETE"]),
    Route("/v2.1/servers/{server_id}/action", server_actions.server_action, methods=["POST"]),
]
