"""The emulator's ASGI app: one app, many sites, five services each.

Requests arrive as /<site>/<service>/<rest>. The dispatcher finds the site, fires its due timers,
applies its injected faults (latency, 503s, random 5xx), checks the Keystone token the way
keystonemiddleware does, negotiates the microversion, and hands the request to the service's own
Starlette app. /_admin/ is the admin API (`admin.py`), guarded by the emulator's admin token.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping

import anyio
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stackfleet.emulator import block_storage, compute, identity, image, network
from stackfleet.emulator.errors import ApiError, unauthorized
from stackfleet.emulator.service import Microversions, Service
from stackfleet.emulator.site import Emulator, Site
from stackfleet.emulator.wire import BodyError, json_response, parse_microversion

SERVICES: tuple[Service, ...] = (
    identity.SERVICE,
    compute.SERVICE,
    network.SERVICE,
    image.SERVICE,
    block_storage.SERVICE,
)


def create_app(emulator: Emulator, admin: ASGIApp | None = None) -> ASGIApp:
    """Build the ASGI app serving every site of `emulator`, with `admin` under /_admin."""
    return _Dispatcher(emulator, {s.name: _ServiceApp(s) for s in SERVICES}, admin)


class _Dispatcher:
    def __init__(
        self, emulator: Emulator, services: Mapping[str, _ServiceApp], admin: ASGIApp | None
    ) -> None:
        self.emulator = emulator
        self.services = services
        self.admin = admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        path: str = scope["path"]
        _, site_name, service_name, *_ = [*path.split("/", 3), "", ""]
        scope["emulator"] = self.emulator
        if site_name == "_admin" and self.admin is not None:
            await self.admin(_under(scope, "/_admin"), receive, send)
            return
        site = self.emulator.sites.get(site_name)
        service = self.services.get(service_name)
        if site is None or service is None:
            what = f"site {site_name!r}" if site is None else f"service {service_name!r}"
            body = {"error": {"code": 404, "message": f"No {what} here.", "title": "Not Found"}}
            await json_response(body, 404)(scope, receive, send)
            return
        site.requests_served += 1
        for name, value in scope["headers"]:
            if name == b"x-openstack-request-id":
                site.global_request_ids.append(value.decode("latin-1"))
        site.run_due()
        fault = await _injected_fault(site, service.service)
        if fault is not None:
            await service.service.render_error(fault, Headers(scope=scope))(scope, receive, send)
            return
        scope["emulator.site"] = site
        prefix = f"/{site_name}/{service_name}"
        if path == prefix:
            # A real service answers its bare endpoint (http://host:9292) like its root.
            scope["path"] = prefix + "/"
        await service(_under(scope, prefix), receive, send)


async def _injected_fault(site: Site, service: Service) -> ApiError | None:
    faults = site.faults
    if faults.latency_ms or faults.jitter_ms:
        jitter = random.uniform(0, faults.jitter_ms)  # noqa: S311 - not cryptographic
        await anyio.sleep((faults.latency_ms + jitter) / 1000)
    if faults.down or faults.is_unavailable(service.name):
        return ApiError(503, "The server is currently unavailable. Please try again later.")
    if faults.error_rate and random.random() < faults.error_rate:  # noqa: S311
        return ApiError(
            500, "An unexpected error prevented the server from fulfilling your request."
        )
    return None


class _ServiceApp:
    """One service, shared by all sites: auth, microversions, request ids, error rendering."""

    def __init__(self, service: Service) -> None:
        self.service = service
        handlers = {
            ApiError: self._render_api_error,
            BodyError: self._render_body_error,
            HTTPException: self._render_http_error,
            Exception: self._render_crash,
        }
        self.app = Starlette(routes=list(service.routes), exception_handlers=handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        route_path = scope["path"][len(scope["root_path"]) :] or "/"
        site: Site = scope["emulator.site"]
        headers = {"x-openstack-request-id": f"req-{uuid.uuid4()}"}
        scope["emulator.request_id"] = headers["x-openstack-request-id"]
        versions = self.service.microversions
        if versions is not None and route_path.startswith(versions.path_prefix):
            version = parse_microversion(
                request.headers,
                versions.service_type,
                versions.legacy_header or "",
                versions.minimum,
                versions.maximum,
            )
            headers.update(_version_headers(versions, version))
            if version is None:
                await self._unacceptable(versions, request, headers)(scope, receive, send)
                return
            scope["emulator.microversion"] = version
        if not self.service.is_public(scope["method"], route_path):
            caller = site.identity.validate(request.headers.get("x-auth-token"), site.clock)
            if caller is None:
                error = unauthorized(site.service_url("identity") + "/v3")
                response = self.service.render_unauthorized(error, request.headers)
                response.headers.update(headers)
                await response(scope, receive, send)
                return
            scope["emulator.caller"] = caller
        await self.app(scope, receive, _with_headers(send, headers))

    def _unacceptable(
        self, versions: Microversions, request: Request, headers: dict[str, str]
    ) -> Response:
        asked = request.headers.get("openstack-api-version", "")
        message = (
            f"Version {asked} is not supported by the API. "
            f"Minimum is {versions.minimum} and maximum is {versions.maximum}."
        )
        error = ApiError(406, message, kind="computeFault")
        response = self.service.render_error(error, request.headers)
        response.headers.update(headers)
        return response

    def _render_api_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)  # noqa: S101 - Starlette's handler signature is untyped
        return self.service.render_error(exc, request.headers)

    def _render_body_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BodyError)  # noqa: S101
        return self.service.render_error(ApiError(exc.status, exc.message), request.headers)

    def _render_http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)  # noqa: S101
        message = "The resource could not be found." if exc.status_code == 404 else exc.detail
        return self.service.render_error(ApiError(exc.status_code, message), request.headers)

    def _render_crash(self, request: Request, exc: Exception) -> Response:
        message = f"Unexpected emulator error handling {request.method} {request.url.path}: {exc!r}"
        return self.service.render_error(ApiError(500, message), request.headers)


def _version_headers(versions: Microversions, version: tuple[int, int] | None) -> dict[str, str]:
    echoed = f"{version[0]}.{version[1]}" if version else versions.minimum
    headers = {
        "openstack-api-version": f"{versions.service_type} {echoed}",
        "vary": "OpenStack-API-Version",
    }
    if versions.legacy_header:
        headers[versions.legacy_header.lower()] = echoed
        headers["vary"] += f", {versions.legacy_header}"
    return headers


def _with_headers(send: Send, headers: Mapping[str, str]) -> Send:
    extra = [(k.encode(), v.encode()) for k, v in headers.items()]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return send_with_headers


def _under(scope: Scope, prefix: str) -> Scope:
    return {**scope, "root_path": scope.get("root_path", "") + prefix}


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
