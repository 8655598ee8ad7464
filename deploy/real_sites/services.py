"""The OpenStack services of one site: how each is started, and the site's bring-up order.

Debian's Zed code runs under /usr/bin/python3 (never the venv): API services that Debian ships
as WSGI scripts run in uwsgi, the others are Debian's eventlet entry points. Called by cli.py.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field

from deploy.real_sites import procs
from deploy.real_sites.layout import PLUGINS, SiteLayout

NOVA_COMPUTE = (
    "import sys; from nova.cmd.compute import main; sys.argv[0] = 'nova-compute'; sys.exit(main())"
)


@dataclass(frozen=True)
class Service:
    """One daemon of a site: its command, extra environment, and the URL that says it is up."""

    name: str
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    health: str | None = None


def uwsgi(
    site: SiteLayout, service: str, script: str, threads: int, *extra: str
) -> tuple[str, ...]:
    """Run uwsgi serving Debian's WSGI `script` on the service's port, one worker."""
    binary = shutil.which("uwsgi") or "/usr/bin/uwsgi-core"
    return (
        binary,
        "--plugins", "python3",
        "--http-socket", f"127.0.0.1:{site.port(service)}",
        "--wsgi-file", script,
        "--master", "--processes", "1", "--threads", str(threads),
        "--lazy-apps", "--enable-threads", "--die-on-term", "--exit-on-reload", "--need-app",
        "--buffer-size", "65535",
        # uwsgi's http-socket closes after each response without saying so: clients that reuse
        # the connection then hit ECONNRESET at random.
        "--add-header", "Connection: close",
        *extra,
    )  # fmt: skip


def keystone(site: SiteLayout) -> Service:
    return Service(
        "keystone",
        uwsgi(site, "keystone", "/usr/bin/keystone-wsgi-public", 4),
        {
            "OS_KEYSTONE_CONFIG_DIR": str(site.etc / "keystone"),
            "OS_KEYSTONE_CONFIG_FILES": "keystone.conf",
        },
        site.url("keystone") + "/v3",
    )


def daemons(site: SiteLayout) -> list[Service]:
    """Every service of the site but Keystone, in start order."""
    nova_conf = str(site.etc / "nova" / "nova.conf")
    cinder_conf = str(site.etc / "cinder" / "cinder.conf")
    plugins = {"PYTHONPATH": str(PLUGINS)}
    return [
        Service(
            "glance-api",
            ("glance-api", "--config-file", str(site.etc / "glance" / "glance-api.conf")),
            health=site.url("glance"),
        ),
        Service(
            "placement",
            uwsgi(site, "placement", "/usr/bin/placement-api", 4),
            {"OS_PLACEMENT_CONFIG_DIR": str(site.etc / "placement")},
            site.url("placement"),
        ),
        Service(
            "neutron-server",
            ("neutron-server", "--config-file", str(site.etc / "neutron" / "neutron.conf")),
            plugins,
            site.url("neutron"),
        ),
        # One thread: eventlet hubs are per native thread, so a second thread waits forever for
        # RPC replies polled by the first thread's hub (MessagingTimeout after 60 s).
        Service(
            "nova-api",
            uwsgi(site, "nova", "/usr/bin/nova-api-wsgi", 1),
            {
                "OS_NOVA_CONFIG_DIR": str(site.etc / "nova"),
                "OS_NOVA_CONFIG_FILES": "api-paste.ini;nova.conf",
            },
            site.url("nova"),
        ),
        Service("nova-conductor", ("nova-conductor", "--config-file", nova_conf)),
        Service("nova-scheduler", ("nova-scheduler", "--config-file", nova_conf)),
        # Without the nova-compute package (it drags libvirt/qemu in): the fake driver needs none.
        Service(
            "nova-compute", ("/usr/bin/python3", "-c", NOVA_COMPUTE, "--config-file", nova_conf)
        ),
        Service(
            "cinder-api",
            uwsgi(
                site,
                "cinder",
                "/usr/bin/cinder-wsgi",
                1,
                "--pyargv",
                f"--config-file {cinder_conf}",
            ),
            plugins,
            site.url("cinder"),
        ),
        Service("cinder-scheduler", ("cinder-scheduler", "--config-file", cinder_conf), plugins),
        Service("cinder-volume", ("cinder-volume", "--config-file", cinder_conf), plugins),
        Service("cinder-backup", ("cinder-backup", "--config-file", cinder_conf), plugins),
    ]


def all_services(site: SiteLayout) -> list[Service]:
    return [keystone(site), *daemons(site)]


def start(site: SiteLayout, service: Service) -> None:
    procs.spawn(
        service.command,
        site.logs / f"{service.name}.log",
        site.pids / f"{service.name}.pid",
        service.env,
    )


def wait(site: SiteLayout, service: Service, timeout: float = 180) -> None:
    """Wait until `service` answers (API services) or has survived a few seconds (workers)."""
    pidfile = site.pids / f"{service.name}.pid"
    what = f"{site.name}/{service.name}"
    if service.health:
        procs.wait_http(service.health, pidfile, what, timeout)
        return
    time.sleep(0.5)
    if procs.recorded_pid(pidfile) is None:
        raise procs.HarnessError(
            f"{what} died; tail of its log:\n{procs.tail(procs.log_of(pidfile))}"
        )


def running(site: SiteLayout) -> bool:
    """Whether every service of `site` is alive and every API answers."""
    for service in all_services(site):
        pidfile = site.pids / f"{service.name}.pid"
        if procs.recorded_pid(pidfile) is None:
            return False
        if service.health:
            try:
                procs.wait_http(service.health, pidfile, service.name, timeout=10)
            except procs.HarnessError:
                return False
    return True


def stop_site(site: SiteLayout) -> None:
    for service in reversed(all_services(site)):
        procs.stop(site.pids / f"{service.name}.pid")
