"""The clouds.yaml that points openstacksdk and the openstack CLI at emulated sites.

Two clouds per site: `<site>` signs in as the site's admin, `<site>-member` as the demo member.
"""

from __future__ import annotations

from typing import Any

from stackfleet.emulator.site import Site


def clouds_config(sites: list[Site]) -> dict[str, Any]:
    """The clouds.yaml document for `sites`."""
    clouds: dict[str, Any] = {}
    for site in sites:
        for suffix, user, password, project in (
            ("", "admin", site.config.admin_password, "admin"),
            ("-member", "demo", site.config.member_password, "demo"),
        ):
            clouds[site.name + suffix] = {
                "auth": {
                    "auth_url": site.service_url("identity") + "/v3",
                    "username": user,
                    "password": password,
                    "project_name": project,
                    "user_domain_name": "Default",
                    "project_domain_name": "Default",
                },
                "region_name": site.config.region,
                "identity_api_version": 3,
                "interface": "public",
            }
    return {"clouds": clouds}
