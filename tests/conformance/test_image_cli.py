"""Image v2 conformance through the `openstack` CLI, plus Glance's version discovery."""

from __future__ import annotations

import pathlib

import httpx
import pytest
from openstack.connection import Connection

from tests.conformance.conftest import Osc
from tests.conformance.sdk_helpers import glance

pytestmark = pytest.mark.conformance

DATA = b"\x00\x01stackfleet cli image\n" * 100


def test_image_create_list_save_delete(
    osc: Osc, member: Connection, name: str, tmp_path: pathlib.Path
) -> None:
    # The CLI starts slowly (seconds per call), so it runs the commands under test and
    # openstacksdk checks the results.
    source = tmp_path / "disk.raw"
    source.write_bytes(DATA)
    created = osc(
        "image", "create", "--file", str(source), "--disk-format", "raw",
        "--container-format", "bare", "--property", "purpose=test", name,
    )  # fmt: skip
    try:
        assert created["name"] == name
        shown = glance(member).get_image(created["id"])
        assert shown.status == "active"
        assert shown.size == len(DATA)
        assert shown.disk_format == "raw"
        assert shown.properties["purpose"] == "test"
        listed = osc("image", "list", "--name", name)
        assert [row["ID"] for row in listed] == [created["id"]]
        saved = tmp_path / "saved.raw"
        osc("image", "save", "--file", str(saved), created["id"], parse=False)
        assert saved.read_bytes() == DATA
    finally:
        osc("image", "delete", created["id"], parse=False)
    assert glance(member).find_image(created["id"]) is None


def test_image_show_and_set(osc: Osc, member: Connection, name: str) -> None:
    image = glance(member).create_image(name=name, disk_format="qcow2", container_format="bare")
    try:
        osc("image", "set", "--property", "color=blue", "--tag", "cli", image.id, parse=False)
        shown = osc("image", "show", image.id)
        assert shown["properties"]["color"] == "blue"
        assert shown["tags"] == ["cli"]
        assert shown["status"] == "queued"
    finally:
        glance(member).delete_image(image)


def test_version_discovery(member: Connection) -> None:
    endpoint = str(member.endpoint_for("image"))
    root = endpoint.rstrip("/") + "/"
    response = httpx.get(root, timeout=30)
    assert response.status_code == 300
    versions = response.json()["versions"]
    current = [v for v in versions if v["status"] == "CURRENT"]
    assert len(current) == 1
    assert current[0]["id"].startswith("v2.")
    assert {"v2.0", "v2.1"} <= {v["id"] for v in versions}
    assert current[0]["links"][0]["href"].rstrip("/").endswith("/v2")
    explicit = httpx.get(root + "versions", timeout=30)
    assert explicit.status_code == 200
    assert explicit.json() == response.json()
    assert str(glance(member).get_endpoint()).rstrip("/").endswith("/v2")
