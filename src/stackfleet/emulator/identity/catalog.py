"""Keystone's catalog API (regions and services CRUD) and the caller's `/v3/auth/*` views.

The auth views are the caller's catalog, projects, domains and system scope.
Mirrors `keystone/api/{regions,services,endpoints,auth}.py` and the catalog manager. Routes
are collected by `identity/__init__.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common, schema
from stackfleet.emulator.identity.projects import projects_for_user
from stackfleet.emulator.identity.state import IdentityState
from stackfleet.emulator.wire import json_response, new_id

# --- regions: anyone with a token reads them ------------------------------------------------


async def list_regions(request: Request) -> Response:
    docs = common.filtered(request, common.identity(request).regions.values(), ["parent_region_id"])
    return common.collection(request, "regions", docs)


async def get_region(request: Request) -> Response:
    region = common.lookup(
        common.identity(request).regions, "region", request.path_params["region_id"]
    )
    return common.member(request, "region", region, "regions")


async def create_region(request: Request) -> Response:
    common.enforce("create_region", common.scope(request).admin)
    body = await common.validated_body(request, "region", schema.REGION_CREATE)
    url_id = request.path_params.get("region_id")
    if url_id is not None and body.get("id", url_id) != url_id:
        raise ApiError(400, f'Conflicting region IDs specified: "{url_id}" != "{body["id"]}"')
    region_id = body.get("id") or url_id or new_id().replace("-", "")
    state = common.identity(request)
    if region_id in state.regions:
        raise common.conflict("region", f"Duplicate ID, {region_id}.")
    parent = body.get("parent_region_id")
    if parent is not None and parent not in state.regions:
        raise common.not_found("region", parent)
    doc = {**body, "id": region_id, "description": body.get("description") or ""}
    doc.setdefault("parent_region_id", None)
    state.regions[region_id] = doc
    return common.member(request, "region", doc, "regions", 201)


async def update_region(request: Request) -> Response:
    common.enforce("update_region", common.scope(request).admin)
    body = await common.validated_body(request, "region", schema.REGION_UPDATE)
    region_id = request.path_params["region_id"]
    common.check_same_id(body, region_id)
    state = common.identity(request)
    region = common.lookup(state.regions, "region", region_id)
    parent = body.get("parent_region_id")
    if parent is not None and parent not in state.regions:
        raise common.not_found("region", parent)
    if parent is not None and _descends(state, parent, region_id):
        raise ApiError(
            400,
            f"The specified parent region {parent} would create a circular region hierarchy.",
        )
    region.update(body)
    if region.get("description") is None:
        region["description"] = ""
    return common.member(request, "region", region, "regions")


def _descends(state: IdentityState, region_id: str, ancestor: str) -> bool:
    seen: set[str] = set()
    current: str | None = region_id
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        current = state.regions.get(current, {}).get("parent_region_id")
    return False


async def delete_region(request: Request) -> Response:
    common.enforce("delete_region", common.scope(request).admin)
    region_id = request.path_params["region_id"]
    state = common.identity(request)
    common.lookup(state.regions, "region", region_id)
    family = {r for r in state.regions if _descends(state, r, region_id)}
    if any(e["region_id"] in family for e in state.endpoints.values()):
        raise ApiError(
            403,
            f"Unable to delete region {region_id} because it or its child regions have "
            "associated endpoints.",
        )
    for member_id in family:
        del state.regions[member_id]
    return common.no_content()


# --- services -----------------------------------------------------------------------------


async def list_services(request: Request) -> Response:
    common.enforce("list_services", common.admin_or_system_reader(request))
    docs = common.filtered(request, common.identity(request).services.values(), ["type", "name"])
    return common.collection(request, "services", docs)


async def get_service(request: Request) -> Response:
    common.enforce("get_service", common.admin_or_system_reader(request))
    service = common.lookup(
        common.identity(request).services, "service", request.path_params["service_id"]
    )
    return common.member(request, "service", service, "services")


async def create_service(request: Request) -> Response:
    common.enforce("create_service", common.scope(request).admin)
    body = await common.validated_body(request, "service", schema.SERVICE_CREATE)
    service_id = new_id().replace("-", "")
    doc = {"enabled": True, "name": "", **body, "id": service_id}
    common.identity(request).services[service_id] = doc
    return common.member(request, "service", doc, "services", 201)


async def update_service(request: Request) -> Response:
    common.enforce("update_service", common.scope(request).admin)
    body = await common.validated_body(request, "service", schema.SERVICE_UPDATE)
    service_id = request.path_params["service_id"]
    common.check_same_id(body, service_id)
    service = common.lookup(common.identity(request).services, "service", service_id)
    service.update(body)
    return common.member(request, "service", service, "services")


async def delete_service(request: Request) -> Response:
    common.enforce("delete_service", common.scope(request).admin)
    service_id = request.path_params["service_id"]
    state = common.identity(request)
    common.lookup(state.services, "service", service_id)
    del state.services[service_id]
    for endpoint_id in [e["id"] for e in state.endpoints.values() if e["service_id"] == service_id]:
        del state.endpoints[endpoint_id]
    return common.no_content()


ROUTES = [
    Route("/v3/regions", list_regions, methods=["GET"]),
    Route("/v3/regions", create_region, methods=["POST"]),
    Route("/v3/regions/{region_id}", get_region, methods=["GET"]),
    Route("/v3/regions/{region_id}", create_region, methods=["PUT"]),
    Route("/v3/regions/{region_id}", update_region, methods=["PATCH"]),
    Route("/v3/regions/{region_id}", delete_region, methods=["DELETE"]),
    Route("/v3/services", list_services, methods=["GET"]),
    Route("/v3/services", create_service, methods=["POST"]),
    Route("/v3/services/{service_id}", get_service, methods=["GET"]),
    Route("/v3/services/{service_id}", update_service, methods=["PATCH"]),
    Route("/v3/services/{service_id}", delete_service, methods=["DELETE"]),
]


# --- /v3/auth/*: what the caller's own token may see -----------------------------------------


async def auth_catalog(request: Request) -> Response:
    sc = common.scope(request)
    if sc.project_id is None:
        raise ApiError(403, "A project-scoped token is required to produce a service catalog.")
    body = {
        "catalog": common.identity(request).catalog(sc.project_id),
        "links": {"self": common.v3_url(request, "auth/catalog")},
    }
    return json_response(body)


async def auth_projects(request: Request) -> Response:
    sc = common.scope(request)
    docs = projects_for_user(common.identity(request), sc.user_id)
    return common.collection(request, "projects", docs)


async def auth_domains(request: Request) -> Response:
    sc = common.scope(request)
    state = common.identity(request)
    ids = {t[7:] for _, u, t in state.assignments if u == sc.user_id and t.startswith("domain:")}
    docs = [d for d in state.domains.values() if d["id"] in ids]
    return common.collection(request, "domains", docs)


async def auth_system(request: Request) -> Response:
    sc = common.scope(request)
    state = common.identity(request)
    has_system = any(u == sc.user_id and t == "system" for _, u, t in state.assignments)
    body = {
        "system": [{"all": True}] if has_system else [],
        "links": {"self": common.v3_url(request, "auth/system")},
    }
    return json_response(body)


AUTH_ROUTES = [
    Route("/v3/auth/catalog", auth_catalog, methods=["GET"]),
    Route("/v3/auth/projects", auth_projects, methods=["GET"]),
    Route("/v3/auth/domains", auth_domains, methods=["GET"]),
    Route("/v3/auth/system", auth_system, methods=["GET"]),
]
