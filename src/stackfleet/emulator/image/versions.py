"""Glance's version discovery and the v2 schema documents.

`GET /<site>/image/` answers 300 with the version list, `GET /versions` 200, and, as Glance's
version-negotiation middleware does (before authentication), any path whose first segment is not
a supported version answers the 300 too. The list is Glance Zed's with its default configuration
(no image cache, no multiple stores): v2.15 CURRENT, v2.9 and v2.7 … v2.0 SUPPORTED.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.image import schemas
from stackfleet.emulator.wire import Doc, json_response

LISTED = ("2.15", "2.9", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0")
"""Versions Glance lists, newest first (the first is CURRENT)."""
PATH_VERSIONS = ("v2", *(f"v{version}" for version in LISTED))
"""URL prefixes Glance serves v2 under."""


def is_public(method: str, path: str) -> bool:
    """Version discovery needs no token: Glance negotiates versions before keystonemiddleware."""
    del method
    first = path.lstrip("/").split("/", 1)[0]
    return first not in PATH_VERSIONS


def _versions(request: Request) -> Doc:
    href = f"{context.site(request).service_url('image')}/v2/"
    return {
        "versions": [
            {
                "id": f"v{version}",
                "status": "CURRENT" if index == 0 else "SUPPORTED",
                "links": [{"rel": "self", "href": href}],
            }
            for index, version in enumerate(LISTED)
        ]
    }


async def choices(request: Request) -> Response:
    return json_response(_versions(request), 300)


async def versions(request: Request) -> Response:
    return json_response(_versions(request))


async def image_schema(request: Request) -> Response:
    del request
    return json_response(schemas.image_schema())


async def images_schema(request: Request) -> Response:
    del request
    return json_response(schemas.images_schema())


async def member_schema(request: Request) -> Response:
    del request
    return json_response(schemas.member_schema())


async def members_schema(request: Request) -> Response:
    del request
    return json_response(schemas.members_schema())


SCHEMA_ROUTES = [
    Route("/schemas/image", image_schema, methods=["GET"]),
    Route("/schemas/images", images_schema, methods=["GET"]),
    Route("/schemas/member", member_schema, methods=["GET"]),
    Route("/schemas/members", members_schema, methods=["GET"]),
]

ROOT_ROUTES = [
    Route("/versions", versions),
    Route("/{rest:path}", choices),
]
"""Served after the versioned mounts, so they only see paths no version claims."""
