"""Neutron's list queries: filters, `fields=`, sorting, limit/marker pagination and its links.

Every list handler hands its visible, rendered documents to `list_response`, which behaves as
Neutron's query-parameter hook with native sorting and pagination (ML2): any attribute may be a
filter (repeated values OR together; unknown ones are a 400 under `filter-validation`), tags use
`tags`/`tags-any`/`not-tags`/`not-tags-any`, `sort_key`/`sort_dir` pairs sort (id breaks ties),
and a `limit` adds `<collection>_links` with next/previous hrefs exactly as Neutron builds them.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.network.faults import bad_request, http_bad_request, not_found
from stackfleet.emulator.network.validators import to_bool
from stackfleet.emulator.wire import Doc, json_response

_CONTROL = frozenset({"fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse"})
_TAG_FILTERS = frozenset({"tags", "tags-any", "not-tags", "not-tags-any"})


@dataclass(frozen=True)
class Listing:
    """What a resource's list accepts: its filterable and sortable attributes."""

    collection: str
    resource: str
    filters: frozenset[str]
    sort_keys: frozenset[str]


def fields_of(request: Request) -> list[str]:
    return [f for f in request.query_params.getlist("fields") if f]


def project_fields(doc: Doc, fields: Sequence[str]) -> Doc:
    """Keep only the asked-for attributes (`fields=`), as Neutron does for show and list."""
    if not fields:
        return doc
    return {key: doc[key] for key in fields if key in doc}


def show_response(request: Request, resource: str, doc: Doc, status: int = 200) -> Response:
    return json_response({resource: project_fields(doc, fields_of(request))}, status)


def list_response(request: Request, listing: Listing, docs: Iterable[Doc]) -> Response:
    """The collection answer for `docs` after the request's filters, sorting and paging."""
    params = request.query_params
    filters = _filters(params.multi_items(), listing)
    matched = [doc for doc in docs if all(test(doc) for test in filters)]
    sorts = _sorts(params.getlist("sort_key"), params.getlist("sort_dir"), listing)
    limit = _limit(params.get("limit"))
    marker = params.get("marker") or None
    page_reverse = params.get("page_reverse", "False").lower() == "true"
    if sorts or limit:
        if not any(key == "id" for key, _ in sorts):
            sorts.append(("id", True))
        matched = _sorted(matched, sorts)
    body: Doc = {}
    if limit:
        page = _page(matched, limit, marker, page_reverse, listing.resource)
        links = _links(request, page, limit, page_reverse)
        body[listing.collection] = page
        if links:
            body[f"{listing.collection}_links"] = links
    else:
        body[listing.collection] = matched
    fields = fields_of(request)
    if fields:
        body[listing.collection] = [project_fields(d, fields) for d in body[listing.collection]]
    return json_response(body)


def _filters(items: Iterable[tuple[str, str]], listing: Listing) -> list[Any]:
    wanted: dict[str, list[str]] = {}
    for key, value in items:
        if key not in _CONTROL:
            wanted.setdefault(key, []).append(value)
    invalid = [k for k in wanted if k not in listing.filters and k not in _TAG_FILTERS]
    if invalid:
        raise http_bad_request(f"{invalid} is invalid attribute for filtering")
    tests = []
    for key, values in wanted.items():
        if key in _TAG_FILTERS:
            tests.append(_tag_test(key, values))
        elif key == "fixed_ips":
            tests.append(_fixed_ips_test(values))
        else:
            tests.append(_value_test(key, values))
    return tests


def _value_test(key: str, values: list[str]) -> Any:
    as_bools = {to_bool(v) for v in values if v.lower() in ("true", "false", "1", "0")}
    texts = set(values)

    def test(doc: Doc) -> bool:
        value = doc.get(key)
        if isinstance(value, bool):
            if not as_bools and texts:
                to_bool(next(iter(texts)))
            return value in as_bools
        if isinstance(value, list):
            return any(str(item) in texts for item in value)
        if value is None:
            return False
        return str(value) in texts

    return test


