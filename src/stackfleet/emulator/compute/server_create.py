"""POST /servers: what nova-api checks and records before the conductor takes over.

Every check runs before anything is created (flavor, image, key pair, networks, availability
zone, server group, block devices, quota), as Nova does at API time; the servers then start in
BUILD/scheduling and `server_lifecycle.place` runs the scheduler a moment later.
"""

from __future__ import annotations

import math
import secrets
import string
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator import context
from stackfleet.emulator.block_storage import internal as volumes
from stackfleet.emulator.clock import isoformat
from stackfleet.emulator.compute import (
    instance_actions,
    quotas,
    server_groups,
    server_lifecycle,
    server_render,
)
from stackfleet.emulator.compute.flavors import embedded_flavor, flavor_for_boot
from stackfleet.emulator.compute.policy_checks import forbidden
from stackfleet.emulator.compute.server_access import request_id
from stackfleet.emulator.compute.server_request import BootRequest, parse, sanitize_hostname
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.image import internal as images
from stackfleet.emulator.network import internal as networks
from stackfleet.emulator.wire import Doc, json_response, new_id, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


_DEVICES = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class _Resolved:
    """The request's references, looked up and checked."""

    flavor: Doc
    image: Doc | None
    zone: str | None
    host: str | None
    node: str | None
    group_id: str | None
    bdms: list[Doc]
    count: int


async def create_server(request: Request) -> Response:
    site = context.site(request)
    caller = context.caller(request)
    version = context.microversion(request)
    boot = parse(await read_json(request), version)
    if caller.project_id is None:
        raise forbidden("os_compute_api:servers:create")
    resolved = _resolve(site, caller, boot)
    reservation_id = "r-" + "".join(
        secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8)
    )
    _create_boot_volumes(site, caller, boot, resolved)
    admin_pass = boot.admin_pass or _password()
    servers = [
        _new_server(site, caller, boot, resolved, reservation_id, index)
        for index in range(resolved.count)
    ]
    for server in servers:
        site.compute.servers[server["id"]] = server
        instance_actions.record(site, server, "create", caller, request_id(request))
        if resolved.group_id is not None:
            site.compute.server_groups[resolved.group_id]["members"].append(server["id"])
        site.schedule(site.config.boot_seconds * 0.2, partial(server_lifecycle.place, server["id"]))
    if boot.return_reservation_id:
        return json_response({"reservation_id": reservation_id}, 202)
    view = server_render.View(site, version, caller.is_admin)
    groups = [{"name": name} for name in boot.security_groups] or [{"name": "default"}]
    body = server_render.created(view, servers[0], groups, admin_pass)
    location = body["server"]["links"][0]["href"]
    return json_response(body, 202, {"Location": location})


def _password() -> str:
    # Nova's generate_password: 12 characters from an unambiguous alphabet.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _resolve(site: Site, caller: Caller, boot: BootRequest) -> _Resolved:

    project_id = str(caller.project_id)
    zone, host, node = _parse_zone(site, caller, boot)
    bdms, root_volume = _parse_bdms(site, project_id, boot)
    image = None
    if boot.image_ref:
        image = images.image_for_boot(site, project_id, boot.image_ref)
    elif not root_volume:
        raise ApiError(400, "Missing imageRef attribute")
    if boot.key_name is not None and (caller.user_id, boot.key_name) not in site.compute.keypairs:
        raise ApiError(400, "Invalid key_name provided.")
    flavor = flavor_for_boot(site, project_id, boot.flavor_ref, is_admin=caller.is_admin)
    group_id = _server_group(site, boot)
    networks.validate_server_networks(site, project_id, boot.networks, boot.security_groups)
    count = _count_within_quota(site, project_id, boot, flavor)
    _check_group_members(site, project_id, group_id, count)
    return _Resolved(flavor, image, zone, host, node, group_id, bdms, count)


