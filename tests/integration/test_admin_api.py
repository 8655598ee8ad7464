"""The admin API over real HTTP: sites added and removed while serving, faults, tokens, saving."""

from __future__ import annotations

import json
import pathlib
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackfleet.emulator import persistence
from stackfleet.emulator.site import Emulator
from tests.conftest import RunningEmulator


@pytest.fixture
def admin_api(running_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    headers = {"X-Admin-Token": running_emulator.emulator.admin_token}
    with httpx.Client(base_url=f"{running_emulator.url}/_admin", headers=headers) as client:
        yield client


@pytest.fixture
def site_name(admin_api: httpx.Client) -> Iterator[str]:
    """A site added for one test and removed after it."""
    name = f"adm-{uuid.uuid4().hex[:8]}"
    created = admin_api.post("/sites", json={"name": name, "boot_seconds": 0.1})
    assert created.status_code == 201, created.text
    yield name
    admin_api.delete(f"/sites/{name}")


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == status
    return str(body["error"]["message"])


@pytest.mark.parametrize("token", [None, "wrong"])
def test_the_admin_token_is_required(running_emulator: RunningEmulator, token: str | None) -> None:
    headers = {"X-Admin-Token": token} if token else {}
    response = httpx.get(f"{running_emulator.url}/_admin/sites", headers=headers)
    assert "X-Admin-Token" in _error(response, 401)


def test_list_sites_shows_name_region_url_faults_and_counts(
    admin_api: httpx.Client, running_emulator: RunningEmulator
) -> None:
    sites = {s["name"]: s for s in admin_api.get("/sites").json()["sites"]}
    site1 = sites["site1"]
    assert site1["region"] == "RegionOne"
    assert site1["url"] == f"{running_emulator.url}/site1"
    assert site1["auth_url"] == f"{running_emulator.url}/site1/identity/v3"
    assert site1["faults"]["down"] is False
    assert site1["counts"]["projects"] >= 3
    assert site1["counts"]["users"] >= 2
    assert set(site1["counts"]) >= {"servers", "networks", "images", "volumes"}


def test_a_site_added_while_serving_answers_at_once(
    admin_api: httpx.Client, running_emulator: RunningEmulator
) -> None:
    name = f"adm-{uuid.uuid4().hex[:8]}"
    body = {
        "name": name,
        "region": "RegionTwo",
        "boot_seconds": 1.5,
        "admin_password": "secret-admin",
        "member_password": "secret-member",
        "capacity": {"hypervisors": 2, "vcpus": 8, "availability_zones": ["az1", "az2"]},
    }
    created = admin_api.post("/sites", json=body)
    assert created.status_code == 201, created.text
    site = created.json()["site"]
    assert (site["name"], site["region"], site["boot_seconds"]) == (name, "RegionTwo", 1.5)
    assert admin_api.get(f"/sites/{name}").json()["site"]["url"] == site["url"]
    token = httpx.post(
        f"{site['auth_url']}/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": "admin",
                            "domain": {"id": "default"},
                            "password": "secret-admin",
                        }
                    },
                }
            }
        },
    )
    assert token.status_code == 201, token.text
    hypervisors = running_emulator.emulator.sites[name].compute.hypervisors
    assert sorted(h["_az"] for h in hypervisors.values()) == ["az1", "az2"]
    clouds = admin_api.get("/clouds", params={"site": name}).json()["clouds"]
    assert set(clouds) == {name, f"{name}-member"}
    assert clouds[name]["auth"]["password"] == "secret-admin"
    assert clouds[name]["region_name"] == "RegionTwo"
    assert admin_api.delete(f"/sites/{name}").status_code == 204


def test_a_removed_site_is_gone(admin_api: httpx.Client, running_emulator: RunningEmulator) -> None:
    name = f"adm-{uuid.uuid4().hex[:8]}"
    assert admin_api.post("/sites", json={"name": name}).status_code == 201
    assert httpx.get(f"{running_emulator.url}/{name}/identity/v3").status_code == 200
    assert admin_api.delete(f"/sites/{name}").status_code == 204
    assert httpx.get(f"{running_emulator.url}/{name}/identity/v3").status_code == 404
    assert name not in {s["name"] for s in admin_api.get("/sites").json()["sites"]}
    assert "no site" in _error(admin_api.delete(f"/sites/{name}"), 404)
    assert "no site" in _error(admin_api.get(f"/sites/{name}/faults"), 404)


