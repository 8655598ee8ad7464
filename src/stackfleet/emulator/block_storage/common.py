"""What every Cinder handler needs: the request context, links, parameters and Cinder's checks.

Used by the block_storage route modules (volumes, snapshots, backups, types, quotas...). Messages
are Cinder Zed's own (cinder/api/common.py, cinder/utils.py, cinder/api/validation), so clients
see the same errors as from a real cloud.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.block_storage.state import VolumeState
from stackfleet.emulator.clock import isoformat_micro
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

MAX_LIMIT = 1000
"""cinder.conf `osapi_max_limit`."""

_TRUE = frozenset({"1", "t", "true", "on", "y", "yes"})
_FALSE = frozenset({"0", "f", "false", "off", "n", "no"})

Handler = Callable[[Request], Any]


@dataclass(frozen=True)
class Ctx:
    """One Cinder request: the site, who calls, the microversion, and how links are built."""

    site: Site
    caller: Caller
    version: tuple[int, int]
    root: str
    """The service root URL (`.../<site>/volume`), what Cinder calls the host part of links."""
    url_project: str
    """The project id as written in the URL, or "" for the 3.67+ URLs without one."""

    @property
    def state(self) -> VolumeState:
        return self.site.volume

    @property
    def is_admin(self) -> bool:
        return self.caller.is_admin

    @property
    def project_id(self) -> str:
        return self.caller.project_id or ""

    def at_least(self, major: int, minor: int) -> bool:
        return self.version >= (major, minor)

    def now(self) -> str:
        return timestamp(self.site)

    def links(self, collection: str, item_id: str) -> list[Doc]:
        project = f"/{self.url_project}" if self.url_project else ""
        return [
            {"rel": "self", "href": f"{self.root}/v3{project}/{collection}/{item_id}"},
            {"rel": "bookmark", "href": f"{self.root}{project}/{collection}/{item_id}"},
        ]

    def next_link(self, collection: str, params: Mapping[str, str], marker: str) -> Doc:
        project = f"/{self.url_project}" if self.url_project else ""
        query = urlencode({**params, "marker": marker})
        return {"rel": "next", "href": f"{self.root}/v3{project}/{collection}?{query}"}

    def owns(self, doc: Doc) -> bool:
        """Whether the caller may see `doc` (Cinder's admin-or-owner policy)."""
        return self.is_admin or doc.get("_project_id") == self.caller.project_id


def ctx(request: Request) -> Ctx:
    """The request's context; rejects a URL whose project is not the token's (Cinder's 400)."""
    caller = context.caller(request)
    url_project = request.path_params.get("project_id", "")
    if url_project and url_project != caller.project_id:
        raise ApiError(400, "Malformed request url")
    root = str(request.base_url).rstrip("/")
    return Ctx(context.site(request), caller, context.microversion(request), root, url_project)


def routes(path: str, endpoint: Handler, methods: Sequence[str]) -> list[Route]:
    """The route at /v3/<project_id><path> and, since 3.67, at /v3<path>."""
    return [
        Route(f"/v3/{{project_id}}{path}", endpoint, methods=list(methods)),
        Route(f"/v3{path}", endpoint, methods=list(methods)),
    ]


def timestamp(site: Site) -> str:
    """Cinder's timestamps: naive UTC with microseconds (`2026-01-02T03:04:05.123456`)."""
    return isoformat_micro(site.clock.now()).rstrip("Z")


def is_bool_string(value: object) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value.lower() in _TRUE | _FALSE)


def to_bool(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in _TRUE)


