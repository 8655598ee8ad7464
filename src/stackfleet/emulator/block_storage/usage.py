"""Cinder quota usage and enforcement: what a project uses, and the 413s when it would exceed.

Usage is computed from the site's volumes, snapshots and backups (nothing is cached, so it never
drifts). `reserve` mirrors Cinder's `QUOTAS.reserve` + `quota_utils.process_reserve_over_quota`:
the same resources, the same order of checks and the same exception names and messages. Called
by the volume, snapshot and backup handlers, `internal.py` and the quota-set and limits views.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from stackfleet.emulator.block_storage.state import VolumeState
from stackfleet.emulator.errors import ApiError


def usage(state: VolumeState, project_id: str) -> Counter[str]:
    """In-use amounts of every quota resource for `project_id`, per-type resources included."""
    used: Counter[str] = Counter()
    type_names = {t["id"]: t["name"] for t in state.types.values()}
    for volume in state.volumes.values():
        if volume["_project_id"] != project_id or not volume.get("_use_quota", True):
            continue
        type_name = type_names.get(volume["volume_type_id"], volume["volume_type"])
        used["volumes"] += 1
        used[f"volumes_{type_name}"] += 1
        used["gigabytes"] += volume["size"]
        used[f"gigabytes_{type_name}"] += volume["size"]
    for snapshot in state.snapshots.values():
        if snapshot["_project_id"] != project_id:
            continue
        type_name = type_names.get(snapshot["_volume_type_id"], "")
        used["snapshots"] += 1
        used[f"snapshots_{type_name}"] += 1
        used["gigabytes"] += snapshot["size"]
        used[f"gigabytes_{type_name}"] += snapshot["size"]
    for backup in state.backups.values():
        if backup["_project_id"] == project_id:
            used["backups"] += 1
            used["backup_gigabytes"] += backup["size"]
    return used


def reserve(
    state: VolumeState, project_id: str, resource: str, deltas: Mapping[str, int], size: int
) -> None:
    """Raise Cinder's 413 if adding `deltas` would take `project_id` over its quotas.

    Args:
        state: the site's Cinder state.
        project_id: whose quotas.
        resource: "volumes", "snapshots" or "backups": which exception names the failure.
        deltas: amounts to add per quota resource (e.g. volumes, gigabytes, per-type ones).
        size: the requested size in GB, for the gigabytes message.
    """
    limits = state.project_quotas(project_id)
    used = usage(state, project_id)
    if resource == "volumes":
        per_volume = limits.get("per_volume_gigabytes", -1)
        if per_volume >= 0 and size > per_volume:
            raise _quota_error(
                "VolumeSizeExceedsLimit",
                f"Requested volume size {size}G is larger than maximum allowed limit "
                f"{per_volume}G.",
            )
    overs = sorted(
        name
        for name, delta in deltas.items()
        if limits.get(name, -1) >= 0 and delta >= 0 and limits[name] < delta + used[name]
    )
    for over in overs:
        if "gigabytes" in over:
            kind = (
                "VolumeBackupSizeExceedsAvailableQuota"
                if resource == "backups"
                else "VolumeSizeExceedsAvailableQuota"
            )
            what = "Backup gigabytes" if resource == "backups" else over
            noun = "backup" if resource == "backups" else "volume or snapshot"
            raise _quota_error(
                kind,
                f"Requested {noun} exceeds allowed {what} quota. Requested {size}G, quota is "
                f"{limits[over]}G and {used[over]}G has been consumed.",
            )
        if resource in over:
            raise _limit_exceeded(resource, over, limits[over])
    if overs:
        raise _quota_error("UnexpectedOverQuota", f"Unexpected over quota on {', '.join(overs)}.")


def _limit_exceeded(resource: str, over: str, allowed: int) -> ApiError:
    if resource == "volumes":
        return _quota_error(
            "VolumeLimitExceeded",
            f"Maximum number of volumes allowed ({allowed}) exceeded for quota '{over}'.",
        )
    if resource == "snapshots":
        return _quota_error(
            "SnapshotLimitExceeded", f"Maximum number of snapshots allowed ({allowed}) exceeded"
        )
    return _quota_error(
        "BackupLimitExceeded", f"Maximum number of backups allowed ({allowed}) exceeded"
    )


def _quota_error(name: str, message: str) -> ApiError:
    # QuotaError is "safe": FaultWrapper prefixes the class name and keeps Retry-After.
    return ApiError(413, f"{name}: {message}", headers={"Retry-After": "0"})


def volume_deltas(type_name: str, size: int) -> dict[str, int]:
    """The reservation Cinder makes for one new volume of `size` GB."""
    return {
        "volumes": 1,
        "gigabytes": size,
        f"volumes_{type_name}": 1,
        f"gigabytes_{type_name}": size,
    }
