"""A site's Keystone content after `keystone-manage bootstrap`: users, projects, roles, catalog.

Runs in the harness (venv, openstacksdk) against the freshly started Keystone: projects `service`
and `demo`, user `demo` (member of demo), one service user per service (admin + service roles on
project service) and the catalog of every service. Also writes the clouds.yaml of all sites.
Called by bringup.py.
"""

from __future__ import annotations

from typing import Any, cast

import openstack
import yaml
from openstack.connection import Connection
from openstack.identity.v3._proxy import Proxy as IdentityV3

from deploy.real_sites.layout import (
    ADMIN_PASSWORD,
    CLOUDS_YAML,
    DEMO_PASSWORD,
    SERVICE_PASSWORD,
    SERVICE_USERS,
    SiteLayout,
)


def cloud(site: SiteLayout, user: str, password: str, project: str) -> dict[str, Any]:
    return {
        "auth": {
            "auth_url": site.url("keystone") + "/v3",
            "username": user,
            "password": password,
            "project_name": project,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "region_name": site.region,
        "identity_api_version": 3,
        "interface": "public",
    }


def connect_admin(site: SiteLayout) -> Connection:
    settings = cloud(site, "admin", ADMIN_PASSWORD, "admin")
    return openstack.connect(load_yaml_config=False, load_envvars=False, **settings)


def catalog(site: SiteLayout) -> list[tuple[str, str, str]]:
    """(service name, service type, endpoint URL) of everything but Keystone."""
    volume = site.url("cinder") + "/v3/%(project_id)s"
    return [
        ("glance", "image", site.url("glance")),
        ("placement", "placement", site.url("placement")),
        ("nova", "compute", site.url("nova") + "/v2.1"),
        ("neutron", "network", site.url("neutron")),
        ("cinderv3", "volumev3", volume),
        ("cinder", "block-storage", volume),
    ]


def populate(site: SiteLayout) -> None:
    """Create the projects, users, role assignments and catalog of `site`."""
    conn = connect_admin(site)
    identity = cast(IdentityV3, conn.identity)
    roles = {role.name: role for role in identity.roles()}
    for wanted in ("member", "reader", "service"):
        if wanted not in roles:
            roles[wanted] = identity.create_role(name=wanted)
    service_project = identity.create_project(name="service", domain_id="default")
    demo_project = identity.create_project(name="demo", domain_id="default")
    demo = identity.create_user(
        name="demo", password=DEMO_PASSWORD, domain_id="default", default_project_id=demo_project.id
    )
    identity.assign_project_role_to_user(demo_project, demo, roles["member"])
    for name in SERVICE_USERS:
        user = identity.create_user(name=name, password=SERVICE_PASSWORD, domain_id="default")
        for role in ("admin", "service"):
            identity.assign_project_role_to_user(service_project, user, roles[role])
    for name, kind, url in catalog(site):
        service = identity.create_service(name=name, type=kind)
        for interface in ("public", "internal", "admin"):
            identity.create_endpoint(
                service_id=service.id, interface=interface, url=url, region_id=site.region
            )
    conn.close()


def write_clouds_yaml(sites: list[SiteLayout]) -> None:
    """Clouds `siteN` (admin) and `siteN-member` (demo, member of project demo) per site."""
    clouds: dict[str, Any] = {}
    for site in sites:
        clouds[site.name] = cloud(site, "admin", ADMIN_PASSWORD, "admin")
        clouds[f"{site.name}-member"] = cloud(site, "demo", DEMO_PASSWORD, "demo")
    CLOUDS_YAML.parent.mkdir(parents=True, exist_ok=True)
    CLOUDS_YAML.write_text(yaml.safe_dump({"clouds": clouds}, sort_keys=False))
