"""Cinder volume types and their extra specs: list/show for all, create/update/delete for admins.

Follows Cinder Zed's `v3/types.py`, `contrib/types_manage.py`, `contrib/types_extra_specs.py` and
the `os-volume-type-access` extension: non-admins see public types and only the user-visible
extra specs; only admins see `qos_specs_id`. The `__DEFAULT__` type is made by `state.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import lookup
from stackfleet.emulator.block_storage.common import (
    Ctx,
    body_of,
    check_metadata,
    check_string,
    ctx,
    invalid_field,
    is_bool_string,
    page_params,
    reject_unknown,
    require_admin,
    routes,
    sort_and_page,
    to_bool,
)
from stackfleet.emulator.block_storage.state import DEFAULT_TYPE
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, new_id, read_json

USER_VISIBLE_EXTRA_SPECS = ("RESKEY:availability_zones", "multiattach", "replication_enabled")


def type_detail(c: Ctx, doc: Doc) -> Doc:
    """`v3.views.types.ViewBuilder.show` plus the type-access extension's attribute."""
    view: Doc = {
        "id": doc["id"],
        "name": doc["name"],
        "is_public": doc["is_public"],
        "description": doc["description"],
        "extra_specs": _visible_specs(c, doc),
    }
    if c.is_admin:
        view["qos_specs_id"] = doc["qos_specs_id"]
    view["os-volume-type-access:is_public"] = doc["is_public"]
    return view


async def index(request: Request) -> Response:
    c = ctx(request)
    params = dict(request.query_params)
    page = page_params(params, default_key="created_at")
    wanted_public: bool | None = True
    if c.is_admin:
        raw = page.filters.get("is_public")
        wanted_public = None if raw is not None and raw.lower() == "none" else to_bool(raw or "1")
    docs = [
        t
        for t in c.state.types.values()
        if (
            wanted_public is None
            or t["is_public"] == wanted_public
            or (not c.is_admin and c.project_id in t.get("_access", ()))
        )
    ]
    items, _ = sort_and_page(docs, page, _sort_value)
    return json_response({"volume_types": [type_detail(c, t) for t in items]})


def _sort_value(doc: Doc, key: str) -> object:
    if key == "created_at":
        return doc["_created"]
    if key not in ("id", "name", "description", "is_public"):
        raise ApiError(400, f"Invalid input received: Invalid sort key {key}")
    return doc[key]


async def show(request: Request) -> Response:
    c = ctx(request)
    type_id = request.path_params["type_id"]
    if type_id == "default":
        return json_response({"volume_type": type_detail(c, c.state.default_type())})
    return json_response({"volume_type": type_detail(c, lookup.volume_type(c, type_id))})


async def create(request: Request) -> Response:
    c = ctx(request)
    require_admin(c, "volume_extension:types_manage")
    spec = body_of(await read_json(request), "volume_type")
    allowed = {"name", "description", "extra_specs", "os-volume-type-access:is_public"}
    reject_unknown("volume_type", spec, allowed, verb_agrees=False)
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise invalid_field("name", name, "The 'name' must be a non-empty string")
    check_string(spec, "description")
    specs = check_metadata("extra_specs", spec.get("extra_specs"), nullable=True)
    is_public = spec.get("os-volume-type-access:is_public", True)
    if not is_bool_string(is_public):
        raise invalid_field("os-volume-type-access:is_public", is_public, "not a boolean")
    if any(t["name"] == name for t in c.state.types.values()):
        raise ApiError(409, f"Volume Type {name} already exists.")
    type_id = new_id()
    doc: Doc = {
        "id": type_id,
        "name": name,
        "description": spec.get("description"),
        "is_public": to_bool(is_public),
        "extra_specs": specs,
        "qos_specs_id": None,
        "_created": c.now(),
        "_access": [],
    }
    c.state.types[type_id] = doc
    return json_response({"volume_type": type_detail(c, doc)})


async def update(request: Request) -> Response:
    c = ctx(request)
    require_admin(c, "volume_extension:types_manage")
    doc = lookup.volume_type(c, request.path_params["type_id"])
    spec = body_of(await read_json(request), "volume_type")
    check_string(spec, "description")
    name = spec.get("name")
    is_public = spec.get("is_public")
    if is_public is not None and not is_bool_string(is_public):
        raise invalid_field("is_public", is_public, "not a boolean")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ApiError(400, "Volume type name can not be empty.")
    if name is None and spec.get("description") is None and is_public is None:
        raise ApiError(
            400, "Specify volume type name, description, is_public or a combination thereof."
        )
    if name is not None and any(
        t["name"] == name and t["id"] != doc["id"] for t in c.state.types.values()
    ):
        raise ApiError(409, f"Volume Type {name} already exists.")
    if name is not None:
        doc["name"] = name
    if spec.get("description") is not None:
        doc["description"] = spec["description"]
    if is_public is not None:
        doc["is_public"] = to_bool(is_public)
    return json_response({"volume_type": type_detail(c, doc)})


