"""Keystone endpoints: /v3/endpoints CRUD, as in `keystone/api/endpoints.py`.

An endpoint names an existing service and region; the legacy `region` attribute creates its
region on the fly, as Keystone still does for backward compatibility. Routes are collected by
`identity/__init__.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common, schema
from stackfleet.emulator.identity.state import IdentityState
from stackfleet.emulator.wire import Doc, new_id

_FILTERS = ("interface", "service_id", "region_id")


async def list_endpoints(request: Request) -> Response:
    common.enforce("list_endpoints", common.admin_or_system_reader(request))
    docs = common.filtered(request, common.identity(request).endpoints.values(), _FILTERS)
    return common.collection(request, "endpoints", docs)


async def get_endpoint(request: Request) -> Response:
    common.enforce("get_endpoint", common.admin_or_system_reader(request))
    endpoint = common.lookup(
        common.identity(request).endpoints, "endpoint", request.path_params["endpoint_id"]
    )
    return common.member(request, "endpoint", endpoint, "endpoints")


def _legacy_region(state: IdentityState, body: Doc) -> None:
    if body.get("region_id") is None and body.get("region") is not None:
        body["region_id"] = body.pop("region")
        if body["region_id"] not in state.regions:
            state.add_region(body["region_id"])


def _check_references(state: IdentityState, body: Doc) -> None:
    region_id = body.get("region_id")
    if region_id is not None and region_id not in state.regions:
        raise ApiError(
            400, "Expecting to find endpoint region_id in region table." + common.CLIENT_ERROR
        )
    service_id = body.get("service_id")
    if service_id is not None and service_id not in state.services:
        raise ApiError(
            400, "Expecting to find endpoint service_id in service table." + common.CLIENT_ERROR
        )


async def create_endpoint(request: Request) -> Response:
    common.enforce("create_endpoint", common.scope(request).admin)
    body = await common.validated_body(request, "endpoint", schema.ENDPOINT_CREATE)
    state = common.identity(request)
    _legacy_region(state, body)
    _check_references(state, body)
    doc: Doc = {"enabled": True, "region_id": None, **body, "id": new_id().replace("-", "")}
    doc["region"] = doc["region_id"]
    state.endpoints[doc["id"]] = doc
    return common.member(request, "endpoint", doc, "endpoints", 201)


async def update_endpoint(request: Request) -> Response:
    common.enforce("update_endpoint", common.scope(request).admin)
    body = await common.validated_body(request, "endpoint", schema.ENDPOINT_UPDATE)
    endpoint_id = request.path_params["endpoint_id"]
    common.check_same_id(body, endpoint_id)
    state = common.identity(request)
    _legacy_region(state, body)
    _check_references(state, body)
    endpoint = common.lookup(state.endpoints, "endpoint", endpoint_id)
    endpoint.update(body)
    endpoint["region"] = endpoint["region_id"]
    return common.member(request, "endpoint", endpoint, "endpoints")


async def delete_endpoint(request: Request) -> Response:
    common.enforce("delete_endpoint", common.scope(request).admin)
    state = common.identity(request)
    endpoint = common.lookup(state.endpoints, "endpoint", request.path_params["endpoint_id"])
    del state.endpoints[endpoint["id"]]
    return common.no_content()


ROUTES = [
    Route("/v3/endpoints", list_endpoints, methods=["GET"]),
    Route("/v3/endpoints", create_endpoint, methods=["POST"]),
    Route("/v3/endpoints/{endpoint_id}", get_endpoint, methods=["GET"]),
    Route("/v3/endpoints/{endpoint_id}", update_endpoint, methods=["PATCH"]),
    Route("/v3/endpoints/{endpoint_id}", delete_endpoint, methods=["DELETE"]),
]