def test_adding_an_existing_site_conflicts(admin_api: httpx.Client) -> None:
    assert "already exists" in _error(admin_api.post("/sites", json={"name": "site1"}), 409)


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({}, "'name' is required"),
        ({"name": "_admin"}, "must be 1-63 letters"),
        ({"name": "a/b"}, "must be 1-63 letters"),
        ({"name": "x" * 64}, "must be 1-63 letters"),
        ({"name": "ok", "flavor": 1}, "unknown site field(s) 'flavor'"),
        ({"name": "ok", "boot_seconds": -1}, "'boot_seconds' must be between"),
        ({"name": "ok", "boot_seconds": "fast"}, "'boot_seconds' must be a number"),
        ({"name": "ok", "region": ""}, "'region' must be a non-empty string"),
        ({"name": "ok", "token_ttl_seconds": 0}, "'token_ttl_seconds' must be an integer"),
        ({"name": "ok", "token_ttl_seconds": 10**12}, "'token_ttl_seconds' must be an integer"),
        ({"name": "ok", "capacity": []}, "the capacity must be a JSON object"),
        ({"name": "ok", "capacity": {"vcpus": 0}}, "'capacity.vcpus' must be an integer"),
        ({"name": "ok", "capacity": {"hypervisors": 10**6}}, "from 1 to 1000"),
        ({"name": "ok", "capacity": {"hypervisors": True}}, "'capacity.hypervisors'"),
        ({"name": "ok", "capacity": {"ram_allocation_ratio": 0}}, "greater than 0"),
        ({"name": "ok", "capacity": {"availability_zones": []}}, "non-empty list"),
        ({"name": "ok", "capacity": {"gpus": 1}}, "unknown capacity field(s) 'gpus'"),
        (["ok"], "the site must be a JSON object"),
    ],
)
def test_bad_sites_are_refused_with_a_reason(
    admin_api: httpx.Client, body: object, complaint: str
) -> None:
    assert complaint in _error(admin_api.post("/sites", json=body), 400)


def test_unparsable_bodies_are_client_errors(admin_api: httpx.Client) -> None:
    assert "Malformed" in _error(admin_api.post("/sites", content=b"{nope"), 400)
    wrong_type = admin_api.post("/sites", content=b"name", headers={"Content-Type": "text/plain"})
    assert "Content-Type" in _error(wrong_type, 415)
    too_big = admin_api.post("/sites", json={"name": "x" * 70_000})
    assert "too large" in _error(too_big, 413)


def test_unknown_routes_and_methods_answer_json(admin_api: httpx.Client) -> None:
    _error(admin_api.get("/nothing"), 404)
    _error(admin_api.put("/sites"), 405)


def test_faults_are_shown_patched_replaced_and_cleared(
    admin_api: httpx.Client, site_name: str
) -> None:
    path = f"/sites/{site_name}/faults"
    assert admin_api.get(path).json()["faults"] == {
        "down": False,
        "unavailable": [],
        "latency_ms": 0.0,
        "jitter_ms": 0.0,
        "error_rate": 0.0,
        "capacity_exhausted": False,
        "boot_seconds": None,
    }
    patched = admin_api.patch(path, json={"unavailable": ["compute", "image"], "latency_ms": 5})
    assert patched.json()["faults"]["unavailable"] == ["compute", "image"]
    patched = admin_api.patch(path, json={"error_rate": 0.25})
    assert patched.json()["faults"]["latency_ms"] == 5.0
    assert patched.json()["faults"]["error_rate"] == 0.25
    replaced = admin_api.put(path, json={"capacity_exhausted": True, "unavailable": "all"})
    faults = replaced.json()["faults"]
    assert faults["capacity_exhausted"] is True
    assert faults["unavailable"] == ["all"]
    assert (faults["latency_ms"], faults["error_rate"]) == (0.0, 0.0)
    assert admin_api.get(f"/sites/{site_name}").json()["site"]["faults"] == faults
    cleared = admin_api.delete(path).json()["faults"]
    assert cleared["capacity_exhausted"] is False
    assert cleared["unavailable"] == []


