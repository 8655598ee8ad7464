"""Nova's os-quota-sets and os-quota-class-sets routes: show, detail, defaults, update, delete.

The response shape depends on the microversion: nova-network quotas disappear at 2.36 (2.50 for
quota classes) and personality quotas at 2.57. Limits and usage come from `quotas.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute.body_checks import BOOLEAN, check_body, check_query, is_true
from stackfleet.emulator.compute.paging import query_lists
from stackfleet.emulator.compute.policy_checks import require_admin, require_admin_or_owner
from stackfleet.emulator.compute.quotas import (
    CLASS_PREFIX,
    COUNTED,
    INJECTED_FILE_RESOURCES,
    NETWORK_PROXY_RESOURCES,
    RESOURCES,
    class_quotas,
    project_quotas,
    project_usage,
)
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

WITHOUT_NETWORK_PROXY = (2, 36)
WITHOUT_INJECTED_FILES = (2, 57)
CLASS_WITH_SERVER_GROUPS = (2, 50)
STRICT_QUERY = (2, 75)

_QUOTA_VALUE = {
    "type": ["integer", "string"],
    "pattern": "^-?[0-9]+$",
    "minimum": -1,
    "maximum": 0x7FFFFFFF,
}
_QUERY = {"user_id": {"type": "string"}}
_POLICY = "os_compute_api:os-quota-sets:%s"


def _hidden(version: tuple[int, int]) -> tuple[str, ...]:
    if version >= WITHOUT_INJECTED_FILES:
        return NETWORK_PROXY_RESOURCES + INJECTED_FILE_RESOURCES
    if version >= WITHOUT_NETWORK_PROXY:
        return NETWORK_PROXY_RESOURCES
    return ()


def _class_hidden(version: tuple[int, int]) -> tuple[str, ...]:
    if version >= WITHOUT_INJECTED_FILES:
        return NETWORK_PROXY_RESOURCES + INJECTED_FILE_RESOURCES
    if version >= CLASS_WITH_SERVER_GROUPS:
        return NETWORK_PROXY_RESOURCES
    return ("server_groups", "server_group_members")


def _settable(hidden: tuple[str, ...], with_networks: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {name: _QUOTA_VALUE for name in RESOURCES if name not in hidden}
    if with_networks:
        # Accepted by the schema so that Nova can refuse it with its own message.
        properties["networks"] = _QUOTA_VALUE
    return properties


def _update_schema(wrapper: str, properties: dict[str, Any]) -> Doc:
    # Nova's schema lists "type" among the properties by mistake, so the quota set's own type
    # goes unchecked; keep that quirk.
    return {
        "type": "object",
        "properties": {
            "type": "object",
            wrapper: {"properties": properties, "additionalProperties": False},
        },
        "required": [wrapper],
        "additionalProperties": False,
    }


def _shown(values: dict[str, Any], hidden: tuple[str, ...], set_id: str | None) -> Doc:
    result: Doc = {} if set_id is None else {"id": set_id}
    result.update({name: values[name] for name in RESOURCES if name not in hidden})
    return result


def _target(
    request: Request, action: str, owner_allowed: bool, verify: bool = True
) -> tuple[Site, str]:
    """Check the query, the policy and that the project exists (`identity.verify_project_id`)."""
    version = context.microversion(request)
    check_query(_QUERY, query_lists(request), strict=version >= STRICT_QUERY)
    caller = context.caller(request)
    project_id = request.path_params["project_id"]
    if owner_allowed:
        require_admin_or_owner(caller, project_id, _POLICY % action)
    else:
        require_admin(caller, _POLICY % action)
    site = context.site(request)
    # Keystone refuses a member a look at other projects; Nova then lets the request through.
    if verify and caller.is_admin and project_id not in site.identity.projects:
        raise ApiError(400, f"Project ID {project_id} is not a valid project.")
    return site, project_id


async def show_quota_set(request: Request) -> Response:
    site, project_id = _target(request, "show", owner_allowed=True)
    hidden = _hidden(context.microversion(request))
    return json_response(
        {"quota_set": _shown(project_quotas(site, project_id), hidden, project_id)}
    )


async def show_quota_set_detail(request: Request) -> Response:
    site, project_id = _target(request, "detail", owner_allowed=True)
    limits = project_quotas(site, project_id)
    usage = project_usage(site, project_id)
    detail = {
        name: {
            "limit": limits[name],
            "in_use": usage[name] if name in COUNTED else 0,
            "reserved": 0,
        }
        for name in RESOURCES
    }
    hidden = _hidden(context.microversion(request))
    return json_response({"quota_set": _shown(detail, hidden, project_id)})


async def show_quota_defaults(request: Request) -> Response:
    caller = context.caller(request)
    project_id = request.path_params["project_id"]
    site = context.site(request)
    if caller.is_admin and project_id not in site.identity.projects:
        raise ApiError(400, f"Project ID {project_id} is not a valid project.")
    hidden = _hidden(context.microversion(request))
    defaults = class_quotas(site, "default")
    return json_response({"quota_set": _shown(defaults, hidden, project_id)})


def _valid_updates(site: Site, project_id: str, quota_set: dict[str, Any]) -> dict[str, int]:
    """Nova's pass #1: every value parsed and range-checked before anything is stored."""
    force = is_true(quota_set.get("force", "False"))
    usage = project_usage(site, project_id)
    updates: dict[str, int] = {}
    for key, raw in quota_set.items():
        if key == "force" or (not raw and raw != 0):
            continue
        value = int(raw)
        minimum = usage[key] if key in COUNTED else 0
        if not force and value != -1 and value < minimum:
            raise ApiError(
                400,
                f"Quota limit {value} for {key} must be greater than or equal to already used "
                f"and reserved {minimum}.",
            )
        updates[key] = value
    return updates


