"""Nova's version discovery: GET / (every version) and GET /v2.1/ (the v2.1 document).

Rendered as `nova.api.openstack.compute.versions` does. These routes need no token (they sit in
front of authtoken in Nova's paste pipeline); `compute/__init__.py` lists them first.
"""

from __future__ import annotations

import copy

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.wire import Doc, json_response

MIN_VERSION = "2.1"
MAX_VERSION = "2.93"
"""Nova Zed's microversion range (`nova.api.openstack.api_version_request`)."""

_DESCRIBED_BY = {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}

VERSIONS: dict[str, Doc] = {
    "v2.0": {
        "id": "v2.0",
        "status": "SUPPORTED",
        "version": "",
        "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [_DESCRIBED_BY],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2"}
        ],
    },
    "v2.1": {
        "id": "v2.1",
        "status": "CURRENT",
        "version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "updated": "2013-07-23T11:33:21Z",
        "links": [_DESCRIBED_BY],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    },
}

PUBLIC_PATHS = frozenset({"/", "/v2", "/v2/", "/v2.1", "/v2.1/"})
"""Paths Nova serves without a token (its version apps)."""


def _path_segment(version_id: str) -> str:
    return "v2.1" if version_id == "v2.1" else "v2"


async def list_versions(request: Request) -> Response:
    root = context.site(request).service_url("compute")
    versions = [
        {
            "id": doc["id"],
            "status": doc["status"],
            "version": doc["version"],
            "min_version": doc["min_version"],
            "updated": doc["updated"],
            "links": [{"rel": "self", "href": f"{root}/{_path_segment(doc['id'])}/"}],
        }
        for _, doc in sorted(VERSIONS.items())
    ]
    return json_response({"versions": versions})


def _version_document(request: Request, version_id: str) -> Response:
    root = context.site(request).service_url("compute")
    doc = copy.deepcopy(VERSIONS[version_id])
    doc["links"].insert(0, {"rel": "self", "href": f"{root}/{_path_segment(version_id)}/"})
    return json_response({"version": doc})


async def show_v21(request: Request) -> Response:
    return _version_document(request, "v2.1")


async def show_v20(request: Request) -> Response:
    return _version_document(request, "v2.0")


ROUTES = [
    Route("/", list_versions, methods=["GET"]),
    Route("/v2.1", show_v21, methods=["GET"]),
    Route("/v2.1/", show_v21, methods=["GET"]),
    Route("/v2", show_v20, methods=["GET"]),
    Route("/v2/", show_v20, methods=["GET"]),
]
