"""Links and pagination in Nova's style, for the compute resource lists.

Nova links each resource to itself twice (`self` under /v2.1, `bookmark` without the version) and
adds a `next` link to a collection when a page is full (`nova.api.openstack.common.ViewBuilder`).
Called by flavors, keypairs and server groups.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc

MAX_LIMIT = 1000
"""nova.conf [api] max_limit."""

VERSION = "v2.1"


def service_root(request: Request) -> str:
    """The compute endpoint without its version: http://host/<site>/compute."""
    return str(request.base_url).rstrip("/")


def links(request: Request, collection: str, identifier: str) -> list[Doc]:
    root = service_root(request)
    return [
        {"rel": "self", "href": f"{root}/{VERSION}/{collection}/{identifier}"},
        {"rel": "bookmark", "href": f"{root}/{collection}/{identifier}"},
    ]


def collection_links(
    request: Request, count: int, last_id: str | None, collection: str
) -> list[Doc]:
    """The `next` link Nova adds when a page holds as many items as the limit allows."""
    raw = request.query_params.get("limit")
    try:
        max_items = min(int(raw), MAX_LIMIT) if raw is not None else MAX_LIMIT
    except ValueError:
        max_items = MAX_LIMIT
    if not max_items or max_items != count or last_id is None:
        return []
    params = dict(sorted(request.query_params.items()))
    params["marker"] = last_id
    href = f"{service_root(request)}/{VERSION}/{collection}?{urlencode(params)}"
    return [{"rel": "next", "href": href}]


def int_param(request: Request, name: str) -> int | None:
    """A non-negative integer query parameter (`common._get_int_param`), or None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid input received: {name} must be an integer") from None
    if value < 0:
        raise ApiError(400, f"Invalid input received: {name} must be >= 0")
    return value


def query_lists(request: Request) -> dict[str, list[str]]:
    """The query string as Nova's schema validation sees it: each name with all its values."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params