def test_the_slow_boot_fault_overrides_boot_seconds_until_cleared(
    admin_api: httpx.Client, site_name: str, running_emulator: RunningEmulator
) -> None:
    site = running_emulator.emulator.sites[site_name]
    admin_api.patch(f"/sites/{site_name}/faults", json={"boot_seconds": 3})
    assert site.config.boot_seconds == 3.0
    admin_api.patch(f"/sites/{site_name}/faults", json={"boot_seconds": 4})
    assert site.config.boot_seconds == 4.0
    assert admin_api.get(f"/sites/{site_name}").json()["site"]["boot_seconds"] == 0.1
    admin_api.patch(f"/sites/{site_name}/faults", json={"boot_seconds": None})
    assert site.config.boot_seconds == 0.1
    admin_api.put(f"/sites/{site_name}/faults", json={"boot_seconds": 2})
    admin_api.delete(f"/sites/{site_name}/faults")
    assert site.config.boot_seconds == 0.1


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"error_rate": 1.5}, "'error_rate' must be between 0 and 1"),
        ({"error_rate": "high"}, "'error_rate' must be a number"),
        ({"latency_ms": -1}, "'latency_ms' must be between"),
        ({"jitter_ms": float("inf")}, "Malformed"),
        ({"down": "yes"}, "'down' must be true or false"),
        ({"capacity_exhausted": 1}, "'capacity_exhausted' must be true or false"),
        ({"unavailable": ["compute", "dns"]}, "unknown service(s) 'dns'"),
        ({"unavailable": 3}, "'unavailable' must be"),
        ({"boot_seconds": -2}, "'boot_seconds' must be between"),
        ({"reboot": True}, "unknown faults field(s) 'reboot'"),
        ("down", "the faults must be a JSON object"),
    ],
)
def test_bad_faults_are_refused_and_change_nothing(
    admin_api: httpx.Client, site_name: str, body: object, complaint: str
) -> None:
    path = f"/sites/{site_name}/faults"
    before = admin_api.get(path).json()
    # json.dumps writes `Infinity`, which is not JSON: the emulator must refuse it too.
    content = json.dumps(body).encode()
    response = admin_api.patch(path, content=content, headers={"Content-Type": "application/json"})
    assert complaint in _error(response, 400)
    assert admin_api.get(path).json() == before


def test_expire_tokens_sets_the_revocation_moment(
    admin_api: httpx.Client, site_name: str, running_emulator: RunningEmulator
) -> None:
    response = admin_api.post(f"/sites/{site_name}/expire-tokens")
    assert response.status_code == 200
    revoked = running_emulator.emulator.sites[site_name].identity.revoked_before
    assert revoked is not None
    assert response.json()["revoked_before"].startswith(revoked.strftime("%Y-%m-%dT%H:%M:%S"))


def test_clouds_names_both_clouds_of_every_site(admin_api: httpx.Client, site_name: str) -> None:
    clouds = admin_api.get("/clouds").json()["clouds"]
    assert {"site1", "site1-member", site_name, f"{site_name}-member"} <= set(clouds)
    assert clouds[f"{site_name}-member"]["auth"]["username"] == "demo"
    assert "no site 'nowhere'" in _error(admin_api.get("/clouds", params={"site": "nowhere"}), 404)


def test_save_writes_a_state_file_that_loads_back(
    admin_api: httpx.Client, site_name: str, tmp_path: pathlib.Path
) -> None:
    admin_api.patch(f"/sites/{site_name}/faults", json={"latency_ms": 7})
    target = tmp_path / "saved" / "state.pickle"
    response = admin_api.post("/save", json={"path": str(target)})
    assert response.status_code == 200, response.text
    assert response.json()["path"] == str(target.resolve())
    assert response.json()["sites"] >= 2
    restored = Emulator("http://127.0.0.1:1", tmp_path / "data", admin_token="t")
    names = {site.name for site in persistence.load(target, restored)}
    assert {"site1", site_name} <= names
    assert restored.sites[site_name].faults.latency_ms == 7.0


def test_save_needs_a_path_when_started_without_state(admin_api: httpx.Client) -> None:
    assert "give the file to save to" in _error(admin_api.post("/save"), 400)
    assert "must be" in _error(admin_api.post("/save", json={"file": "x"}), 400)


def test_save_to_an_unwritable_place_is_a_client_error(
    admin_api: httpx.Client, tmp_path: pathlib.Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    response = admin_api.post("/save", json={"path": str(blocker / "state.pickle")})
    assert "Cannot save" in _error(response, 400)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
_SITE_KEYS = st.sampled_from(["name", "region", "boot_seconds", "capacity", "token_ttl_seconds"])
_FAULT_KEYS = st.sampled_from(["down", "unavailable", "latency_ms", "error_rate", "boot_seconds"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    site_body=_JSON | st.dictionaries(_SITE_KEYS, _JSON, max_size=4),
    fault_body=_JSON | st.dictionaries(_FAULT_KEYS, _JSON, max_size=4),
)
def test_no_body_makes_the_admin_api_fail(
    admin_api: httpx.Client, site_name: str, site_body: object, fault_body: object
) -> None:
    added = admin_api.post("/sites", json=site_body)
    assert added.status_code in (201, 400, 409), added.text
    if added.status_code == 201:
        assert admin_api.delete(f"/sites/{added.json()['site']['name']}").status_code == 204
    for method in ("PUT", "PATCH"):
        changed = admin_api.request(method, f"/sites/{site_name}/faults", json=fault_body)
        assert changed.status_code in (200, 400), changed.text
    admin_api.delete(f"/sites/{site_name}/faults")
