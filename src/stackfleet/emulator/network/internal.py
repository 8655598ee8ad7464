"""What Nova asks of Neutron, in-process: validate, plug and unplug a server's ports.

Called by the compute server modules. Real Nova talks to Neutron over
REST as the user; these functions do what those calls amount to and raise `ApiError` worded as
Nova words the failure to its own client (`nova.exception` messages, the status Nova's servers
API maps them to). Validation happens before anything is created, and a failed plug leaves no
port behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import ports, security_groups
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

Requested = list[Doc] | str | None


def _available_networks(state: NetworkState, project_id: str) -> list[Doc]:
    """Nova's `_get_available_networks` with no ids: the project's own, else shared ones."""
    own = [n for n in state.networks.values() if n["project_id"] == project_id and not n["shared"]]
    if own:
        return own
    return [n for n in state.networks.values() if n["shared"]]


def _usable_network(state: NetworkState, project_id: str, network_id: Any) -> Doc:
    network = state.networks.get(network_id) if isinstance(network_id, str) else None
    visible = network is not None and (
        network["project_id"] == project_id or network["shared"] or network["router:external"]
    )
    if network is None or not visible:
        raise ApiError(400, f"Network {network_id} could not be found.")
    if network["router:external"] and not network["shared"] and network["project_id"] != project_id:
        raise ApiError(
            403, f"It is not allowed to create an interface on external network {network_id}"
        )
    if not network["subnets"]:
        raise ApiError(
            400, f"Network {network_id} requires a subnet in order to boot instances on."
        )
    return network


def _usable_port(state: NetworkState, project_id: str, port_id: Any) -> Doc:
    port = state.ports.get(port_id) if isinstance(port_id, str) else None
    if port is None or port["project_id"] != project_id:
        raise ApiError(400, f"Port id {port_id} could not be found.")
    if port["device_id"]:
        raise ApiError(409, f"Port {port_id} is still in use.")
    if not port["fixed_ips"]:
        raise ApiError(400, f"Port {port_id} requires a FixedIP in order to be used.")
    return port


def _check_fixed_ip(state: NetworkState, network: Doc, address: Any) -> None:
    for subnet_id in network["subnets"]:
        holder = state.subnets[subnet_id]["_allocated"].get(address)
        if holder is not None:
            device = state.ports[holder]["device_id"] if holder in state.ports else ""
            raise ApiError(
                400, f"Fixed IP address {address} is already in use on instance {device}."
            )


def _group_ids(state: NetworkState, project_id: str, names: list[str]) -> list[str] | None:
    """Nova's `_check_requested_secgroups`: names or ids → ids; None means Neutron's default."""
    wanted = [name for name in names if name != "default"]
    ids: list[str] = []
    for name in wanted:
        by_name = [
            g["id"] for g in state.security_groups.values()
            if g["project_id"] == project_id and g["name"] == name
        ]  # fmt: skip
        if len(by_name) > 1:
            raise ApiError(
                409,
                f"Multiple security_group matches found for name '{name}', use an ID to be "
                "more specific.",
            )
        group = state.security_groups.get(name)
        if by_name:
            ids.append(by_name[0])
        elif group is not None and (group["project_id"] == project_id or group["shared"]):
            ids.append(group["id"])
        else:
            raise ApiError(400, f"Unable to find security_group with name or id '{name}'")
    if "default" in names and wanted:
        return [*ids, "default"]
    return ids or None


def _plan(state: NetworkState, project_id: str, requested: Requested) -> list[tuple[str, Doc]]:
    """What to plug: ("network", network doc + fixed ip) or ("port", port doc) entries."""
    if requested == "none":
        return []
    if requested is None or requested == "auto":
        available = _available_networks(state, project_id)
        if len(available) > 1:
            raise ApiError(
                409, "Multiple possible networks found, use a Network ID to be more specific."
            )
        return [("network", {"network": n, "fixed_ip": None}) for n in available]
    if not isinstance(requested, list):
        raise ApiError(400, f"Bad networks format: {requested!r}")
    plan: list[tuple[str, Doc]] = []
    for entry in requested:
        if not isinstance(entry, dict):
            raise ApiError(400, "Bad networks format")
        if entry.get("port"):
            plan.append(("port", _usable_port(state, project_id, entry["port"])))
            continue
        network = _usable_network(state, project_id, entry.get("uuid"))
        address = entry.get("fixed_ip")
        if address is not None:
            _check_fixed_ip(state, network, address)
        plan.append(("network", {"network": network, "fixed_ip": address}))
    return plan


def validate_server_networks(
    site: Site, project_id: str, requested: Requested, security_groups: list[str]
) -> None:
    """Nova's API-time checks of `networks` and `security_groups` for a new server."""
    state = site.network
    _group_ids(state, project_id, security_groups)
    _plan(state, project_id, requested)


