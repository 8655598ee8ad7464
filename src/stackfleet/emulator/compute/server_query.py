"""GET /servers and /servers/detail: Nova's filters, sorting and limit/marker paging.

Follows `ServersController._get_servers`: non-admins may only use the user filters (others are
silently dropped), `all_tenants` needs admin, an unknown status is a 400 from 2.38, deleted
servers show only with changes-since/changes-before (or `deleted` for admins), the default order
is created_at desc. Called by `servers.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from stackfleet.emulator.compute import server_lifecycle
from stackfleet.emulator.compute.body_checks import is_true
from stackfleet.emulator.compute.policy_checks import forbidden
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import internal as networks
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


MAX_LIMIT = 1000

_USER_FILTERS = frozenset(
    {"reservation_id", "name", "status", "image", "flavor", "ip", "changes-since", "all_tenants"}
)
_SORT_FIELDS: dict[str, str] = {
    "access_ip_v4": "accessIPv4",
    "access_ip_v6": "accessIPv6",
    "availability_zone": "OS-EXT-AZ:availability_zone",
    "config_drive": "config_drive",
    "created_at": "created",
    "display_description": "description",
    "display_name": "name",
    "host": "OS-EXT-SRV-ATTR:host",
    "hostname": "OS-EXT-SRV-ATTR:hostname",
    "image_ref": "_image_id",
    "instance_type_id": "_flavor_id",
    "key_name": "key_name",
    "launch_index": "OS-EXT-SRV-ATTR:launch_index",
    "launched_at": "OS-SRV-USG:launched_at",
    "locked": "locked",
    "node": "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "power_state": "OS-EXT-STS:power_state",
    "progress": "progress",
    "project_id": "tenant_id",
    "task_state": "OS-EXT-STS:task_state",
    "terminated_at": "OS-SRV-USG:terminated_at",
    "updated_at": "updated",
    "user_id": "user_id",
    "uuid": "id",
    "vm_state": "OS-EXT-STS:vm_state",
}


def _allowed_filters(version: tuple[int, int]) -> frozenset[str]:
    allowed = set(_USER_FILTERS)
    if version >= (2, 26):
        allowed |= {"tags", "tags-any", "not-tags", "not-tags-any"}
    if version >= (2, 66):
        allowed.add("changes-before")
    if version >= (2, 73):
        allowed.add("locked")
    if version >= (2, 83):
        allowed |= {"availability_zone", "config_drive", "key_name", "created_at"}
        allowed |= {"launched_at", "terminated_at", "power_state", "task_state", "vm_state"}
        allowed |= {"progress", "user_id"}
    return frozenset(allowed)


def select(request: Request, site: Site, caller: Caller, version: tuple[int, int]) -> list[Doc]:
    """The servers the query asks for, filtered, sorted and after the marker (not yet limited).

    Nova's marker is any server of the site, even deleted or outside the filters (the database
    looks it up by uuid alone); the page continues from where it sorts. An unknown one is a 400.
    """
    _limit(request)
    params = _params(request, caller, version)
    checks = _checks(site, caller, params, version)
    matched = [s for s in site.compute.servers.values() if all(c(s) for c in checks)]
    ordered = _sorted(matched, request, caller, version)
    marker = request.query_params.get("marker")
    if marker is None:
        return ordered
    found = site.compute.servers.get(marker)
    if found is None:
        raise ApiError(400, f"marker [{marker}] not found")
    if not any(s is found for s in ordered):
        ordered = _sorted([*matched, found], request, caller, version)
    index = next(i for i, s in enumerate(ordered) if s is found)
    return ordered[index + 1 :]


def _params(request: Request, caller: Caller, version: tuple[int, int]) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key not in params:
            params[key] = value
    if caller.is_admin:
        return params
    allowed = _allowed_filters(version)
    paging = {"limit", "marker", "sort_key", "sort_dir"}
    return {k: v for k, v in params.items() if k in allowed or k in paging}


def _checks(
    site: Site, caller: Caller, params: dict[str, str], version: tuple[int, int]
) -> list[Callable[[Doc], bool]]:
    checks = _scope_checks(caller, params) + _deleted_checks(params)
    if "status" in params:
        states = server_lifecycle.statuses_to_states([v for v in params["status"].split(",") if v])
        if not states and version >= (2, 38):
            raise ApiError(400, "Invalid status value")
        vm_states = {vm for vm, _ in states}
        checks.append(lambda s: s["OS-EXT-STS:vm_state"] in vm_states)
    checks += _regex_checks(params)
    checks += _exact_checks(params)
    checks += _time_checks(params)
    checks += _tag_checks(params, version)
    if "ip" in params or "ip6" in params:
        pattern = _regex(params.get("ip") or params.get("ip6", ""))
        checks.append(lambda s: _matches_ip(site, s, pattern))
    return checks


def _scope_checks(caller: Caller, params: dict[str, str]) -> list[Callable[[Doc], bool]]:
    all_tenants = "all_tenants" in params and (
        params["all_tenants"] == "" or is_true(params["all_tenants"])
    )
    if all_tenants and not caller.is_admin:
        raise forbidden("os_compute_api:servers:detail:get_all_tenants")
    if not all_tenants:
        project = caller.project_id
        return [lambda s: s["tenant_id"] == project]
    project = params.get("project_id", params.get("tenant_id"))
    return [] if project is None else [lambda s: s["tenant_id"] == project]


def _deleted_checks(params: dict[str, str]) -> list[Callable[[Doc], bool]]:
    if "deleted" in params:
        wanted = is_true(params["deleted"])
        return [lambda s: bool(s["_deleted"]) == wanted]
    if "changes-since" in params or "changes-before" in params:
        return []
    return [lambda s: not s["_deleted"]]


def _regex(raw: str) -> re.Pattern[str]:
    try:
        return re.compile(raw, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(raw), re.IGNORECASE)


_REGEX_FILTERS = {
    "name": "name",
    "display_name": "name",
    "description": "description",
    "hostname": "OS-EXT-SRV-ATTR:hostname",
    "key_name": "key_name",
    "node": "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "reservation_id": "OS-EXT-SRV-ATTR:reservation_id",
    "availability_zone": "OS-EXT-AZ:availability_zone",
}
_EXACT_FILTERS = {
    "host": "OS-EXT-SRV-ATTR:host",
    "user_id": "user_id",
    "vm_state": "OS-EXT-STS:vm_state",
    "task_state": "OS-EXT-STS:task_state",
    "flavor": "_flavor_id",
    "image": "_image_id",
    "image_ref": "_image_id",
    "config_drive": "config_drive",
    "progress": "progress",
    "power_state": "OS-EXT-STS:power_state",
}


def _regex_checks(params: dict[str, str]) -> list[Callable[[Doc], bool]]:
    checks: list[Callable[[Doc], bool]] = []
    for param, field in _REGEX_FILTERS.items():
        if param in params:
            pattern = _regex(params[param])
            checks.append(partial(_regex_match, pattern, field))
    return checks


def _regex_match(pattern: re.Pattern[str], field: str, server: Doc) -> bool:
    return pattern.search(str(server.get(field) or "")) is not None


def _equals(field: str, wanted: str, server: Doc) -> bool:
    return str(_field(server, field)) == wanted


def _tags_match(test: Callable[[set[str], set[str]], bool], wanted: set[str], server: Doc) -> bool:
    return test(set(server["tags"]), wanted)


def _field(server: Doc, field: str) -> Any:
    if field == "_image_id":
        return server["image"]["id"] if server["image"] else ""
    return server.get(field)


def _exact_checks(params: dict[str, str]) -> list[Callable[[Doc], bool]]:
    checks: list[Callable[[Doc], bool]] = []
    for param, field in _EXACT_FILTERS.items():
        if param in params:
            wanted = (
                params[param].rsplit("/", 1)[-1] if param in ("image", "flavor") else params[param]
            )
            checks.append(partial(_equals, field, wanted))
    if "locked" in params:
        locked = is_true(params["locked"])
        checks.append(lambda s: bool(s["locked"]) == locked)
    return checks


def parse_time(raw: str, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400,
            f"Invalid input for query parameters {name}. Value: {raw}. "
            f"'{raw}' is not a 'date-time'",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _updated(server: Doc) -> dt.datetime:
    return dt.datetime.fromisoformat(server["updated"].replace("Z", "+00:00"))


def _time_checks(params: dict[str, str]) -> list[Callable[[Doc], bool]]:
    checks: list[Callable[[Doc], bool]] = []
    since = (
        parse_time(params["changes-since"], "changes-since") if "changes-since" in params else None
    )
    before = (
        parse_time(params["changes-before"], "changes-before")
        if "changes-before" in params
        else None
    )
    if since and before and before < since:
        raise ApiError(
            400, "The value of changes-since must be less than or equal to changes-before."
        )
    if since is not None:
        checks.append(lambda s: _updated(s) >= since)
    if before is not None:
        checks.append(lambda s: _updated(s) <= before)
    return checks


def _tag_checks(params: dict[str, str], version: tuple[int, int]) -> list[Callable[[Doc], bool]]:
    if version < (2, 26):
        return []
    checks: list[Callable[[Doc], bool]] = []
    tests: dict[str, Callable[[set[str], set[str]], bool]] = {
        "tags": lambda have, want: want <= have,
        "tags-any": lambda have, want: bool(want & have),
        "not-tags": lambda have, want: not want <= have,
        "not-tags-any": lambda have, want: not want & have,
    }
    for param, test in tests.items():
        if param in params:
            wanted = {t for t in params[param].split(",") if t}
            checks.append(partial(_tags_match, test, wanted))
    return checks


def _matches_ip(site: Site, server: Doc, pattern: re.Pattern[str]) -> bool:

    addresses = networks.server_addresses(site, server["id"])
    return any(
        pattern.search(str(a.get("addr", ""))) for entries in addresses.values() for a in entries
    )


def _sorted(
    servers: list[Doc], request: Request, caller: Caller, version: tuple[int, int]
) -> list[Doc]:
    keys = [k.strip() for k in request.query_params.getlist("sort_key")] or ["created_at"]
    dirs = [d.strip() for d in request.query_params.getlist("sort_dir")] or ["desc"]
    for key in keys:
        if key not in _SORT_FIELDS and key not in _IGNORED_SORT_KEYS:
            raise ApiError(
                400,
                f"Invalid input for query parameters sort_key. Value: {key}. "
                f"'{key}' is not one of {sorted(_SORT_FIELDS)}",
            )
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise ApiError(400, "Unknown sort direction, must be 'desc' or 'asc'")
    pairs = list(zip(keys, dirs + [dirs[-1]] * (len(keys) - len(dirs)), strict=False))
    pairs = [(k, d) for k, d in pairs if k in _SORT_FIELDS and _may_sort(k, caller, version)]
    pairs = pairs or [("created_at", "desc")]
    ordered = sorted(servers, key=lambda s: s["_seq"], reverse=pairs[0][1] == "desc")
    for key, direction in reversed(pairs):
        ordered.sort(key=partial(_sort_value, _SORT_FIELDS[key]), reverse=direction == "desc")
    return ordered


_IGNORED_SORT_KEYS = frozenset(
    {"architecture", "cell_name", "cleaned", "default_ephemeral_device", "default_swap_device"}
    | {"deleted", "deleted_at", "disable_terminate", "ephemeral_gb", "ephemeral_key_uuid", "id"}
    | {"key_data", "launched_on", "memory_mb", "os_type", "reservation_id", "root_gb"}
    | {"shutdown_terminate", "user_data", "vcpus", "vm_mode", "auto_disk_config", "kernel_id"}
    | {"locked_by", "ramdisk_id", "root_device_name"}
)


def _may_sort(key: str, caller: Caller, version: tuple[int, int]) -> bool:
    if key in ("host", "node") and not caller.is_admin:
        return False
    return key != "locked" or version >= (2, 73)


def _sort_value(field: str, server: Doc) -> tuple[bool, str]:
    value = _field(server, field)
    # NULLs sort first ascending, as MySQL orders them.
    return (value is not None, str(value) if value is not None else "")


def page(servers: Iterable[Doc], request: Request) -> list[Doc]:
    """Apply the limit to what `select` returned (Nova's max_limit is 1000)."""
    return list(servers)[: _limit(request)]


def _limit(request: Request) -> int:
    raw_limit = request.query_params.get("limit")
    if raw_limit is None:
        return MAX_LIMIT
    if not raw_limit.isdigit():
        raise ApiError(
            400,
            f"Invalid input for query parameters limit. Value: {raw_limit}. "
            f"'{raw_limit}' does not match '^[0-9]*$'",
        )
    return min(int(raw_limit), MAX_LIMIT)
