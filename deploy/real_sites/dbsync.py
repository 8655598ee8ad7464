"""A site's databases, RabbitMQ vhost and schemas, created from scratch.

A site that is (re)brought up starts from empty databases, so the bring-up never depends on what
a previous run left behind. The schema syncs of the six projects run in parallel (each is mostly
Python start-up). Called by bringup.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from deploy.real_sites import infra, procs
from deploy.real_sites.layout import ADMIN_PASSWORD, AMQP_USER, DATABASES, SiteLayout


def reset(site: SiteLayout) -> None:
    """Drop and create the site's databases and its RabbitMQ vhost."""
    statements = [
        f"DROP DATABASE IF EXISTS {site.database(db)}; CREATE DATABASE {site.database(db)} "
        "CHARACTER SET utf8 COLLATE utf8_general_ci;"
        for db in DATABASES
    ]
    infra.sql(" ".join(statements))
    if site.name in infra.rabbitmqctl("list_vhosts", "-q").split():
        infra.rabbitmqctl("delete_vhost", site.name)
    infra.rabbitmqctl("add_vhost", site.name)
    infra.rabbitmqctl("set_permissions", "-p", site.name, AMQP_USER, ".*", ".*", ".*")


def _keystone(site: SiteLayout) -> None:
    conf = ["keystone-manage", "--config-file", str(site.etc / "keystone" / "keystone.conf")]
    log = site.logs / "keystone-manage.log"
    owner = ["--keystone-user", "root", "--keystone-group", "root"]
    procs.run([*conf, "db_sync"], log)
    procs.run([*conf, "fernet_setup", *owner], log)
    procs.run([*conf, "credential_setup", *owner], log)
    url = site.url("keystone") + "/v3/"
    procs.run(
        [
            *conf, "bootstrap",
            "--bootstrap-password", ADMIN_PASSWORD,
            "--bootstrap-username", "admin",
            "--bootstrap-project-name", "admin",
            "--bootstrap-role-name", "admin",
            "--bootstrap-service-name", "keystone",
            "--bootstrap-region-id", site.region,
            "--bootstrap-admin-url", url,
            "--bootstrap-internal-url", url,
            "--bootstrap-public-url", url,
        ],
        log,
    )  # fmt: skip


def _glance(site: SiteLayout) -> None:
    conf = str(site.etc / "glance" / "glance-api.conf")
    procs.run(["glance-manage", "--config-file", conf, "db_sync"], site.logs / "glance-manage.log")


def _placement(site: SiteLayout) -> None:
    conf = str(site.etc / "placement" / "placement.conf")
    procs.run(
        ["placement-manage", "--config-file", conf, "db", "sync"],
        site.logs / "placement-manage.log",
    )


def _nova(site: SiteLayout) -> None:
    manage = ["nova-manage", "--config-file", str(site.etc / "nova" / "nova.conf")]
    log = site.logs / "nova-manage.log"
    procs.run([*manage, "api_db", "sync"], log)
    procs.run(
        [*manage, "cell_v2", "map_cell0", "--database_connection", site.db_url("nova_cell0")], log
    )
    procs.run([*manage, "cell_v2", "create_cell", "--name", "cell1"], log)
    procs.run([*manage, "db", "sync"], log)


def _neutron(site: SiteLayout) -> None:
    conf = str(site.etc / "neutron" / "neutron.conf")
    procs.run(
        ["neutron-db-manage", "--config-file", conf, "upgrade", "heads"],
        site.logs / "neutron-db-manage.log",
    )


def _cinder(site: SiteLayout) -> None:
    conf = str(site.etc / "cinder" / "cinder.conf")
    procs.run(
        ["cinder-manage", "--config-file", conf, "db", "sync"], site.logs / "cinder-manage.log"
    )


SYNCS: dict[str, Callable[[SiteLayout], None]] = {
    "keystone": _keystone,
    "glance": _glance,
    "placement": _placement,
    "nova": _nova,
    "neutron": _neutron,
    "cinder": _cinder,
}


def sync_all(site: SiteLayout) -> dict[str, float]:
    """Create every schema of `site` in parallel; return seconds per project."""

    def timed(project: str) -> float:
        started = time.monotonic()
        SYNCS[project](site)
        return round(time.monotonic() - started, 1)

    with ThreadPoolExecutor(max_workers=len(SYNCS)) as pool:
        futures = {project: pool.submit(timed, project) for project in SYNCS}
        return {project: future.result() for project, future in futures.items()}
