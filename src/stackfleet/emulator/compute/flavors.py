"""Nova flavors: list, detail, show, create, update (description), delete, and boot lookups.

The servers API calls `flavor_for_boot` and `embedded_flavor` when it creates a server.

Flavors live in `site.compute.flavors`, keyed by flavor id, in their wire shape at the newest
microversion; `_extra_specs` (dict), `_access` (project ids) and `_seq` (Nova's internal id,
the creation order) are private. `flavor_view` renders one for a given microversion. Extra specs
and flavor access routes are in `flavor_access.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute.body_checks import (
    BOOLEAN,
    NAME,
    NON_NEGATIVE_INTEGER,
    check_body,
    check_query,
    is_true,
)
from stackfleet.emulator.compute.paging import MAX_LIMIT, collection_links, links, query_lists
from stackfleet.emulator.compute.policy_checks import require_admin
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, new_id, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

DESCRIPTION_VERSION = (2, 55)
EXTRA_SPECS_VERSION = (2, 61)
STRICT_QUERY_VERSION = (2, 75)
MAX_INT = 0x7FFFFFFF

_SIZE = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1, "maximum": MAX_INT}
_SIZE_OR_ZERO = {**_SIZE, "minimum": 0}
_DESCRIPTION = {"type": ["string", "null"], "minLength": 0, "maxLength": 65535}

_CREATE_PROPERTIES: dict[str, Any] = {
    "name": NAME,
    "id": {
        "type": ["string", "number", "null"],
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^(?! )[a-zA-Z0-9. _-]+(?<! )$",
    },
    "ram": _SIZE,
    "vcpus": _SIZE,
    "disk": _SIZE_OR_ZERO,
    "OS-FLV-EXT-DATA:ephemeral": _SIZE_OR_ZERO,
    "swap": _SIZE_OR_ZERO,
    "rxtx_factor": {
        "type": ["number", "string"],
        "pattern": r"^[0-9]+(\.[0-9]+)?$",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 3.40282e38,
    },
    "os-flavor-access:is_public": BOOLEAN,
}


def _create_schema(with_description: bool) -> Doc:
    properties = dict(_CREATE_PROPERTIES)
    if with_description:
        properties["description"] = _DESCRIPTION
    return {
        "type": "object",
        "properties": {
            "flavor": {
                "type": "object",
                "properties": properties,
                "required": ["name", "ram", "vcpus", "disk"],
                "additionalProperties": False,
            }
        },
        "required": ["flavor"],
        "additionalProperties": False,
    }


_UPDATE_SCHEMA = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {"description": _DESCRIPTION},
            "required": ["description"],
            "additionalProperties": False,
        }
    },
    "required": ["flavor"],
    "additionalProperties": False,
}

SORT_KEYS = {
    "created_at": "_seq",
    "description": "description",
    "disabled": "OS-FLV-DISABLED:disabled",
    "ephemeral_gb": "OS-FLV-EXT-DATA:ephemeral",
    "flavorid": "id",
    "id": "_seq",
    "is_public": "os-flavor-access:is_public",
    "memory_mb": "ram",
    "name": "name",
    "root_gb": "disk",
    "rxtx_factor": "rxtx_factor",
    "swap": "swap",
    "updated_at": "_seq",
    "vcpu_weight": "_seq",
    "vcpus": "vcpus",
}

_QUERY = {
    "limit": NON_NEGATIVE_INTEGER,
    "marker": {"type": "string"},
    "is_public": {"type": "string"},
    "minRam": {"type": "string"},
    "minDisk": {"type": "string"},
    "sort_key": {"type": "string", "enum": list(SORT_KEYS)},
    "sort_dir": {"type": "string", "enum": ["asc", "desc"]},
}


# --- what the servers API asks of flavors ---------------------------------------------------


def can_see(flavor: Doc, project_id: str | None, is_admin: bool) -> bool:
    """Whether a caller sees a flavor: public, shared with its project, or the caller is admin."""
    return is_admin or flavor["os-flavor-access:is_public"] or project_id in flavor["_access"]


def flavor_for_boot(site: Site, project_id: str, flavor_ref: str, *, is_admin: bool = False) -> Doc:
    """The flavor a server create names (id or link), or Nova's 400 when it is not usable.

    Args:
        site: the site.
        project_id: the project creating the server.
        flavor_ref: `flavorRef` from the request: a flavor id or a link ending in one.
        is_admin: whether the caller is an admin (admins may boot any private flavor).
    """
    flavor_id = str(flavor_ref).rstrip("/").rsplit("/", 1)[-1]
    flavor = site.compute.flavors.get(flavor_id)
    if flavor is None or not can_see(flavor, project_id, is_admin):
        raise ApiError(400, f"Flavor {flavor_id} could not be found.")
    return flavor


def embedded_flavor(flavor: Doc) -> Doc:
    """The flavor copy a server shows from microversion 2.47 (vcpus, ram, ..., extra_specs)."""
    return {
        "vcpus": flavor["vcpus"],
        "ram": flavor["ram"],
        "disk": flavor["disk"],
        "ephemeral": flavor["OS-FLV-EXT-DATA:ephemeral"],
        "swap": flavor["swap"],
        "original_name": flavor["name"],
        "extra_specs": dict(flavor["_extra_specs"]),
    }


def find_flavor(site: Site, caller: Caller, flavor_id: str) -> Doc:
    """A flavor the caller may see, or Nova's 404 (`common.get_flavor`)."""
    flavor = site.compute.flavors.get(flavor_id)
    if flavor is None or not can_see(flavor, caller.project_id, caller.is_admin):
        raise ApiError(404, f"Flavor {flavor_id} could not be found.")
    return flavor


