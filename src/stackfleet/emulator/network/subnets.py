"""Neutron subnets: `/v2.0/subnets[/{id}]`, with allocation pools, gateway, DNS and host routes.

Subnets need a CIDR (subnet pools are not emulated); pools default to every host address except
the gateway; CIDRs may not overlap on one network. The network's owner (or an admin) creates
them; deleting one is refused (SubnetInUse) while ports hold addresses from it.
"""

from __future__ import annotations

import ipaddress
import itertools
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import common, ipam
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import (
    bad_request,
    http_bad_request,
    in_use,
    invalid_input,
    not_found,
    policy_denied,
)
from stackfleet.emulator.network.query import Listing, list_response, show_response
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

KEYS = (
    "id", "name", "tenant_id", "project_id", "network_id", "ip_version", "subnetpool_id",
    "enable_dhcp", "ipv6_ra_mode", "ipv6_address_mode", "gateway_ip", "cidr",
    "allocation_pools", "host_routes", "dns_nameservers", "service_types", *common.STANDARD_KEYS,
)  # fmt: skip
_CREATE = (
    "name", "network_id", "ip_version", "cidr", "gateway_ip", "allocation_pools",
    "dns_nameservers", "host_routes", "enable_dhcp", "ipv6_ra_mode", "ipv6_address_mode",
    "description", "tags", "tenant_id", "project_id", "subnetpool_id", "service_types",
    "use_default_subnetpool", "prefixlen",
)  # fmt: skip
_UPDATE = (
    "name", "gateway_ip", "allocation_pools", "dns_nameservers", "host_routes", "enable_dhcp",
    "description", "service_types",
)  # fmt: skip
_IPV6_MODES = ("slaac", "dhcpv6-stateful", "dhcpv6-stateless")
_MAX_DNS = 5
_MAX_ROUTES = 20
LISTING = Listing("subnets", "subnet", frozenset(KEYS), frozenset(KEYS))
Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def visible_subnet(state: NetworkState, caller: Caller, subnet_id: Any) -> Doc:
    subnet = state.subnets.get(subnet_id) if isinstance(subnet_id, str) else None
    if subnet is None or not common.subnet_visible(state, caller, subnet):
        raise not_found("subnet", str(subnet_id))
    return subnet


