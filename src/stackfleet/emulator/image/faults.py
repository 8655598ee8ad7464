r"""Glance's error bodies and request-body reading, as webob and `glance.common.wsgi` produce them.

Glance raises webob HTTP exceptions, and webob picks the body's format from the request's
`Accept` header (`WSGIHTTPException.generate_response`): HTML when ``text/html`` is acceptable
(also for no `Accept` and ``*/*``, what plain HTTP clients send), JSON when only
``application/json`` is, plain text otherwise. All three wrap the same body,
``"<explanation><br /><br />\n<detail>\n\n"``; JSON adds ``"code": "404 Not Found"`` and
``"title": "Not Found"``. Routes raise `WebobError`s built here; `render_error` is the image
service's renderer (also used by `app.py` for auth, fault and routing errors).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import json_response

MAX_JSON_BYTES = 1024 * 1024
"""Glance has no body limit of its own; the emulator refuses JSON bodies above 1 MiB."""

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
    401: "This server could not verify that you are authorized to access the document you "
    "requested. Either you supplied the wrong credentials (e.g., bad password), or your browser "
    "does not understand how to supply the credentials required.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    409: "There was a conflict when trying to complete your request.",
    413: "The body of your request was too large for this server.",
    416: "The Range requested is not available.",
    500: "The server has either erred or is incapable of performing\r\n"
    "the requested operation.\r\n",
}
"""webob's default explanation of each status, used when Glance passes only a detail."""

_BODY = "{explanation}<br /><br />\n{detail}\n\n"
_HTML = """<html>
 <head>
  <title>{status}</title>
 </head>
 <body>
  <h1>{status}</h1>
  {body}
 </body>
</html>"""
_TAG = re.compile(r"<.*?>", re.S)
_BR = re.compile(r"<br.*?>", re.I | re.S)


def _verbatim(text: str) -> str:
    return text


class WebobError(ApiError):
    """A webob HTTP exception: explanation and detail kept apart, as each format escapes them."""

    def __init__(
        self,
        status: int,
        explanation: str,
        detail: str = "",
        *,
        template: str = _BODY,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.explanation = explanation
        self.detail = detail
        self.template = template
        super().__init__(status, detail or explanation, headers=headers)

    def body(self, escape: Callable[[str], str]) -> str:
        """The body text with both parts passed through `escape`."""
        return self.template.format(
            explanation=escape(self.explanation), detail=escape(self.detail)
        )


def error(status: int, explanation: str | None = None) -> WebobError:
    """`webob.exc.HTTPxxx(explanation=...)`: the message replaces webob's default explanation."""
    return WebobError(status, explanation or EXPLANATIONS.get(status, TITLES.get(status, "")))


def detailed(status: int, detail: str) -> WebobError:
    """`webob.exc.HTTPxxx(detail)`: webob's default explanation followed by the detail."""
    return WebobError(status, EXPLANATIONS.get(status, ""), detail)


def unsupported_media_type(
    content_type: str | None, headers: dict[str, str] | None = None
) -> WebobError:
    """Webob 415s name the request content type and ignore explanations."""
    shown = content_type if content_type is not None else "${CONTENT_TYPE}"
    explanation = f"The request media type {shown} is not supported by this server."
    return WebobError(
        415, explanation, template="{explanation}\n<br /><br />\n{detail}", headers=headers
    )


def not_found(image_id: str) -> WebobError:
    return error(404, f"No image found with ID {image_id}")


def render_error(exc: ApiError, request_headers: Headers) -> Response:
    """Render an error as webob does for a Glance exception, in the format `Accept` asks for."""
    if isinstance(exc, WebobError):
        webob = exc
    elif exc.status == 401:
        # delay_auth_decision: Glance's own context middleware refuses, with webob's default text.
        webob = WebobError(401, EXPLANATIONS[401], headers=exc.headers)
    elif exc.status == 405:
        webob = WebobError(
            405,
            "The method is not allowed for this resource. ",
            template="{explanation}<br /><br />\n{detail}",
        )
    else:
        webob = WebobError(exc.status, exc.message, headers=exc.headers)
    status = f"{webob.status} {TITLES.get(webob.status, 'Error')}"
    offer = _preferred(request_headers.get("accept"))
    if offer == "application/json":
        title = TITLES.get(webob.status, "Error")
        document = {"message": webob.body(_verbatim), "code": status, "title": title}
        return json_response(document, webob.status, webob.headers)
    if offer == "text/html":
        text = _HTML.format(status=status, body=webob.body(html.escape))
        media_type = "text/html"
    else:
        plain = _BR.sub("\n", webob.body(_verbatim).replace("\n", " ").replace("\r", ""))
        text = f"{status}\n\n{_TAG.sub('', plain)}"
        media_type = "text/plain"
    return Response(text, webob.status, webob.headers, media_type=media_type)


def _preferred(accept: str | None) -> str | None:
    """The best of text/html and application/json by `Accept`, as webob picks; None if neither.

    A missing or unparsable header accepts everything, and ties keep the offers' order.
    """
    ranges: list[tuple[str, float]] = []
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    return "text/html"
        if media:
            ranges.append((media.lower(), quality))
    if not ranges:
        return "text/html"
    scored = [(offer, _quality(offer, ranges)) for offer in ("text/html", "application/json")]
    accepted = [(offer, quality) for offer, quality in scored if quality > 0]
    return max(accepted, key=lambda pair: pair[1])[0] if accepted else None


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    """The quality of the most specific range matching `offer` (0 when none matches)."""
    kind = offer.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for media, quality in ranges:
        specificity = (
            2 if media == offer else 1 if media == f"{kind}/*" else 0 if media == "*/*" else -1
        )
        if specificity > best[0]:
            best = (specificity, quality)
    return best[1]


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