def bool_param(params: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """`cinder.utils.get_bool_param`: strict booleans, 400 otherwise."""
    value = params.get(name, default)
    if not is_bool_string(value):
        raise ApiError(400, f"Value '{value}' for '{name}' is not a boolean.")
    return to_bool(value)


def invalid_field(field: str, value: object, message: str) -> ApiError:
    """A JSON-schema failure as Cinder's validator words it."""
    shown = "None" if value is None else value
    return ApiError(400, f"Invalid input for field/attribute {field}. Value: {shown}. {message}")


def require_admin(c: Ctx, rule: str) -> None:
    """Cinder's policy refusal of an admin-only `rule` for a non-admin caller."""
    if not c.is_admin:
        raise ApiError(403, f"Policy doesn't allow {rule} to be performed.")


def reject_unknown(field: str, doc: Doc, allowed: Set[str], *, verb_agrees: bool = True) -> None:
    """The schema's `additionalProperties: false` check of the object `field`.

    Args:
        field: the object's name in the message.
        doc: the object.
        allowed: the keys it may have.
        verb_agrees: "were" for several unexpected keys (jsonschema's wording); False keeps the
            singular "was" that some of these handlers have always answered.
    """
    extra = sorted(set(doc) - allowed)
    if extra:
        listed = ", ".join(repr(e) for e in extra)
        verb = "were" if verb_agrees and len(extra) > 1 else "was"
        raise invalid_field(
            field, doc, f"Additional properties are not allowed ({listed} {verb} unexpected)"
        )


def schema_bool(key: str, value: object) -> bool:
    """A boolean body field (`parameter_types.boolean`), or the schema's 400."""
    if not is_bool_string(value):
        raise invalid_field(key, value, f"{value!r} is not a valid boolean")
    return to_bool(value)


def stripped(value: Any) -> Any:
    """A name or description as Cinder stores it: strings stripped, anything else unchanged."""
    return value.strip() if isinstance(value, str) else value


_NAME_FIELDS = (
    ("display_name", "name"),
    ("name", "name"),
    ("display_description", "description"),
    ("description", "description"),
)


def apply_names(doc: Doc, changes: Doc) -> None:
    """Store an update's name and description, stripped; `name` wins over the v1 `display_name`."""
    for wire, stored in _NAME_FIELDS:
        if wire in changes:
            doc[stored] = stripped(changes[wire])


def named_action(body: object, known: Collection[str]) -> tuple[str, Any]:
    """The one `{action: arguments}` pair of a `POST .../action` body, or Cinder's 400s."""
    if not isinstance(body, dict) or len(body) != 1:
        raise ApiError(400, "Malformed request body")
    name, inner = next(iter(body.items()))
    if name not in known:
        raise ApiError(
            400, f"There is no such action: {name}. Verify the request body and Content-Type header"
        )
    return name, inner


def body_of(body: Any, key: str) -> Doc:
    """The `{key: {...}}` envelope of a request body, or Cinder's schema error."""
    if not isinstance(body, dict):
        raise ApiError(400, f"{body!r} is not of type 'object'")
    if key not in body:
        raise ApiError(400, f"'{key}' is a required property")
    inner = body[key]
    if not isinstance(inner, dict):
        raise invalid_field(key, inner, f"{inner!r} is not of type 'object'")
    return inner


def check_string(doc: Doc, field: str, max_length: int = 255, nullable: bool = True) -> None:
    """Type and length of an optional string field (Cinder's name/description formats)."""
    value = doc.get(field)
    if value is None:
        if field in doc and not nullable:
            raise invalid_field(field, value, "None is not of type 'string'")
        return
    if not isinstance(value, str):
        kinds = "'string', 'null'" if nullable else "'string'"
        raise invalid_field(field, value, f"{value!r} is not of type {kinds}")
    if len(value.strip()) > max_length:
        raise invalid_field(field, value, f"{value!r} is too long")


def check_metadata(field: str, value: object, nullable: bool = False) -> dict[str, str]:
    """`parameter_types.extra_specs`: keys of 1-255 safe characters, string values <= 255."""
    if value is None and nullable:
        return {}
    if not isinstance(value, dict):
        kinds = "'object', 'null'" if nullable else "'object'"
        raise invalid_field(field, value, f"{value!r} is not of type {kinds}")
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. /")
    for key, item in value.items():
        if not 0 < len(key) <= 255 or not set(key) <= allowed:
            raise invalid_field(
                field,
                value,
                f"Additional properties are not allowed ({key!r} was unexpected)",
            )
        if not isinstance(item, str):
            raise invalid_field(key, item, f"{item!r} is not of type 'string'")
        if len(item) > 255:
            raise invalid_field(key, item, f"{item!r} is too long")
    return {str(k): str(v) for k, v in value.items()}


@dataclass(frozen=True)
class Page:
    """Pagination and sorting asked for by a list request (`cinder.api.common`)."""

    marker: str | None
    limit: int
    offset: int
    sort: list[tuple[str, str]]
    filters: dict[str, str]
    limit_given: bool


def page_params(params: Mapping[str, str], default_key: str = "created_at") -> Page:
    """Split a list request's query into pagination, sort and filters, with Cinder's 400s."""
    filters = dict(params)
    raw_limit = filters.pop("limit", None)
    try:
        limit = MAX_LIMIT if raw_limit is None else int(raw_limit)
    except ValueError:
        raise ApiError(400, "limit param must be an integer") from None
    if limit < 0:
        raise ApiError(400, "limit param must be positive")
    marker = filters.pop("marker", None)
    raw_offset = filters.pop("offset", "0")
    try:
        offset = int(raw_offset)
    except ValueError:
        raise ApiError(400, "offset must be an integer") from None
    if offset < 0:
        raise ApiError(400, "offset must be >= 0") from None
    return Page(
        marker,
        min(limit, MAX_LIMIT),
        offset,
        _sort(filters, default_key),
        filters,
        raw_limit is not None,
    )


def _sort(filters: dict[str, str], default_key: str) -> list[tuple[str, str]]:
    if "sort" in filters and ("sort_key" in filters or "sort_dir" in filters):
        raise ApiError(
            400,
            "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used "
            "with the 'sort' parameter.",
        )
    keys: list[tuple[str, str]] = []
    if "sort" in filters:
        for item in filters.pop("sort").strip().split(","):
            key, _, direction = item.partition(":")
            keys.append((key.strip(), direction.strip() or "desc"))
    else:
        keys.append(
            (filters.pop("sort_key", default_key).strip(), filters.pop("sort_dir", "desc").strip())
        )
    for _key, direction in keys:
        if direction not in ("asc", "desc"):
            raise ApiError(
                400, "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'"
            )
    return keys


def sort_and_page(
    docs: Iterable[Doc], page: Page, sortable: Callable[[Doc, str], Any]
) -> tuple[list[Doc], int]:
    """Sort, apply marker/offset/limit; returns the page and the total before paging.

    Args:
        docs: the already filtered documents.
        page: what the request asked for.
        sortable: (doc, key) → a comparable value; raises ApiError for unknown keys.
    """
    ordered = list(docs)
    for key, direction in reversed([*page.sort, ("id", page.sort[-1][1])]):
        ordered.sort(key=partial(_sort_key, sortable, key), reverse=direction == "desc")
    total = len(ordered)
    start = 0
    if page.marker is not None:
        index = next((i for i, d in enumerate(ordered) if d["id"] == page.marker), None)
        if index is None:
            raise ApiError(404, f"Marker {page.marker} could not be found.")
        start = index + 1
    start += page.offset
    return ordered[start : start + page.limit], total


def _sort_key(sortable: Callable[[Doc, str], Any], key: str, doc: Doc) -> tuple[bool, Any]:
    value = sortable(doc, key)
    return (value is not None, "" if value is None else value)
