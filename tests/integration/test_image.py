"""Emulator-only image behaviour: web-download, the internal API for Nova and Cinder, cleanup."""

from __future__ import annotations

import functools
import http.server
import pathlib
import threading
import time
from collections.abc import Iterator

import openstack.config
import pytest
from openstack.connection import Connection

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.image import internal, store
from stackfleet.emulator.site import Site
from tests.conformance.sdk_helpers import error_text, glance
from tests.conftest import RunningEmulator

DATA = b"served over http\n" * 200


@pytest.fixture
def site(running_emulator: RunningEmulator) -> Site:
    return running_emulator.emulator.sites["site1"]


@pytest.fixture(scope="module")
def member(running_emulator: RunningEmulator) -> Iterator[Connection]:
    config = openstack.config.OpenStackConfig(config_files=[str(running_emulator.clouds_yaml)])
    conn = Connection(config=config.get_one(cloud="site1-member"))
    yield conn
    conn.close()


@pytest.fixture
def web_root(tmp_path: pathlib.Path) -> Iterator[str]:
    (tmp_path / "disk.raw").write_bytes(DATA)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _wait(conn: Connection, image_id: str, status: str) -> dict[str, object]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        image: dict[str, object] = glance(conn).get(f"/images/{image_id}").json()
        if image["status"] == status:
            return image
        time.sleep(0.02)  # noqa: TID251 - waiting for the emulator's worker thread
    raise AssertionError(f"image {image_id} never became {status}")


def _queued(conn: Connection, name: str) -> str:
    body = {"name": name, "disk_format": "raw", "container_format": "bare"}
    image_id: str = glance(conn).post("/images", json=body).json()["id"]
    return image_id


def test_web_download_import(member: Connection, site: Site, web_root: str) -> None:
    image_id = _queued(member, "web-download")
    body = {"method": {"name": "web-download", "uri": f"{web_root}/disk.raw"}}
    assert glance(member).post(f"/images/{image_id}/import", json=body).status_code == 202
    image = _wait(member, image_id, "active")
    assert image["size"] == len(DATA)
    assert image["os_glance_importing_to_stores"] == ""
    assert "os_glance_import_task" not in image
    assert glance(member).get(f"/images/{image_id}/file").content == DATA
    glance(member).delete(f"/images/{image_id}")
    assert not store.data_path(site, image_id).exists()


def test_web_download_outside_allowlist_is_refused(member: Connection) -> None:
    image_id = _queued(member, "refused")
    body = {"method": {"name": "web-download", "uri": "http://example.com/disk.raw"}}
    response = glance(member).post(f"/images/{image_id}/import", json=body)
    assert response.status_code == 400
    assert "does not pass filtering" in error_text(response)
    glance(member).delete(f"/images/{image_id}")


def test_failed_web_download_returns_to_queued(member: Connection, web_root: str) -> None:
    image_id = _queued(member, "missing-file")
    body = {"method": {"name": "web-download", "uri": f"{web_root}/nothing-here"}}
    assert glance(member).post(f"/images/{image_id}/import", json=body).status_code == 202
    image = _wait(member, image_id, "queued")
    assert "os_glance_import_task" not in image
    glance(member).delete(f"/images/{image_id}")


def test_image_for_boot(member: Connection, site: Site) -> None:
    image_id = _queued(member, "boot")
    project = str(member.current_project_id)
    with pytest.raises(ApiError, match=f"Image {image_id} is not active."):
        internal.image_for_boot(site, project, image_id)
    with pytest.raises(ApiError, match="could not be found"):
        internal.image_for_boot(site, "another-project", "no-such-image")
    glance(member).put(
        f"/images/{image_id}/file",
        data=DATA,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert internal.image_for_boot(site, project, image_id)["status"] == "active"
    path = internal.image_file(site, image_id)
    assert path is not None
    assert path.read_bytes() == DATA
    glance(member).delete(f"/images/{image_id}")
    assert internal.image_file(site, image_id) is None


def test_snapshot_server_copies_the_boot_image(member: Connection, site: Site) -> None:
    base_id = _queued(member, "base")
    glance(member).put(
        f"/images/{base_id}/file",
        data=DATA,
        headers={"Content-Type": "application/octet-stream"},
    )
    project = str(member.current_project_id)
    server = {
        "id": "5b6f3c1e-0000-4000-8000-000000000001",
        "tenant_id": project,
        "user_id": "u1",
        "image": {"id": base_id},
        "flavor": {"disk": 1},
    }
    snapshot = internal.snapshot_server(site, project, server, "snap", {"note": "x"})
    assert snapshot["status"] == "queued"
    image = _wait(member, snapshot["id"], "active")
    assert image["image_type"] == "snapshot"
    assert image["instance_uuid"] == server["id"]
    assert image["base_image_ref"] == base_id
    assert image["note"] == "x"
    assert image["visibility"] == "private"
    assert image["min_disk"] == 1
    assert glance(member).get(f"/images/{snapshot['id']}/file").content == DATA
    for image_id in (snapshot["id"], base_id):
        glance(member).delete(f"/images/{image_id}")


def test_image_from_volume(member: Connection, site: Site, tmp_path: pathlib.Path) -> None:
    source = tmp_path / "volume"
    source.write_bytes(DATA)
    project = str(member.current_project_id)
    made = internal.image_from_volume(
        site, project, "from-volume", "raw", "bare", source, len(DATA), "private"
    )
    assert made["status"] == "saving"
    image = _wait(member, made["id"], "active")
    assert image["size"] == len(DATA)
    empty = internal.image_from_volume(site, project, "blank", "raw", "bare", None, 4096, "private")
    assert _wait(member, empty["id"], "active")["size"] == 4096
    for image_id in (made["id"], empty["id"]):
        glance(member).delete(f"/images/{image_id}")