def _parse_zone(
    site: Site, caller: Caller, boot: BootRequest
) -> tuple[str | None, str | None, str | None]:
    zone, host, node = boot.zone, boot.host, boot.node
    if zone and ":" in zone:
        zone, _, rest = zone.partition(":")
        forced_host, _, forced_node = rest.partition(":")
        if forced_host or forced_node:
            if not caller.is_admin:
                raise forbidden("os_compute_api:servers:create:forced_host")
            if host or node:
                raise ApiError(
                    400,
                    "One mechanism with host and/or hypervisor_hostname and another mechanism "
                    "with zone:host:node are mutually exclusive.",
                )
            host, node = forced_host or None, forced_node or None
        zone = zone or None
    if (boot.host or boot.node) and not caller.is_admin:
        raise forbidden("compute:servers:create:requested_destination")
    hypervisors = site.compute.hypervisors.values()
    if zone is not None and zone not in {h["_az"] for h in hypervisors}:
        raise ApiError(400, "The requested availability zone is not available")
    if host is not None and host not in {h["host"] for h in hypervisors}:
        raise ApiError(400, f"Compute host {host} could not be found.")
    return zone, host, node


def _server_group(site: Site, boot: BootRequest) -> str | None:
    group_id = boot.hints.get("group")
    if group_id is None:
        return None
    if str(group_id) not in site.compute.server_groups:
        raise ApiError(400, f"Instance group {group_id} could not be found.")
    return str(group_id)


def _check_group_members(site: Site, project_id: str, group_id: str | None, count: int) -> None:
    if group_id is None:
        return
    members = len(server_groups.live_members(site, site.compute.server_groups[group_id]))
    if not quotas.check_group_members_quota(site, project_id, members, count):
        raise ApiError(403, "Quota exceeded, too many servers in group")


def _count_within_quota(site: Site, project_id: str, boot: BootRequest, flavor: Doc) -> int:
    """Nova creates as many as max_count the quota allows, failing below min_count."""
    first_error: ApiError | None = None
    for count in range(boot.max_count, boot.min_count - 1, -1):
        try:
            quotas.check_server_quota(
                site, project_id, count, flavor["vcpus"] * count, flavor["ram"] * count
            )
        except ApiError as error:
            first_error = first_error or error
            continue
        return count
    assert first_error is not None  # noqa: S101 - the loop ran at least once
    raise first_error


def _parse_bdms(site: Site, project_id: str, boot: BootRequest) -> tuple[list[Doc], bool]:
    """Block device mappings as Nova records them; and whether the root disk is a volume."""
    parsed: list[Doc] = []
    root_volume = False
    for index, bdm in enumerate(boot.bdms):
        source = bdm.get("source_type")
        destination = bdm.get("destination_type", "volume" if source == "volume" else "local")
        boot_index = bdm.get("boot_index")
        is_root = boot_index is not None and int(boot_index) == 0
        if destination != "volume":
            continue
        entry: Doc = {
            "source_type": source,
            "uuid": bdm.get("uuid"),
            "boot_index": int(boot_index) if boot_index is not None else None,
            "delete_on_termination": _truthy(bdm.get("delete_on_termination", False)),
            "device": bdm.get("device_name") or f"/dev/vd{_DEVICES[index % 26]}",
            "volume_size": bdm.get("volume_size"),
            "volume_id": None,
        }
        if source == "volume":
            volumes.volume_for_attach(site, project_id, str(bdm.get("uuid")))
            entry["volume_id"] = bdm["uuid"]
        elif source == "image":
            images.image_for_boot(site, project_id, str(bdm.get("uuid")))
        else:
            raise ApiError(400, "Block Device Mapping is Invalid: Unsupported source_type.")
        root_volume = root_volume or is_root
        parsed.append(entry)
    return parsed, root_volume


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes", "on", "t", "y")


