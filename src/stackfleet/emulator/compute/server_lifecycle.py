"""A server's states and the delayed transitions between them (Nova's conductor and compute).

Servers are stored in `site.compute.servers` in the shape Nova's detail view gives an admin at
the newest microversion (`server_render.py` trims it per request), plus private `_` keys:
`_flavor_id`, `_demand` (vcpus, memory_mb, disk_gb claimed on the host), `_az_requested`,
`_forced_host`/`_forced_node`, `_hints`, `_networks` and `_security_groups` (as requested),
`_bdms` (block device mappings), `_group_id`, `_deleted`, `_build_due` (site monotonic time
at which the boot ends).

Creation, actions and deletion (`server_create.py`, `server_actions.py`, `servers.py`) change
the state at API time the way nova-api does and schedule the rest here with `site.schedule`:
placement (scheduler), spawning, and the end of each task. Timer functions are module-level and
take the `Site` last, so they pickle.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from stackfleet.emulator.block_storage import internal as volumes
from stackfleet.emulator.clock import isoformat
from stackfleet.emulator.compute import instance_actions, scheduler
from stackfleet.emulator.compute.server_access import host_id
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import internal as networks
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


NOSTATE, RUNNING, PAUSED, SHUTDOWN = 0, 1, 3, 4
"""Nova's power_state values."""

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."

_STATUS: dict[str, dict[str | None, str]] = {
    "active": {
        None: "ACTIVE",
        "rebooting": "REBOOT",
        "reboot_pending": "REBOOT",
        "reboot_started": "REBOOT",
        "rebooting_hard": "HARD_REBOOT",
        "reboot_pending_hard": "HARD_REBOOT",
        "reboot_started_hard": "HARD_REBOOT",
    },
    "building": {None: "BUILD"},
    "stopped": {None: "SHUTOFF", "rebooting_hard": "HARD_REBOOT"},
    "paused": {None: "PAUSED"},
    "suspended": {None: "SUSPENDED"},
    "error": {None: "ERROR"},
    "deleted": {None: "DELETED"},
}
"""Nova's `status_from_state` for the states the emulator uses (task_state None = default)."""


def status_of(vm_state: str, task_state: str | None) -> str:
    task_map = _STATUS.get(vm_state, {None: "UNKNOWN"})
    return task_map.get(task_state, task_map[None])


def statuses_to_states(statuses: list[str]) -> set[tuple[str, str | None]]:
    """The (vm_state, task_state) pairs whose status is one of `statuses` (case-insensitive)."""
    wanted = {s.upper() for s in statuses}
    return {
        (vm, task)
        for vm, tasks in _STATUS.items()
        for task, status in tasks.items()
        if status in wanted
    }


def set_state(
    site: Site,
    server: Doc,
    vm_state: str | None = None,
    task_state: str | None = None,
    power_state: int | None = None,
) -> None:
    """Move the server to `vm_state` (unchanged if None) with `task_state`; stamp `updated`."""
    if vm_state is not None:
        server["OS-EXT-STS:vm_state"] = vm_state
    if power_state is not None:
        server["OS-EXT-STS:power_state"] = power_state
    server["OS-EXT-STS:task_state"] = task_state
    server["status"] = status_of(server["OS-EXT-STS:vm_state"], task_state)
    server["updated"] = isoformat(site.clock.now())


def hypervisor_of(site: Site, server: Doc) -> Doc | None:
    node = server.get("OS-EXT-SRV-ATTR:hypervisor_hostname")
    for hypervisor in site.compute.hypervisors.values():
        if hypervisor["hypervisor_hostname"] == node:
            return hypervisor
    return None


# --- placement and spawning ------------------------------------------------------------------


