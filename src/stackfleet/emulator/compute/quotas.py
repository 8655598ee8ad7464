"""Nova quotas: limits per project, usage counted from live resources, and the checks Nova makes.

Limits are the site's defaults (`site.compute.default_quotas`, Nova's "default" quota class)
overridden per project (`site.compute.quotas`). Usage is counted, not stored, as Nova's
DbQuotaDriver does since Pike: servers not DELETED (instances, cores, ram), server groups per
project, keypairs per user. The servers API calls `check_server_quota`; keypairs and server groups
call `check_keypair_quota` / `check_server_group_quota`; limits and the quota-set routes
(`quota_sets.py`) read `project_quotas` and `project_usage`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stackfleet.emulator.errors import ApiError

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

RESOURCES = (
    "instances",
    "cores",
    "ram",
    "metadata_items",
    "injected_files",
    "injected_file_content_bytes",
    "injected_file_path_bytes",
    "key_pairs",
    "server_groups",
    "server_group_members",
    "fixed_ips",
    "floating_ips",
    "security_groups",
    "security_group_rules",
)
"""Nova's quota resources (`nova.quota.QUOTAS`), in its registration order."""

NETWORK_PROXY_RESOURCES = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules")
"""nova-network leftovers: unlimited (-1) by default, hidden from microversion 2.36."""

INJECTED_FILE_RESOURCES = (
    "injected_files",
    "injected_file_content_bytes",
    "injected_file_path_bytes",
)
"""Personality quotas, hidden from microversion 2.57."""

COUNTED = ("instances", "cores", "ram", "server_groups")
"""Resources whose usage Nova reports; key_pairs and server_group_members always show 0 used."""

CLASS_PREFIX = "class:"
"""Key prefix in `site.compute.quotas` for quota classes other than "default"."""


def class_quotas(site: Site, quota_class: str) -> dict[str, int]:
    """A quota class's limits: the defaults, overridden by the class's own values."""
    limits = dict.fromkeys(RESOURCES, -1)
    limits.update(site.compute.default_quotas)
    if quota_class != "default":
        limits.update(site.compute.quotas.get(CLASS_PREFIX + quota_class, {}))
    return limits


def project_quotas(site: Site, project_id: str) -> dict[str, int]:
    """The limit of every quota resource for a project (-1 means unlimited)."""
    limits = class_quotas(site, "default")
    limits.update(site.compute.quotas.get(project_id, {}))
    return limits


def _server_size(site: Site, server: dict[str, Any]) -> tuple[int, int]:
    """(vcpus, ram) a server holds: its claim, else its flavor copy, else the flavor it names."""
    demand = server.get("_demand")
    if demand:
        return int(demand.get("vcpus", 0)), int(demand.get("memory_mb", 0))
    flavor = server.get("flavor") or {}
    if "vcpus" not in flavor:
        flavor = site.compute.flavors.get(str(server.get("_flavor_id", flavor.get("id"))), {})
    return int(flavor.get("vcpus", 0)), int(flavor.get("ram", 0))


def project_usage(site: Site, project_id: str) -> dict[str, int]:
    """What a project uses of each quota resource, as Nova reports it."""
    usage = dict.fromkeys(RESOURCES, 0)
    for server in site.compute.servers.values():
        if (
            server.get("tenant_id") != project_id
            or server.get("_deleted")
            or server.get("status") == "DELETED"
        ):
            continue
        vcpus, ram = _server_size(site, server)
        usage["instances"] += 1
        usage["cores"] += vcpus
        usage["ram"] += ram
    usage["server_groups"] = sum(
        1 for group in site.compute.server_groups.values() if group.get("project_id") == project_id
    )
    return usage


def check_server_quota(site: Site, project_id: str, instances: int, cores: int, ram: int) -> None:
    """Raise Nova's 403 when creating servers would exceed the project's quota.

    Args:
        site: the site.
        project_id: the project the servers would belong to.
        instances: how many servers are being created.
        cores: their vcpus in total.
        ram: their RAM in total, in MiB.
    """
    limits = project_quotas(site, project_id)
    used = project_usage(site, project_id)
    requested = {"instances": instances, "cores": cores, "ram": ram}
    overs = sorted(
        name
        for name, amount in requested.items()
        if limits[name] >= 0 and used[name] + amount > limits[name]
    )
    if not overs:
        return
    # nova.compute.utils.check_num_instances_quota joins each column of the over-quota detail.
    resources = ", ".join(overs)
    reqs = ", ".join(str(requested[name]) for name in overs)
    useds = ", ".join(str(used[name]) for name in overs)
    alloweds = ", ".join(str(limits[name]) for name in overs)
    raise ApiError(
        403,
        f"Quota exceeded for {resources}: Requested {reqs}, but already used {useds} "
        f"of {alloweds} {resources}",
    )


def check_keypair_quota(site: Site, project_id: str, user_id: str) -> None:
    """Raise Nova's 403 when the user already holds as many keypairs as allowed."""
    limit = project_quotas(site, project_id)["key_pairs"]
    held = sum(1 for owner, _ in site.compute.keypairs if owner == user_id)
    if 0 <= limit <= held:
        raise ApiError(403, "Quota exceeded, too many key pairs.")


def check_server_group_quota(site: Site, project_id: str) -> None:
    """Raise Nova's 403 when the project already holds as many server groups as allowed."""
    limit = project_quotas(site, project_id)["server_groups"]
    if 0 <= limit <= project_usage(site, project_id)["server_groups"]:
        raise ApiError(403, "Quota exceeded, too many server groups.")


def check_group_members_quota(site: Site, project_id: str, members: int, adding: int) -> bool:
    """Whether a server group may grow from `members` by `adding` servers."""
    limit = project_quotas(site, project_id)["server_group_members"]
    return limit < 0 or members + adding <= limit
