"""How library failures become causes and Stackfleet errors, built from the real exceptions."""

from __future__ import annotations

import pytest
import requests
from keystoneauth1 import exceptions as ksa

from stackfleet.adapters.openstack.errors import (
    cause_from_exception,
    cause_from_status,
    site_error,
)
from stackfleet.sites.errors import SiteAuthFailed, SiteUnavailable
from stackfleet.sites.models import Cause, CauseKind


def _wrapped(outer: Exception, inner: Exception) -> Exception:
    try:
        try:
            raise inner
        except Exception:
            raise outer  # noqa: B904 - keystoneauth chains implicitly, like this
    except Exception as raised:
        return raised


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ksa.ConnectFailure("Unable to establish connection to http://x"), CauseKind.UNREACHABLE),
        (ksa.ConnectTimeout("Request to http://x timed out"), CauseKind.TIMEOUT),
        (ksa.SSLError("SSL exception connecting to https://x"), CauseKind.TLS),
        (ksa.EndpointNotFound("public endpoint for compute not found"), CauseKind.MISSING),
        (ksa.Unauthorized(message="Bad password", http_status=401), CauseKind.UNAUTHORIZED),
        (ksa.Forbidden(message="No", http_status=403), CauseKind.FORBIDDEN),
        (ksa.HttpServerError(message="boom", http_status=502), CauseKind.SERVER_ERROR),
        (ValueError("odd"), CauseKind.ERROR),
    ],
)
def test_each_failure_has_its_kind(exc: Exception, kind: CauseKind) -> None:
    assert cause_from_exception(exc, "compute").kind == kind


def test_a_discovery_failure_is_judged_by_what_it_wraps() -> None:
    exc = _wrapped(
        ksa.DiscoveryFailure("Could not find versioned identity endpoints"),
        ksa.ConnectFailure("Unable to establish connection to http://keystone:5000/v3"),
    )
    cause = cause_from_exception(exc, "identity")
    assert cause.kind == CauseKind.UNREACHABLE
    assert "keystone:5000" in cause.message


def test_keystones_401_message_is_quoted() -> None:
    response = requests.Response()
    response.status_code = 401
    response._content = b'{"error": {"code": 401, "message": "The password is wrong."}}'
    exc = ksa.Unauthorized(message="x", http_status=401, response=response)
    cause = cause_from_exception(exc, "identity")
    assert cause.message == (
        "HTTP 401 from identity: Keystone refused the credentials: The password is wrong."
    )


def test_a_5xx_quotes_a_truncated_body() -> None:
    cause = cause_from_status(503, "<html>" + "x" * 1000 + "</html>", "compute")
    assert cause.kind == CauseKind.SERVER_ERROR
    assert cause.message.startswith("HTTP 503 from compute: <html>xxx")
    assert len(cause.message) < 250


def test_refusals_and_tls_are_permanent_the_rest_temporary() -> None:
    def error(kind: CauseKind, authenticating: bool = False) -> Exception:
        return site_error("edge-1", Cause(kind, "why"), authenticating=authenticating)

    assert isinstance(error(CauseKind.UNAUTHORIZED), SiteAuthFailed)
    assert isinstance(error(CauseKind.TLS), SiteAuthFailed)
    assert isinstance(error(CauseKind.FORBIDDEN, authenticating=True), SiteAuthFailed)
    assert isinstance(error(CauseKind.FORBIDDEN), SiteUnavailable)
    assert isinstance(error(CauseKind.TIMEOUT), SiteUnavailable)
    assert "edge-1" in str(error(CauseKind.SERVER_ERROR))
