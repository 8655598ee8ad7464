"""Install Debian's Zed OpenStack packages (and the infra) if any is missing; idempotent.

Package scripts must neither start services (policy-rc.d, which this image already has, or we
add) nor configure databases or register endpoints (debconf preseed). Called by cli.py.
"""

from __future__ import annotations

import pathlib
import subprocess
import time

from deploy.real_sites import procs
from deploy.real_sites.layout import STATE

PACKAGES = (
    "mariadb-server", "rabbitmq-server", "keystone", "glance-api", "glance-common",
    "placement-api", "nova-api", "nova-conductor", "nova-scheduler", "python3-nova",
    "neutron-server", "neutron-common", "cinder-api", "cinder-scheduler", "cinder-volume",
    "cinder-backup", "uwsgi-core", "uwsgi-plugin-python3", "python3-pymysql", "dmidecode",
    "qemu-utils",
)  # fmt: skip
# dmidecode: os-brick's NVMe-oF probe raises FileNotFoundError without it (backups hang).
# qemu-utils: cinder inspects images with qemu-img when creating volumes from images.

PRESEED_PACKAGES = ("keystone", "glance", "nova", "placement", "neutron", "cinder")
POLICY_RC = pathlib.Path("/usr/sbin/policy-rc.d")


def missing() -> list[str]:
    found = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n", *PACKAGES],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    installed = {line.split()[0] for line in found.splitlines() if line.endswith(" installed")}
    return [package for package in PACKAGES if package not in installed]


def preseed() -> str:
    """Debconf answers: no dbconfig-common databases, no endpoint registration."""
    lines = []
    for project in PRESEED_PACKAGES:
        common = "keystone" if project == "keystone" else f"{project}-common"
        api = "keystone" if project == "keystone" else f"{project}-api"
        lines += [
            f"{common} {project}/configure_db boolean false",
            f"{common} {common}/dbconfig-install boolean false",
            f"{api} {project}/register-endpoint boolean false",
            f"{api} {api}/dbconfig-install boolean false",
        ]
    lines.append("keystone keystone/create-admin-tenant boolean false")
    return "\n".join(lines) + "\n"


def ensure() -> float | None:
    """Install what is missing; return the seconds it took, or None if nothing was missing."""
    needed = missing()
    if not needed:
        return None
    started = time.monotonic()
    if not POLICY_RC.exists():
        POLICY_RC.write_text("#!/bin/sh\nexit 101\n")
        POLICY_RC.chmod(0o755)
    log = STATE / "install.log"
    subprocess.run(["debconf-set-selections"], input=preseed(), text=True, check=True)
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    procs.run(["apt-get", "update"], log, env)
    procs.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *needed], log, env, timeout=1800
    )
    return round(time.monotonic() - started, 1)