def place(server_id: str, site: Site) -> None:
    """Timer: the scheduler picks a host, then the compute host plugs ports and volumes."""
    server = site.compute.servers.get(server_id)
    if server is None or server["_deleted"] or server["OS-EXT-STS:vm_state"] != "building":
        return
    hypervisor = None
    if not site.faults.capacity_exhausted:
        demand = _demand(site, server)
        hypervisor = scheduler.select_host(
            site.compute.hypervisors.values(), demand, site.config.capacity
        )
    if hypervisor is None:
        fail(site, server, NO_VALID_HOST, conductor=True)
        return
    used = server["_demand"]
    scheduler.claim(hypervisor, used["vcpus"], used["memory_mb"], used["disk_gb"])
    _assign_host(server, hypervisor)
    set_state(site, server, task_state="spawning")
    try:
        networks.plug_server(
            site,
            server["tenant_id"],
            server_id,
            server["_networks"],
            server["_security_groups"],
            hypervisor["host"],
        )
        _attach_boot_volumes(site, server, hypervisor["host"])
    except ApiError as error:
        fail(site, server, f"Build of instance {server_id} aborted: {error.message}")
        return
    # Timers fire only when a request reaches the site: count the boot from the create, not
    # from this (possibly late) placement, so a client polling slowly sees ACTIVE on time.
    due = server.get("_build_due")
    delay = site.config.boot_seconds * 0.8 if due is None else due - site.clock.monotonic()
    if delay <= 0:
        finish_build(server_id, site)
    else:
        site.schedule(delay, partial(finish_build, server_id))


def _demand(site: Site, server: Doc) -> scheduler.Demand:
    group = site.compute.server_groups.get(server["_group_id"] or "")
    group_hosts: list[str] = []
    if group is not None:
        for member in group["members"]:
            other = site.compute.servers.get(member)
            if member != server["id"] and other is not None and other["OS-EXT-SRV-ATTR:host"]:
                group_hosts.append(other["OS-EXT-SRV-ATTR:host"])
    hints = server["_hints"]
    used = server["_demand"]
    return scheduler.Demand(
        vcpus=used["vcpus"],
        memory_mb=used["memory_mb"],
        disk_gb=used["disk_gb"],
        zone=server["_az_requested"],
        host=server["_forced_host"],
        node=server["_forced_node"],
        group_policy=group["policy"] if group is not None else None,
        group_hosts=tuple(group_hosts),
        same_host=_hosts_of(site, hints.get("same_host")),
        different_host=_hosts_of(site, hints.get("different_host")),
    )


def _hosts_of(site: Site, server_ids: object) -> frozenset[str]:
    ids = [server_ids] if isinstance(server_ids, str) else server_ids
    if not isinstance(ids, list):
        return frozenset()
    servers = (site.compute.servers.get(str(i)) for i in ids)
    return frozenset(s["OS-EXT-SRV-ATTR:host"] for s in servers if s and s["OS-EXT-SRV-ATTR:host"])


def _assign_host(server: Doc, hypervisor: Doc) -> None:
    server["OS-EXT-SRV-ATTR:host"] = hypervisor["host"]
    server["OS-EXT-SRV-ATTR:hypervisor_hostname"] = hypervisor["hypervisor_hostname"]
    server["OS-EXT-AZ:availability_zone"] = hypervisor["_az"]
    server["hostId"] = host_id(server["tenant_id"], hypervisor["host"])


def _attach_boot_volumes(site: Site, server: Doc, host: str) -> None:
    for bdm in server["_bdms"]:
        if bdm.get("volume_id") and not bdm.get("attachment_id"):
            bdm["attachment_id"] = volumes.attach(
                site, bdm["volume_id"], server["id"], bdm["device"], host
            )


def finish_build(server_id: str, site: Site) -> None:
    """Timer: the guest is up; ports go ACTIVE."""
    server = site.compute.servers.get(server_id)
    if server is None or server["_deleted"] or server["OS-EXT-STS:task_state"] != "spawning":
        return
    set_state(site, server, "active", None, RUNNING)
    server["OS-SRV-USG:launched_at"] = usage_time(site)
    server["progress"] = 0
    networks.set_server_ports_status(site, server_id, "ACTIVE")
    instance_actions.finish_pending(site, server_id, "Success", server["OS-EXT-SRV-ATTR:host"])


