"""Render a site's configuration files from templates/ into $STATE/<site>/etc.

Templates are `string.Template` files; the values come from the site's layout (ports, databases,
RabbitMQ vhost, region) and from `auth_block`, the keystoneauth section every service user needs.
Called by services.py before any service of the site starts.
"""

from __future__ import annotations

import shutil
import string

from deploy.real_sites.layout import SERVICE_PASSWORD, TEMPLATES, SiteLayout

# template -> where it goes below the site's etc/
FILES = {
    "keystone.conf": "keystone/keystone.conf",
    "glance-api.conf": "glance/glance-api.conf",
    "placement.conf": "placement/placement.conf",
    "nova.conf": "nova/nova.conf",
    "neutron.conf": "neutron/neutron.conf",
    "cinder.conf": "cinder/cinder.conf",
}
DATA_DIRS = (
    "glance/images",
    "glance/staging",
    "glance/tasks",
    "glance/locks",
    "nova/instances",
    "nova/locks",
    "neutron/locks",
    "cinder/locks",
    "cinder/volumes",
    "cinder/backups",
)


def auth_block(site: SiteLayout, user: str) -> str:
    """Keystoneauth password options for service user `user` (keystone_authtoken and clients)."""
    identity = site.url("keystone") + "/v3"
    return "\n".join(
        (
            "auth_type = password",
            f"auth_url = {identity}",
            f"www_authenticate_uri = {identity}",
            f"username = {user}",
            f"password = {SERVICE_PASSWORD}",
            "project_name = service",
            "user_domain_name = Default",
            "project_domain_name = Default",
            f"region_name = {site.region}",
            "service_token_roles_required = true",
        )
    )


def values(site: SiteLayout) -> dict[str, str]:
    found = {
        "site": site.name,
        "region": site.region,
        "etc": str(site.etc),
        "data": str(site.data),
        "transport_url": site.transport_url,
    }
    for service in ("keystone", "glance", "placement", "nova", "neutron", "cinder"):
        found[f"port_{service}"] = str(site.port(service))
        found[f"url_{service}"] = site.url(service)
        if service != "keystone":
            found[f"auth_{service}"] = auth_block(site, service)
    for database in ("keystone", "glance", "placement", "nova_api", "nova", "neutron", "cinder"):
        found[f"db_{database}"] = site.db_url(database)
    return found


def render(site: SiteLayout) -> None:
    """Write every config file of `site` and create its data directories."""
    substitutions = values(site)
    for template, target in FILES.items():
        path = site.etc / target
        path.parent.mkdir(parents=True, exist_ok=True)
        text = string.Template((TEMPLATES / template).read_text()).substitute(substitutions)
        path.write_text(text)
    for directory in DATA_DIRS:
        (site.data / directory).mkdir(parents=True, exist_ok=True)
    # nova-api-wsgi loads the paste app from the first file of OS_NOVA_CONFIG_FILES.
    shutil.copy("/etc/nova/api-paste.ini", site.etc / "nova" / "api-paste.ini")
    for directory in ("fernet-keys", "credential-keys"):
        (site.etc / "keystone" / directory).mkdir(parents=True, exist_ok=True, mode=0o700)
