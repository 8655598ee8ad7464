"""Turning keystoneauth1/openstacksdk/requests failures into the causes a site's health shows.

Owns the one mapping from the libraries' exceptions (and from error answers the adapter reads
itself with `raise_exc=False`) to `sites.models.Cause`, and from a cause to the Stackfleet error
raised. Called by every module of the OpenStack adapter; nothing raw escapes the adapter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import openstack.exceptions
from keystoneauth1 import exceptions as ksa
from requests import Response

from stackfleet.sites.errors import SiteAuthFailed, SiteUnavailable
from stackfleet.sites.models import Cause, CauseKind

BODY_LIMIT = 200
"""How much of an error body a cause quotes: enough to read the reason, not a whole HTML page."""

_CONNECTION_KINDS: tuple[tuple[type[BaseException], CauseKind], ...] = (
    (ksa.SSLError, CauseKind.TLS),
    (ksa.ConnectTimeout, CauseKind.TIMEOUT),
    (ksa.ConnectFailure, CauseKind.UNREACHABLE),
    (ksa.UnknownConnectionError, CauseKind.UNREACHABLE),
)
_MISSING = (
    ksa.EndpointNotFound,
    ksa.CatalogException,
    openstack.exceptions.ServiceDisabledException,
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those it wraps.

    keystoneauth raises DiscoveryFailure around the ConnectFailure that tells what happened.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _short(text: str, limit: int = BODY_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error_message(response: Response | None) -> str:
    """The human message in an OpenStack error body, whatever the service's error shape."""
    if response is None:
        return ""
    try:
        body = response.json()
    except ValueError:
        return _short(response.text or "")
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return _short(value["message"])
        if isinstance(body.get("NeutronError"), str):
            return _short(body["NeutronError"])
    return _short(json.dumps(body))


def cause_from_status(status: int, body: str, service: str) -> Cause:
    """The cause for an error answer `status` with `body` from `service`."""
    text = f"HTTP {status} from {service}: {_short(body)}"
    if status == 401:
        return Cause(CauseKind.UNAUTHORIZED, text)
    if status == 403:
        return Cause(CauseKind.FORBIDDEN, text)
    if status >= 500:
        return Cause(CauseKind.SERVER_ERROR, text)
    return Cause(CauseKind.ERROR, text)


def cause_from_response(response: Response, service: str) -> Cause:
    """The cause for an error answer the adapter read itself."""
    return cause_from_status(response.status_code, response.text or "", service)


def cause_from_exception(exc: BaseException, service: str) -> Cause:
    """The cause for a failed call to `service` (identity for authentication)."""
    chain = list(_chain(exc))
    for kind_of, kind in _CONNECTION_KINDS:
        for inner in chain:
            if isinstance(inner, kind_of):
                return Cause(kind, f"{service}: {_short(str(inner), 300)}")
    for inner in chain:
        status = _status_of(inner)
        if status is not None:
            response = getattr(inner, "response", None)
            message = error_message(response) or _short(str(inner))
            if service == "identity" and status == 401:
                message = f"Keystone refused the credentials: {message}"
            return cause_from_status(status, message, service)
    for inner in chain:
        if isinstance(inner, _MISSING):
            return Cause(CauseKind.MISSING, f"{service} is not in the site's catalog: {inner}")
    return Cause(CauseKind.ERROR, f"{service}: {type(exc).__name__}: {_short(str(exc), 300)}")


def _status_of(exc: BaseException) -> int | None:
    if isinstance(exc, ksa.HttpError) and exc.http_status:
        return int(exc.http_status)
    if isinstance(exc, openstack.exceptions.HttpException) and exc.status_code:
        return int(exc.status_code)
    return None


def site_error(
    site: str, cause: Cause, *, authenticating: bool
) -> SiteUnavailable | SiteAuthFailed:
    """The error to raise for `cause` on `site`.

    Refused credentials (401; 403 while authenticating) and TLS failures need an operator, so
    they are permanent; everything else is worth retrying.
    """
    refused = cause.kind in (CauseKind.UNAUTHORIZED, CauseKind.TLS) or (
        authenticating and cause.kind == CauseKind.FORBIDDEN
    )
    if refused:
        return SiteAuthFailed(site, _with_advice(cause))
    return SiteUnavailable(site, cause)


def _with_advice(cause: Cause) -> Cause:
    advice = (
        "check the site's CA bundle (cacert) or its certificate"
        if cause.kind == CauseKind.TLS
        else "check the site's credentials with `stackfleet site update`"
    )
    return Cause(cause.kind, f"{cause.message} ({advice})")
