"""Neutron routers: `/v2.0/routers[/{id}]` with the external gateway and extra routes.

The gateway is a port on an external network (device_owner network:router_gateway, no
project) holding an address from the external subnet; `enable_snat` and `external_fixed_ips`
are admin-only to set. Interfaces live in `router_interfaces.py`. A router with interfaces
cannot be deleted (RouterInUse); its gateway goes with it.
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
from stackfleet.emulator.network import common, ports
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import bad_request, in_use, not_found, policy_denied
from stackfleet.emulator.network.query import Listing, list_response, show_response
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

ADMIN_KEYS = ("distributed", "ha")
KEYS = (
    "id", "name", "tenant_id", "project_id", "admin_state_up", "status",
    "external_gateway_info", "availability_zone_hints", "availability_zones", "flavor_id",
    "routes", *common.STANDARD_KEYS, *ADMIN_KEYS,
)  # fmt: skip
_UPDATE = ("name", "admin_state_up", "external_gateway_info", "description", "routes", *ADMIN_KEYS)
_CREATE = (
    "name", "admin_state_up", "external_gateway_info", "description", "availability_zone_hints",
    "flavor_id", "tags", "tenant_id", "project_id", *ADMIN_KEYS,
)  # fmt: skip
_GATEWAY_KEYS = ("network_id", "enable_snat", "external_fixed_ips", "qos_policy_id")
GATEWAY_OWNER = "network:router_gateway"
INTERFACE_OWNER = "network:router_interface"
_MAX_ROUTES = 30
_UNSORTABLE = {"external_gateway_info", "routes", "availability_zone_hints", "availability_zones"}
LISTING = Listing(
    "routers", "router", frozenset(KEYS) - {"external_gateway_info"}, frozenset(KEYS) - _UNSORTABLE
)


def render(doc: Doc, caller: Caller) -> Doc:
    if caller.is_admin:
        return doc
    return {k: val for k, val in doc.items() if k not in ADMIN_KEYS}


def interfaces(state: NetworkState, router_id: str) -> list[Doc]:
    return [p for p in ports.device_ports(state, router_id) if p["device_owner"] == INTERFACE_OWNER]


async def list_routers(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    docs = (render(r, caller) for r in state.routers.values() if common.owns(caller, r))
    return list_response(request, LISTING, docs)


async def show_router(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    router = common.find(state.routers, "router", request.path_params["router_id"], caller)
    return show_response(request, "router", render(router, caller))


async def create_router(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    body = await common.read_body(request, "router")
    v.check_keys(body, _CREATE)
    common.admin_only(caller, body, "create_router", ADMIN_KEYS)
    project_id = common.owner_project(caller, body)
    doc = common.new_doc(site, new_id(), project_id, body)
    doc.update(
        {
            "name": v.string("name", body.get("name", "")),
            "admin_state_up": v.to_bool(body.get("admin_state_up", True)),
            "status": "ACTIVE",
            "external_gateway_info": None,
            "availability_zone_hints": v.list_of(
                "availability_zone_hints", body.get("availability_zone_hints", [])
            ),
            "availability_zones": [],
            "flavor_id": None,
            "routes": [],
            "distributed": v.to_bool(body.get("distributed", False)),
            "ha": v.to_bool(body.get("ha", False)),
        }
    )
    if "tags" in body:
        doc["tags"] = v.tags(body["tags"])
    gateway = _gateway_request(caller, body.get("external_gateway_info"), "create_router")
    common.charge(site, project_id, "router")
    if gateway:
        doc["external_gateway_info"] = _plug_gateway(site, doc["id"], gateway)
    site.network.routers[doc["id"]] = doc
    return show_response(request, "router", render(doc, caller), 201)


def _gateway_request(caller: Caller, raw: Any, action: str) -> Doc | None:
    if raw is None or raw == {}:
        return None
    info = v.dict_of("external_gateway_info", raw)
    v.check_keys(info, _GATEWAY_KEYS)
    if "network_id" not in info:
        raise v.invalid_attribute(
            "external_gateway_info", f"Validation of dictionary's keys failed. Expected keys: "
            f"{{'network_id'}} Provided keys: {set(info)}"
        )  # fmt: skip
    if not caller.is_admin:
        for key in ("enable_snat", "external_fixed_ips"):
            if key in info:
                raise policy_denied(
                    f"(rule:{action} and rule:{action}:external_gateway_info:{key})"
                )
    return info


def _plug_gateway(site: Site, router_id: str, info: Doc) -> Doc:
    state = site.network
    network = (
        state.networks.get(info["network_id"]) if isinstance(info["network_id"], str) else None
    )
    if network is None:
        raise not_found("network", str(info["network_id"]))
    if not network["router:external"]:
        raise bad_request("router", f"Network {network['id']} is not an external network")
    body: Doc = {"device_id": router_id, "device_owner": GATEWAY_OWNER}
    if info.get("external_fixed_ips"):
        body["fixed_ips"] = info["external_fixed_ips"]
    port = ports.build_port(site, network, "", body)
    if not port["fixed_ips"]:
        ports.forget_port(state, port)
        raise bad_request("router", f"No IPs available for external network {network['id']}")
    port["status"] = "ACTIVE"
    return {
        "network_id": network["id"],
        "enable_snat": v.to_bool(info.get("enable_snat", True)),
        "external_fixed_ips": [dict(ip) for ip in port["fixed_ips"]],
    }


def unplug_gateway(state: NetworkState, router: Doc) -> None:
    for port in ports.device_ports(state, router["id"]):
        if port["device_owner"] == GATEWAY_OWNER:
            ports.forget_port(state, port)
    router["external_gateway_info"] = None


async def update_router(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    router = common.find(site.network.routers, "router", request.path_params["router_id"], caller)
    body = await common.read_body(request, "router")
    v.check_read_only(body, _UPDATE, KEYS)
    common.admin_only(caller, body, "update_router", ADMIN_KEYS)
    changes: Doc = {}
    for key in ("admin_state_up", *ADMIN_KEYS):
        if key in body:
            changes[key] = v.to_bool(body[key])
    for key in ("name", "description"):
        if key in body:
            changes[key] = v.string(key, body[key])
    if "routes" in body:
        changes["routes"] = checked_routes(site.network, router, body["routes"])
    if "external_gateway_info" in body:
        _change_gateway(
            site, router, _gateway_request(caller, body["external_gateway_info"], "update_router")
        )
    router.update(changes)
    common.touch(site, router)
    return show_response(request, "router", render(router, caller))


def _change_gateway(site: Site, router: Doc, info: Doc | None) -> None:
    state = site.network
    current = router["external_gateway_info"]
    leaving = current is not None and (info is None or info["network_id"] != current["network_id"])
    if leaving and any(f["router_id"] == router["id"] for f in state.floatingips.values()):
        raise in_use(
            "RouterExternalGatewayInUseByFloatingIp",
            f"Gateway cannot be updated for router {router['id']}, since a gateway to external "
            f"network {current['network_id']} is required by one or more floating IPs.",
        )
    if info is None:
        unplug_gateway(state, router)
        return
    if current is not None and info["network_id"] == current["network_id"]:
        if "enable_snat" in info:
            current["enable_snat"] = v.to_bool(info["enable_snat"])
        if "external_fixed_ips" not in info:
            return
    old_ports = [
        p for p in ports.device_ports(state, router["id"]) if p["device_owner"] == GATEWAY_OWNER
    ]
    new_info = _plug_gateway(site, router["id"], info)
    for port in old_ports:
        ports.forget_port(state, port)
    router["external_gateway_info"] = new_info


def checked_routes(state: NetworkState, router: Doc, raw: Any) -> list[Doc]:
    """Validate extra routes: each nexthop must be on a subnet the router is connected to."""
    routes = []
    for route in v.list_of("routes", raw):
        if not isinstance(route, dict) or set(route) != {"destination", "nexthop"}:
            raise v.invalid_attribute("routes", f"Invalid data format for hostroute: '{route}'")
        try:
            destination = str(ipaddress.ip_network(route["destination"], strict=False))
        except (TypeError, ValueError):
            raise v.invalid_attribute(
                "routes", f"'{route['destination']}' is not a valid IP subnet"
            ) from None
        routes.append(
            {"destination": destination, "nexthop": v.ip_address("nexthop", route["nexthop"])}
        )
    if len(routes) > _MAX_ROUTES:
        raise ApiError(
            400,
            f"Unable to complete operation for {router['id']}. The number of routes exceeds "
            f"the maximum {_MAX_ROUTES}.",
            kind="RoutesExhausted",
        )
    connected = [
        ipaddress.ip_network(state.subnets[ip["subnet_id"]]["cidr"])
        for port in ports.device_ports(state, router["id"])
        for ip in port["fixed_ips"]
        if ip["subnet_id"] in state.subnets
    ]
    for route in routes:
        nexthop = ipaddress.ip_address(route["nexthop"])
        if not any(nexthop in cidr for cidr in connected):
            raise ApiError(
                400,
                f"Invalid format for routes: {routes}, the nexthop is not connected with router",
                kind="InvalidRoutes",
            )
    return routes


async def delete_router(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    router = common.find(state.routers, "router", request.path_params["router_id"], caller)
    attached = interfaces(state, router["id"])
    if attached:
        port_ids = ", ".join(p["id"] for p in attached)
        raise in_use("RouterInUse", f"Router {router['id']} has ports still attached: {port_ids}")
    unplug_gateway(state, router)
    del state.routers[router["id"]]
    return Response(status_code=204)


ROUTES = [
    Route("/v2.0/routers", list_routers, methods=["GET"]),
    Route("/v2.0/routers", create_router, methods=["POST"]),
    Route("/v2.0/routers/{router_id}", show_router, methods=["GET"]),
    Route("/v2.0/routers/{router_id}", update_router, methods=["PUT"]),
    Route("/v2.0/routers/{router_id}", delete_router, methods=["DELETE"]),
]
