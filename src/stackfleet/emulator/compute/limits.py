"""Nova's `GET /limits`: the project's absolute limits and usage (rate limits are always empty).

Which names appear depends on the microversion: nova-network limits go at 2.36, maxImageMeta at
2.39, personality limits at 2.57. Admins may ask about another project with `tenant_id`.
Limits and usage come from `quotas.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute.body_checks import check_query
from stackfleet.emulator.compute.paging import query_lists
from stackfleet.emulator.compute.policy_checks import require_admin
from stackfleet.emulator.compute.quotas import project_quotas, project_usage
from stackfleet.emulator.wire import json_response

WITHOUT_NETWORK_PROXY = (2, 36)
WITHOUT_IMAGE_META = (2, 39)
WITHOUT_INJECTED_FILES = (2, 57)
STRICT_QUERY = (2, 75)

LIMIT_NAMES = {
    "ram": ("maxTotalRAMSize",),
    "instances": ("maxTotalInstances",),
    "cores": ("maxTotalCores",),
    "key_pairs": ("maxTotalKeypairs",),
    "floating_ips": ("maxTotalFloatingIps",),
    "metadata_items": ("maxServerMeta", "maxImageMeta"),
    "injected_files": ("maxPersonality",),
    "injected_file_content_bytes": ("maxPersonalitySize",),
    "security_groups": ("maxSecurityGroups",),
    "security_group_rules": ("maxSecurityGroupRules",),
    "server_groups": ("maxServerGroups",),
    "server_group_members": ("maxServerGroupMembers",),
}
"""`nova.api.openstack.compute.views.limits`: quota resource → absolute limit names."""

USED_NAMES = {
    "totalRAMUsed": "ram",
    "totalCoresUsed": "cores",
    "totalInstancesUsed": "instances",
    "totalFloatingIpsUsed": "floating_ips",
    "totalSecurityGroupsUsed": "security_groups",
    "totalServerGroupsUsed": "server_groups",
}


def _filtered(version: tuple[int, int]) -> set[str]:
    hidden: set[str] = set()
    if version >= WITHOUT_NETWORK_PROXY:
        hidden |= {"floating_ips", "security_groups", "security_group_rules"}
    if version >= WITHOUT_INJECTED_FILES:
        hidden |= {"injected_files", "injected_file_content_bytes"}
    return hidden


def absolute_limits(
    limits: dict[str, int], used: dict[str, int], version: tuple[int, int]
) -> dict[str, int]:
    """The `absolute` block of `GET /limits` at `version`."""
    hidden = _filtered(version)
    absolute: dict[str, int] = {}
    for resource, names in LIMIT_NAMES.items():
        if resource in hidden:
            continue
        for name in names:
            if name == "maxImageMeta" and version >= WITHOUT_IMAGE_META:
                continue
            absolute[name] = limits[resource]
    for name, resource in USED_NAMES.items():
        if resource not in hidden:
            absolute[name] = used[resource]
    return absolute


async def show_limits(request: Request) -> Response:
    version = context.microversion(request)
    check_query(
        {"tenant_id": {"type": "string"}}, query_lists(request), strict=version >= STRICT_QUERY
    )
    caller = context.caller(request)
    project_id = caller.project_id or ""
    if "tenant_id" in request.query_params:
        project_id = request.query_params["tenant_id"]
        require_admin(caller, "os_compute_api:limits:other_project")
    site = context.site(request)
    absolute = absolute_limits(
        project_quotas(site, project_id), project_usage(site, project_id), version
    )
    return json_response({"limits": {"rate": [], "absolute": absolute}})


ROUTES = [Route("/v2.1/limits", show_limits, methods=["GET"])]
