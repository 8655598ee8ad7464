"""Fixtures shared by every tier: an emulator served on loopback in a background thread.

Real parts only: a real uvicorn server on 127.0.0.1, real openstacksdk over HTTP. The emulator's
state is reached directly (it is the test's own process) only to inject faults and to check what
the clients cannot see.
"""

from __future__ import annotations

import pathlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from stackfleet.emulator.admin import create_admin_app
from stackfleet.emulator.clouds import clouds_config
from stackfleet.emulator.server import bind, serve_in_thread
from stackfleet.emulator.site import Emulator, SiteConfig


@dataclass
class RunningEmulator:
    """An emulator serving on loopback, and the clouds.yaml that reaches its sites."""

    emulator: Emulator
    url: str
    clouds_yaml: pathlib.Path

    def add_site(self, name: str, **settings: object) -> None:
        self.emulator.add_site(SiteConfig(name, **settings))  # type: ignore[arg-type]
        self.write_clouds_yaml()

    def cloud_entry(self, name: str) -> dict[str, Any]:
        """The clouds.yaml entry of the site's admin cloud (`auth`, `region_name`, ...)."""
        entry: dict[str, Any] = clouds_config([self.emulator.sites[name]])["clouds"][name]
        return entry

    def write_clouds_yaml(self) -> None:
        config = clouds_config(list(self.emulator.sites.values()))
        self.clouds_yaml.write_text(yaml.safe_dump(config))


@pytest.fixture(scope="session")
def running_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    root = tmp_path_factory.mktemp("emulator")
    sock = bind()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    emulator = Emulator(url, root / "data", admin_token=secrets.token_hex(16))
    running = RunningEmulator(emulator, url, root / "clouds.yaml")
    running.add_site("site1", boot_seconds=0.2)
    with serve_in_thread(emulator, sock, create_admin_app(emulator)):
        yield running
