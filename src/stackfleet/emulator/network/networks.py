"""Neutron networks: `/v2.0/networks[/{id}]` (ML2 with provider, external-net, mtu, az).

Project networks are VXLAN segments (MTU 1450) allocated by ML2; admins may create provider
networks (flat/vlan, MTU 1500), shared networks and external networks (`router:external`).
Provider attributes are shown to admins only. Deleting a network deletes its subnets, and is
refused (NetworkInUse) while it has ports other than DHCP ports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.context import Caller
from stackfleet.emulator.network import common, security_groups, subnets
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import in_use, invalid_input, policy_denied
from stackfleet.emulator.network.query import Listing, list_response, show_response
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

PROVIDER_KEYS = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
KEYS = (
    "id", "name", "tenant_id", "project_id", "admin_state_up", "mtu", "status", "subnets",
    "shared", "availability_zone_hints", "availability_zones", "ipv4_address_scope",
    "ipv6_address_scope", "router:external", "port_security_enabled", *common.STANDARD_KEYS,
    *PROVIDER_KEYS,
)  # fmt: skip
_CREATE = (
    "name", "admin_state_up", "shared", "router:external", "mtu", "port_security_enabled",
    "availability_zone_hints", "description", "tags", "tenant_id", "project_id", *PROVIDER_KEYS,
)  # fmt: skip
_UPDATE = (
    "name", "admin_state_up", "shared", "router:external", "mtu", "port_security_enabled",
    "description",
)  # fmt: skip
_ADMIN_ONLY = ("shared", "router:external", *PROVIDER_KEYS)
_MAX_MTU = {"vxlan": 1450, "geneve": 1442, "gre": 1458}
_TYPES = ("flat", "vlan", "vxlan", "geneve", "gre", "local")
AUTO_DELETE_OWNERS = ("network:dhcp", "network:router_ha_interface")
LISTING = Listing("networks", "network", frozenset(KEYS), frozenset(KEYS) - {"subnets"})


def render(doc: Doc, caller: Caller) -> Doc:
    if caller.is_admin:
        return doc
    return {k: val for k, val in doc.items() if k not in PROVIDER_KEYS}


async def list_networks(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    docs = (render(n, caller) for n in state.networks.values() if common.network_visible(caller, n))
    return list_response(request, LISTING, docs)


async def show_network(request: Request) -> Response:
    caller = context.caller(request)
    network = common.visible_network(
        common.network_state(request), caller, request.path_params["network_id"]
    )
    return show_response(request, "network", render(network, caller))


async def create_network(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    body = await common.read_body(request, "network")
    v.check_keys(body, _CREATE)
    common.admin_only(caller, body, "create_network", _ADMIN_ONLY)
    project_id = common.owner_project(caller, body)
    doc = _build(site, project_id, body)
    common.charge(site, project_id, "network")
    if project_id:
        security_groups.ensure_default_group(site, project_id)
    site.network.networks[doc["id"]] = doc
    return show_response(request, "network", render(doc, caller), 201)


def _build(site: Site, project_id: str, body: Doc) -> Doc:
    doc = common.new_doc(site, new_id(), project_id, body)
    segment = _segment(site.network, body)
    max_mtu = _MAX_MTU.get(segment["provider:network_type"], 1500)
    mtu = _mtu(body.get("mtu", max_mtu), max_mtu)
    hints = v.list_of("availability_zone_hints", body.get("availability_zone_hints", []))
    doc.update(
        {
            "name": v.string("name", body.get("name", "")),
            "admin_state_up": v.to_bool(body.get("admin_state_up", True)),
            "mtu": mtu,
            "status": "ACTIVE",
            "subnets": [],
            "shared": v.to_bool(body.get("shared", False)),
            "availability_zone_hints": hints,
            "availability_zones": [],
            "ipv4_address_scope": None,
            "ipv6_address_scope": None,
            "router:external": v.to_bool(body.get("router:external", False)),
            "port_security_enabled": v.to_bool(body.get("port_security_enabled", True)),
            **segment,
        }
    )
    if "tags" in body:
        doc["tags"] = v.tags(body["tags"])
    return doc


def _segment(state: NetworkState, body: Doc) -> Doc:
    """The ML2 segment: the admin's provider attributes, or the next project VXLAN id."""
    network_type = body.get("provider:network_type")
    if network_type is None:
        vni = state.next_vni
        state.next_vni += 1
        return {
            "provider:network_type": "vxlan",
            "provider:physical_network": None,
            "provider:segmentation_id": vni,
        }
    v.one_of("provider:network_type", network_type, _TYPES)
    physnet = body.get("provider:physical_network")
    if network_type in ("flat", "vlan") and not physnet:
        raise invalid_input(
            f"provider:physical_network required for {network_type} provider network"
        )
    if network_type not in ("flat", "vlan") and physnet:
        raise invalid_input(f"provider:physical_network specified for {network_type} network")
    raw_segment = body.get("provider:segmentation_id")
    segment_id: int | None = None if raw_segment is None else v.to_int(raw_segment)
    if network_type == "flat":
        if segment_id is not None:
            raise invalid_input("provider:segmentation_id specified for flat network")
        for other in state.networks.values():
            if (
                other["provider:physical_network"] == physnet
                and other["provider:network_type"] == "flat"
            ):
                raise in_use(
                    "FlatNetworkInUse",
                    f"Unable to create the flat network. Physical network {physnet} is in use.",
                )
    elif segment_id is None and network_type != "local":
        segment_id = state.next_vni
        state.next_vni += 1
    return {
        "provider:network_type": network_type,
        "provider:physical_network": physnet,
        "provider:segmentation_id": segment_id,
    }


