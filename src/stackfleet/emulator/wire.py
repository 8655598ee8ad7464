"""Request and response plumbing shared by every emulated service.

JSON in and out (orjson), body-size and content-type checks, UUID checks, limit/marker pagination
and microversion negotiation. Handlers call these so each service rejects bad input with its
normal 4xx instead of a 500.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

Doc = dict[str, Any]
"""A resource document in its wire shape; keys starting with `_` are private to the emulator."""

MAX_BODY_BYTES = 112 * 1024
"""Nova's and Cinder's `osapi_max_request_body_size` default (114688 bytes)."""

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


def json_response(
    body: object,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    already_public: bool = False,
) -> Response:
    """A JSON response; `body` may hold documents with private `_` keys, which are dropped.

    Hot paths whose renderers build documents from public keys only pass `already_public` to
    skip that walk (it is most of the cost of a server list).
    """
    content = orjson.dumps(body if already_public else public(body))
    return Response(content, status, dict(headers or {}), media_type="application/json")


def public(value: Any) -> Any:
    """Strip the emulator's private `_` keys from documents, recursively.

    This runs on every response, so scalars (most of a document) are passed through inline
    rather than by a call each.
    """
    kind = type(value)
    if kind is dict:
        return {
            k: public(v) if type(v) in _CONTAINERS else v for k, v in value.items() if k[:1] != "_"
        }
    if kind is list:
        return [public(v) if type(v) in _CONTAINERS else v for v in value]
    return value


_CONTAINERS = (dict, list)


def new_id() -> str:
    """A new resource id in OpenStack's usual form (a dashed UUID4)."""
    return str(uuid.uuid4())


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


class BodyError(ValueError):
    """The request body is unreadable; services turn this into their own 400/413/415."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_json(request: Request, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """Read and parse a JSON body, or raise `BodyError` naming what is wrong with it."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if content_type and not content_type.endswith("json"):
        raise BodyError(415, f"Unsupported Content-Type {content_type!r}; send application/json.")
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > max_bytes:
            raise BodyError(413, f"Request is too large (over {max_bytes} bytes).")
    if not raw:
        raise BodyError(400, "The request body is empty; a JSON document is required.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BodyError(400, f"Malformed request body: {exc}") from exc


def paginate(
    docs: Sequence[Doc], marker: str | None, limit: int | None, key: str = "id"
) -> tuple[list[Doc], bool] | None:
    """Apply limit/marker pagination over an already sorted sequence.

    Returns the page and whether more items follow it, or None when the marker names no item
    (each service turns that into its own 400 or 404).
    """
    start = 0
    if marker is not None:
        for index, doc in enumerate(docs):
            if doc.get(key) == marker:
                start = index + 1
                break
        else:
            return None
    end = len(docs) if limit is None else start + limit
    return list(docs[start:end]), end < len(docs)


def parse_limit(raw: str | None) -> int | None:
    """Parse a `limit` query parameter; raises ValueError for anything but a non-negative int."""
    if raw is None or raw == "":
        return None
    value = int(raw)
    if value < 0:
        raise ValueError("limit must be a non-negative integer")
    return value


def parse_microversion(
    headers: Mapping[str, str], service: str, header: str, minimum: str, maximum: str
) -> tuple[int, int] | None:
    """Negotiate the request's microversion for `service` (e.g. ``compute``).

    Honours ``OpenStack-API-Version: <service> X.Y`` and the legacy header (``X-OpenStack-Nova-API-
    Version``), plus ``latest``. Returns the version, the minimum when none was asked for, or None
    when the asked version is outside the supported range (the service answers 406).
    """
    asked: str | None = None
    combined = headers.get("openstack-api-version")
    if combined:
        for part in combined.split(","):
            words = part.strip().split()
            if len(words) == 2 and words[0].lower() == service:
                asked = words[1]
    if asked is None:
        asked = headers.get(header.lower())
    if asked is None:
        return as_version(minimum)
    if asked.strip().lower() == "latest":
        return as_version(maximum)
    try:
        version = as_version(asked)
    except ValueError:
        return None
    return version if as_version(minimum) <= version <= as_version(maximum) else None


def as_version(text: str) -> tuple[int, int]:
    """Parse `"2.79"` into `(2, 79)`; raises ValueError on anything else."""
    major, _, minor = text.strip().partition(".")
    return int(major), int(minor)