# --- views ------------------------------------------------------------------------------------


def flavor_view(request: Request, flavor: Doc, version: tuple[int, int]) -> Doc:
    """One flavor in the detail shape of `version` (`nova.api.openstack.compute.views.flavors`)."""
    view = {
        "id": flavor["id"],
        "name": flavor["name"],
        "ram": flavor["ram"],
        "disk": flavor["disk"],
        "swap": flavor["swap"] if version >= STRICT_QUERY_VERSION else (flavor["swap"] or ""),
        "OS-FLV-EXT-DATA:ephemeral": flavor["OS-FLV-EXT-DATA:ephemeral"],
        "OS-FLV-DISABLED:disabled": flavor["OS-FLV-DISABLED:disabled"],
        "vcpus": flavor["vcpus"],
        "os-flavor-access:is_public": flavor["os-flavor-access:is_public"],
        "rxtx_factor": flavor["rxtx_factor"] or "",
        "links": links(request, "flavors", flavor["id"]),
    }
    if version >= DESCRIPTION_VERSION:
        view["description"] = flavor["description"]
    if version >= EXTRA_SPECS_VERSION:
        view["extra_specs"] = dict(flavor["_extra_specs"])
    return view


def _brief_view(request: Request, flavor: Doc, version: tuple[int, int]) -> Doc:
    view = {
        "id": flavor["id"],
        "name": flavor["name"],
        "links": links(request, "flavors", flavor["id"]),
    }
    if version >= DESCRIPTION_VERSION:
        view["description"] = flavor["description"]
    return view


# --- list -------------------------------------------------------------------------------------


def _public_filter(request: Request, caller: Caller) -> bool | None:
    """Nova's `_parse_is_public`: public (the default), private, or both ("none")."""
    if not caller.is_admin:
        return True
    raw = request.query_params.get("is_public")
    if raw is None:
        return True
    if raw.lower() == "none":
        return None
    lowered = raw.strip().lower()
    if lowered in ("1", "t", "true", "on", "y", "yes"):
        return True
    if lowered in ("0", "f", "false", "off", "n", "no"):
        return False
    raise ApiError(400, f"Invalid is_public filter [{raw}]")


