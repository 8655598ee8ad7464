r"""Glance's error bodies and request-body reading, as webob and `glance.common.wsgi` produce them.

Glance raises webob HTTP exceptions; with `Accept: application/json` webob renders
``{"message": "<explanation><br /><br />\\n<detail>\\n\\n", "code": "404 Not Found",
"title": "Not Found"}``. Routes raise `ApiError`s built here; `render_error` is the image
service's renderer (also used by `app.py` for auth, fault and routing errors).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import json_response

MAX_JSON_BYTES = 1024 * 1024
"""Glance has no body limit of its own; the emulator refuses JSON bodies above 1 MiB."""

_WEBOB = "webob"
"""`ApiError.kind` marking a message that is already webob's whole body text."""

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    410: "Gone",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    416: "Request Range Not Satisfiable",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

EXPLANATIONS = {
    400: "The server could not comply with the request since\r\n"
    "it is either malformed or otherwise incorrect.\r\n",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    409: "There was a conflict when trying to complete your request.",
    413: "The body of your request was too large for this server.",
    416: "The Range requested is not available.",
    500: "The server has either erred or is incapable of performing\r\n"
    "the requested operation.\r\n",
}
"""webob's default explanation of each status, used when Glance passes only a detail."""


def error(status: int, explanation: str | None = None) -> ApiError:
    """`webob.exc.HTTPxxx(explanation=...)`: the message replaces webob's default explanation."""
    return ApiError(status, explanation or EXPLANATIONS.get(status, TITLES.get(status, "")))


def detailed(status: int, detail: str) -> ApiError:
    """`webob.exc.HTTPxxx(detail)`: webob's default explanation followed by the detail."""
    body = f"{EXPLANATIONS.get(status, '')}<br /><br />\n{detail}\n\n"
    return ApiError(status, body, kind=_WEBOB)


def unsupported_media_type(
    content_type: str | None, headers: dict[str, str] | None = None
) -> ApiError:
    """Webob 415s name the request content type and ignore explanations."""
    shown = content_type if content_type is not None else "${CONTENT_TYPE}"
    body = f"The request media type {shown} is not supported by this server.\n<br /><br />\n"
    return ApiError(415, body, kind=_WEBOB, headers=headers)


def not_found(image_id: str) -> ApiError:
    return error(404, f"No image found with ID {image_id}")


def render_error(exc: ApiError) -> Response:
    """Render an error as webob does for a Glance exception (JSON flavour)."""
    status = exc.status
    if exc.kind == _WEBOB:
        message = exc.message
    elif status == 405:
        message = "The method is not allowed for this resource. <br /><br />\n"
    else:
        message = f"{exc.message}<br /><br />\n\n\n"
    title = TITLES.get(status, "Error")
    body = {"message": message, "code": f"{status} {title}", "title": title}
    return json_response(body, status, exc.headers)


async def read_body(request: Request) -> Any:
    """Glance's `JSONRequestDeserializer`: the parsed body, or 400 when it is missing or bad."""
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_JSON_BYTES:
            raise error(413)
    if not raw:
        raise error(400, "Body expected in request.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise error(400, "Malformed JSON in request body.") from exc
    if not isinstance(body, dict | list):
        raise error(400, "Unexpected body type. Expected list/dict.")
    return body