def plug_server(
    site: Site,
    project_id: str,
    server_id: str,
    requested: Requested,
    security_groups: list[str],
    host: str,
) -> None:
    """Create or bind the server's ports on `host`, as Nova's allocate_for_instance does."""
    state = site.network
    group_ids = _group_ids(state, project_id, security_groups)
    if group_ids is not None and "default" in group_ids:
        default = ports_default_group(site, project_id)
        group_ids = [default if g == "default" else g for g in group_ids]
    plan = _plan(state, project_id, requested)
    owner = f"compute:{_zone(site, host)}"
    created: list[Doc] = []
    try:
        for kind, item in plan:
            if kind == "port":
                _bind(site, item, server_id, owner, host)
                continue
            body: Doc = {"device_id": server_id, "device_owner": owner, "binding:host_id": host}
            if item["fixed_ip"] is not None:
                body["fixed_ips"] = [{"ip_address": item["fixed_ip"]}]
            if group_ids is not None:
                body["security_groups"] = group_ids
            port = ports.build_port(site, item["network"], project_id, body)
            port["_created_by_nova"] = True
            created.append(port)
    except ApiError:
        # Neutron refused a port (addresses exhausted, port quota): undo this boot's ports so
        # the failed server holds nothing, and let Nova put the server in ERROR.
        for port in created:
            ports.forget_port(state, port)
        unplug_server(site, server_id)
        raise


def ports_default_group(site: Site, project_id: str) -> str:
    return security_groups.ensure_default_group(site, project_id)


def _zone(site: Site, host: str) -> str:
    for hypervisor in site.compute.hypervisors.values():
        if hypervisor.get("host") == host:
            return str(hypervisor.get("_az", "nova"))
    return "nova"


def _bind(site: Site, port: Doc, server_id: str, owner: str, host: str) -> None:
    ports.update_port_doc(
        site, port, {"device_id": server_id, "device_owner": owner, "binding:host_id": host}
    )


def unplug_server(site: Site, server_id: str) -> None:
    """Delete the ports Nova created for the server and unbind the ones the user brought."""
    state = site.network
    for port in ports.device_ports(state, server_id):
        if port.get("_created_by_nova"):
            ports.forget_port(state, port)
            continue
        ports.update_port_doc(
            site, port, {"device_id": "", "device_owner": "", "binding:host_id": ""}
        )
        port["status"] = "DOWN"


def server_addresses(site: Site, server_id: str) -> dict[str, list[Doc]]:
    """The server's `addresses`: per network name, its fixed IPs then their floating IPs."""
    state = site.network
    addresses: dict[str, list[Doc]] = {}
    for port in ports.device_ports(state, server_id):
        network = state.networks.get(port["network_id"])
        if network is None:
            continue
        entries = addresses.setdefault(network["name"], [])
        mac = port["mac_address"]
        for ip in port["fixed_ips"]:
            entries.append(_address(ip["ip_address"], "fixed", mac))
        for fip in state.floatingips.values():
            if fip["port_id"] == port["id"]:
                entries.append(_address(fip["floating_ip_address"], "floating", mac))
    return addresses


def _address(address: str, kind: str, mac: str) -> Doc:
    return {
        "version": 6 if ":" in address else 4,
        "addr": address,
        "OS-EXT-IPS:type": kind,
        "OS-EXT-IPS-MAC:mac_addr": mac,
    }


def set_server_ports_status(site: Site, server_id: str, status: str) -> None:
    """ACTIVE when the server runs, DOWN when it stops (what the L2 agent would report)."""
    for port in ports.device_ports(site.network, server_id):
        if port["status"] != status:
            port["status"] = status


def server_security_groups(site: Site, server_id: str) -> list[Doc]:
    """The server's `security_groups` as Nova shows them: one {"name"} per distinct group."""
    state = site.network
    seen: dict[str, Doc] = {}
    for port in ports.device_ports(state, server_id):
        for group_id in port["security_groups"]:
            group = state.security_groups.get(group_id)
            if group is not None and group_id not in seen:
                seen[group_id] = {"name": group["name"]}
    return list(seen.values())
