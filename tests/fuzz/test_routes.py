"""Fuzz every emulator route with hypothesis: whatever arrives, no answer is a 5xx.

Runs over real HTTP against the loopback emulator, on a seeded site of its own. Paths come from the
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
from starlette.routing import BaseRoute, Mount, Route

from stackfleet.emulator.app import SERVICES
from stackfleet.emulator.seed import seed_sites
from tests.conftest import RunningEmulator

SITE = "fuzz"


def _flatten(routes: list[BaseRoute], seen: set[int], prefix: str = "") -> list[tuple[str, Route]]:
    """Every Route with its full path prefix; a route mounted at several prefixes (Glance's
    /v2, /v2.0 ... /v2.15) is taken once, at its first prefix."""
    found: list[tuple[str, Route]] = []
    for route in routes:
        if isinstance(route, Route) and id(route) not in seen:
            seen.add(id(route))
            found.append((prefix, route))
        elif isinstance(route, Mount):
            found += _flatten(list(route.routes), seen, prefix + route.path)
    return found


ROUTES = [
    (f"{service.name}{prefix}", route)
    for service in SERVICES
    for prefix, route in _flatten(list(service.routes), set())
]


@pytest.fixture(scope="module")
def site_ids(running_emulator: RunningEmulator) -> list[str]:
    """The fuzz site, seeded with the demo population; the ids of everything on it."""
    running_emulator.add_site(SITE, boot_seconds=0)
    seed_sites(running_emulator.emulator, [SITE])
    site = running_emulator.emulator.sites[SITE]
    collections = [
        site.identity.projects, site.identity.users, site.identity.roles,
        site.compute.servers, site.compute.flavors, site.network.networks, site.network.ports,
        site.network.subnets, site.network.routers, site.image.images, site.volume.volumes,
    ]  # fmt: skip
    return sorted(key for collection in collections for key in collection)


@pytest.fixture(scope="module")
def client(running_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_emulator.url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def token(client: httpx.Client, site_ids: list[str]) -> str:
    del site_ids  # the site must exist first
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
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route_index=st.integers(min_value=0, max_value=max(len(ROUTES) - 1, 0)),
    data=st.data(),
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
    site_ids: list[str],
    route_index: int,
    data: st.DataObject,
    payload: Any,
    body_kind: str,
    authenticated: bool,
    query: dict[str, str],
) -> None:
    service, route = ROUTES[route_index]
    names = list(route.param_convertors)
    params = data.draw(st.lists(segments | st.sampled_from(site_ids), min_size=4, max_size=4))
    path = route.path_format.format(**dict(zip(names, params, strict=False)))
    body, headers = _body(payload, body_kind)
    if authenticated:
        headers["x-auth-token"] = token
    for method in sorted(route.methods or {"GET"}):
        response = client.request(
            method, f"/{SITE}/{service}{path}", content=body, headers=headers, params=query
        )
        assert response.status_code < 500, (method, path, response.status_code, response.text[:500])
