"""The sites API over the real stack: registration, bad input, import, health, request ids.

Real parts: the API served by uvicorn on loopback, SQLite, openstacksdk against emulator sites
over HTTP. Each test registers sites of its own.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import RunningEmulator
from tests.integration.api.served import Stack, cloud_body, new_site

PROBLEM = "application/problem+json"


def http(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.url, timeout=30)


def password_of(running: RunningEmulator, name: str) -> str:
    return running.emulator.sites[name].config.admin_password


def assert_problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


def site_names(stack: Stack) -> set[str]:
    return {site.name for site in stack.client.list_sites()}


def test_a_site_is_added_shown_changed_and_removed_without_its_password(
    stack: Stack, running_emulator: RunningEmulator
) -> None:
    name = new_site(running_emulator)
    secret = password_of(running_emulator, name)
    body = {
        "name": name,
        "cloud": cloud_body(running_emulator, name),
        "labels": {"location": {"country": "de", "city": "Berlin"}, "tier": "gold"},
    }
    with http(stack) as api:
        added = api.post("/v1/sites", json=body)
        assert added.status_code == 201, added.text
        site = added.json()
        assert site["name"] == name
        assert site["labels"]["location"]["country"] == "DE"
        assert "password" not in site["cloud"]["auth"]
        assert {s["service_type"] for s in site["discovery"]["services"]} >= {"compute", "network"}

        shown = [api.get(f"/v1/sites/{ref}") for ref in (name, site["id"])]
        listed = api.get("/v1/sites")
        assert [r.json()["id"] for r in shown] == [site["id"]] * 2
        assert name in {s["name"] for s in listed.json()}

        renamed = api.patch(
            f"/v1/sites/{name}", json={"name": f"{name}-x", "labels": {"tier": "s"}}
        )
        assert renamed.status_code == 200, renamed.text
        assert (renamed.json()["name"], renamed.json()["labels"]["tier"]) == (f"{name}-x", "s")
        events = api.get("/v1/events", params={"site": site["id"]}).json()
        assert {e["kind"] for e in events} >= {"added", "updated"}

        for response in (*shown, listed, renamed, added):
            assert secret not in response.text
        assert api.delete(f"/v1/sites/{name}-x").status_code == 204
        assert_problem(api.get(f"/v1/sites/{site['id']}"), 404, "No site")
    # Removing a site never touches the site itself.
    assert name in running_emulator.emulator.sites


def test_a_duplicate_name_is_a_conflict(stack: Stack, running_emulator: RunningEmulator) -> None:
    name = new_site(running_emulator)
    body = {"name": name, "cloud": cloud_body(running_emulator, name)}
    with http(stack) as api:
        assert api.post("/v1/sites", json=body).status_code == 201
        assert_problem(api.post("/v1/sites", json=body), 409, name, "already exists")


@pytest.mark.parametrize(
    "path", ["/v1/sites/nosuch", "/v1/sites/nosuch/health", "/v1/sites/nosuch/inventory/server/x"]
)
def test_an_unknown_site_is_a_404_naming_it(stack: Stack, path: str) -> None:
    with http(stack) as api:
        assert_problem(api.get(path), 404, "nosuch")


def test_unknown_site_actions_are_404(stack: Stack) -> None:
    with http(stack) as api:
        for method, path in [
            ("POST", "/v1/sites/nosuch/refresh"),
            ("POST", "/v1/sites/nosuch/probe"),
            ("DELETE", "/v1/sites/nosuch"),
            ("PATCH", "/v1/sites/nosuch"),
        ]:
            assert_problem(api.request(method, path, json={}), 404, "nosuch")


def test_an_unreachable_auth_url_registers_nothing(
    stack: Stack, running_emulator: RunningEmulator
) -> None:
    body: dict[str, Any] = {"name": "unreachable", "cloud": cloud_body(running_emulator, "site1")}
    body["cloud"]["auth"]["auth_url"] = "http://127.0.0.1:9/v3"
    with http(stack) as api:
        problem = assert_problem(api.post("/v1/sites", json=body), 502, "unreachable")
    assert problem["cause"]["kind"] == "unreachable"
    assert "unreachable" not in site_names(stack)


def test_bad_tls_registers_nothing(stack: Stack, running_emulator: RunningEmulator) -> None:
    body: dict[str, Any] = {"name": "badtls", "cloud": cloud_body(running_emulator, "site1")}
    # The emulator speaks plain HTTP: a TLS handshake with it fails.
    body["cloud"]["auth"]["auth_url"] = running_emulator.url.replace("http:", "https:") + "/v3"
    with http(stack) as api:
        problem = assert_problem(api.post("/v1/sites", json=body), 400)
    assert problem["cause"]["kind"] == "tls"
    assert "badtls" not in site_names(stack)


def test_wrong_credentials_register_the_site_as_auth_failed(
    stack: Stack, running_emulator: RunningEmulator
) -> None:
    name = new_site(running_emulator)
    body = {"name": name, "cloud": cloud_body(running_emulator, name, password="wrong-pw-123")}
    with http(stack) as api:
        added = api.post("/v1/sites", json=body)
        health = api.get(f"/v1/sites/{name}/health")
    assert added.status_code == 201, added.text
    assert added.json()["health"]["status"] == "auth-failed"
    assert health.json()["cause"]["kind"] == "unauthorized"
    assert health.json()["cause"]["message"]
    assert "wrong-pw-123" not in added.text + health.text


@pytest.mark.parametrize(
    ("change", "status", "word"),
    [
        ({"name": "bad name!"}, 400, "Invalid site name"),
        ({"cloud": {"auth": {"username": "a", "password": "b"}}}, 400, "auth_url"),
        ({"cloud": {"auth": {"auth_url": "http://127.0.0.1:9/v3"}}}, 400, "No credentials"),
        ({"cloud": {}}, 422, "body.cloud.auth"),
        ({"labels": {"location": {"latitude": 123}}}, 422, "latitude"),
        ({"surprise": 1}, 422, "surprise"),
    ],
)
def test_bad_input_names_the_problem(
    stack: Stack, change: dict[str, Any], status: int, word: str
) -> None:
    body = {"name": "fine", "cloud": {"auth": {"auth_url": "http://x/v3", "username": "u"}}}
    with http(stack) as api:
        assert_problem(api.post("/v1/sites", json=body | change), status, word)
    assert "fine" not in site_names(stack)


def clouds_yaml(running: RunningEmulator, names: list[str]) -> str:
    clouds = yaml.safe_load(running.clouds_yaml.read_text())["clouds"]
    return yaml.safe_dump({"clouds": {n: clouds[n] for n in names}})


def test_import_adds_the_chosen_clouds(stack: Stack, running_emulator: RunningEmulator) -> None:
    first, second = new_site(running_emulator, "imp"), new_site(running_emulator, "imp")
    text = clouds_yaml(running_emulator, [first, second, f"{second}-member"])
    with http(stack) as api:
        body = {"clouds_yaml": text, "clouds": [first, second], "labels": {"tier": "bronze"}}
        imported = api.post("/v1/sites/import", json=body)
    assert imported.status_code == 201, imported.text
    assert [(s["name"], s["labels"]["tier"]) for s in imported.json()] == [
        (first, "bronze"),
        (second, "bronze"),
    ]
    assert f"{second}-member" not in site_names(stack)
    assert password_of(running_emulator, first) not in imported.text


def test_import_is_all_or_nothing(stack: Stack, running_emulator: RunningEmulator) -> None:
    good = new_site(running_emulator, "aon")
    document = yaml.safe_load(clouds_yaml(running_emulator, [good]))
    bad = dict(document["clouds"][good], auth=dict(document["clouds"][good]["auth"]))
    bad["auth"]["auth_url"] = "http://127.0.0.1:9/v3"
    document["clouds"]["zz-unreachable"] = bad
    with http(stack) as api:
        response = api.post("/v1/sites/import", json={"clouds_yaml": yaml.safe_dump(document)})
    assert_problem(response, 502, "zz-unreachable", "nothing was imported")
    assert not {good, "zz-unreachable"} & site_names(stack)


@pytest.mark.parametrize(
    ("text", "clouds", "word"),
    [
        ("clouds: [unclosed", None, "not valid YAML"),
        ("just text", None, "no `clouds:`"),
        ("clouds:\n  a: {region_name: R}\n", None, "auth_url"),
        ("clouds:\n  a: {auth: {auth_url: 'http://x/v3'}}\n", ["b"], "No cloud 'b'"),
    ],
)
def test_an_invalid_clouds_yaml_is_a_400_naming_the_problem(
    stack: Stack, text: str, clouds: list[str] | None, word: str
) -> None:
    with http(stack) as api:
        response = api.post("/v1/sites/import", json={"clouds_yaml": text, "clouds": clouds})
    assert_problem(response, 400, word)


def test_a_probe_reports_each_service_with_latency(
    stack: Stack, running_emulator: RunningEmulator
) -> None:
    name = new_site(running_emulator)
    with http(stack) as api:
        api.post("/v1/sites", json={"name": name, "cloud": cloud_body(running_emulator, name)})
        probed = api.post(f"/v1/sites/{name}/probe").json()
        listed = api.get("/v1/health").json()
    assert probed["status"] == "online"
    assert {s["service_type"] for s in probed["services"]} == {
        "identity", "compute", "network", "image", "block-storage",
    }  # fmt: skip
    assert all(s["ok"] and s["latency_ms"] >= 0 for s in probed["services"])
    assert name in {h["site_name"] for h in listed}


def test_request_ids_are_echoed_or_made(stack: Stack) -> None:
    given = "req-0b5a1a4e-6f0c-4d53-9d2f-3d4b6c7e8f90"
    with http(stack) as api:
        echoed = api.get("/v1/sites", headers={"X-OpenStack-Request-ID": given})
        made = api.get("/v1/sites/nosuch")
        junk = api.get("/v1/sites", headers={"X-OpenStack-Request-ID": "not-a-request-id"})
    assert echoed.headers["X-OpenStack-Request-ID"] == given
    assert made.headers["X-OpenStack-Request-ID"].startswith("req-")
    assert junk.headers["X-OpenStack-Request-ID"].startswith("req-")
