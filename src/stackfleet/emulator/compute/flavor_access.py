"""Nova's flavor extra specs (`os-extra_specs`) and flavor access (`os-flavor-access`).

Flavor access is listed under the flavor and changed by its addTenantAccess / removeTenantAccess
actions.

Extra specs live in the flavor's private `_extra_specs` (strings, as Nova's DictOfStringsField
stores them); the projects a private flavor is shared with in `_access`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute.body_checks import check_body
from stackfleet.emulator.compute.flavors import find_flavor
from stackfleet.emulator.compute.policy_checks import require_admin, require_admin_or_owner
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, read_json

ACCESS_CONFLICT_VERSION = (2, 7)

_SPEC_VALUES = {
    "type": "object",
    "patternProperties": {
        "^[a-zA-Z0-9-_:. ]{1,255}$": {"type": ["string", "number"], "maxLength": 255}
    },
    "additionalProperties": False,
}
_CREATE_SCHEMA = {
    "type": "object",
    "properties": {"extra_specs": _SPEC_VALUES},
    "required": ["extra_specs"],
    "additionalProperties": False,
}
_UPDATE_SCHEMA = {**_SPEC_VALUES, "minProperties": 1, "maxProperties": 1}

_SPECS_POLICY = "os_compute_api:os-flavor-extra-specs:%s"


def _tenant_schema(action: str) -> Doc:
    return {
        "type": "object",
        "properties": {
            action: {
                "type": "object",
                "properties": {"tenant": {"type": "string", "minLength": 1, "maxLength": 255}},
                "required": ["tenant"],
                "additionalProperties": False,
            }
        },
        "required": [action],
        "additionalProperties": False,
    }


# --- extra specs ------------------------------------------------------------------------------


def _check_values(specs: dict[str, Any]) -> None:
    # JSON Schema cannot bound a number's length, so Nova checks numeric values itself.
    for value in specs.values():
        if isinstance(value, int | float) and len(str(value)) > 255:
            raise ApiError(
                400, "Invalid input received: extra_specs value has more than 255 characters."
            )


async def list_extra_specs(request: Request) -> Response:
    flavor = find_flavor(context.site(request), context.caller(request), _flavor_id(request))
    return json_response({"extra_specs": dict(flavor["_extra_specs"])})


async def create_extra_specs(request: Request) -> Response:
    body = await read_json(request)
    check_body(_CREATE_SCHEMA, body)
    caller = context.caller(request)
    require_admin(caller, _SPECS_POLICY % "create")
    _check_values(body["extra_specs"])
    flavor = find_flavor(context.site(request), caller, _flavor_id(request))
    flavor["_extra_specs"].update({k: str(v) for k, v in body["extra_specs"].items()})
    return json_response(body)


async def show_extra_spec(request: Request) -> Response:
    flavor = find_flavor(context.site(request), context.caller(request), _flavor_id(request))
    key = request.path_params["key"]
    if key not in flavor["_extra_specs"]:
        raise ApiError(404, f"Flavor {flavor['id']} has no extra specs with key {key}.")
    return json_response({key: flavor["_extra_specs"][key]})


async def update_extra_spec(request: Request) -> Response:
    body = await read_json(request)
    check_body(_UPDATE_SCHEMA, body)
    caller = context.caller(request)
    require_admin(caller, _SPECS_POLICY % "update")
    _check_values(body)
    key = request.path_params["key"]
    if key not in body:
        raise ApiError(400, "Request body and URI mismatch")
    flavor = find_flavor(context.site(request), caller, _flavor_id(request))
    flavor["_extra_specs"][key] = str(body[key])
    return json_response(body)


async def delete_extra_spec(request: Request) -> Response:
    caller = context.caller(request)
    require_admin(caller, _SPECS_POLICY % "delete")
    flavor = find_flavor(context.site(request), caller, _flavor_id(request))
    key = request.path_params["key"]
    if flavor["_extra_specs"].pop(key, None) is None:
        raise ApiError(404, f"Flavor {flavor['id']} has no extra specs with key {key}.")
    return Response(status_code=200)


# --- access -----------------------------------------------------------------------------------


def _flavor_id(request: Request) -> str:
    return str(request.path_params["flavor_id"])


def _access_list(flavor: Doc) -> Doc:
    return {
        "flavor_access": [
            {"flavor_id": flavor["id"], "tenant_id": project} for project in flavor["_access"]
        ]
    }


async def list_flavor_access(request: Request) -> Response:
    caller = context.caller(request)
    require_admin_or_owner(caller, caller.project_id, "os_compute_api:os-flavor-access")
    flavor = find_flavor(context.site(request), caller, _flavor_id(request))
    if flavor["os-flavor-access:is_public"]:
        raise ApiError(404, "Access list not available for public flavors.")
    return json_response(_access_list(flavor))


def _add_tenant_access(request: Request, body: Doc) -> Doc:
    check_body(_tenant_schema("addTenantAccess"), body)
    caller = context.caller(request)
    require_admin(caller, "os_compute_api:os-flavor-access:add_tenant_access")
    tenant = body["addTenantAccess"]["tenant"]
    site = context.site(request)
    if tenant not in site.identity.projects:
        raise ApiError(400, f"Project ID {tenant} is not a valid project.")
    flavor = find_flavor(site, caller, _flavor_id(request))
    public = flavor["os-flavor-access:is_public"]
    if public and context.microversion(request) >= ACCESS_CONFLICT_VERSION:
        raise ApiError(409, "Can not add access to a public flavor.")
    if tenant in flavor["_access"]:
        raise ApiError(
            409,
            f"Flavor access already exists for flavor {flavor['id']} and project {tenant} "
            "combination.",
        )
    flavor["_access"].append(tenant)
    return _access_list(flavor)


def _remove_tenant_access(request: Request, body: Doc) -> Doc:
    check_body(_tenant_schema("removeTenantAccess"), body)
    caller = context.caller(request)
    require_admin(caller, "os_compute_api:os-flavor-access:remove_tenant_access")
    tenant = body["removeTenantAccess"]["tenant"]
    # Nova lets an unknown project through here: it may have been deleted already.
    flavor = find_flavor(context.site(request), caller, _flavor_id(request))
    if tenant not in flavor["_access"]:
        raise ApiError(404, f"Flavor access not found for {flavor['id']} / {tenant} combination.")
    flavor["_access"].remove(tenant)
    return _access_list(flavor)


_ACTIONS = {"addTenantAccess": _add_tenant_access, "removeTenantAccess": _remove_tenant_access}


async def flavor_action(request: Request) -> Response:
    body = await read_json(request)
    if not isinstance(body, dict) or not body:
        raise ApiError(400, "Malformed request body")
    name = next(iter(body))
    handler = _ACTIONS.get(name)
    if handler is None:
        raise ApiError(400, f"There is no such action: {name}")
    return json_response(handler(request, body))


ROUTES = [
    Route("/v2.1/flavors/{flavor_id}/os-extra_specs", list_extra_specs, methods=["GET"]),
    Route("/v2.1/flavors/{flavor_id}/os-extra_specs", create_extra_specs, methods=["POST"]),
    Route("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", show_extra_spec, methods=["GET"]),
    Route("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", update_extra_spec, methods=["PUT"]),
    Route("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", delete_extra_spec, methods=["DELETE"]),
    Route("/v2.1/flavors/{flavor_id}/os-flavor-access", list_flavor_access, methods=["GET"]),
    Route("/v2.1/flavors/{flavor_id}/action", flavor_action, methods=["POST"]),
]