async def list_subnets(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    docs = (s for s in state.subnets.values() if common.subnet_visible(state, caller, s))
    return list_response(request, LISTING, docs)


async def show_subnet(request: Request) -> Response:
    caller = context.caller(request)
    subnet = visible_subnet(common.network_state(request), caller, request.path_params["subnet_id"])
    return show_response(request, "subnet", subnet)


async def create_subnet(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    body = await common.read_body(request, "subnet")
    v.check_keys(body, _CREATE)
    for required in ("network_id", "ip_version"):
        if required not in body:
            raise http_bad_request(
                f"Failed to parse request. Required attribute '{required}' not specified"
            )
    if body.get("cidr") is None:
        raise bad_request("subnet", "a subnetpool must be specified in the absence of a cidr")
    if body.get("subnetpool_id") is not None:
        raise not_found_pool(body["subnetpool_id"])
    network = common.visible_network(site.network, caller, body["network_id"])
    if not common.owns(caller, network):
        raise policy_denied("rule:create_subnet")
    project_id = common.owner_project(caller, body)
    doc = _build(site, network, project_id, body)
    common.charge(site, project_id, "subnet")
    site.network.subnets[doc["id"]] = doc
    network["subnets"].append(doc["id"])
    common.touch(site, network)
    return show_response(request, "subnet", doc, 201)


def not_found_pool(pool_id: object) -> ApiError:
    return ApiError(404, f"Subnet pool {pool_id} could not be found.", kind="SubnetPoolNotFound")


def _build(site: Site, network: Doc, project_id: str, body: Doc) -> Doc:
    version = v.one_of("ip_version", v.to_int(body["ip_version"]), (4, 6))
    cidr = v.subnet_cidr("cidr", body["cidr"])
    if cidr.version != version:
        raise invalid_input(f"cidr '{body['cidr']}' does not match the ip_version '{version}'")
    _check_overlap(site.network, network, cidr)
    modes = _ipv6_modes(version, body)
    default_gateway = str(cidr.network_address + 1) if cidr.num_addresses > 2 else None
    gateway = _gateway(cidr, body.get("gateway_ip", default_gateway))
    if "allocation_pools" in body and body["allocation_pools"] is not None:
        pools = _pools(cidr, body["allocation_pools"], gateway)
    else:
        pools = ipam.default_pools(str(cidr), gateway)
    doc = common.new_doc(site, new_id(), project_id, body)
    doc.update(
        {
            "name": v.string("name", body.get("name", "")),
            "network_id": network["id"],
            "ip_version": version,
            "subnetpool_id": None,
            "enable_dhcp": v.to_bool(body.get("enable_dhcp", True)),
            **modes,
            "gateway_ip": gateway,
            "cidr": str(cidr),
            "allocation_pools": pools,
            "host_routes": _host_routes(body.get("host_routes", [])),
            "dns_nameservers": _nameservers(body.get("dns_nameservers", [])),
            "service_types": v.list_of("service_types", body.get("service_types", [])),
            "_allocated": {},
        }
    )
    if "tags" in body:
        doc["tags"] = v.tags(body["tags"])
    return doc


def _check_overlap(state: NetworkState, network: Doc, cidr: Net) -> None:
    for subnet_id in network["subnets"]:
        other = ipaddress.ip_network(state.subnets[subnet_id]["cidr"])
        if other.version == cidr.version and other.overlaps(cidr):
            raise invalid_input(
                f"Requested subnet with cidr: {cidr} for network: {network['id']} overlaps "
                "with another subnet"
            )


def _ipv6_modes(version: int, body: Doc) -> Doc:
    modes: Doc = {"ipv6_ra_mode": None, "ipv6_address_mode": None}
    for key in modes:
        value = body.get(key)
        if value is None:
            continue
        v.one_of(key, value, _IPV6_MODES)
        if version != 6:
            raise invalid_input(f"{key} is not valid when ip_version is 4")
        modes[key] = value
    ra, address = modes["ipv6_ra_mode"], modes["ipv6_address_mode"]
    if ra and address and ra != address:
        raise invalid_input(
            f"ipv6_ra_mode set to '{ra}' with ipv6_address_mode set to '{address}' is not valid. "
            "If both attributes are set, they must be the same value"
        )
    return modes


def _gateway(cidr: Net, raw: Any) -> str | None:
    if raw is None:
        return None
    text = v.ip_address("gateway_ip", raw)
    address = ipaddress.ip_address(text)
    if address.version != cidr.version:
        raise invalid_input(f"gateway_ip '{text}' does not match the ip_version '{cidr.version}'")
    last = cidr.broadcast_address if cidr.version == 4 else None
    if address in cidr and address in (cidr.network_address, last):
        raise invalid_input("Gateway is not valid on subnet")
    return text


def _pools(cidr: Net, raw: Any, gateway: str | None) -> list[Doc]:
    ranges: list[tuple[int, int, str]] = []
    for pool in v.list_of("allocation_pools", raw):
        if not isinstance(pool, dict) or set(pool) != {"start", "end"}:
            raise v.invalid_attribute(
                "allocation_pools", f"Invalid data format for IP pool: '{pool}'"
            )
        start = ipaddress.ip_address(v.ip_address("start", pool["start"]))
        end = ipaddress.ip_address(v.ip_address("end", pool["end"]))
        label = f"{start}-{end}"
        if start not in cidr or end not in cidr:
            raise ApiError(
                400,
                f"The allocation pool {label} spans beyond the subnet cidr {cidr}.",
                kind="OutOfBoundsAllocationPool",
            )
        if int(start) > int(end):
            raise ApiError(
                400, f"The allocation pool {label} is not valid.", kind="InvalidAllocationPool"
            )
        ranges.append((int(start), int(end), label))
    ranges.sort()
    for (_, end_a, label_a), (start_b, _, label_b) in itertools.pairwise(ranges):
        if start_b <= end_a:
            raise in_use(
                "OverlappingAllocationPools",
                f"Found overlapping allocation pools: {label_a} {label_b} for subnet {cidr}.",
            )
    if gateway is not None:
        gateway_int = int(ipaddress.ip_address(gateway))
        for start_i, end_i, label in ranges:
            if start_i <= gateway_int <= end_i:
                raise in_use(
                    "GatewayConflictWithAllocationPools",
                    f"Gateway ip {gateway} conflicts with allocation pool {label}",
                )
    return [{"start": label.split("-")[0], "end": label.split("-")[1]} for _, _, label in ranges]


def _nameservers(raw: Any) -> list[str]:
    servers = [v.ip_address("dns_nameservers", s) for s in v.list_of("dns_nameservers", raw)]
    if len(servers) != len(set(servers)):
        duplicate = next(s for s in servers if servers.count(s) > 1)
        raise v.invalid_attribute("dns_nameservers", f"Duplicate nameserver '{duplicate}'")
    if len(servers) > _MAX_DNS:
        raise bad_request(
            "subnet",
            f"Unable to complete operation for new subnet. The number of DNS nameservers "
            f"exceeds the limit {_MAX_DNS}",
        )
    return servers


def _host_routes(raw: Any) -> list[Doc]:
    routes = []
    for route in v.list_of("host_routes", raw):
        if not isinstance(route, dict) or set(route) != {"destination", "nexthop"}:
            raise v.invalid_attribute(
                "host_routes", f"Invalid data format for hostroute: '{route}'"
            )
        destination = route["destination"]
        if not isinstance(destination, str) or not _is_net(destination):
            raise v.invalid_attribute("host_routes", f"'{destination}' is not a valid IP subnet")
        nexthop = v.ip_address("nexthop", route["nexthop"])
        routes.append({"destination": str(ipaddress.ip_network(destination)), "nexthop": nexthop})
    if len(routes) > _MAX_ROUTES:
        raise bad_request("subnet", f"The number of host routes exceeds the limit {_MAX_ROUTES}")
    return routes


def _is_net(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


async def update_subnet(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    subnet = visible_subnet(site.network, caller, request.path_params["subnet_id"])
    body = await common.read_body(request, "subnet")
    v.check_read_only(body, _UPDATE, KEYS)
    common.require_owner(caller, subnet, "update_subnet")
    changes = _changes(subnet, body)
    subnet.update(changes)
    common.touch(site, subnet)
    return show_response(request, "subnet", subnet)


def _changes(subnet: Doc, body: Doc) -> Doc:
    cidr = ipaddress.ip_network(subnet["cidr"])
    changes: Doc = {}
    if "name" in body:
        changes["name"] = v.string("name", body["name"])
    if "description" in body:
        changes["description"] = v.string("description", body["description"])
    if "enable_dhcp" in body:
        changes["enable_dhcp"] = v.to_bool(body["enable_dhcp"])
    if "dns_nameservers" in body:
        changes["dns_nameservers"] = _nameservers(body["dns_nameservers"])
    if "host_routes" in body:
        changes["host_routes"] = _host_routes(body["host_routes"])
    if "service_types" in body:
        changes["service_types"] = v.list_of("service_types", body["service_types"])
    gateway = _gateway(cidr, body["gateway_ip"]) if "gateway_ip" in body else subnet["gateway_ip"]
    if "gateway_ip" in body:
        changes["gateway_ip"] = gateway
    raw_pools = body.get("allocation_pools", subnet["allocation_pools"])
    if "allocation_pools" in body or "gateway_ip" in body:
        changes["allocation_pools"] = _pools(cidr, raw_pools, gateway)
    return changes


def remove_subnet(state: NetworkState, subnet_id: str) -> None:
    """Forget a subnet and take it off its network (used by network delete too)."""
    subnet = state.subnets.pop(subnet_id, None)
    if subnet is None:
        return
    network = state.networks.get(subnet["network_id"])
    if network is not None and subnet_id in network["subnets"]:
        network["subnets"].remove(subnet_id)


async def delete_subnet(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    state = site.network
    subnet = visible_subnet(state, caller, request.path_params["subnet_id"])
    common.require_owner(caller, subnet, "delete_subnet")
    holders = [state.ports[p] for p in set(subnet["_allocated"].values()) if p in state.ports]
    if any(p["device_owner"] not in ("network:dhcp",) for p in holders):
        raise in_use(
            "SubnetInUse",
            f"Unable to complete operation on subnet {subnet['id']}: One or more ports have an "
            "IP allocation from this subnet.",
        )
    remove_subnet(state, subnet["id"])
    network = state.networks.get(subnet["network_id"])
    if network is not None:
        common.touch(site, network)
    return Response(status_code=204)


ROUTES = [
    Route("/v2.0/subnets", list_subnets, methods=["GET"]),
    Route("/v2.0/subnets", create_subnet, methods=["POST"]),
    Route("/v2.0/subnets/{subnet_id}", show_subnet, methods=["GET"]),
    Route("/v2.0/subnets/{subnet_id}", update_subnet, methods=["PUT"]),
    Route("/v2.0/subnets/{subnet_id}", delete_subnet, methods=["DELETE"]),
]
