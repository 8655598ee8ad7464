"""Image v2 (Glance Zed, file store): records, data, import, members and version discovery.

Routes are mounted under every version prefix Glance accepts (/v2, /v2.0 … /v2.15); the rest of
the service root is version discovery. Other services reach Glance through `internal.py`.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from stackfleet.emulator.image import actions, data, images, imports, members, versions
from stackfleet.emulator.image.faults import render_error
from stackfleet.emulator.service import Service

V2_ROUTES: list[BaseRoute] = [
    *versions.SCHEMA_ROUTES,
    *imports.ROUTES,
    *images.ROUTES,
    *data.ROUTES,
    *actions.ROUTES,
    *members.ROUTES,
]

SERVICE = Service(
    name="image",
    routes=[
        *(Mount(f"/{prefix}", routes=V2_ROUTES) for prefix in versions.PATH_VERSIONS),
        *versions.ROOT_ROUTES,
    ],
    render_error=render_error,
    is_public=versions.is_public,
    render_unauthorized=render_error,  # Glance runs authtoken with delay_auth_decision = true
)