async def update_quota_set(request: Request) -> Response:
    version = context.microversion(request)
    hidden = _hidden(version)
    properties = _settable(hidden, with_networks=version < WITHOUT_NETWORK_PROXY)
    properties["force"] = BOOLEAN
    body = await read_json(request)
    check_body(_update_schema("quota_set", properties), body)
    site, project_id = _target(request, "update", owner_allowed=False)
    quota_set = body["quota_set"]
    if not isinstance(quota_set, dict):
        raise ApiError(400, "Malformed request body: quota_set must be an object.")
    if "networks" in quota_set:
        raise ApiError(400, "The networks quota has been removed")
    updates = _valid_updates(site, project_id, quota_set)
    site.compute.quotas.setdefault(project_id, {}).update(updates)
    return json_response({"quota_set": _shown(project_quotas(site, project_id), hidden, None)})


async def delete_quota_set(request: Request) -> Response:
    site, project_id = _target(request, "delete", owner_allowed=False, verify=False)
    site.compute.quotas.pop(project_id, None)
    return Response(status_code=202)


async def show_quota_class(request: Request) -> Response:
    require_admin(context.caller(request), "os_compute_api:os-quota-class-sets:show")
    name = request.path_params["class_name"]
    hidden = _class_hidden(context.microversion(request))
    values = class_quotas(context.site(request), name)
    return json_response({"quota_class_set": _shown(values, hidden, name)})


async def update_quota_class(request: Request) -> Response:
    version = context.microversion(request)
    hidden = _class_hidden(version)
    if version < CLASS_WITH_SERVER_GROUPS:
        properties = _settable((), with_networks=True)
    else:
        properties = _settable(hidden, with_networks=False)
    body = await read_json(request)
    check_body(_update_schema("quota_class_set", properties), body)
    require_admin(context.caller(request), "os_compute_api:os-quota-class-sets:update")
    name = request.path_params["class_name"]
    if len(name) > 255:
        raise ApiError(
            400, "Invalid input received: quota_class_name has more than 255 characters."
        )
    updates = body["quota_class_set"]
    if not isinstance(updates, dict):
        raise ApiError(400, "Malformed request body: quota_class_set must be an object.")
    site = context.site(request)
    values = {key: int(value) for key, value in updates.items() if key in RESOURCES}
    if name == "default":
        site.compute.default_quotas.update(values)
    else:
        site.compute.quotas.setdefault(CLASS_PREFIX + name, {}).update(values)
    return json_response({"quota_class_set": _shown(class_quotas(site, name), hidden, None)})


ROUTES = [
    Route("/v2.1/os-quota-sets/{project_id}", show_quota_set, methods=["GET"]),
    Route("/v2.1/os-quota-sets/{project_id}", update_quota_set, methods=["PUT"]),
    Route("/v2.1/os-quota-sets/{project_id}", delete_quota_set, methods=["DELETE"]),
    Route("/v2.1/os-quota-sets/{project_id}/detail", show_quota_set_detail, methods=["GET"]),
    Route("/v2.1/os-quota-sets/{project_id}/defaults", show_quota_defaults, methods=["GET"]),
    Route("/v2.1/os-quota-class-sets/{class_name}", show_quota_class, methods=["GET"]),
    Route("/v2.1/os-quota-class-sets/{class_name}", update_quota_class, methods=["PUT"]),
]
