"""Fixtures for the OpenStack adapter's tests: emulated sites of their own, and the gateway.

Each site is added to the session's emulator under an `osa-` name, so faults injected here never
reach another test; `Site` values are built from the emulator's clouds.yaml exactly as an
operator's `stackfleet site import` would.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import openstack
import pytest
import yaml
from openstack.connection import Connection

from stackfleet.adapters.openstack import OpenStackGateway
from stackfleet.emulator.seed import seed_sites
from stackfleet.emulator.site import Faults
from stackfleet.kernel.clock import SystemClock
from stackfleet.kernel.ids import SiteId
from stackfleet.sites.models import CloudConfig, Labels, Site
from tests.conftest import RunningEmulator

EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def cloud_entry(running: RunningEmulator, cloud: str) -> dict[str, Any]:
    """The clouds.yaml entry named `cloud`."""
    clouds: dict[str, Any] = yaml.safe_load(running.clouds_yaml.read_text())["clouds"]
    entry: dict[str, Any] = clouds[cloud]
    return entry


def site_from_cloud(running: RunningEmulator, cloud: str, **auth: str) -> Site:
    """A registered-site value for the clouds.yaml entry `cloud`, with `auth` overridden."""
    entry = cloud_entry(running, cloud)
    config = CloudConfig(
        auth={**entry["auth"], **auth},
        region_name=entry.get("region_name"),
        interface=entry.get("interface", "public"),
    )
    return Site(SiteId(f"{cloud}-{uuid.uuid4().hex[:8]}"), cloud, config, Labels(), EPOCH)


@dataclass
class EmulatedSite:
    """One emulated site of a test's own: Stackfleet's view of it, and openstacksdk's."""

    name: str
    running: RunningEmulator

    def site(self, member: bool = False, **auth: str) -> Site:
        return site_from_cloud(self.running, self.cloud(member), **auth)

    def cloud(self, member: bool = False) -> str:
        return f"{self.name}-member" if member else self.name

    def sdk(self, member: bool = False) -> Connection:
        entry = cloud_entry(self.running, self.cloud(member))
        return openstack.connect(load_yaml_config=False, load_envvars=False, **entry)

    def faults(self, **fields: Any) -> None:
        self.running.emulator.sites[self.name].set_faults(Faults(**fields))

    def expire_tokens(self) -> None:
        headers = {"X-Admin-Token": self.running.emulator.admin_token}
        url = f"{self.running.url}/_admin/sites/{self.name}/expire-tokens"
        assert httpx.post(url, headers=headers).status_code == 200


def _add(running: RunningEmulator, prefix: str, seed: bool) -> EmulatedSite:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    running.add_site(name, boot_seconds=0.05)
    if seed:
        seed_sites(running.emulator, [name])
    return EmulatedSite(name, running)


def _remove(site: EmulatedSite) -> None:
    site.running.emulator.remove_site(site.name)
    site.running.write_clouds_yaml()


@pytest.fixture
def fresh(running_emulator: RunningEmulator) -> Iterator[EmulatedSite]:
    """An empty site of the test's own (faults welcome)."""
    site = _add(running_emulator, "osa", seed=False)
    yield site
    _remove(site)


@pytest.fixture
def seeded_own(running_emulator: RunningEmulator) -> Iterator[EmulatedSite]:
    """A demo-seeded site of the test's own, for tests that change it."""
    site = _add(running_emulator, "osa-mut", seed=True)
    yield site
    _remove(site)


@pytest.fixture(scope="module")
def seeded(running_emulator: RunningEmulator) -> Iterator[EmulatedSite]:
    """A demo-seeded site shared by a module's read-only tests."""
    site = _add(running_emulator, "osa-seed", seed=True)
    yield site
    _remove(site)


@pytest.fixture
def gateway() -> Iterator[OpenStackGateway]:
    gw = OpenStackGateway(SystemClock(), timeout=5.0)
    yield gw
    gw.close()
