"""The demo seed, seen through openstacksdk: what `stackfleet emulator up --seed demo` gives."""

from __future__ import annotations

import hashlib
import pathlib
from collections.abc import Iterator

import openstack.config
import pytest
from openstack.connection import Connection

from stackfleet.emulator.seed import seed_sites
from stackfleet.emulator.site import Emulator, SiteConfig
from tests.conftest import RunningEmulator


@pytest.fixture(scope="module")
def seeded(running_emulator: RunningEmulator) -> list[str]:
    names = ["seeded-a", "seeded-b"]
    for name in names:
        running_emulator.add_site(name)
    seed_sites(running_emulator.emulator, names)
    return names


def _connect(running: RunningEmulator, cloud: str) -> Iterator[Connection]:
    config = openstack.config.OpenStackConfig(config_files=[str(running.clouds_yaml)])
    conn = Connection(config=config.get_one(cloud=cloud))
    yield conn
    conn.close()


@pytest.fixture
def admin_a(running_emulator: RunningEmulator, seeded: list[str]) -> Iterator[Connection]:
    yield from _connect(running_emulator, seeded[0])


@pytest.fixture
def member_b(running_emulator: RunningEmulator, seeded: list[str]) -> Iterator[Connection]:
    yield from _connect(running_emulator, f"{seeded[1]}-member")


def test_a_seeded_site_has_the_demo_population(admin_a: Connection) -> None:
    servers = list(admin_a.compute.servers(all_projects=True))
    statuses = sorted(s.status for s in servers)
    assert len(servers) == 21
    assert statuses.count("ACTIVE") == 18
    assert statuses.count("SHUTOFF") == 2
    errored = [s for s in servers if s.status == "ERROR"]
    assert errored[0].fault["message"].startswith("No valid host was found")
    assert len(list(admin_a.network.networks())) == 5
    assert len(list(admin_a.image.images())) == 5
    volumes = list(admin_a.block_storage.volumes(all_projects=True))
    assert len(volumes) == 10
    assert sum(v.status == "in-use" for v in volumes) == 4
    assert len(list(admin_a.network.ips())) == 4


def _private_keys(value: object) -> list[str]:
    if isinstance(value, dict):
        own = [k for k in value if k.startswith("_")]
        return own + [k for v in value.values() for k in _private_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _private_keys(v)]
    return []


def test_server_documents_leak_no_private_keys(admin_a: Connection) -> None:
    # The server list skips the private-key scrub for speed: its renderer must not need it.
    response = admin_a.compute.get(
        "/servers/detail?all_tenants=1", microversion="2.93", raise_exc=True
    )
    servers = response.json()["servers"]
    assert len(servers) == 21
    assert _private_keys(servers) == []
    one = admin_a.compute.get(f"/servers/{servers[0]['id']}", microversion="2.93").json()
    assert _private_keys(one) == []


def test_seeded_image_data_matches_its_checksum(admin_a: Connection) -> None:
    image = admin_a.image.find_image("debian-12", ignore_missing=False)
    data = admin_a.image.download_image(image.id).content
    assert hashlib.md5(data).hexdigest() == image.checksum  # noqa: S324 - Glance's checksum


def test_the_member_of_a_seeded_site_sees_only_its_project(member_b: Connection) -> None:
    names = sorted(s.name for s in member_b.compute.servers())
    assert names == [f"app-{i:02d}" for i in range(1, 7)]
    server = member_b.compute.get_server(next(iter(member_b.compute.servers(name="app-01"))).id)
    assert "demo-net" in server.addresses


def test_sites_get_different_ids_and_a_site_always_the_same(tmp_path: pathlib.Path) -> None:
    def server_ids(root: pathlib.Path, name: str) -> set[str]:
        emulator = Emulator("http://127.0.0.1:1", root, admin_token="t")
        emulator.add_site(SiteConfig(name))
        seed_sites(emulator, [name])
        return set(emulator.sites[name].compute.servers)

    first = server_ids(tmp_path / "one", "alpha")
    assert server_ids(tmp_path / "two", "alpha") == first
    assert server_ids(tmp_path / "three", "beta").isdisjoint(first)