def _mtu(raw: object, max_mtu: int) -> int:
    mtu = v.to_int(raw)
    if mtu > max_mtu:
        raise invalid_input(f"Requested MTU is too big, maximum is {max_mtu}")
    if mtu < 68:
        raise v.invalid_attribute("mtu", f"'{mtu}' is too small - must be at least '68'")
    return mtu


async def update_network(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    network = common.visible_network(site.network, caller, request.path_params["network_id"])
    body = await common.read_body(request, "network")
    if any(key in body for key in PROVIDER_KEYS):
        raise invalid_input("Plugin does not support updating provider attributes")
    v.check_read_only(body, _UPDATE, KEYS)
    common.require_owner(caller, network, "update_network")
    common.admin_only(caller, body, "update_network", _ADMIN_ONLY)
    changes = _changes(site.network, network, body)
    network.update(changes)
    common.touch(site, network)
    return show_response(request, "network", render(network, caller))


def _changes(state: NetworkState, network: Doc, body: Doc) -> Doc:
    changes: Doc = {}
    for key in ("admin_state_up", "shared", "router:external", "port_security_enabled"):
        if key in body:
            changes[key] = v.to_bool(body[key])
    if "name" in body:
        changes["name"] = v.string("name", body["name"])
    if "description" in body:
        changes["description"] = v.string("description", body["description"])
    if "mtu" in body:
        changes["mtu"] = _mtu(body["mtu"], _MAX_MTU.get(network["provider:network_type"], 1500))
    ports = [p for p in state.ports.values() if p["network_id"] == network["id"]]
    if (
        network["shared"]
        and changes.get("shared") is False
        and any(p["project_id"] not in ("", network["project_id"]) for p in ports)
    ):
        raise in_use(
            "InvalidSharedSetting",
            f"Unable to reconfigure sharing settings for network {network['id']}. "
            "Multiple tenants are using it.",
        )
    if (
        network["router:external"]
        and changes.get("router:external") is False
        and any(p["device_owner"] == "network:router_gateway" for p in ports)
    ):
        raise in_use(
            "ExternalNetworkInUse",
            f"External network {network['id']} cannot be updated to be made non-external, "
            "since it has existing gateway ports.",
        )
    return changes


async def delete_network(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    state = site.network
    network = common.visible_network(state, caller, request.path_params["network_id"])
    if not common.owns(caller, network):
        raise policy_denied("rule:delete_network")
    ports = [p for p in state.ports.values() if p["network_id"] == network["id"]]
    busy = [p["id"] for p in ports if p["device_owner"] not in AUTO_DELETE_OWNERS]
    if busy:
        raise in_use(
            "NetworkInUse",
            f"Unable to complete operation on network {network['id']}. There are one or more "
            f"ports still in use on the network, id for these ports is: {','.join(busy)}.",
        )
    for port in ports:
        state.ports.pop(port["id"], None)
        state.macs.discard(port["mac_address"])
    for subnet_id in list(network["subnets"]):
        subnets.remove_subnet(state, subnet_id)
    del state.networks[network["id"]]
    return Response(status_code=204)


ROUTES = [
    Route("/v2.0/networks", list_networks, methods=["GET"]),
    Route("/v2.0/networks", create_network, methods=["POST"]),
    Route("/v2.0/networks/{network_id}", show_network, methods=["GET"]),
    Route("/v2.0/networks/{network_id}", update_network, methods=["PUT"]),
    Route("/v2.0/networks/{network_id}", delete_network, methods=["DELETE"]),
]