async def delete(request: Request) -> Response:
    c = ctx(request)
    require_admin(c, "volume_extension:types_manage")
    doc = lookup.volume_type(c, request.path_params["type_id"])
    if doc["name"] == DEFAULT_TYPE:
        raise ApiError(
            400,
            f"The volume type {doc['id']} is a default volume type and cannot be deleted.",
        )
    if any(v["volume_type_id"] == doc["id"] for v in c.state.volumes.values()):
        raise ApiError(400, "Target volume type is still in use.")
    del c.state.types[doc["id"]]
    return Response(status_code=202)


def _allow_update(c: Ctx, type_id: str) -> None:
    if any(v["volume_type_id"] == type_id for v in c.state.volumes.values()):
        raise ApiError(400, "Volume Type is currently in use.")


def _visible_specs(c: Ctx, doc: Doc) -> dict[str, str]:
    specs: dict[str, str] = doc["extra_specs"]
    if c.is_admin:
        return dict(specs)
    return {k: v for k, v in specs.items() if k in USER_VISIBLE_EXTRA_SPECS}


async def specs_index(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.volume_type(c, request.path_params["type_id"])
    return json_response({"extra_specs": _visible_specs(c, doc)})


async def specs_create(request: Request) -> Response:
    c = ctx(request)
    require_admin(c, "volume_extension:types_extra_specs:create")
    type_id = request.path_params["type_id"]
    body = await read_json(request)
    _allow_update(c, type_id)
    doc = lookup.volume_type(c, type_id)
    specs = check_metadata("extra_specs", body_of(body, "extra_specs"))
    _check_cacheable(doc, specs)
    doc["extra_specs"].update(specs)
    return json_response({"extra_specs": specs})


def _check_cacheable(doc: Doc, specs: dict[str, str]) -> None:
    merged = {**doc["extra_specs"], **specs}
    if merged.get("multiattach") == "<is> True" and merged.get("cacheable") == "<is> True":
        raise ApiError(400, "cacheable cannot be set with multiattach.")


async def specs_show(request: Request) -> Response:
    c = ctx(request)
    doc = lookup.volume_type(c, request.path_params["type_id"])
    key = request.path_params["key"]
    specs = _visible_specs(c, doc)
    if key not in specs:
        raise ApiError(404, f"Volume Type {doc['id']} has no extra specs with key {key}.")
    return json_response({key: specs[key]})


async def specs_update(request: Request) -> Response:
    c = ctx(request)
    require_admin(c, "volume_extension:types_extra_specs:update")
    type_id = request.path_params["type_id"]
    key = request.path_params["key"]
    body = await read_json(request)
    _allow_update(c, type_id)
    doc = lookup.volume_type(c, type_id)
    if not isinstance(body, dict) or key not in body:
        raise ApiError(400, "Request body and URI mismatch")
    if len(body) > 1:
        raise ApiError(400, f"{body!r} has too many properties")
    specs = check_metadata("extra_specs", body)
    _check_cacheable(doc, specs)
    doc["extra_specs"].update(specs)
    return json_response(specs)


async def specs_delete(request: Request) -> Response:
    c = ctx(request)
    type_id = request.path_params["type_id"]
    key = request.path_params["key"]
    doc = lookup.volume_type(c, type_id)
    require_admin(c, "volume_extension:types_extra_specs:delete")
    _allow_update(c, type_id)
    if key not in doc["extra_specs"]:
        raise ApiError(404, f"Volume Type {type_id} has no extra specs with key {key}.")
    del doc["extra_specs"][key]
    return Response(status_code=202)


ROUTES = [
    *routes("/types", index, ["GET"]),
    *routes("/types", create, ["POST"]),
    *routes("/types/{type_id}", show, ["GET"]),
    *routes("/types/{type_id}", update, ["PUT"]),
    *routes("/types/{type_id}", delete, ["DELETE"]),
    *routes("/types/{type_id}/extra_specs", specs_index, ["GET"]),
    *routes("/types/{type_id}/extra_specs", specs_create, ["POST"]),
    *routes("/types/{type_id}/extra_specs/{key}", specs_show, ["GET"]),
    *routes("/types/{type_id}/extra_specs/{key}", specs_update, ["PUT"]),
    *routes("/types/{type_id}/extra_specs/{key}", specs_delete, ["DELETE"]),
]
