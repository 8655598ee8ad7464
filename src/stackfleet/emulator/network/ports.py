"""Neutron ports: `/v2.0/ports[/{id}]` with fixed IPs, security groups and port bindings.

`build_port` is the one way a port comes to exist: the REST create, router interfaces and
gateways, floating IPs and Nova's `internal.plug_server` all call it, and it checks everything
(IPs, MAC, groups) before recording anything. `forget_port` is the matching way out.
Binding attributes other than `binding:vnic_type` are shown to admins only.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import common, ipam, security_groups
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import http_bad_request, in_use, not_found, policy_denied
from stackfleet.emulator.network.query import Listing, list_response, show_response
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

ADMIN_KEYS = ("binding:host_id", "binding:profile", "binding:vif_type", "binding:vif_details")
KEYS = (
    "id", "name", "network_id", "tenant_id", "project_id", "mac_address", "admin_state_up",
    "status", "device_id", "device_owner", "fixed_ips", "allowed_address_pairs",
    "extra_dhcp_opts", "security_groups", "port_security_enabled", "binding:vnic_type",
    "numa_affinity_policy", "device_profile", *common.STANDARD_KEYS, *ADMIN_KEYS,
)  # fmt: skip
_UPDATE = (
    "name", "admin_state_up", "mac_address", "fixed_ips", "device_id", "device_owner",
    "security_groups", "allowed_address_pairs", "extra_dhcp_opts", "port_security_enabled",
    "binding:vnic_type", "binding:host_id", "binding:profile", "numa_affinity_policy",
    "description",
)  # fmt: skip
_CREATE = (*_UPDATE, "network_id", "tags", "tenant_id", "project_id", "device_profile")
_VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder")
_SERVICE_OWNERS = (
    "network:router_interface",
    "network:router_interface_distributed",
    "network:ha_router_replicated_interface",
    "network:router_gateway",
    "network:floatingip",
)
OVS_VIF_DETAILS = {
    "port_filter": True,
    "connectivity": "l2",
    "ovs_hybrid_plug": False,
    "datapath_type": "system",
    "bridge_name": "br-int",
}
LISTING = Listing("ports", "port", frozenset(KEYS), frozenset(KEYS) - {"fixed_ips"})


def render(doc: Doc, caller: Caller) -> Doc:
    if caller.is_admin:
        return doc
    return {k: val for k, val in doc.items() if k not in ADMIN_KEYS}


def visible_port(state: NetworkState, caller: Caller, port_id: Any) -> Doc:
    port = state.ports.get(port_id) if isinstance(port_id, str) else None
    if port is None or not common.port_visible(state, caller, port):
        raise not_found("port", str(port_id))
    return port


def build_port(site: Site, network: Doc, project_id: str, body: Doc) -> Doc:
    """Create and record a port from a checked-for-keys body; nothing is kept on failure."""
    state = site.network
    doc = common.new_doc(site, new_id(), project_id, body)
    mac = _mac(state, network, body.get("mac_address"))
    owner = v.string("device_owner", body.get("device_owner", ""))
    secure = v.to_bool(body.get("port_security_enabled", network["port_security_enabled"]))
    groups = _groups(site, project_id, body, secure, owner)
    pairs = _address_pairs(body.get("allowed_address_pairs", []), mac, secure)
    host = v.string("binding:host_id", body.get("binding:host_id", ""))
    doc.update(
        {
            "name": v.string("name", body.get("name", "")),
            "network_id": network["id"],
            "mac_address": mac,
            "admin_state_up": v.to_bool(body.get("admin_state_up", True)),
            "status": "DOWN",
            "device_id": v.string("device_id", body.get("device_id", "")),
            "device_owner": owner,
            "fixed_ips": [],
            "allowed_address_pairs": pairs,
            "extra_dhcp_opts": v.list_of("extra_dhcp_opts", body.get("extra_dhcp_opts", [])),
            "security_groups": groups,
            "port_security_enabled": secure,
            "binding:vnic_type": v.one_of(
                "binding:vnic_type", body.get("binding:vnic_type", "normal"), _VNIC_TYPES
            ),
            "numa_affinity_policy": body.get("numa_affinity_policy"),
            "device_profile": body.get("device_profile"),
            "binding:profile": v.dict_of("binding:profile", body.get("binding:profile", {})),
            **binding(host),
        }
    )
    if "tags" in body:
        doc["tags"] = v.tags(body["tags"])
    if project_id:
        common.charge(site, project_id, "port")
    doc["fixed_ips"] = ipam.allocate(state, network, body.get("fixed_ips"), doc["id"], mac)
    state.ports[doc["id"]] = doc
    state.macs.add(mac)
    index_device(state, doc)
    return doc


def index_device(state: NetworkState, port: Doc) -> None:
    if port["device_id"]:
        state.device_ports.setdefault(port["device_id"], []).append(port["id"])


def unindex_device(state: NetworkState, port: Doc) -> None:
    ids = state.device_ports.get(port["device_id"])
    if ids is not None and port["id"] in ids:
        ids.remove(port["id"])
        if not ids:
            del state.device_ports[port["device_id"]]


def device_ports(state: NetworkState, device_id: str) -> list[Doc]:
    """The ports whose device_id is `device_id`, in the order they were bound."""
    return [state.ports[p] for p in state.device_ports.get(device_id, ()) if p in state.ports]


def binding(host: str) -> Doc:
    """The binding attributes ML2 (Open vSwitch) reports for a port bound to `host`, or not."""
    if not host:
        return {"binding:host_id": "", "binding:vif_type": "unbound", "binding:vif_details": {}}
    return {
        "binding:host_id": host,
        "binding:vif_type": "ovs",
        "binding:vif_details": dict(OVS_VIF_DETAILS),
    }


def _mac(state: NetworkState, network: Doc, raw: Any) -> str:
    if raw is None:
        return ipam.new_mac(state)
    if not isinstance(raw, str) or not _is_mac(raw):
        raise v.invalid_attribute("mac_address", f"'{raw}' is not a valid MAC address")
    mac = raw.lower()
    if mac in state.macs:
        raise in_use(
            "MacAddressInUse",
            f"Unable to complete operation for network {network['id']}. "
            f"The mac address {mac} is in use.",
        )
    return mac


def _is_mac(text: str) -> bool:
    parts = text.split(":")
    return len(parts) == 6 and all(
        len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts
    )


def _groups(site: Site, project_id: str, body: Doc, secure: bool, owner: str) -> list[str]:
    if "security_groups" not in body or body["security_groups"] is None:
        if not secure or owner.startswith("network:") or not project_id:
            return []
        return [security_groups.ensure_default_group(site, project_id)]
    ids = [
        v.uuid("security_groups", g) for g in v.list_of("security_groups", body["security_groups"])
    ]
    if ids and not secure:
        raise ApiError(
            400,
            "Port security must be enabled and port must have an IP address in order to use "
            "security groups.",
            kind="PortSecurityAndIPRequiredForSecurityGroups",
        )
    for group_id in ids:
        group = site.network.security_groups.get(group_id)
        if group is None or (group["project_id"] != project_id and not group["shared"]):
            raise not_found("security_group", group_id)
    return list(dict.fromkeys(ids))


def _address_pairs(raw: Any, mac: str, secure: bool) -> list[Doc]:
    pairs = []
    for pair in v.list_of("allowed_address_pairs", raw):
        if not isinstance(pair, dict) or "ip_address" not in pair:
            raise ApiError(
                400,
                "AllowedAddressPair must contain ip_address",
                kind="AllowedAddressPairsMissingIP",
            )
        address = pair["ip_address"]
        if not isinstance(address, str) or not _is_address_or_cidr(address):
            raise v.invalid_attribute(
                "allowed_address_pairs", f"'{address}' is not a valid IP address"
            )
        pairs.append({"ip_address": address, "mac_address": str(pair.get("mac_address") or mac)})
    if pairs and not secure:
        raise in_use(
            "AddressPairAndPortSecurityRequired",
            "Port Security must be enabled in order to have allowed address pairs on a port.",
        )
    return pairs


def _is_address_or_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def forget_port(state: NetworkState, port: Doc) -> None:
    """Delete a port: release its addresses and MAC, and drop floating IP associations."""
    ipam.release(state, port["fixed_ips"])
    state.macs.discard(port["mac_address"])
    state.ports.pop(port["id"], None)
    unindex_device(state, port)
    for fip in state.floatingips.values():
        if fip["port_id"] == port["id"]:
            disassociate(fip)


def disassociate(fip: Doc) -> None:
    fip.update(
        {
            "port_id": None,
            "fixed_ip_address": None,
            "router_id": None,
            "status": "DOWN",
            "port_details": None,
        }
    )


async def list_ports(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    docs = (
        render(p, caller) for p in state.ports.values() if common.port_visible(state, caller, p)
    )
    return list_response(request, LISTING, docs)


async def show_port(request: Request) -> Response:
    caller = context.caller(request)
    port = visible_port(common.network_state(request), caller, request.path_params["port_id"])
    return show_response(request, "port", render(port, caller))


async def create_port(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    body = await common.read_body(request, "port")
    v.check_keys(body, _CREATE)
    if "network_id" not in body:
        raise http_bad_request(
            "Failed to parse request. Required attribute 'network_id' not specified"
        )
    network = common.visible_network(site.network, caller, body["network_id"])
    common.admin_only(caller, body, "create_port", ("binding:host_id", "binding:profile"))
    if not common.owns(caller, network) and not network["shared"]:
        raise policy_denied("rule:create_port")
    project_id = common.owner_project(caller, body)
    doc = build_port(site, network, project_id, body)
    return show_response(request, "port", render(doc, caller), 201)


async def update_port(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    port = visible_port(site.network, caller, request.path_params["port_id"])
    body = await common.read_body(request, "port")
    v.check_read_only(body, _UPDATE, KEYS)
    if not common.owns(caller, port):
        raise policy_denied("rule:update_port")
    common.admin_only(caller, body, "update_port", ("binding:host_id", "binding:profile"))
    update_port_doc(site, port, body)
    return show_response(request, "port", render(port, caller))


def update_port_doc(site: Site, port: Doc, body: Doc) -> None:
    """Apply a checked update body to a port (also used by routers for device fields)."""
    state = site.network
    network = state.networks[port["network_id"]]
    changes = _simple_changes(body)
    secure = bool(changes.get("port_security_enabled", port["port_security_enabled"]))
    if "security_groups" in body or "port_security_enabled" in body:
        groups_body = {"security_groups": body.get("security_groups", port["security_groups"])}
        if (
            "port_security_enabled" in body
            and not secure
            and "security_groups" not in body
            and port["security_groups"]
        ):
            raise ApiError(
                409,
                "Port has security group associated. Cannot disable port security or ip address "
                "until security group is removed.",
                kind="PortSecurityPortHasSecurityGroup",
            )
        changes["security_groups"] = _groups(
            site, port["project_id"], groups_body, secure, port["device_owner"]
        )
    if "allowed_address_pairs" in body:
        changes["allowed_address_pairs"] = _address_pairs(
            body["allowed_address_pairs"], port["mac_address"], secure
        )
    if "mac_address" in body and str(body["mac_address"]).lower() != port["mac_address"]:
        if port["binding:vif_type"] not in ("unbound", "binding_failed"):
            raise in_use(
                "PortBound",
                f"Unable to complete operation on port {port['id']}, port is already bound, port "
                f"type: {port['binding:vif_type']}, old_mac {port['mac_address']}, "
                f"new_mac {body['mac_address']}.",
            )
        changes["mac_address"] = _mac(state, network, body["mac_address"])
    if "binding:host_id" in body:
        changes.update(binding(v.string("binding:host_id", body["binding:host_id"] or "")))
    if "fixed_ips" in body:
        changes["fixed_ips"] = _reallocate(state, network, port, body["fixed_ips"])
    if "mac_address" in changes:
        state.macs.discard(port["mac_address"])
        state.macs.add(changes["mac_address"])
    unindex_device(state, port)
    port.update(changes)
    index_device(state, port)
    common.touch(site, port)


def _simple_changes(body: Doc) -> Doc:
    changes: Doc = {}
    for key in ("name", "device_id", "device_owner", "description"):
        if key in body:
            changes[key] = v.string(key, body[key])
    for key in ("admin_state_up", "port_security_enabled"):
        if key in body:
            changes[key] = v.to_bool(body[key])
    if "binding:vnic_type" in body:
        changes["binding:vnic_type"] = v.one_of(
            "binding:vnic_type", body["binding:vnic_type"], _VNIC_TYPES
        )
    if "binding:profile" in body:
        changes["binding:profile"] = v.dict_of("binding:profile", body["binding:profile"] or {})
    if "extra_dhcp_opts" in body:
        changes["extra_dhcp_opts"] = v.list_of("extra_dhcp_opts", body["extra_dhcp_opts"])
    if "numa_affinity_policy" in body:
        changes["numa_affinity_policy"] = body["numa_affinity_policy"]
    return changes


def _reallocate(state: NetworkState, network: Doc, port: Doc, requested: Any) -> list[Doc]:
    old = list(port["fixed_ips"])
    ipam.release(state, old)
    try:
        return ipam.allocate(state, network, requested, port["id"], port["mac_address"])
    except ApiError:
        for entry in old:
            state.subnets[entry["subnet_id"]]["_allocated"][entry["ip_address"]] = port["id"]
        raise


async def delete_port(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    port = visible_port(state, caller, request.path_params["port_id"])
    if not common.owns(caller, port):
        raise policy_denied("rule:delete_port")
    owner = port["device_owner"]
    if owner in _SERVICE_OWNERS and (
        port["device_id"] in state.routers or port["device_id"] in state.floatingips
    ):
        raise in_use(
            "ServicePortInUse",
            f"Port {port['id']} cannot be deleted directly via the port API: "
            f"has device owner {owner}.",
        )
    forget_port(state, port)
    return Response(status_code=204)


ROUTES = [
    Route("/v2.0/ports", list_ports, methods=["GET"]),
    Route("/v2.0/ports", create_port, methods=["POST"]),
    Route("/v2.0/ports/{port_id}", show_port, methods=["GET"]),
    Route("/v2.0/ports/{port_id}", update_port, methods=["PUT"]),
    Route("/v2.0/ports/{port_id}", delete_port, methods=["DELETE"]),
]
