"""The FastAPI application: routes under /v1, problem+json errors, request ids, /metrics.

`create_api(services)` is called by server.py (`stackfleet serve`) and by the tests; `services`
comes from `bootstrap.build_services`.
"""

from __future__ import annotations

import re
from importlib.metadata import version

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stackfleet.api import metrics, problems, routes_inventory, routes_sites
from stackfleet.bootstrap import Services
from stackfleet.kernel.ids import new_request_id
from stackfleet.kernel.tracing import request_id

REQUEST_ID_HEADER = "X-OpenStack-Request-ID"
# A caller's id is echoed to every site: accept only OpenStack's own shape of it.
_VALID_ID = re.compile(r"^req-[0-9a-fA-F-]{36}$")


class RequestIdMiddleware:
    """Run each request as one traced action and echo its id in `X-OpenStack-Request-ID`.

    Pure ASGI (not BaseHTTPMiddleware) so the route runs in the same context: the id set here
    is the one the OpenStack adapter sends to the sites.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode()
        chosen = given if _VALID_ID.match(given) else new_request_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k != b"x-openstack-request-id"
                ]
                headers.append((b"x-openstack-request-id", chosen.encode()))
                message["headers"] = headers
            await send(message)

        with request_id(chosen):
            await self.app(scope, receive, send_with_id)


def create_api(services: Services) -> FastAPI:
    """The API over `services`."""
    app = FastAPI(
        title="Stackfleet",
        version=version("stackfleet"),
        description="One control plane over many independent OpenStack clouds.",
    )
    app.state.services = services
    problems.install(app)
    app.include_router(routes_sites.router, prefix="/v1")
    app.include_router(routes_inventory.router, prefix="/v1")
    app.include_router(metrics.router(services))
    app.add_middleware(RequestIdMiddleware)
    return app
