"""Compute v2.1 (Nova): the SERVICE the emulator app serves under /<site>/compute/.

`ROUTES` is the one list of Nova's routes. Servers, their actions, volume attachments, instance
actions and hypervisors come from this package's server modules; flavors, keypairs, quotas,
limits, server groups, availability zones and os-services are added by their own modules.
Starlette matches in order, so fixed paths (`/servers/detail`) precede `{server_id}` ones.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from stackfleet.emulator.compute import (
    availability_zones,
    flavor_access,
    flavors,
    hypervisors,
    instance_actions,
    keypairs,
    limits,
    quota_sets,
    server_groups,
    servers,
    services,
    versions,
    volume_attachments,
)
from stackfleet.emulator.errors import render_fault
from stackfleet.emulator.service import Microversions, Service

ROUTES: list[BaseRoute] = [
    *versions.ROUTES,
    *servers.ROUTES,
    *instance_actions.ROUTES,
    *volume_attachments.ROUTES,
    *hypervisors.ROUTES,
    *flavors.ROUTES,
    *flavor_access.ROUTES,
    *quota_sets.ROUTES,
    *keypairs.ROUTES,
    *limits.ROUTES,
    *server_groups.ROUTES,
    *availability_zones.ROUTES,
    *services.ROUTES,
]


def _is_public(method: str, path: str) -> bool:
    del method
    return path in versions.PUBLIC_PATHS


SERVICE = Service(
    name="compute",
    routes=ROUTES,
    render_error=render_fault,
    is_public=_is_public,
    microversions=Microversions(
        "compute",
        versions.MIN_VERSION,
        versions.MAX_VERSION,
        legacy_header="X-OpenStack-Nova-API-Version",
        path_prefix="/v2",
    ),
)
