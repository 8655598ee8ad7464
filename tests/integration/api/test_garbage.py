"""Garbage to every route of the API: never a 500, always a problem+json naming the problem.

The routes come from the application itself, so a route added later is covered without
editing this test.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from stackfleet.api import routes_inventory, routes_sites
from tests.integration.api.served import Stack

PATH_GARBAGE = ["%00", "..", "x" * 300, "%E2%98%83", "-", "a%20b", "%FF"]
BODY_GARBAGE: list[dict[str, Any]] = [
    {"content": b"{not json"},
    {"content": b"\xff\xfe"},
    {"json": None},
    {"json": []},
    {"json": "text"},
    {"json": {"name": 5, "cloud": [], "labels": "x", "clouds_yaml": 7}},
    {"json": {"name": "ok", "cloud": {"auth": {"auth_url": 5}}, "labels": {"cost_weight": -1}}},
    {"json": {"clouds_yaml": "clouds: {a: 1}", "clouds": "a"}},
    {"json": {"clouds_yaml": "!!python/object:os.system ls"}},
]
QUERY_GARBAGE: list[dict[str, Any]] = [
    {"limit": "many", "before": "-3", "full": "maybe", "live": "2"},
    {"type": "x", "sort": "name;drop table", "group_by": "site,password", "cursor": "%%%"},
    {"label": ":", "q": "\x00", "site": "\x00", "project": "x" * 1000},
    {"cursor": "bm90IGEgY3Vyc29y", "site": "site1"},
    {"unexpected": "1", "limit": "100000"},
]


def routes() -> list[tuple[str, str]]:
    found = []
    for router in (routes_sites.router, routes_inventory.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            found += [(method, "/v1" + route.path) for method in sorted(route.methods or ())]
    return found


ROUTES = routes()


def with_garbage(path: str, value: str) -> str:
    return re.sub(r"\{[a-z_]+\}", value, path)


def assert_not_a_crash(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text
        assert response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_garbage_never_crashes_a_route(stack: Stack, method: str, path: str) -> None:
    with httpx.Client(base_url=stack.url, timeout=30) as api:
        for value in PATH_GARBAGE:
            assert_not_a_crash(api.request(method, with_garbage(path, value)))
        target = with_garbage(path, "nosuch")
        for query in QUERY_GARBAGE:
            assert_not_a_crash(api.request(method, target, params=query))
        if method in ("POST", "PATCH", "PUT"):
            for body in BODY_GARBAGE:
                assert_not_a_crash(api.request(method, target, **body))


def test_unknown_paths_and_methods_are_problems_too(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url, timeout=30) as api:
        missing = api.get("/v2/nothing")
        wrong_method = api.put("/v1/sites")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "/v2/nothing" in missing.json()["detail"]
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("cursor", ["bm90IGEgY3Vyc29y", "%%%", "eyJ4IjogMX0=", "0" * 200])
def test_a_forged_cursor_is_bad_input(stack: Stack, cursor: str) -> None:
    with httpx.Client(base_url=stack.url, timeout=30) as api:
        response = api.get("/v1/inventory", params={"cursor": cursor})
    assert_not_a_crash(response)


def test_the_openapi_document_describes_every_route(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url, timeout=30) as api:
        document = api.get("/openapi.json").json()
    paths = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert set(ROUTES) <= paths