def fail(site: Site, server: Doc, message: str, *, conductor: bool = False) -> None:
    """Put a building server into ERROR with Nova's fault, giving back what it claimed.

    With `conductor`, the failure is the scheduler's (NoValidHost): nova-conductor buries the
    server in cell0 and its create action's event is the conductor's, on the controller.
    """
    _release_host(site, server)
    set_state(site, server, "error", None, NOSTATE)
    server["fault"] = {"code": 500, "created": isoformat(site.clock.now()), "message": message}
    if conductor:
        instance_actions.finish_pending(
            site,
            server["id"],
            "Error",
            f"{site.name}-controller",
            "conductor_schedule_and_build_instances",
        )
    else:
        instance_actions.finish_pending(site, server["id"], "Error")


def _release_claims(site: Site, server: Doc) -> None:
    hypervisor = hypervisor_of(site, server)
    if hypervisor is not None:
        used = server["_demand"]
        scheduler.release(hypervisor, used["vcpus"], used["memory_mb"], used["disk_gb"])


def _release_host(site: Site, server: Doc) -> None:
    _release_claims(site, server)
    server["OS-EXT-SRV-ATTR:host"] = None
    server["OS-EXT-SRV-ATTR:hypervisor_hostname"] = None
    server["hostId"] = ""


def usage_time(site: Site) -> str:
    """OS-SRV-USG timestamps: str() of a naive datetime, as Nova renders them."""
    return site.clock.now().replace(tzinfo=None).isoformat(timespec="microseconds")


# --- tasks on a running server ---------------------------------------------------------------


def finish_task(
    server_id: str, task_state: str, vm_state: str, power_state: int, site: Site
) -> None:
    """Timer: the compute host finished `task_state`; the server rests in `vm_state`."""
    server = site.compute.servers.get(server_id)
    if server is None or server["_deleted"] or server["OS-EXT-STS:task_state"] != task_state:
        return
    set_state(site, server, vm_state, None, power_state)
    ports = "ACTIVE" if vm_state == "active" else "DOWN"
    networks.set_server_ports_status(site, server_id, ports)
    instance_actions.finish_pending(site, server_id, "Success")


def start_task(
    site: Site, server: Doc, task_state: str, then: tuple[str, int], seconds: float | None = None
) -> None:
    """Set `task_state` now; after `seconds` (half a boot by default) rest in `then`."""
    set_state(site, server, task_state=task_state)
    delay = site.config.boot_seconds / 2 if seconds is None else seconds
    site.schedule(delay, partial(finish_task, server["id"], task_state, *then))


# --- deletion --------------------------------------------------------------------------------


def start_delete(site: Site, server: Doc) -> None:
    """API side of DELETE: task_state deleting, then gone after a short delay."""
    set_state(site, server, task_state="deleting")
    site.schedule(site.config.boot_seconds / 2, partial(finish_delete, server["id"]))


def finish_delete(server_id: str, site: Site) -> None:
    """Timer: the compute host tore the server down; free everything it held."""
    server = site.compute.servers.get(server_id)
    if server is None or server["_deleted"]:
        return
    networks.unplug_server(site, server_id)
    for bdm in server["_bdms"]:
        volume_id = bdm.get("volume_id")
        if not volume_id:
            continue
        if bdm.get("attachment_id"):
            volumes.detach(site, volume_id, server_id)
        if bdm.get("delete_on_termination"):
            volumes.delete_volume(site, volume_id)
    _release_claims(site, server)
    group = site.compute.server_groups.get(server["_group_id"] or "")
    if group is not None and server_id in group["members"]:
        group["members"].remove(server_id)
    set_state(site, server, "deleted", None, NOSTATE)
    server["OS-SRV-USG:terminated_at"] = usage_time(site)
    server["_deleted"] = True
    instance_actions.finish_pending(site, server_id, "Success")
