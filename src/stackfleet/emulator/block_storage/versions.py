"""Cinder version discovery: `GET /` (300, every version) and `GET /v3/` (200, the same list).

Rendered as Cinder Zed's `cinder/api/versions.py` does, with the microversion range of 21.x.
Called by keystoneauth/openstacksdk discovery before any other block-storage request.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator.wire import Doc, json_response

MIN_VERSION = "3.0"
MAX_VERSION = "3.70"
UPDATED = "2022-08-31T00:00:00Z"


def versions_body(root: str) -> Doc:
    return {
        "versions": [
            {
                "id": "v3.0",
                "status": "CURRENT",
                "version": MAX_VERSION,
                "min_version": MIN_VERSION,
                "updated": UPDATED,
                "links": [
                    {
                        "rel": "describedby",
                        "type": "text/html",
                        "href": "https://docs.openstack.org/",
                    },
                    {"rel": "self", "href": f"{root}/v3/"},
                ],
                "media-types": [
                    {
                        "base": "application/json",
                        "type": "application/vnd.openstack.volume+json;version=3",
                    }
                ],
            }
        ]
    }


async def all_versions(request: Request) -> Response:
    return json_response(versions_body(str(request.base_url).rstrip("/")), 300)


async def v3_index(request: Request) -> Response:
    return json_response(versions_body(str(request.base_url).rstrip("/")))


ROUTES = [
    Route("/", all_versions, methods=["GET"]),
    Route("/v3", v3_index, methods=["GET"]),
    Route("/v3/", v3_index, methods=["GET"]),
]
