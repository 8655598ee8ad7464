"""`GET /v2/images`: Glance's filters, sorting and marker pagination over one site's images.

Mirrors `glance.api.v2.images` (query parsing and its 400s) and `glance.db.sqlalchemy.api.
image_get_all` (which images a project sees, filter operators, the `created_at`/`id` tie-breakers,
MySQL's NULLs-first ordering and markers compared by their sort values).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from stackfleet.emulator.image import records
from stackfleet.emulator.image.faults import error
from stackfleet.emulator.image.state import Viewer
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

SORT_KEYS = (
    "name",
    "status",
    "container_format",
    "disk_format",
    "size",
    "id",
    "created_at",
    "updated_at",
)
VISIBILITIES = ("community", "public", "private", "shared", "all")
MEMBER_STATUSES = ("pending", "accepted", "rejected", "all")
DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
_OPERATOR_KEYS = ("name", "id", "status", "container_format", "disk_format")
_COLUMNS = ("owner", "size", "virtual_size", "min_disk", "min_ram", "protected", "os_hidden")
_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
}
_QUOTED = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,')


def list_images(site: Site, who: Viewer, request: Request) -> Doc:
    """The response body of an image list request."""
    params = list(request.query_params.multi_items())
    limit = _limit(_pop_first(params, "limit"))
    marker = _pop_first(params, "marker")
    member_status = _pop_first(params, "member_status") or "accepted"
    if member_status not in MEMBER_STATUSES:
        raise error(400, f"Invalid status: {member_status}")
    tags = [value.strip() for key, value in params if key == "tag"]
    keys, dirs = _sorting(params)
    filters = {
        key: value for key, value in params if key not in ("tag", "sort", "sort_key", "sort_dir")
    }
    visibility = filters.pop("visibility", None)
    if visibility and visibility not in VISIBILITIES:
        raise error(400, f"Invalid visibility value: {visibility}")
    if filters.get("changes-since"):
        raise error(400, 'The "changes-since" filter is no longer available on v2.')
    matches = _conditions(filters, tags)
    candidates = [
        image
        for image in site.image.images.values()
        if image["status"] != "killed"
        and _listed(site, who, image, member_status, visibility or None)
        and all(match(image) for match in matches)
    ]
    order = _order(keys, dirs)
    candidates.sort(key=order)
    if marker is not None:
        anchor = _marker(site, who, marker)
        threshold = order(anchor)
        candidates = [image for image in candidates if order(image) > threshold]
    page = candidates[: min(limit, MAX_LIMIT)]
    return _body(request, page, min(limit, MAX_LIMIT))


def _body(request: Request, page: list[Doc], limit: int) -> Doc:
    params = dict(request.query_params)
    params.pop("marker", None)
    query = urllib.parse.urlencode(params)
    body: Doc = {
        "images": [records.render(image) for image in page],
        "first": f"/v2/images?{query}" if query else "/v2/images",
        "schema": "/v2/schemas/images",
    }
    if page and len(page) == limit:
        params["marker"] = page[-1]["id"]
        body["next"] = f"/v2/images?{urllib.parse.urlencode(params)}"
    return body


def _pop_first(params: list[tuple[str, str]], key: str) -> str | None:
    for index, (name, value) in enumerate(params):
        if name == key:
            del params[index]
            return value
    return None


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise error(400, "limit param must be an integer") from None
    if limit < 0:
        raise error(400, "limit param must be positive")
    return limit


def _sorting(params: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    names = {key for key, _ in params}
    keys: list[str] = []
    dirs: list[str] = []
    if "sort" in names:
        if names & {"sort_key", "sort_dir"}:
            raise error(400, "Old and new sorting syntax cannot be combined")
        for part in (_pop_first(params, "sort") or "").strip().split(","):
            key, _, direction = part.partition(":")
            keys.append(_sort_key(key.strip()))
            dirs.append(_sort_dir((direction or "desc").strip()))
    else:
        keys = [_sort_key(value.strip()) for key, value in params if key == "sort_key"]
        dirs = [_sort_dir(value.strip()) for key, value in params if key == "sort_dir"]
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise error(400, "Number of sort dirs does not match the number of sort keys")
    keys = keys or ["created_at"]
    if not dirs:
        dirs = ["desc"] * len(keys)
    elif len(dirs) == 1:
        dirs = dirs * len(keys)
    default = dirs[0] if len(set(dirs)) == 1 else "desc"
    for key in ("created_at", "id"):
        if key not in keys:
            keys.append(key)
            dirs.append(default)
    return keys, dirs


def _sort_key(key: str) -> str:
    if key not in SORT_KEYS:
        raise error(
            400,
            f"Invalid sort key: {key}. It must be one of the following: {', '.join(SORT_KEYS)}.",
        )
    return key


def _sort_dir(direction: str) -> str:
    if direction not in ("asc", "desc"):
        raise error(400, f"Invalid sort direction: {direction}")
    return direction


def _order(keys: list[str], dirs: list[str]) -> Callable[[Doc], tuple[Any, ...]]:
    def key(image: Doc) -> tuple[Any, ...]:
        parts = []
        for name, direction in zip(keys, dirs, strict=True):
            value = image.get(name)
            # MySQL sorts NULL before any value.
            part = (0, "") if value is None else (1, value)
            parts.append(part if direction == "asc" else _Descending(part))
        return tuple(parts)

    return key


@functools.total_ordering
class _Descending:
    """Inverts the ordering of a sort-key part, for descending keys."""

    def __init__(self, value: tuple[int, Any]) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.value == other.value

    def __lt__(self, other: _Descending) -> bool:
        return bool(self.value > other.value)

    def __hash__(self) -> int:
        return hash(self.value)


def _marker(site: Site, who: Viewer, marker: str) -> Doc:
    image = site.image.images.get(marker)
    if image is None:
        raise error(400, f"No image found with ID {marker}")
    if not site.image.is_visible(image, who):
        raise error(403, f"Forbidding request, image {marker} not visible")
    return image


def _listed(
    site: Site, who: Viewer, image: Doc, member_status: str, visibility: str | None
) -> bool:
    """Whether the image is in `who`'s listing (`_select_images_query` and its visibility rules)."""
    owned = who.project_id is not None and image["owner"] == who.project_id
    if not who.is_admin and not (owned or image["visibility"] in ("public", "community")):
        member = site.image.member(image["id"], who.project_id)
        if image["visibility"] != "shared" or member is None:
            return False
        if member_status != "all" and member["status"] != member_status:
            return False
    if visibility is not None:
        return visibility == "all" or image["visibility"] == visibility
    return image["visibility"] != "community" or owned


