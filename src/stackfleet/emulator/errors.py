"""Errors raised by emulator handlers, and how each OpenStack service renders them.

Handlers raise `ApiError(status, message)`; the service wrapper in `app.py` catches it and renders
the body in that service's own shape, so openstacksdk raises the same exception class (and shows
the same message) as it does against a real cloud:

- Nova and Cinder: ``{"itemNotFound": {"code": 404, "message": "..."}}``
- Keystone, and keystonemiddleware in front of every service:
  ``{"error": {"code", "title", "message"}}``
- Neutron and Glance render their own shapes in their packages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus

from starlette.datastructures import Headers
from starlette.responses import Response

from stackfleet.emulator.wire import json_response


class ApiError(Exception):
    """An HTTP error in the vocabulary of the service that raises it.

    Attributes:
        status: the HTTP status code.
        message: the human-readable message real OpenStack would give.
        kind: a service-specific error type (Neutron's ``type``, e.g. ``NetworkNotFound``).
        headers: extra response headers (``Retry-After``, ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.headers = dict(headers or {})


ErrorRenderer = Callable[[ApiError, Headers], Response]
"""(error, request headers) → response; Glance negotiates the body format from `Accept`."""

_NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def render_fault(error: ApiError, _: Headers | None = None) -> Response:
    """Render an error as Nova and Cinder do (`nova.api.openstack.wsgi.Fault`)."""
    name = error.kind or _NOVA_FAULT_NAMES.get(error.status, "computeFault")
    body: dict[str, object] = {"code": error.status, "message": error.message}
    if error.status in (413, 429):
        body["retryAfter"] = error.headers.get("Retry-After", "0")
    return json_response({name: body}, error.status, error.headers)


def render_keystone_error(error: ApiError, _: Headers | None = None) -> Response:
    """Render an error as Keystone and keystonemiddleware do."""
    title = error.kind or HTTPStatus(error.status).phrase
    body = {"error": {"code": error.status, "message": error.message, "title": title}}
    return json_response(body, error.status, error.headers)


def unauthorized(identity_url: str) -> ApiError:
    """The 401 keystonemiddleware returns in front of a service when the token is missing or bad."""
    return ApiError(
        401,
        "The request you have made requires authentication.",
        headers={"WWW-Authenticate": f'Keystone uri="{identity_url}"'},
    )
