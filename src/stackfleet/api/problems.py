"""Every error the API returns, as application/problem+json (type, title, status, detail).

Maps the kernel's errors (and the sites' SiteUnavailable / SiteAuthFailed, with their cause) to
HTTP statuses, and FastAPI's validation errors to a 422 whose detail names each bad field. An
unexpected exception becomes a 500 whose detail carries the request id to find it in the log,
never a traceback. Installed by `app.create_api`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from stackfleet.api.schemas import CauseModel, Problem
from stackfleet.kernel.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermanentError,
    StackfleetError,
    TemporaryError,
)
from stackfleet.sites.errors import SiteAuthFailed, SiteUnavailable

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"

# Most specific first: the first class an error is an instance of decides.
_STATUS: tuple[tuple[type[StackfleetError], int, str, str], ...] = (
    (SiteUnavailable, 502, "site-unavailable", "Site unavailable"),
    (SiteAuthFailed, 400, "site-auth-failed", "Site refused the credentials"),
    (InvalidInput, 400, "invalid-input", "Invalid input"),
    (NotFound, 404, "not-found", "Not found"),
    (Conflict, 409, "conflict", "Conflict"),
    (TemporaryError, 503, "temporarily-unavailable", "Temporarily unavailable"),
    (PermanentError, 400, "permanent-error", "Cannot be done"),
)


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    """The problem as a response with the problem+json media type."""
    body = problem.model_dump_json(exclude_none=True)
    return Response(body, problem.status, headers=headers, media_type=MEDIA_TYPE)


def problem_for(error: StackfleetError) -> Problem:
    """The problem document for one of our errors."""
    for cls, status, slug, title in _STATUS:
        if isinstance(error, cls):
            cause = getattr(error, "cause", None)
            return Problem(
                type=f"/problems/{slug}",
                title=title,
                status=status,
                detail=error.message,
                cause=CauseModel.of(cause),
            )
    return Problem(type="/problems/error", title="Error", status=500, detail=error.message)


def validation_detail(error: RequestValidationError) -> str:
    """One readable line per bad field, e.g. `body.cloud.auth: Field required`."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()))
        parts.append(f"{where}: {item.get('msg', 'invalid')}" if where else item.get("msg", ""))
    return "; ".join(parts) or "The request is not valid."


async def _on_stackfleet_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StackfleetError)  # noqa: S101 - registered for this class only
    problem = problem_for(error)
    headers = None
    if isinstance(error, TemporaryError):
        headers = {"Retry-After": str(max(1, round(error.delay)))}
    return problem_response(problem, headers)


async def _on_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)  # noqa: S101
    problem = Problem(
        type="/problems/invalid-request",
        title="Invalid request",
        status=422,
        detail=validation_detail(error),
    )
    return problem_response(problem)


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)  # noqa: S101
    detail = str(error.detail)
    if error.status_code == 404 and detail == "Not Found":
        detail = f"No such API path {request.url.path!r}; see /docs or /openapi.json."
    problem = Problem(title=_title(error.status_code), status=error.status_code, detail=detail)
    return problem_response(problem, dict(error.headers or {}))


async def _on_unexpected(request: Request, error: Exception) -> Response:
    # Logged with its traceback for operators; the caller gets the request id to quote.
    rid = request.headers.get("x-openstack-request-id", "")
    log.exception("unexpected error serving %s %s", request.method, request.url.path)
    problem = Problem(
        type="/problems/internal",
        title="Internal error",
        status=500,
        detail=f"Stackfleet failed unexpectedly ({type(error).__name__}); "
        f"the server log has the details{' for request ' + rid if rid else ''}.",
    )
    return problem_response(problem)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install(app: FastAPI) -> None:
    """Make every error `app` returns a problem+json document."""
    app.add_exception_handler(StackfleetError, _on_stackfleet_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
