"""Cinder's state for one site: volumes, snapshots, backups, volume types, quotas and services.

Created by `Site` with what a fresh Cinder Zed deployment has: the `__DEFAULT__` volume type (made
by the initial database migration), the default quotas of cinder.conf, and one scheduler, volume
and backup service. Documents are kept in their wire shape (see `wire.Doc`); private bookkeeping
(owning project, attach status, backend host, data file) lives under keys starting with `_`.
Every block_storage module reads and changes this state; `internal.py` lets Nova reach it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stackfleet.emulator.clock import isoformat_micro
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

DEFAULT_TYPE = "__DEFAULT__"
"""`volume_types.DEFAULT_VOLUME_TYPE`, created by Cinder's first database migration."""

DEFAULT_QUOTAS = {
    "volumes": 10,
    "snapshots": 10,
    "gigabytes": 1000,
    "backups": 10,
    "backup_gigabytes": 1000,
    "groups": 10,
    "per_volume_gigabytes": -1,
}
"""cinder.conf [DEFAULT] quota_* defaults (cinder/quota.py)."""

PER_TYPE_RESOURCES = ("volumes", "snapshots", "gigabytes")
"""Quota resources Cinder also tracks per volume type, as `<resource>_<type name>`."""


@dataclass
class VolumeState:
    """Everything Cinder stores for one site."""

    host: str
    """The cinder-volume backend pool every volume lands on (`host@backend#pool`)."""
    service_uuid: str
    volumes: dict[str, Doc] = field(default_factory=dict)
    snapshots: dict[str, Doc] = field(default_factory=dict)
    backups: dict[str, Doc] = field(default_factory=dict)
    types: dict[str, Doc] = field(default_factory=dict)
    """Volume types by id; `_extra_specs` is kept in the doc as `extra_specs`."""
    attachments: dict[str, Doc] = field(default_factory=dict)
    """Attachment records by id (volume_id, instance_uuid, mountpoint, attached_host...)."""
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per-project overrides of the default quotas."""
    default_quotas: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    services: list[Doc] = field(default_factory=list)

    @classmethod
    def create(cls, site: Site) -> VolumeState:
        hostname = f"{site.name}-storage"
        state = cls(host=f"{hostname}@lvm#lvm", service_uuid=str(uuid.uuid4()))
        now = isoformat_micro(site.clock.now()).rstrip("Z")
        state.types[new_id()] = {
            "name": DEFAULT_TYPE,
            "description": "Default Volume Type",
            "is_public": True,
            "extra_specs": {},
            "qos_specs_id": None,
            "os-volume-type-access:is_public": True,
            "_created": now,
        }
        for type_id, doc in state.types.items():
            doc["id"] = type_id
        zone = "nova"
        for binary, host in (
            ("cinder-scheduler", hostname),
            ("cinder-volume", f"{hostname}@lvm"),
            ("cinder-backup", hostname),
        ):
            state.services.append(
                {
                    "binary": binary,
                    "host": host,
                    "zone": zone,
                    "status": "enabled",
                    "state": "up",
                    "updated_at": now,
                    "disabled_reason": None,
                    "cluster": None,
                }
            )
        return state

    def default_type(self) -> Doc:
        return next(t for t in self.types.values() if t["name"] == DEFAULT_TYPE)

    def project_quotas(self, project_id: str) -> dict[str, int]:
        """The quota limits in force for a project, per-type limits included."""
        limits = dict(self.default_quotas)
        for volume_type in self.types.values():
            for resource in PER_TYPE_RESOURCES:
                limits[f"{resource}_{volume_type['name']}"] = -1
        limits.update(self.quotas.get(project_id, {}))
        return limits
