"""Volume and snapshot metadata: `/volumes/{id}/metadata[/{key}]`, `/snapshots/{id}/metadata...`.

One set of handlers serves both, as Cinder Zed's `v2/volume_metadata.py` and
`v2/snapshot_metadata.py` behave alike: POST merges, PUT on the collection replaces, PUT on a key
sets one item (`{"meta": {key: value}}`), DELETE removes one key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.block_storage import lookup
from stackfleet.emulator.block_storage.common import Ctx, check_metadata, ctx, routes
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, read_json

_KINDS: dict[str, tuple[str, Callable[[Ctx, str], Doc]]] = {
    "volumes": ("Volume", lookup.volume),
    "snapshots": ("Snapshot", lookup.snapshot),
}


def _target(kind: str, request: Request) -> tuple[Ctx, Doc, str]:
    c = ctx(request)
    label, find = _KINDS[kind]
    return c, find(c, request.path_params["item_id"]), label


def _body(body: object, key: str) -> dict[str, str]:
    if not isinstance(body, dict) or key not in body:
        raise ApiError(400, f"'{key}' is a required property")
    extra = sorted(set(body) - {key})
    if extra:
        listed = ", ".join(repr(e) for e in extra)
        raise ApiError(400, f"Additional properties are not allowed ({listed} was unexpected)")
    return check_metadata(key, body[key])


async def index(kind: str, request: Request) -> Response:
    _, doc, _ = _target(kind, request)
    return json_response({"metadata": dict(doc["metadata"])})


async def merge(kind: str, request: Request) -> Response:
    c, doc, _ = _target(kind, request)
    doc["metadata"].update(_body(await read_json(request), "metadata"))
    doc["updated_at"] = c.now()
    return json_response({"metadata": dict(doc["metadata"])})


async def replace(kind: str, request: Request) -> Response:
    c, doc, _ = _target(kind, request)
    doc["metadata"] = _body(await read_json(request), "metadata")
    doc["updated_at"] = c.now()
    return json_response({"metadata": dict(doc["metadata"])})


async def show_key(kind: str, request: Request) -> Response:
    _, doc, label = _target(kind, request)
    key = request.path_params["key"]
    if key not in doc["metadata"]:
        raise ApiError(404, f"{label} {doc['id']} has no metadata with key {key}.")
    return json_response({"meta": {key: doc["metadata"][key]}})


async def set_key(kind: str, request: Request) -> Response:
    c, doc, _ = _target(kind, request)
    key = request.path_params["key"]
    body = await read_json(request)
    if not isinstance(body, dict) or "meta" not in body:
        raise ApiError(400, "'meta' is a required property")
    meta = body["meta"]
    if isinstance(meta, dict) and key not in meta:
        raise ApiError(400, "Request body and URI mismatch")
    if isinstance(meta, dict) and len(meta) > 1:
        raise ApiError(400, "Request body contains too many items")
    item = _body(body, "meta")
    doc["metadata"].update(item)
    doc["updated_at"] = c.now()
    return json_response({"meta": item})


async def delete_key(kind: str, request: Request) -> Response:
    c, doc, label = _target(kind, request)
    key = request.path_params["key"]
    if key not in doc["metadata"]:
        raise ApiError(404, f"{label} {doc['id']} has no metadata with key {key}.")
    del doc["metadata"][key]
    doc["updated_at"] = c.now()
    return Response(status_code=200)


def _routes_for(kind: str) -> list[Route]:
    base = f"/{kind}/{{item_id}}/metadata"
    return [
        *routes(base, partial(index, kind), ["GET"]),
        *routes(base, partial(merge, kind), ["POST"]),
        *routes(base, partial(replace, kind), ["PUT"]),
        *routes(f"{base}/{{key}}", partial(show_key, kind), ["GET"]),
        *routes(f"{base}/{{key}}", partial(set_key, kind), ["PUT"]),
        *routes(f"{base}/{{key}}", partial(delete_key, kind), ["DELETE"]),
    ]


ROUTES = [*_routes_for("volumes"), *_routes_for("snapshots")]
