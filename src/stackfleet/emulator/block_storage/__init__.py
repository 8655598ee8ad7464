"""Block storage v3 (Cinder Zed), served under /<site>/volume.

Routes: version discovery (`versions.py`), volumes (`volumes.py`), volume actions
(`actions.py`), volume metadata (`metadata.py`), snapshots (`snapshots.py`), backups
(`backups.py`), volume types (`types.py`), quota sets and limits (`quotas.py`), services and
availability zones (`services.py`). Nova reaches Cinder in-process through `internal.py`.
"""

from __future__ import annotations

from stackfleet.emulator.block_storage import (
    actions,
    backups,
    metadata,
    quotas,
    services,
    snapshots,
    types,
    versions,
    volumes,
)
from stackfleet.emulator.errors import render_fault
from stackfleet.emulator.service import Microversions, Service


def _is_public(method: str, path: str) -> bool:
    del method
    return path == "/"


SERVICE = Service(
    name="volume",
    routes=[
        *versions.ROUTES,
        *volumes.ROUTES,
        *actions.ROUTES,
        *metadata.ROUTES,
        *snapshots.ROUTES,
        *backups.ROUTES,
        *types.ROUTES,
        *quotas.ROUTES,
        *services.ROUTES,
    ],
    render_error=render_fault,
    is_public=_is_public,
    microversions=Microversions("volume", "3.0", "3.70", path_prefix="/v3"),
)
