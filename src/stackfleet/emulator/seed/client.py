"""A minimal client that talks to one site through the emulator's own ASGI app, in-process.

Used by the demo seed so the population is built exactly as an API client would build it.
"""

from __future__ import annotations

from typing import Any

import httpx

from stackfleet.emulator.site import Site
from stackfleet.emulator.wire import Doc

COMPUTE_VERSION = {"OpenStack-API-Version": "compute 2.93"}


class SeedError(RuntimeError):
    """The emulator refused a seeding request: the seed and the emulator disagree."""


class SiteClient:
    """Requests to one site, as a given user, over an in-process transport."""

    def __init__(self, http: httpx.AsyncClient, site: Site) -> None:
        self.http = http
        self.site = site

    async def login(self, user: str, password: str, project: str) -> str:
        """A project-scoped token for `user`."""
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": user, "domain": {"id": "default"}, "password": password}
                    },
                },
                "scope": {"project": {"name": project, "domain": {"id": "default"}}},
            }
        }
        response = await self.http.post(f"/{self.site.name}/identity/v3/auth/tokens", json=body)
        _check(response)
        return response.headers["x-subject-token"]

    async def call(
        self,
        method: str,
        path: str,
        token: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Doc:
        """`method` on /<site>/<path> with `token`; returns the JSON body ({} when empty)."""
        all_headers = {"X-Auth-Token": token, **(headers or {})}
        response = await self.http.request(
            method, f"/{self.site.name}/{path}", json=json, headers=all_headers, content=content
        )
        _check(response)
        return response.json() if response.content else {}


def _check(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise SeedError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:300]}"
        )
