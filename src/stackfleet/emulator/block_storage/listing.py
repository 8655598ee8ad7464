"""The list requests of volumes, snapshots and backups: summary and detail lists, alike.

`GET /<collection>` and `GET /<collection>/detail` share Cinder's pagination and sorting
(`cinder.api.common`), the admin-only `all_tenants`, `with_count` (3.45), the filters a non-admin
may use and the `<collection>_links` next link. Each route module (`volumes.py`, `snapshots.py`,
`backups.py`) describes its collection with a `Listing` and takes its two handlers from `handlers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage import views
from stackfleet.emulator.block_storage.common import (
    Ctx,
    Handler,
    bool_param,
    ctx,
    page_params,
    sort_and_page,
)
from stackfleet.emulator.block_storage.source import literal_dict
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response


@dataclass(frozen=True)
class Listing:
    """What differs between the volume, snapshot and backup lists."""

    collection: str
    """The `VolumeState` attribute and URL segment: "volumes", "snapshots" or "backups"."""
    user_filters: frozenset[str]
    """The filters a non-admin may use; the others are dropped from a non-admin's query."""
    matches: Callable[[Doc, str, str], bool]
    """(document, filter, raw value) → whether the document passes that filter."""
    sort_keys: frozenset[str]
    summary: Callable[[Ctx, Doc], Doc]
    detail: Callable[[Ctx, Doc], Doc]
    sort_keys_first: bool = False
    """Reject an unknown sort key before filtering (volumes); otherwise only while sorting, so
    a list with nothing to sort accepts any key (snapshots, backups)."""


def handlers(listing: Listing) -> tuple[Handler, Handler]:
    """The summary and the detail list handlers of a collection."""
    return partial(list_items, listing, False), partial(list_items, listing, True)


async def list_items(listing: Listing, detail: bool, request: Request) -> Response:
    c = ctx(request)
    params = dict(request.query_params)
    page = page_params(params)
    filters = dict(page.filters)
    with_count = c.at_least(3, 45) and bool_param(filters, "with_count")
    filters.pop("with_count", None)
    all_tenants = bool_param(filters, "all_tenants") and c.is_admin
    filters.pop("all_tenants", None)
    if not c.is_admin:
        filters = {k: v for k, v in filters.items() if k in listing.user_filters}
    if listing.sort_keys_first:
        for key, _ in page.sort:
            _check_sort_key(listing.sort_keys, key)
    docs: dict[str, Doc] = getattr(c.state, listing.collection)
    candidates = [
        doc
        for doc in docs.values()
        if (all_tenants or doc["_project_id"] == c.project_id)
        and all(listing.matches(doc, key, raw) for key, raw in filters.items())
    ]
    items, total = sort_and_page(candidates, page, partial(_sort_value, listing.sort_keys))
    body = views.list_body(
        c,
        f"{listing.collection}/detail" if detail else listing.collection,
        items,
        listing.detail if detail else listing.summary,
        (page, params, total if with_count else None),
    )
    return json_response(body)


def _check_sort_key(sort_keys: frozenset[str], key: str) -> None:
    if key not in sort_keys:
        raise ApiError(400, f"Invalid input received: Invalid sort key {key}")


def _sort_value(sort_keys: frozenset[str], doc: Doc, key: str) -> object:
    _check_sort_key(sort_keys, key)
    return doc[key]


def metadata_matches(doc: Doc, raw: str) -> bool:
    """The `metadata` filter: a Python-literal dict whose items the document's metadata has."""
    wanted = literal_dict(raw)
    return wanted is not None and all(
        doc["metadata"].get(str(k)) == str(v) for k, v in wanted.items()
    )
