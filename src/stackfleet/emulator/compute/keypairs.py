"""Nova's os-keypairs: create (generate or import), list, show and delete a user's keypairs.

Keypairs belong to users, not projects: `site.compute.keypairs[(user_id, name)]` holds the show
view (name, public_key, fingerprint, user_id, type, created_at, id, ...); the servers API reads
it for `key_name`. Admins may act on another user's keypairs with `user_id` (2.10+). Generating
a key is allowed until 2.91; from 2.92 only imports are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute import keygen
from stackfleet.emulator.compute.body_checks import (
    NAME,
    NON_NEGATIVE_INTEGER,
    check_body,
    check_query,
)
from stackfleet.emulator.compute.paging import MAX_LIMIT, collection_links, int_param, query_lists
from stackfleet.emulator.compute.policy_checks import forbidden
from stackfleet.emulator.compute.quotas import check_keypair_quota
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

TYPES_VERSION = (2, 2)
USER_ID_VERSION = (2, 10)
PAGING_VERSION = (2, 35)
STRICT_QUERY_VERSION = (2, 75)
IMPORT_ONLY_VERSION = (2, 92)

_POLICY = "os_compute_api:os-keypairs:%s"


def _create_schema(version: tuple[int, int]) -> Doc:
    format_name = "keypair_name_292" if version >= IMPORT_ONLY_VERSION else "keypair_name_20"
    name = {
        "allOf": [NAME, {"type": "string", "minLength": 1, "maxLength": 255, "format": format_name}]
    }
    properties: Doc = {"name": name}
    if version >= TYPES_VERSION:
        properties["type"] = {"type": "string", "enum": ["ssh", "x509"]}
    properties["public_key"] = {"type": "string"}
    if version >= USER_ID_VERSION:
        properties["user_id"] = {"type": "string"}
    required = ["name", "public_key"] if version >= IMPORT_ONLY_VERSION else ["name"]
    return {
        "type": "object",
        "properties": {
            "keypair": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            }
        },
        "required": ["keypair"],
        "additionalProperties": False,
    }


def _query_schema(version: tuple[int, int], listing: bool) -> dict[str, Any]:
    if version < USER_ID_VERSION:
        return {}
    properties: dict[str, Any] = {"user_id": {"type": "string"}}
    if listing and version >= PAGING_VERSION:
        properties.update({"limit": NON_NEGATIVE_INTEGER, "marker": {"type": "string"}})
    return properties


def _owner(request: Request, caller: Caller, action: str, listing: bool = False) -> str:
    """The user whose keypairs the request is about, after the query and policy checks."""
    version = context.microversion(request)
    params = query_lists(request)
    check_query(_query_schema(version, listing), params, strict=version >= STRICT_QUERY_VERSION)
    user_id = caller.user_id
    if version >= USER_ID_VERSION and params.get("user_id"):
        user_id = params["user_id"][0]
    _authorize(caller, user_id, action)
    return user_id


def _authorize(caller: Caller, user_id: str, action: str) -> None:
    if not caller.is_admin and user_id != caller.user_id:
        raise forbidden(_POLICY % action)


def _view(keypair: Doc, fields: tuple[str, ...]) -> Doc:
    return {name: keypair[name] for name in fields}


_INDEX = ("name", "public_key", "fingerprint")
_CREATE = (*_INDEX, "user_id")
_SHOW = (*_CREATE, "created_at", "deleted", "deleted_at", "id", "updated_at")


def find_keypair(site: Site, user_id: str, name: str) -> Doc:
    """A user's keypair, or Nova's 404."""
    keypair = site.compute.keypairs.get((user_id, name))
    if keypair is None:
        raise ApiError(404, f"Keypair {name} not found for user {user_id}")
    return keypair


async def list_keypairs(request: Request) -> Response:
    version = context.microversion(request)
    user_id = _owner(request, context.caller(request), "index", listing=True)
    site = context.site(request)
    mine = sorted(
        (kp for (owner, _), kp in site.compute.keypairs.items() if owner == user_id),
        key=lambda kp: str(kp["name"]),
    )
    paged = version >= PAGING_VERSION
    if paged:
        asked = int_param(request, "limit")
        limit = MAX_LIMIT if asked is None else min(MAX_LIMIT, asked)
        marker = request.query_params.get("marker")
        if marker is not None:
            if (user_id, marker) not in site.compute.keypairs:
                raise ApiError(400, f"Marker {marker} could not be found.")
            mine = [kp for kp in mine if kp["name"] > marker]
        mine = mine[:limit]
    fields = (*_INDEX, "type") if version >= TYPES_VERSION else _INDEX
    body: Doc = {"keypairs": [{"keypair": _view(kp, fields)} for kp in mine]}
    if paged:
        last = mine[-1]["name"] if mine else None
        links = collection_links(request, len(mine), last, "os-keypairs")
        if links:
            body["keypairs_links"] = links
    return json_response(body)


async def show_keypair(request: Request) -> Response:
    version = context.microversion(request)
    user_id = _owner(request, context.caller(request), "show")
    keypair = find_keypair(context.site(request), user_id, request.path_params["name"])
    fields = (*_SHOW, "type") if version >= TYPES_VERSION else _SHOW
    return json_response({"keypair": _view(keypair, fields)})


async def delete_keypair(request: Request) -> Response:
    version = context.microversion(request)
    user_id = _owner(request, context.caller(request), "delete")
    site = context.site(request)
    name = request.path_params["name"]
    find_keypair(site, user_id, name)
    del site.compute.keypairs[(user_id, name)]
    return Response(status_code=204 if version >= TYPES_VERSION else 202)


async def _key_material(request: Request, spec: Doc, user_id: str) -> tuple[str, str, str | None]:
    """(public key, fingerprint, private key or None) for a new keypair."""
    key_type = spec.get("type", "ssh")
    if "public_key" in spec:
        public_key = spec["public_key"]
        if key_type == "x509":
            return public_key, keygen.x509_fingerprint(public_key), None
        return public_key, keygen.ssh_fingerprint(public_key), None
    # Key generation takes about a second in pure Python: keep the event loop serving.
    if key_type == "x509":
        now = context.site(request).clock.now()
        private_key, public_key, fingerprint = await anyio.to_thread.run_sync(
            keygen.generate_x509_keypair, user_id, now
        )
    else:
        private_key, public_key, fingerprint = await anyio.to_thread.run_sync(
            keygen.generate_ssh_keypair
        )
    return public_key, fingerprint, private_key


async def create_keypair(request: Request) -> Response:
    version = context.microversion(request)
    body = await read_json(request)
    check_body(_create_schema(version), body)
    spec = body["keypair"]
    caller = context.caller(request)
    user_id = spec.get("user_id") or caller.user_id
    _authorize(caller, user_id, "create")
    site = context.site(request)
    name = spec["name"].strip()
    project_id = caller.project_id or ""
    check_keypair_quota(site, project_id, user_id)
    public_key, fingerprint, private_key = await _key_material(request, spec, user_id)
    # Checked after any await, so that nothing can slip in between the check and the insert.
    check_keypair_quota(site, project_id, user_id)
    if (user_id, name) in site.compute.keypairs:
        raise ApiError(409, f"Key pair '{name}' already exists.")
    keypair: Doc = {
        "name": name,
        "public_key": public_key,
        "fingerprint": fingerprint,
        "user_id": user_id,
        "type": spec.get("type", "ssh"),
        "created_at": site.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "deleted": False,
        "deleted_at": None,
        "id": max((kp["id"] for kp in site.compute.keypairs.values()), default=0) + 1,
        "updated_at": None,
    }
    site.compute.keypairs[(user_id, name)] = keypair
    fields = (*_CREATE, "type") if version >= TYPES_VERSION else _CREATE
    view = _view(keypair, fields)
    if private_key is not None:
        view["private_key"] = private_key
    return json_response({"keypair": view}, status=201 if version >= TYPES_VERSION else 200)


ROUTES = [
    Route("/v2.1/os-keypairs", list_keypairs, methods=["GET"]),
    Route("/v2.1/os-keypairs", create_keypair, methods=["POST"]),
    Route("/v2.1/os-keypairs/{name}", show_keypair, methods=["GET"]),
    Route("/v2.1/os-keypairs/{name}", delete_keypair, methods=["DELETE"]),
]
