"""Neutron's version discovery (`/`, `/v2.0/`) and extension list (`/v2.0/extensions`).

The extensions are those a Zed ML2 deployment with the L3 router plugin advertises (the ML2
plugin's and the L3 plugin's supported aliases, plus the always-on API extensions), with names,
descriptions and timestamps from neutron-lib's API definitions. openstacksdk and the CLI look
some of them up before using an attribute (e.g. `network_availability_zone`, `fip-port-details`).
"""

from __future__ import annotations

import pathlib

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response

EXTENSIONS: list[Doc] = orjson.loads(
    (pathlib.Path(__file__).parent / "extensions.json").read_bytes()
)
"""Each {alias, name, description, updated, links}, from neutron-lib's API definitions."""

CORE_RESOURCES = (
    ("network", "networks"),
    ("subnet", "subnets"),
    ("subnetpool", "subnetpools"),
    ("port", "ports"),
)


_BY_ALIAS = {ext["alias"]: ext for ext in EXTENSIONS}


async def versions(request: Request) -> Response:
    href = f"{context.site(request).service_url('network')}/v2.0/"
    body = {
        "versions": [{"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": href}]}]
    }
    return json_response(body)


async def resources(request: Request) -> Response:
    base = f"{context.site(request).service_url('network')}/v2.0/"
    layout = [
        {
            "name": name,
            "collection": collection,
            "links": [{"rel": "self", "href": base + collection}],
        }
        for name, collection in CORE_RESOURCES
    ]
    return json_response({"resources": layout})


async def list_extensions(request: Request) -> Response:
    del request
    return json_response({"extensions": list(_BY_ALIAS.values())})


async def show_extension(request: Request) -> Response:
    alias = request.path_params["alias"]
    extension = _BY_ALIAS.get(alias)
    if extension is None:
        raise ApiError(404, f"Extension with alias {alias} does not exist", kind="HTTPNotFound")
    return json_response({"extension": extension})


ROUTES = [
    Route("/", versions, methods=["GET"]),
    Route("/v2.0/", resources, methods=["GET"]),
    Route("/v2.0/extensions", list_extensions, methods=["GET"]),
    Route("/v2.0/extensions/{alias}", show_extension, methods=["GET"]),
]
