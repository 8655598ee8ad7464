"""The emulator's admin API under /_admin: sites, injected faults, token expiry and saving state.

`stackfleet emulator ...` (through `admin_client.AdminClient`) and tests call it over HTTP; the
app is mounted by `app.create_app(emulator, create_admin_app(emulator))`. Every request must carry
the emulator's admin token in `X-Admin-Token` (401 otherwise). Bodies and answers are JSON; errors
are `{"error": {"code": <status>, "message": "..."}}`. Handlers change the emulator between two
requests of the single event loop, so sites come and go safely while others are being served.

Routes (relative to /_admin):
    GET    /sites                       list sites: name, region, url, faults, resource counts
    POST   /sites                       add a site (name, region, boot_seconds, capacity, passwords)
    GET    /sites/{name}                one site
    DELETE /sites/{name}                remove a site
    GET    /sites/{name}/faults         its faults
    PUT    /sites/{name}/faults         replace them (fields left out are reset)
    PATCH  /sites/{name}/faults         change the fields given
    DELETE /sites/{name}/faults         clear them all
    POST   /sites/{name}/expire-tokens  every token issued so far is rejected from now on
    GET    /clouds                      the clouds.yaml document (as JSON); ?site= to filter
    POST   /save                        save state: {"path": "..."} or the emulator's --state file
"""

from __future__ import annotations

import pathlib
import secrets
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from stackfleet.emulator import persistence
from stackfleet.emulator.admin_input import AdminInputError, faults_doc, parse_faults, parse_site
from stackfleet.emulator.clock import isoformat_micro
from stackfleet.emulator.clouds import clouds_config
from stackfleet.emulator.site import Emulator, Faults, Site
from stackfleet.emulator.wire import BodyError, json_response, read_json

SitesChanged = Callable[[Emulator], None]
"""Called after a site is added or removed (the CLI rewrites clouds.yaml)."""

_MAX_BODY_BYTES = 64 * 1024


