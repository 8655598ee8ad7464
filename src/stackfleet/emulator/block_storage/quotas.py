"""Cinder quota sets (`/os-quota-sets/{project}`) and absolute limits (`/limits`).

Show (with `?usage=true`), defaults, update and delete, rendered as Cinder Zed's
`contrib/quotas.py`, `v3/limits.py` and `contrib/used_limits.py` do. Enforcement on create is in
`usage.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage.common import Ctx, bool_param, ctx, routes
from stackfleet.emulator.block_storage.usage import usage
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response, read_json

DB_MAX_INT = 0x7FFFFFFF
NON_QUOTA_KEYS = ("tenant_id", "id")
_LIMIT_NAMES = {
    "gigabytes": "maxTotalVolumeGigabytes",
    "backup_gigabytes": "maxTotalBackupGigabytes",
    "volumes": "maxTotalVolumes",
    "snapshots": "maxTotalSnapshots",
    "backups": "maxTotalBackups",
}
_USED_NAMES = {
    "totalVolumesUsed": "volumes",
    "totalGigabytesUsed": "gigabytes",
    "totalSnapshotsUsed": "snapshots",
    "totalBackupsUsed": "backups",
    "totalBackupGigabytesUsed": "backup_gigabytes",
}


def _authorize(c: Ctx, project_id: str, rule: str, admin_only: bool = False) -> None:
    if c.is_admin or (not admin_only and project_id == c.project_id):
        return
    raise ApiError(403, f"Policy doesn't allow volume_extension:quotas:{rule} to be performed.")


def _limits(c: Ctx, project_id: str) -> dict[str, int]:
    """The project's limits in Cinder's order: QUOTAS resources, per-type, then groups."""
    limits = c.state.project_quotas(project_id)
    ordered = {
        key: limits[key]
        for key in (
            "volumes",
            "per_volume_gigabytes",
            "snapshots",
            "gigabytes",
            "backups",
            "backup_gigabytes",
        )
    }
    for volume_type in c.state.types.values():
        for resource in ("volumes", "snapshots", "gigabytes"):
            key = f"{resource}_{volume_type['name']}"
            ordered[key] = limits[key]
    ordered["groups"] = limits["groups"]
    return ordered


async def show(request: Request) -> Response:
    c = ctx(request)
    project_id = request.path_params["target"]
    _authorize(c, project_id, "show")
    limits = _limits(c, project_id)
    body: Doc = dict(limits)
    if "usage" in request.query_params and bool_param(request.query_params, "usage"):
        used = usage(c.state, project_id)
        body = {
            key: {"limit": limit, "in_use": used[key], "reserved": 0}
            for key, limit in limits.items()
        }
    return json_response({"quota_set": {**body, "id": project_id}})


async def defaults(request: Request) -> Response:
    c = ctx(request)
    project_id = request.path_params["target"]
    _authorize(c, project_id, "show")
    limits = _limits(c, project_id)
    defaults_only = {**c.state.default_quotas}
    body = {key: defaults_only.get(key, -1) for key in limits}
    return json_response({"quota_set": {**body, "id": project_id}})


async def update(request: Request) -> Response:
    c = ctx(request)
    project_id = request.path_params["target"]
    _authorize(c, project_id, "update", admin_only=True)
    body = await read_json(request)
    if not isinstance(body, dict) or "quota_set" not in body:
        raise ApiError(400, "'quota_set' is a required property")
    quota_set = body["quota_set"]
    if not isinstance(quota_set, dict) or not quota_set:
        raise ApiError(
            400,
            f"Invalid input for field/attribute quota_set. Value: {quota_set}. "
            f"{quota_set!r} does not have enough properties",
        )
    known = set(_limits(c, project_id))
    bad = [key for key in quota_set if key not in known and key not in NON_QUOTA_KEYS]
    if bad:
        raise ApiError(400, f"Invalid input received: Bad key(s) in quota set: {', '.join(bad)}")
    values = {k: _integer(k, v) for k, v in quota_set.items() if k not in NON_QUOTA_KEYS}
    used = usage(c.state, project_id)
    for key, value in values.items():
        if key != "per_volume_gigabytes" and value != -1 and value < used[key]:
            raise ApiError(
                400,
                f"Quota {key} limit must be equal or greater than existing resources. Current "
                f"usage is {used[key]} and the requested limit is {value}.",
            )
    c.state.quotas.setdefault(project_id, {}).update(values)
    return json_response({"quota_set": _limits(c, project_id)})


def _integer(key: str, value: object) -> int:
    """`oslo_utils.strutils.validate_integer` as Cinder's quota validator uses it."""
    try:
        number = int(str(value)) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None:
        raise ApiError(400, f"{key} must be an integer.")
    if number < -1:
        raise ApiError(400, f"{key} must be >= -1.")
    if number > DB_MAX_INT:
        raise ApiError(400, f"{key} must be <= {DB_MAX_INT}.")
    return number


async def delete(request: Request) -> Response:
    c = ctx(request)
    project_id = request.path_params["target"]
    _authorize(c, project_id, "delete", admin_only=True)
    c.state.quotas.pop(project_id, None)
    return Response(status_code=200)


async def limits(request: Request) -> Response:
    c = ctx(request)
    params = request.query_params
    project_id = c.project_id
    if c.is_admin and c.at_least(3, 39):
        project_id = params.get("project_id", params.get("tenant_id", project_id))
    quota_limits = c.state.project_quotas(project_id)
    absolute: Doc = {
        name: quota_limits[key] for key, name in _LIMIT_NAMES.items() if key in quota_limits
    }
    used = usage(c.state, project_id)
    absolute.update({name: used[key] for name, key in _USED_NAMES.items()})
    return json_response({"limits": {"rate": [], "absolute": absolute}})


ROUTES = [
    *routes("/os-quota-sets/{target}/defaults", defaults, ["GET"]),
    *routes("/os-quota-sets/{target}", show, ["GET"]),
    *routes("/os-quota-sets/{target}", update, ["PUT"]),
    *routes("/os-quota-sets/{target}", delete, ["DELETE"]),
    *routes("/limits", limits, ["GET"]),
]
