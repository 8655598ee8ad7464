"""Neutron's error bodies and the exceptions its handlers raise.

Neutron renders every failure as ``{"NeutronError": {"type", "message", "detail"}}`` where
`type` is the exception class name (``NetworkNotFound``, ``InvalidInput``, ``HTTPBadRequest``...).
`render_neutron_error` is the network service's `Service.render_error`; the constructors below
word each error exactly as neutron / neutron-lib (Zed) do. Every network module raises these.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import Response

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import json_response

_WEBOB_TYPES = {
    400: "HTTPBadRequest",
    401: "HTTPUnauthorized",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    409: "HTTPConflict",
    413: "HTTPRequestEntityTooLarge",
    415: "HTTPUnsupportedMediaType",
    500: "HTTPInternalServerError",
    503: "HTTPServiceUnavailable",
}

NOT_FOUND = {
    "network": ("NetworkNotFound", "Network {} could not be found."),
    "subnet": ("SubnetNotFound", "Subnet {} could not be found."),
    "port": ("PortNotFound", "Port {} could not be found."),
    "router": ("RouterNotFound", "Router {} could not be found"),
    "floatingip": ("FloatingIPNotFound", "Floating IP {} could not be found"),
    "security_group": ("SecurityGroupNotFound", "Security group {} does not exist"),
    "security_group_rule": ("SecurityGroupRuleNotFound", "Security group rule {} does not exist"),
}
"""Resource → (Neutron exception type, message) for a missing or invisible resource."""


def render_neutron_error(error: ApiError, _: Headers | None = None) -> Response:
    """Render an error as Neutron's fault wrapper does (`convert_exception_to_http_exc`)."""
    kind = error.kind or _WEBOB_TYPES.get(error.status, "HTTPError")
    if error.status >= 500 and error.kind is None and error.status != 503:
        message = "Request Failed: internal server error while processing your request."
    else:
        message = error.message
    body = {"NeutronError": {"type": kind, "message": message, "detail": ""}}
    return json_response(body, error.status, error.headers)


def not_found(resource: str, resource_id: str) -> ApiError:
    kind, template = NOT_FOUND[resource]
    return ApiError(404, template.format(resource_id), kind=kind)


def bad_request(resource: str, msg: str) -> ApiError:
    """neutron_lib's generic BadRequest: "Bad <resource> request: <msg>."."""
    return ApiError(400, f"Bad {resource} request: {msg}.", kind="BadRequest")


def invalid_input(message: str) -> ApiError:
    """neutron_lib's InvalidInput, the usual answer to a malformed attribute value."""
    return ApiError(400, f"Invalid input for operation: {message}.", kind="InvalidInput")


def invalid_attribute(attr: str, reason: str) -> ApiError:
    """What attribute validators raise: "Invalid input for <attr>. Reason: <reason>."."""
    return invalid_input(f"Invalid input for {attr}. Reason: {reason}.")


def http_bad_request(message: str) -> ApiError:
    """A bare webob HTTPBadRequest, as the API layer raises for malformed requests."""
    return ApiError(400, message, kind="HTTPBadRequest")


def policy_denied(rule: str) -> ApiError:
    """oslo.policy's PolicyNotAuthorized, rendered by Neutron as a 403."""
    return ApiError(403, f"{rule} is disallowed by policy", kind="PolicyNotAuthorized")


def in_use(kind: str, message: str) -> ApiError:
    """A 409 in one of Neutron's InUse / Conflict flavours."""
    return ApiError(409, message, kind=kind)


def resource_not_found() -> ApiError:
    """What the policy hook answers when the caller may not even see the resource."""
    return ApiError(404, "The resource could not be found.", kind="HTTPNotFound")