def _create_boot_volumes(
    site: Site, caller: Caller, boot: BootRequest, resolved: _Resolved
) -> None:
    for bdm in resolved.bdms:
        if bdm["source_type"] == "image" and bdm["volume_id"] is None:
            size = int(bdm["volume_size"] or max(1, resolved.flavor["disk"]))
            volume = volumes.create_boot_volume(
                site, str(caller.project_id), str(bdm["uuid"]), size, "", caller.user_id
            )
            bdm["volume_id"] = volume["id"]


def _new_server(
    site: Site,
    caller: Caller,
    boot: BootRequest,
    resolved: _Resolved,
    reservation_id: str,
    index: int,
) -> Doc:
    site.compute.instances_created += 1
    now = isoformat(site.clock.now())
    name = boot.name if resolved.count == 1 else f"{boot.name}-{index + 1}"
    flavor = resolved.flavor
    volume_backed = any(b["boot_index"] == 0 for b in resolved.bdms)
    swap_gb = math.ceil(flavor["swap"] / 1024) if flavor["swap"] else 0
    root_gb = 0 if volume_backed else flavor["disk"]
    server: Doc = {
        "id": new_id(),
        "name": name,
        "status": "BUILD",
        "tenant_id": caller.project_id,
        "user_id": caller.user_id,
        "metadata": dict(boot.metadata),
        "hostId": "",
        "image": {"id": resolved.image["id"]} if resolved.image and not volume_backed else "",
        "flavor": embedded_flavor(flavor),
        "created": now,
        "updated": now,
        "accessIPv4": boot.access_ipv4,
        "accessIPv6": boot.access_ipv6,
        "OS-DCF:diskConfig": boot.disk_config,
        "progress": 0,
        "OS-EXT-AZ:availability_zone": resolved.zone or "",
        "config_drive": "True" if boot.config_drive else "",
        "key_name": boot.key_name,
        "OS-SRV-USG:launched_at": None,
        "OS-SRV-USG:terminated_at": None,
        "OS-EXT-SRV-ATTR:host": None,
        "OS-EXT-SRV-ATTR:instance_name": f"instance-{site.compute.instances_created:08x}",
        "OS-EXT-SRV-ATTR:hypervisor_hostname": None,
        "OS-EXT-SRV-ATTR:reservation_id": reservation_id,
        "OS-EXT-SRV-ATTR:launch_index": index,
        "OS-EXT-SRV-ATTR:hostname": _hostname(boot, name, resolved.count, index),
        "OS-EXT-SRV-ATTR:kernel_id": "",
        "OS-EXT-SRV-ATTR:ramdisk_id": "",
        "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
        "OS-EXT-SRV-ATTR:user_data": boot.user_data,
        "OS-EXT-STS:task_state": "scheduling",
        "OS-EXT-STS:vm_state": "building",
        "OS-EXT-STS:power_state": server_lifecycle.NOSTATE,
        "locked": False,
        "locked_reason": None,
        "description": boot.description,
        "tags": list(dict.fromkeys(boot.tags)),
        "trusted_image_certificates": None,
        "_flavor_id": flavor["id"],
        "_demand": {
            "vcpus": flavor["vcpus"],
            "memory_mb": flavor["ram"],
            "disk_gb": root_gb + flavor["OS-FLV-EXT-DATA:ephemeral"] + swap_gb,
        },
        "_az_requested": resolved.zone,
        "_forced_host": resolved.host,
        "_forced_node": resolved.node,
        "_hints": dict(boot.hints),
        "_networks": boot.networks,
        "_security_groups": boot.security_groups,
        "_bdms": [dict(b) for b in resolved.bdms] if index == 0 else [],
        "_group_id": resolved.group_id,
        "_deleted": False,
        "_seq": site.compute.instances_created,
        "_build_due": site.clock.monotonic() + site.config.boot_seconds,
    }
    return server


def _hostname(boot: BootRequest, name: str, count: int, index: int) -> str:
    if boot.hostname:
        return boot.hostname if count == 1 else f"{boot.hostname}-{index + 1}"
    return sanitize_hostname(name)