def _minimum(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {name} filter [{raw}]") from None


def _matches(flavor: Doc, public: bool | None, caller: Caller) -> bool:
    if public is None:
        return True
    if public and caller.project_id in flavor["_access"]:
        return True
    return bool(flavor["os-flavor-access:is_public"]) == public


def _sort_value(flavor: Doc, field: str) -> tuple[bool, Any]:
    value = flavor.get(field)
    # SQL sorts NULL first ascending; strings and numbers never mix within a column.
    return (value is not None, value if value is not None else 0)


def _listed(request: Request) -> list[Doc]:
    version = context.microversion(request)
    params = query_lists(request)
    strict = version >= STRICT_QUERY_VERSION
    check_query(_QUERY, params, strict=strict)
    caller = context.caller(request)
    flavors = context.site(request).compute.flavors
    public = _public_filter(request, caller)
    min_ram = _minimum(request, "minRam")
    min_disk = _minimum(request, "minDisk")
    chosen = [
        f
        for f in flavors.values()
        if _matches(f, public, caller)
        and (min_ram is None or f["ram"] >= min_ram)
        and (min_disk is None or f["disk"] >= min_disk)
    ]
    field = SORT_KEYS[request.query_params.get("sort_key") or "flavorid"]
    descending = (request.query_params.get("sort_dir") or "asc") == "desc"
    chosen.sort(key=lambda f: (_sort_value(f, field), f["_seq"]), reverse=descending)
    raw_limit = request.query_params.get("limit")
    limit = min(int(raw_limit), MAX_LIMIT) if raw_limit is not None else MAX_LIMIT
    marker = request.query_params.get("marker")
    if marker is None:
        return chosen[:limit]
    seen = flavors.get(marker)
    if seen is None or not can_see(seen, caller.project_id, caller.is_admin):
        raise ApiError(400, f"marker [{marker}] not found")
    # Nova pages by the sort keys' values after the marker row, not by position.
    after = (_sort_value(seen, field), seen["_seq"])
    if descending:
        return [f for f in chosen if (_sort_value(f, field), f["_seq"]) < after][:limit]
    return [f for f in chosen if (_sort_value(f, field), f["_seq"]) > after][:limit]


async def list_flavors(request: Request) -> Response:
    version = context.microversion(request)
    page = _listed(request)
    body: Doc = {"flavors": [_brief_view(request, f, version) for f in page]}
    next_links = collection_links(request, len(page), page[-1]["id"] if page else None, "flavors")
    if next_links:
        body["flavors_links"] = next_links
    return json_response(body)


async def list_flavors_detail(request: Request) -> Response:
    version = context.microversion(request)
    page = _listed(request)
    body: Doc = {"flavors": [flavor_view(request, f, version) for f in page]}
    last = page[-1]["id"] if page else None
    next_links = collection_links(request, len(page), last, "flavors/detail")
    if next_links:
        body["flavors_links"] = next_links
    return json_response(body)


# --- one flavor -------------------------------------------------------------------------------


async def show_flavor(request: Request) -> Response:
    flavor = find_flavor(
        context.site(request), context.caller(request), request.path_params["flavor_id"]
    )
    return json_response({"flavor": flavor_view(request, flavor, context.microversion(request))})


def _new_flavor(site: Site, spec: Doc, version: tuple[int, int]) -> Doc:
    flavor_id = spec.get("id")
    flavor_id = new_id() if flavor_id is None or flavor_id == "" else str(flavor_id)
    if flavor_id in site.compute.flavors:
        raise ApiError(409, f"Flavor with ID {flavor_id} already exists.")
    if any(f["name"] == spec["name"] for f in site.compute.flavors.values()):
        raise ApiError(409, f"Flavor with name {spec['name']} already exists.")
    seq = max((f["_seq"] for f in site.compute.flavors.values()), default=0) + 1
    return {
        "id": flavor_id,
        "name": spec["name"],
        "ram": int(spec["ram"]),
        "disk": int(spec["disk"]),
        "swap": int(spec.get("swap", 0)),
        "OS-FLV-EXT-DATA:ephemeral": int(spec.get("OS-FLV-EXT-DATA:ephemeral", 0)),
        "OS-FLV-DISABLED:disabled": False,
        "vcpus": int(spec["vcpus"]),
        "os-flavor-access:is_public": is_true(spec.get("os-flavor-access:is_public", True)),
        "rxtx_factor": float(spec.get("rxtx_factor", 1.0)),
        "description": spec.get("description") if version >= DESCRIPTION_VERSION else None,
        "_extra_specs": {},
        "_access": [],
        "_seq": seq,
    }


async def create_flavor(request: Request) -> Response:
    version = context.microversion(request)
    body = await read_json(request)
    # Nova validates the body before it checks the policy.
    check_body(_create_schema(version >= DESCRIPTION_VERSION), body)
    require_admin(context.caller(request), "os_compute_api:os-flavor-manage:create")
    site = context.site(request)
    flavor = _new_flavor(site, body["flavor"], version)
    site.compute.flavors[flavor["id"]] = flavor
    return json_response({"flavor": flavor_view(request, flavor, version)})


async def update_flavor(request: Request) -> Response:
    version = context.microversion(request)
    if version < DESCRIPTION_VERSION:
        raise ApiError(404, "The resource could not be found.")
    body = await read_json(request)
    check_body(_UPDATE_SCHEMA, body)
    require_admin(context.caller(request), "os_compute_api:os-flavor-manage:update")
    site = context.site(request)
    flavor_id = request.path_params["flavor_id"]
    flavor = site.compute.flavors.get(flavor_id)
    if flavor is None:
        raise ApiError(404, f"Flavor {flavor_id} could not be found.")
    flavor["description"] = body["flavor"]["description"]
    return json_response({"flavor": flavor_view(request, flavor, version)})


async def delete_flavor(request: Request) -> Response:
    require_admin(context.caller(request), "os_compute_api:os-flavor-manage:delete")
    site = context.site(request)
    flavor_id = request.path_params["flavor_id"]
    if site.compute.flavors.pop(flavor_id, None) is None:
        raise ApiError(404, f"Flavor {flavor_id} could not be found.")
    return Response(status_code=202)


ROUTES = [
    Route("/v2.1/flavors", list_flavors, methods=["GET"]),
    Route("/v2.1/flavors", create_flavor, methods=["POST"]),
    Route("/v2.1/flavors/detail", list_flavors_detail, methods=["GET"]),
    Route("/v2.1/flavors/{flavor_id}", show_flavor, methods=["GET"]),
    Route("/v2.1/flavors/{flavor_id}", update_flavor, methods=["PUT"]),
    Route("/v2.1/flavors/{flavor_id}", delete_flavor, methods=["DELETE"]),
]