def _conditions(filters: dict[str, str], tags: list[str]) -> list[Callable[[Doc], bool]]:
    hidden = filters.pop("os_hidden", "false").lower()
    if hidden not in ("true", "false"):
        raise error(
            400,
            f"Invalid value '{hidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.",
        )
    matches: list[Callable[[Doc], bool]] = [lambda image: image["os_hidden"] == (hidden == "true")]
    protected = filters.pop("protected", None)
    if protected is not None:
        if protected not in ("true", "false"):
            raise error(
                400,
                f"Invalid value '{protected}' for 'protected' filter. "
                "Valid values are 'true' or 'false'.",
            )
        matches.append(lambda image: image["protected"] == (protected == "true"))
    matches.extend(_tag_match(tag) for tag in tags)
    for key, value in filters.items():
        matches.append(_condition(key, value))
    return matches


def _tag_match(tag: str) -> Callable[[Doc], bool]:
    return lambda image: tag in image["tags"]


def _condition(key: str, value: str) -> Callable[[Doc], bool]:
    if key.endswith(("_min", "_max")):
        try:
            bound = int(value)
        except ValueError:
            raise error(400, "Unable to filter on a range with a non-numeric value.") from None
        name, compare = key[:-4], _COMPARATORS["gte" if key.endswith("_min") else "lte"]
        return lambda image: image.get(name) is not None and compare(image[name], bound)
    if key in ("created_at", "updated_at"):
        return _time_condition(key, value)
    if key in _OPERATOR_KEYS:
        operator, operand = _split_operator(value)
        if operator == "in":
            allowed = [a or b for a, b in _QUOTED.findall(operand)]
            return lambda image: image.get(key) in allowed
        if operator == "eq":
            return lambda image: image.get(key) == operand
        raise error(400, f"Unable to filter by unknown operator '{operator}'.")
    if key in _COLUMNS or key in ("checksum", "os_hash_value"):
        return lambda image: _as_text(image.get(key)) == value
    return lambda image: image.get(key) == value and not key.startswith("_")


def _time_condition(key: str, value: str) -> Callable[[Doc], bool]:
    operator, operand = _split_operator(value)
    try:
        threshold = _parse_time(operand)
    except ValueError:
        raise error(
            400, f'Bad "{key}" query filter format. Use ISO 8601 DateTime notation.'
        ) from None
    compare = _COMPARATORS.get(operator)
    if compare is None:
        raise error(400, f"Unable to filter by unknown operator '{operator}'.")
    return lambda image: compare(_parse_time(image[key]), threshold)


def _split_operator(expression: str) -> tuple[str, str]:
    left, sep, right = expression.partition(":")
    if not sep:
        return "eq", left
    try:
        _parse_time(expression)
    except ValueError:
        return left, right
    return "eq", expression


def _parse_time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)
