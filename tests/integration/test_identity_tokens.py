"""Keystone token lifetimes in the emulator: expiry, and application credential expiry caps.

These reach the site's Keystone state directly to move a token's expiry into the past, which
no client can do against a real cloud.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import RunningEmulator


@pytest.fixture
def keystone(running_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{running_emulator.url}/site1/identity/v3") as client:
        yield client


def _password_token(client: httpx.Client) -> tuple[str, dict[str, Any]]:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "demo", "domain": {"id": "default"}, "password": "stackfleet"}
                },
            },
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
        }
    }
    response = client.post("/auth/tokens", json=body)
    assert response.status_code == 201
    return response.headers["x-subject-token"], response.json()["token"]


def test_expired_token_is_refused(
    keystone: httpx.Client, running_emulator: RunningEmulator
) -> None:
    token_id, _ = _password_token(keystone)
    headers = {"X-Auth-Token": token_id}
    assert keystone.get("/auth/projects", headers=headers).status_code == 200
    state = running_emulator.emulator.sites["site1"].identity
    now = running_emulator.emulator.clock.now()
    state.tokens[token_id].expires_at = now - dt.timedelta(seconds=1)
    response = keystone.get("/auth/projects", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == (
        "The request you have made requires authentication."
    )
    assert token_id not in state.tokens


def test_application_credential_token_expires_with_the_credential(
    keystone: httpx.Client, running_emulator: RunningEmulator
) -> None:
    token_id, token = _password_token(keystone)
    expires = (running_emulator.emulator.clock.now() + dt.timedelta(minutes=5)).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    created = keystone.post(
        f"/users/{token['user']['id']}/application_credentials",
        headers={"X-Auth-Token": token_id},
        json={"application_credential": {"name": f"cap-{uuid.uuid4().hex}", "expires_at": expires}},
    )
    assert created.status_code == 201
    credential = created.json()["application_credential"]
    assert credential["expires_at"] == f"{expires}.000000"
    auth = {
        "auth": {
            "identity": {
                "methods": ["application_credential"],
                "application_credential": {
                    "id": credential["id"],
                    "secret": credential["secret"],
                },
            }
        }
    }
    issued = keystone.post("/auth/tokens", json=auth)
    assert issued.status_code == 201
    body = issued.json()["token"]
    assert body["expires_at"] == f"{expires}.000000Z"
    assert body["application_credential"] == {
        "id": credential["id"],
        "name": credential["name"],
        "restricted": True,
    }
    assert sorted(r["name"] for r in body["roles"]) == ["member", "reader"]
