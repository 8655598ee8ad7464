"""Conformance fixtures: a cloud reached only through public clients.

The tests drive a cloud with openstacksdk and the `openstack` CLI and nothing else, so they run
unchanged against a real cloud: set STACKFLEET_CLOUDS_YAML to its clouds.yaml and
STACKFLEET_CLOUD to the admin cloud's name (the member cloud is `<name>-member`). Without them,
the emulator is started on loopback with one site.

Fixtures that several modules share are defined beside their helpers (`compute_boot.py`,
`network_fixtures.py`) and imported here, so pytest offers them to every conformance module.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import openstack
import openstack.config
import pytest
from openstack.connection import Connection

from tests.conformance.compute_boot import boot_fixture, group_ids_fixture
from tests.conformance.network_fixtures import external_net, net, subnet
from tests.conftest import RunningEmulator

__all__ = ["Osc", "boot_fixture", "external_net", "group_ids_fixture", "net", "subnet"]

Osc = Callable[..., Any]


@pytest.fixture(scope="session")
def clouds_yaml(request: pytest.FixtureRequest) -> pathlib.Path:
    configured = os.environ.get("STACKFLEET_CLOUDS_YAML")
    if configured:
        return pathlib.Path(configured)
    running: RunningEmulator = request.getfixturevalue("running_emulator")
    return running.clouds_yaml


@pytest.fixture(scope="session")
def cloud_name() -> str:
    return os.environ.get("STACKFLEET_CLOUD", "site1")


def _connect(clouds_yaml: pathlib.Path, name: str) -> Connection:
    config = openstack.config.OpenStackConfig(config_files=[str(clouds_yaml)])
    return Connection(config=config.get_one(cloud=name))


@pytest.fixture(scope="session")
def admin(clouds_yaml: pathlib.Path, cloud_name: str) -> Iterator[Connection]:
    conn = _connect(clouds_yaml, cloud_name)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def member(clouds_yaml: pathlib.Path, cloud_name: str) -> Iterator[Connection]:
    conn = _connect(clouds_yaml, f"{cloud_name}-member")
    yield conn
    conn.close()


@pytest.fixture
def name() -> str:
    """A name no other test run uses, so tests can run against a shared real cloud."""
    return f"sfc-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def osc(clouds_yaml: pathlib.Path, cloud_name: str) -> Osc:
    """Run `openstack <args> -f json` as a subprocess as the member; return the parsed output."""
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(clouds_yaml)}
    env.pop("OS_CLOUD", None)

    def run(*args: str, cloud: str = f"{cloud_name}-member", parse: bool = True) -> Any:
        # The CLI installed beside this interpreter, whatever PATH says.
        openstack_cli = str(pathlib.Path(sys.executable).parent / "openstack")
        command = [openstack_cli, "--os-cloud", cloud, *args]
        if parse:
            command += ["-f", "json"]
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed:\n{done.stderr}")
        return json.loads(done.stdout) if parse and done.stdout.strip() else done.stdout

    return run
