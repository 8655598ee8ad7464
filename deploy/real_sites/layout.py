"""Where the real-sites harness keeps its state, and the ports, databases and names of each site.

Every other module of `deploy.real_sites` takes its paths and numbers from here, so one site's
layout is defined in one place. The credentials are fixed test values (loopback only) and are
documented in README.md.
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

HERE = pathlib.Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
PLUGINS = HERE / "plugins"
LAST_RUN = HERE / "last-run.json"
STATE = pathlib.Path(os.environ.get("STACKFLEET_REAL_STATE", "/var/tmp/stackfleet-real"))
INFRA = STATE / "infra"
CLOUDS_YAML = STATE / "clouds.yaml"

DB_PORT = 13306
AMQP_PORT = 15672
AMQP_DIST_PORT = 35672
EPMD_PORT = 14369
DB_USER = "os"
DB_PASSWORD = "os-secret"  # noqa: S105 - loopback-only test credential
AMQP_USER = "os"
AMQP_PASSWORD = "os-secret"  # noqa: S105
ADMIN_PASSWORD = "admin-secret"  # noqa: S105
DEMO_PASSWORD = "demo-secret"  # noqa: S105
SERVICE_PASSWORD = "service-secret"  # noqa: S105

# Service users and the databases each site owns (placeholder `nova_cell0` is Nova's cell0).
SERVICE_USERS = ("glance", "placement", "nova", "neutron", "cinder")
DATABASES = (
    "keystone",
    "glance",
    "placement",
    "nova_api",
    "nova",
    "nova_cell0",
    "neutron",
    "cinder",
)
PORT_OFFSETS = {"keystone": 0, "glance": 1, "placement": 2, "nova": 3, "neutron": 4, "cinder": 5}


@dataclass(frozen=True)
class SiteLayout:
    """Names, ports and directories of site number `number` (1-based)."""

    number: int

    @property
    def name(self) -> str:
        return f"site{self.number}"

    @property
    def region(self) -> str:
        return f"Region{self.number}"

    @property
    def root(self) -> pathlib.Path:
        return STATE / self.name

    @property
    def etc(self) -> pathlib.Path:
        return self.root / "etc"

    @property
    def data(self) -> pathlib.Path:
        return self.root / "data"

    @property
    def logs(self) -> pathlib.Path:
        return self.root / "logs"

    @property
    def pids(self) -> pathlib.Path:
        return self.root / "pids"

    def port(self, service: str) -> int:
        return 20000 + 100 * self.number + PORT_OFFSETS[service]

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port(service)}"

    def database(self, name: str) -> str:
        return f"s{self.number}_{name}"

    def db_url(self, name: str) -> str:
        return (
            f"mysql+pymysql://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{DB_PORT}/"
            f"{self.database(name)}?charset=utf8"
        )

    @property
    def transport_url(self) -> str:
        return f"rabbit://{AMQP_USER}:{AMQP_PASSWORD}@127.0.0.1:{AMQP_PORT}/{self.name}"
