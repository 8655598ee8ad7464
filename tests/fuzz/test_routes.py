"""Fuzz every emulator route with hypothesis: whatever arrives, no answer is a 5xx.

Runs over real HTTP against the loopback emulator, on a site of its own. Paths come from the
services' own route tables, with parameters drawn from ids that exist on the site, ids that don't,
and junk; bodies are arbitrary JSON, malformed bytes or nothing; content types vary. Any 5xx, or
any exception escaping the app, fails the test.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from stackfleet.emulator.app import SERVICES
from tests.conftest import RunningEmulator

SITE = "fuzz"
ROUTES = [
    (service.name, route)
    for service in SERVICES
    for route in service.routes
    if isinstance(route, Route)
]


@pytest.fixture(scope="module")
def client(running_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    running_emulator.add_site(SITE, boot_seconds=0)
    with httpx.Client(base_url=running_emulator.url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def token(client: httpx.Client) -> str:
    auth = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": "stackfleet"}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    response = client.post(f"/{SITE}/identity/v3/auth/tokens", json=auth)
    assert response.status_code == 201
    return response.headers["x-subject-token"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
segments = st.one_of(
    st.uuids().map(str),
    st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=1, max_size=40),
    st.sampled_from(["default", "admin", "1", "0", "-1", "detail", "nova", "__DEFAULT__"]),
)


def _body(payload: Any, kind: str) -> tuple[bytes | None, dict[str, str]]:
    if kind == "none":
        return None, {}
    if kind == "garbage":
        return b"{not json", {"content-type": "application/json"}
    if kind == "form":
        return b"a=b", {"content-type": "application/x-www-form-urlencoded"}
    return orjson.dumps(payload), {"content-type": "application/json"}


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route_index=st.integers(min_value=0, max_value=max(len(ROUTES) - 1, 0)),
    params=st.lists(segments, min_size=4, max_size=4),
    payload=json_values,
    body_kind=st.sampled_from(["json", "json", "none", "garbage", "form"]),
    authenticated=st.booleans(),
    query=st.dictionaries(
        st.sampled_from(
            ["limit", "marker", "sort_key", "sort_dir", "name", "status", "all_tenants"]
        ),
        segments,
        max_size=3,
    ),
)
def test_no_route_answers_5xx(
    client: httpx.Client,
    token: str,
    route_index: int,
    params: list[str],
    payload: Any,
    body_kind: str,
    authenticated: bool,
    query: dict[str, str],
) -> None:
    service, route = ROUTES[route_index]
    names = list(route.param_convertors)
    path = route.path_format.format(**dict(zip(names, params, strict=False)))
    body, headers = _body(payload, body_kind)
    if authenticated:
        headers["x-auth-token"] = token
    for method in sorted(route.methods or {"GET"}):
        response = client.request(
            method, f"/{SITE}/{service}{path}", content=body, headers=headers, params=query
        )
        assert response.status_code < 500, (method, path, response.status_code, response.text[:500])
