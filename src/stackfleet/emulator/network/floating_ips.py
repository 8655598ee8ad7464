"""Neutron floating IPs: `/v2.0/floatingips[/{id}]`, allocated from an external network.

A floating IP is backed by a port (device_owner network:floatingip, no project) on the external
network. Associating it with a port finds the router that joins the port's subnet to that
external network (ExternalGatewayForFloatingIPNotFound if none) and sets `fixed_ip_address`
and `router_id`; status is ACTIVE while associated, DOWN otherwise.
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
from stackfleet.emulator.network import common, ports, routers
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import bad_request, http_bad_request, in_use, not_found
from stackfleet.emulator.network.query import Listing, list_response, show_response
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

KEYS = (
    "id", "tenant_id", "project_id", "floating_ip_address", "floating_network_id", "router_id",
    "port_id", "fixed_ip_address", "status", "port_details", *common.STANDARD_KEYS,
)  # fmt: skip
_CREATE = (
    "floating_network_id", "floating_ip_address", "subnet_id", "port_id", "fixed_ip_address",
    "description", "tags", "tenant_id", "project_id",
)  # fmt: skip
_UPDATE = ("port_id", "fixed_ip_address", "description")
_PORT_DETAILS = (
    "name", "network_id", "mac_address", "admin_state_up", "status", "device_id", "device_owner",
)  # fmt: skip
LISTING = Listing(
    "floatingips",
    "floatingip",
    frozenset(KEYS) - {"port_details"},
    frozenset(KEYS) - {"port_details"},
)


async def list_floating_ips(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    docs = (f for f in state.floatingips.values() if common.owns(caller, f))
    return list_response(request, LISTING, docs)


async def show_floating_ip(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    fip = common.find(state.floatingips, "floatingip", request.path_params["fip_id"], caller)
    return show_response(request, "floatingip", fip)


async def create_floating_ip(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    state = site.network
    body = await common.read_body(request, "floatingip")
    v.check_keys(body, _CREATE)
    if "floating_network_id" not in body:
        raise http_bad_request(
            "Failed to parse request. Required attribute 'floating_network_id' not specified"
        )
    common.admin_only(caller, body, "create_floatingip", ("floating_ip_address",))
    project_id = common.owner_project(caller, body)
    network = _external_network(state, body["floating_network_id"])
    fip = common.new_doc(site, new_id(), project_id, body)
    fip.update(
        {
            "floating_ip_address": None,
            "floating_network_id": network["id"],
            "router_id": None,
            "port_id": None,
            "fixed_ip_address": None,
            "status": "DOWN",
            "port_details": None,
        }
    )
    if "tags" in body:
        fip["tags"] = v.tags(body["tags"])
    association = _association(state, caller, fip, body)
    common.charge(site, project_id, "floatingip")
    fip["floating_ip_address"] = _allocate(site, network, fip["id"], body)
    if association is not None:
        _associate(fip, *association)
    state.floatingips[fip["id"]] = fip
    return show_response(request, "floatingip", fip, 201)


def _external_network(state: NetworkState, network_id: Any) -> Doc:
    network = state.networks.get(network_id) if isinstance(network_id, str) else None
    if network is None:
        raise not_found("network", str(network_id))
    if not network["router:external"]:
        raise bad_request("floatingip", f"Network {network_id} is not a valid external network")
    if not any(state.subnets[s]["ip_version"] == 4 for s in network["subnets"]):
        raise bad_request("floatingip", f"Network {network_id} does not contain any IPv4 subnet")
    return network


def _allocate(site: Site, network: Doc, fip_id: str, body: Doc) -> str:
    request: Doc = {}
    if body.get("subnet_id") is not None:
        request["subnet_id"] = body["subnet_id"]
    if body.get("floating_ip_address") is not None:
        request["ip_address"] = body["floating_ip_address"]
    port_body: Doc = {"device_id": fip_id, "device_owner": "network:floatingip"}
    if request:
        port_body["fixed_ips"] = [request]
    else:
        v4 = [s for s in network["subnets"] if site.network.subnets[s]["ip_version"] == 4]
        port_body["fixed_ips"] = [{"subnet_id": s} for s in v4[:1]]
    try:
        port = ports.build_port(site, network, "", port_body)
    except ApiError as error:
        if error.kind == "IpAddressGenerationFailure":
            raise ApiError(
                400,
                f"Unable to find any IP address on external network {network['id']}.",
                kind="ExternalIpAddressExhausted",
            ) from None
        raise
    return str(port["fixed_ips"][0]["ip_address"])


def _association(
    state: NetworkState, caller: Caller, fip: Doc, body: Doc
) -> tuple[Doc, str, str] | None:
    """Check an association request: (internal port, fixed IP, router id), or None."""
    port_id = body.get("port_id")
    if port_id is None:
        if body.get("fixed_ip_address") is not None:
            raise bad_request(
                "floatingip", "fixed_ip_address cannot be specified without a port_id"
            )
        return None
    port = ports.visible_port(state, caller, v.uuid("port_id", port_id))
    if port["project_id"] != fip["project_id"] and not caller.is_admin:
        raise bad_request(
            "floatingip",
            f"Cannot process floating IP association with Port {port['id']}, since that port is "
            "owned by a different tenant",
        )
    if port["device_owner"].startswith("network:"):
        raise bad_request("floatingip", "Port %(id)s is unable to be assigned a floating IP")
    fixed_ip, subnet_id = _internal_address(port, body.get("fixed_ip_address"))
    router_id = _router_for(state, fip["floating_network_id"], subnet_id, port["id"])
    for other in state.floatingips.values():
        if (
            other["id"] != fip["id"]
            and other["port_id"] == port["id"]
            and other["fixed_ip_address"] == fixed_ip
        ):
            raise in_use(
                "FloatingIPPortAlreadyAssociated",
                f"Cannot associate floating IP {fip['floating_ip_address']} ({fip['id']}) with "
                f"port {port['id']} using fixed IP {fixed_ip}, as that fixed IP already has a "
                f"floating IP on external network {fip['floating_network_id']}.",
            )
    return port, fixed_ip, router_id


def _internal_address(port: Doc, requested: Any) -> tuple[str, str]:
    if requested is not None:
        text = v.ip_address("fixed_ip_address", requested)
        if ipaddress.ip_address(text).version != 4:
            raise bad_request(
                "floatingip",
                f"Cannot process floating IP association with {text}, since that is not an "
                "IPv4 address",
            )
        for ip in port["fixed_ips"]:
            if ip["ip_address"] == text:
                return text, str(ip["subnet_id"])
        raise bad_request("floatingip", f"Port {port['id']} does not have fixed ip {text}")
    ipv4 = [ip for ip in port["fixed_ips"] if ":" not in ip["ip_address"]]
    if not ipv4:
        raise bad_request(
            "floatingip",
            f"Cannot add floating IP to port {port['id']} that has no fixed IPv4 addresses",
        )
    if len(ipv4) > 1:
        raise bad_request(
            "floatingip",
            f"Port {port['id']} has multiple fixed IPv4 addresses.  Must provide a specific "
            "IPv4 address when assigning a floating IP",
        )
    return str(ipv4[0]["ip_address"]), str(ipv4[0]["subnet_id"])


def _router_for(state: NetworkState, external_network_id: str, subnet_id: str, port_id: str) -> str:
    for router in state.routers.values():
        gateway = router["external_gateway_info"]
        if gateway is None or gateway["network_id"] != external_network_id:
            continue
        for port in routers.interfaces(state, router["id"]):
            if any(ip["subnet_id"] == subnet_id for ip in port["fixed_ips"]):
                return str(router["id"])
    raise ApiError(
        404,
        f"External network {external_network_id} is not reachable from subnet {subnet_id}.  "
        f"Therefore, cannot associate Port {port_id} with a Floating IP.",
        kind="ExternalGatewayForFloatingIPNotFound",
    )


def _associate(fip: Doc, port: Doc, fixed_ip: str, router_id: str) -> None:
    fip.update(
        {
            "port_id": port["id"],
            "fixed_ip_address": fixed_ip,
            "router_id": router_id,
            "status": "ACTIVE",
            "port_details": {key: port[key] for key in _PORT_DETAILS},
        }
    )


async def update_floating_ip(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    state = site.network
    fip = common.find(state.floatingips, "floatingip", request.path_params["fip_id"], caller)
    body = await common.read_body(request, "floatingip")
    v.check_read_only(body, _UPDATE, KEYS)
    if "description" in body:
        fip["description"] = v.string("description", body["description"])
    if "port_id" in body or "fixed_ip_address" in body:
        wanted = {
            "port_id": body.get("port_id", fip["port_id"]),
            "fixed_ip_address": body.get("fixed_ip_address"),
        }
        association = _association(state, caller, fip, wanted)
        ports.disassociate(fip)
        if association is not None:
            _associate(fip, *association)
    common.touch(site, fip)
    return show_response(request, "floatingip", fip)


async def delete_floating_ip(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    fip = common.find(state.floatingips, "floatingip", request.path_params["fip_id"], caller)
    for port in ports.device_ports(state, fip["id"]):
        ports.forget_port(state, port)
    del state.floatingips[fip["id"]]
    return Response(status_code=204)


ROUTES = [
    Route("/v2.0/floatingips", list_floating_ips, methods=["GET"]),
    Route("/v2.0/floatingips", create_floating_ip, methods=["POST"]),
    Route("/v2.0/floatingips/{fip_id}", show_floating_ip, methods=["GET"]),
    Route("/v2.0/floatingips/{fip_id}", update_floating_ip, methods=["PUT"]),
    Route("/v2.0/floatingips/{fip_id}", delete_floating_ip, methods=["DELETE"]),
]