def _tag_test(key: str, values: list[str]) -> Any:
    wanted = {tag for value in values for tag in value.split(",") if tag}

    def test(doc: Doc) -> bool:
        have = set(doc.get("tags", []))
        if key == "tags":
            return wanted <= have
        if key == "tags-any":
            return bool(wanted & have)
        if key == "not-tags":
            return not wanted <= have
        return not wanted & have

    return test


def _fixed_ips_test(values: list[str]) -> Any:
    """`fixed_ips=ip_address=X`, `subnet_id=Y`, `ip_address_substr=Z` (ip-substring-filtering)."""
    wanted: list[tuple[str, str]] = []
    for value in values:
        key, _, text = value.partition("=")
        if key not in ("ip_address", "subnet_id", "ip_address_substr"):
            raise http_bad_request(f"['fixed_ips'] is invalid attribute for filtering: {value}")
        wanted.append((key, text))

    def matches(ip: Doc, key: str, text: str) -> bool:
        if key == "ip_address_substr":
            return text in ip["ip_address"]
        return bool(ip[key] == text)

    def test(doc: Doc) -> bool:
        return all(any(matches(ip, k, t) for ip in doc["fixed_ips"]) for k, t in wanted)

    return test


def _sorts(keys: list[str], dirs: list[str], listing: Listing) -> list[tuple[str, bool]]:
    keys = [k for k in keys if k]
    dirs = [d for d in dirs if d]
    if len(keys) != len(dirs):
        raise http_bad_request("The number of sort_keys and sort_dirs must be same")
    absent = [k for k in keys if k not in listing.sort_keys]
    if absent:
        raise http_bad_request(f"{absent} is invalid attribute for sort_keys")
    invalid = [d for d in dirs if d not in ("asc", "desc")]
    if invalid:
        raise http_bad_request(
            f"{invalid} is invalid value for sort_dirs, valid value is 'asc' and 'desc'"
        )
    return [(key, direction == "asc") for key, direction in zip(keys, dirs, strict=True)]


def _sorted(docs: list[Doc], sorts: list[tuple[str, bool]]) -> list[Doc]:
    result = docs
    for key, ascending in reversed(sorts):
        result = sorted(result, key=_sort_key(key), reverse=not ascending)
    return result


def _sort_key(key: str) -> Callable[[Doc], tuple[int, Any]]:
    def value(doc: Doc) -> tuple[int, Any]:
        return _sort_value(doc.get(key))

    return value


def _sort_value(value: Any) -> tuple[int, Any]:
    # SQL puts NULLs first in ascending order; booleans sort as integers.
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    return (1, value)


def _limit(raw: str | None) -> int:
    if raw is None:
        return 0
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise bad_request("limit", f"Limit must be an integer 0 or greater and not '{raw}'")
    return value


def _page(
    docs: list[Doc], limit: int, marker: str | None, page_reverse: bool, resource: str
) -> list[Doc]:
    if marker is None:
        index = len(docs) if page_reverse else -1
    else:
        index = next((i for i, d in enumerate(docs) if d["id"] == marker), -2)
        if index == -2:
            raise not_found(resource, marker)
    if page_reverse:
        return docs[max(index - limit, 0) : index]
    return docs[index + 1 : index + 1 + limit]


def _links(request: Request, page: list[Doc], limit: int, page_reverse: bool) -> list[Doc]:
    links = []
    if not (len(page) < limit and not page_reverse):
        links.append({"rel": "next", "href": _link(request, page[-1:], drop_reverse=True)})
    if not (len(page) < limit and page_reverse):
        links.append({"rel": "previous", "href": _link(request, page[:1], drop_reverse=False)})
    return links


def _link(request: Request, edge: list[Doc], *, drop_reverse: bool) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "marker"]
    if edge:
        params.append(("marker", edge[0]["id"]))
    params = [(k, v) for k, v in params if k != "page_reverse"]
    if not drop_reverse:
        params.append(("page_reverse", "True"))
    base = str(request.url.replace(query="", fragment=""))
    return f"{base}?{urllib.parse.urlencode(params)}"