def create_admin_app(
    emulator: Emulator,
    state_path: pathlib.Path | None = None,
    on_sites_changed: SitesChanged | None = None,
) -> ASGIApp:
    """The admin API for `emulator`; `state_path` is where `POST /save` writes by default."""
    admin = _Admin(emulator, state_path, on_sites_changed)
    routes = [
        Route("/sites", admin.list_sites, methods=["GET"]),
        Route("/sites", admin.add_site, methods=["POST"]),
        Route("/sites/{name}", admin.show_site, methods=["GET"]),
        Route("/sites/{name}", admin.remove_site, methods=["DELETE"]),
        Route("/sites/{name}/faults", admin.show_faults, methods=["GET"]),
        Route("/sites/{name}/faults", admin.set_faults, methods=["PUT", "PATCH"]),
        Route("/sites/{name}/faults", admin.clear_faults, methods=["DELETE"]),
        Route("/sites/{name}/expire-tokens", admin.expire_tokens, methods=["POST"]),
        Route("/clouds", admin.clouds, methods=["GET"]),
        Route("/save", admin.save, methods=["POST"]),
    ]
    handlers = {
        HTTPException: _http_error,
        AdminInputError: _input_error,
        BodyError: _body_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    return _TokenGuard(app, emulator)


def site_doc(site: Site) -> dict[str, Any]:
    """How the admin API shows a site."""
    return {
        "name": site.name,
        "region": site.config.region,
        "url": site.url,
        "auth_url": site.service_url("identity") + "/v3",
        "boot_seconds": site.configured_boot_seconds,
        "faults": faults_doc(site.faults),
        "counts": _counts(site),
        "requests_served": site.requests_served,
    }


def _counts(site: Site) -> dict[str, int]:
    return {
        "projects": len(site.identity.projects),
        "users": len(site.identity.users),
        # Nova keeps deleted servers around (soft delete) until they are purged.
        "servers": sum(not s.get("_deleted") for s in site.compute.servers.values()),
        "networks": len(site.network.networks),
        "ports": len(site.network.ports),
        "images": len(site.image.images),
        "volumes": len(site.volume.volumes),
    }


class _TokenGuard:
    """Answers 401 unless the request carries the emulator's admin token."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.expected = emulator.admin_token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-admin-token", b"")
        if not secrets.compare_digest(given, self.expected):
            message = "The admin API needs the emulator's admin token in X-Admin-Token."
            await _error(401, message)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _Admin:
    def __init__(
        self,
        emulator: Emulator,
        state_path: pathlib.Path | None,
        on_sites_changed: SitesChanged | None,
    ) -> None:
        self.emulator = emulator
        self.state_path = state_path
        self.on_sites_changed = on_sites_changed

    def _site(self, request: Request) -> Site:
        name = request.path_params["name"]
        site = self.emulator.sites.get(name)
        if site is None:
            raise HTTPException(404, f"There is no site {name!r}.")
        return site

    def _changed(self) -> None:
        if self.on_sites_changed is not None:
            self.on_sites_changed(self.emulator)

    async def list_sites(self, _: Request) -> Response:
        sites = [site_doc(site) for site in self.emulator.sites.values()]
        return json_response({"sites": sites})

    async def add_site(self, request: Request) -> Response:
        config = parse_site(await read_json(request, _MAX_BODY_BYTES))
        if config.name in self.emulator.sites:
            raise HTTPException(409, f"Site {config.name!r} already exists.")
        try:
            site = self.emulator.add_site(config)
        except ValueError as exc:
            raise AdminInputError(str(exc)) from exc
        self._changed()
        return json_response({"site": site_doc(site)}, 201)

    async def show_site(self, request: Request) -> Response:
        return json_response({"site": site_doc(self._site(request))})

    async def remove_site(self, request: Request) -> Response:
        site = self._site(request)
        self.emulator.remove_site(site.name)
        self._changed()
        return Response(status_code=204)

    async def show_faults(self, request: Request) -> Response:
        return json_response({"faults": faults_doc(self._site(request).faults)})

    async def set_faults(self, request: Request) -> Response:
        body = await read_json(request, _MAX_BODY_BYTES)
        site = self._site(request)
        base = site.faults if request.method == "PATCH" else Faults()
        site.set_faults(parse_faults(body, base))
        return json_response({"faults": faults_doc(site.faults)})

    async def clear_faults(self, request: Request) -> Response:
        site = self._site(request)
        site.set_faults(Faults())
        return json_response({"faults": faults_doc(site.faults)})

    async def expire_tokens(self, request: Request) -> Response:
        site = self._site(request)
        now = site.clock.now()
        site.identity.revoked_before = now
        return json_response({"revoked_before": isoformat_micro(now)})

    async def clouds(self, request: Request) -> Response:
        wanted = request.query_params.getlist("site")
        missing = [name for name in wanted if name not in self.emulator.sites]
        if missing:
            raise HTTPException(404, f"There is no site {missing[0]!r}.")
        sites = [self.emulator.sites[name] for name in wanted] or list(self.emulator.sites.values())
        return json_response(clouds_config(sites))

    async def save(self, request: Request) -> Response:
        path = await self._save_path(request)
        # Serialize here, between two requests, so the snapshot is consistent; write elsewhere.
        data = persistence.dumps(self.emulator)
        try:
            path = await anyio.to_thread.run_sync(
                persistence.write, data, self.emulator.data_dir, list(self.emulator.sites), path
            )
        except OSError as exc:
            raise HTTPException(400, f"Cannot save to {path}: {exc.strerror or exc}") from exc
        return json_response({"path": str(path), "sites": len(self.emulator.sites)})

    async def _save_path(self, request: Request) -> pathlib.Path:
        body: object = {}
        if await request.body():
            body = await read_json(request, _MAX_BODY_BYTES)
        if not isinstance(body, dict) or set(body) - {"path"}:
            raise AdminInputError('the body must be {"path": "<file>"} or empty')
        raw = body.get("path")
        if raw is None and self.state_path is not None:
            return self.state_path
        if not isinstance(raw, str) or not raw:
            raise AdminInputError(
                "give the file to save to as 'path' (the emulator was started without --state)"
            )
        return pathlib.Path(raw)


def _error(status: int, message: str) -> Response:
    return json_response({"error": {"code": status, "message": message}}, status)


def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # noqa: S101 - Starlette's handler signature is untyped
    return _error(exc.status_code, exc.detail)


def _input_error(_: Request, exc: Exception) -> Response:
    return _error(400, str(exc))


def _body_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyError)  # noqa: S101
    return _error(exc.status, exc.message)
