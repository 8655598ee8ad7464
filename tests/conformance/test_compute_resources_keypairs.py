"""Compute keypairs conformance: import, generate, list, show, delete, per-user scope, errors."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from openstack import exceptions
from openstack.connection import Connection

from tests.conformance.conftest import Osc

pytestmark = pytest.mark.conformance


def _public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return raw.decode() + " test@stackfleet"


def _fingerprint(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()  # noqa: S324
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@pytest.fixture
def keypair_names(member: Connection) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        member.compute.delete_keypair(name, ignore_missing=True)


def _call(conn: Connection, method: str, path: str, version: str, **kwargs: Any) -> Any:
    return conn.compute.request(path, method, microversion=version, **kwargs)


def test_import_show_list_delete(member: Connection, name: str, keypair_names: list[str]) -> None:
    public_key = _public_key()
    keypair_names.append(name)
    created = member.compute.create_keypair(name=name, public_key=public_key)
    assert created.fingerprint == _fingerprint(public_key)
    assert created.type == "ssh"
    assert created.private_key is None
    shown = member.compute.get_keypair(name)
    assert shown.public_key == public_key
    assert shown.user_id == created.user_id
    assert shown.created_at
    assert name in {k.name for k in member.compute.keypairs()}
    member.compute.delete_keypair(name)
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.get_keypair(name)
    with pytest.raises(exceptions.ResourceNotFound):
        member.compute.delete_keypair(name, ignore_missing=False)


def test_generated_keypair_returns_private_key(
    member: Connection, name: str, keypair_names: list[str]
) -> None:
    keypair_names.append(name)
    response = _call(member, "POST", "/os-keypairs", "2.10", json={"keypair": {"name": name}})
    assert response.status_code == 201
    body = response.json()["keypair"]
    assert body["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert body["public_key"].startswith("ssh-rsa ")
    assert body["fingerprint"] == _fingerprint(body["public_key"])
    loaded = serialization.load_pem_private_key(body["private_key"].encode(), password=None)
    public = loaded.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert body["public_key"].startswith(public.decode())


def test_generation_is_refused_from_2_92(member: Connection, name: str) -> None:
    response = _call(member, "POST", "/os-keypairs", "2.92", json={"keypair": {"name": name}})
    assert response.status_code == 400
    assert "'public_key' is a required property" in response.json()["badRequest"]["message"]


def test_duplicate_keypair_conflicts(
    member: Connection, name: str, keypair_names: list[str]
) -> None:
    keypair_names.append(name)
    member.compute.create_keypair(name=name, public_key=_public_key())
    with pytest.raises(exceptions.ConflictException, match="already exists"):
        member.compute.create_keypair(name=name, public_key=_public_key())


def test_invalid_public_key_is_rejected(member: Connection, name: str) -> None:
    with pytest.raises(exceptions.BadRequestException, match="Keypair data is invalid"):
        member.compute.create_keypair(name=name, public_key="ssh-rsa bm90IGEga2V5 x")


def test_invalid_name_is_rejected(member: Connection) -> None:
    with pytest.raises(exceptions.BadRequestException):
        member.compute.create_keypair(name="bad/name", public_key=_public_key())


def test_keypairs_are_per_user(
    admin: Connection, member: Connection, name: str, keypair_names: list[str]
) -> None:
    keypair_names.append(name)
    created = member.compute.create_keypair(name=name, public_key=_public_key())
    assert name not in {k.name for k in admin.compute.keypairs()}
    with pytest.raises(exceptions.ResourceNotFound):
        admin.compute.get_keypair(name)
    listed = admin.compute.keypairs(user_id=created.user_id)
    assert name in {k.name for k in listed}
    theirs = _call(admin, "GET", f"/os-keypairs/{name}?user_id={created.user_id}", "2.10")
    assert theirs.status_code == 200
    assert theirs.json()["keypair"]["user_id"] == created.user_id
    admin_user = admin.current_user_id
    forbidden = _call(member, "GET", f"/os-keypairs?user_id={admin_user}", "2.10")
    assert forbidden.status_code == 403


def test_keypair_list_pagination(member: Connection, name: str, keypair_names: list[str]) -> None:
    for suffix in ("a", "b", "c"):
        keypair_names.append(f"{name}-{suffix}")
        member.compute.create_keypair(name=f"{name}-{suffix}", public_key=_public_key())
    page = _call(member, "GET", f"/os-keypairs?limit=1&marker={name}-a", "2.35").json()
    assert [k["keypair"]["name"] for k in page["keypairs"]] == [f"{name}-b"]
    assert page["keypairs_links"][0]["rel"] == "next"
    bad = _call(member, "GET", "/os-keypairs?marker=no-such-keypair", "2.35")
    assert bad.status_code == 400


def test_osc_keypair_create_with_public_key(
    osc: Osc, name: str, tmp_path: Any, keypair_names: list[str]
) -> None:
    public_key = _public_key()
    key_file = tmp_path / "key.pub"
    key_file.write_text(public_key)
    keypair_names.append(name)
    created = osc("keypair", "create", "--public-key", str(key_file), name)
    assert created["name"] == name
    assert created["fingerprint"] == _fingerprint(public_key)
