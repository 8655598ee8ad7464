"""Router interfaces and atomic extra routes: `/v2.0/routers/{id}/<action>`.

`add_router_interface` by subnet makes a port holding the subnet's gateway IP; by port it takes
over an unattached port. `remove_router_interface` deletes the interface port, refusing while
floating IPs or extra routes depend on it. `add_extraroutes` / `remove_extraroutes` edit the
route list atomically (extraroute-atomic).
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
from stackfleet.emulator.network import common, ports, routers, subnets
from stackfleet.emulator.network.faults import bad_request, http_bad_request, in_use
from stackfleet.emulator.network.query import show_response
from stackfleet.emulator.wire import Doc, json_response, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


async def _interface_body(request: Request) -> Doc:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise http_bad_request("Body contains invalid data")
    subnet_id, port_id = body.get("subnet_id"), body.get("port_id")
    if not subnet_id and not port_id:
        raise bad_request("router", "Either subnet_id or port_id must be specified")
    return body


def _info(router: Doc, port: Doc) -> Doc:
    subnet_ids = [ip["subnet_id"] for ip in port["fixed_ips"]]
    return {
        "id": router["id"],
        "tenant_id": router["tenant_id"],
        "project_id": router["project_id"],
        "port_id": port["id"],
        "network_id": port["network_id"],
        "subnet_id": subnet_ids[0] if subnet_ids else None,
        "subnet_ids": subnet_ids,
    }


def _check_new_subnets(site: Site, router: Doc, new_ids: list[str]) -> None:
    state = site.network
    for port in routers.interfaces(state, router["id"]):
        for ip in port["fixed_ips"]:
            if ip["subnet_id"] in new_ids:
                raise bad_request(
                    "router", f"Router already has a port on subnet {ip['subnet_id']}"
                )
            existing = state.subnets.get(ip["subnet_id"])
            for new_id in new_ids:
                new = state.subnets[new_id]
                if existing is None or existing["ip_version"] != new["ip_version"]:
                    continue
                if ipaddress.ip_network(existing["cidr"]).overlaps(
                    ipaddress.ip_network(new["cidr"])
                ):
                    raise bad_request(
                        "router",
                        f"Cidr {new['cidr']} of subnet {new_id} overlaps with cidr "
                        f"{existing['cidr']} of subnet {existing['id']}",
                    )


def _by_subnet(site: Site, caller: Caller, router: Doc, subnet_id: Any) -> Doc:
    state = site.network
    subnet = subnets.visible_subnet(state, caller, subnet_id)
    if subnet["gateway_ip"] is None:
        raise bad_request("router", "Subnet for router interface must have a gateway IP")
    _check_new_subnets(site, router, [subnet["id"]])
    network = state.networks[subnet["network_id"]]
    body: Doc = {
        "device_id": router["id"],
        "device_owner": routers.INTERFACE_OWNER,
        "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": subnet["gateway_ip"]}],
    }
    port = ports.build_port(site, network, subnet["project_id"], body)
    port["status"] = "ACTIVE"
    return port


def _by_port(site: Site, caller: Caller, router: Doc, port_id: Any) -> Doc:
    port = ports.visible_port(site.network, caller, port_id)
    if port["device_id"]:
        raise in_use(
            "PortInUse",
            f"Unable to complete operation on port {port['id']} for network "
            f"{port['network_id']}. Port already has an attached device {port['device_id']}.",
        )
    if not port["fixed_ips"]:
        raise bad_request("router", "Router port must have at least one fixed IP")
    versions = [ip["ip_address"] for ip in port["fixed_ips"] if ":" not in ip["ip_address"]]
    if len(versions) > 1:
        raise bad_request("router", "Cannot have multiple IPv4 subnets on router port")
    _check_new_subnets(site, router, [ip["subnet_id"] for ip in port["fixed_ips"]])
    ports.update_port_doc(
        site, port, {"device_id": router["id"], "device_owner": routers.INTERFACE_OWNER}
    )
    port["status"] = "ACTIVE"
    return port


async def add_interface(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    router = common.find(site.network.routers, "router", request.path_params["router_id"], caller)
    body = await _interface_body(request)
    if body.get("subnet_id") and body.get("port_id"):
        raise bad_request("router", "Cannot specify both subnet-id and port-id")
    if body.get("port_id"):
        port = _by_port(site, caller, router, body["port_id"])
    else:
        port = _by_subnet(site, caller, router, body["subnet_id"])
    common.touch(site, router)
    return json_response(_info(router, port))


async def remove_interface(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    state = site.network
    router = common.find(state.routers, "router", request.path_params["router_id"], caller)
    body = await _interface_body(request)
    attached = routers.interfaces(state, router["id"])
    subnet_id, port_id = body.get("subnet_id"), body.get("port_id")
    if port_id:
        port = next((p for p in attached if p["id"] == port_id), None)
        if port is None:
            raise ApiError(
                404,
                f"Router {router['id']} does not have an interface with id {port_id}",
                kind="RouterInterfaceNotFound",
            )
        if subnet_id and subnet_id not in [ip["subnet_id"] for ip in port["fixed_ips"]]:
            raise ApiError(
                400,
                f"Subnet on port {port_id} does not match the requested subnet {subnet_id}.",
                kind="SubnetMismatchForPort",
            )
    else:
        subnets.visible_subnet(state, caller, subnet_id)
        port = next(
            (p for p in attached if subnet_id in [ip["subnet_id"] for ip in p["fixed_ips"]]), None
        )
        if port is None:
            raise ApiError(
                404,
                f"Router {router['id']} has no interface on subnet {subnet_id}",
                kind="RouterInterfaceNotFoundForSubnet",
            )
    _check_unused(site, router, port)
    info = _info(router, port)
    ports.forget_port(state, port)
    common.touch(site, router)
    return json_response(info)


def _check_unused(site: Site, router: Doc, port: Doc) -> None:
    state = site.network
    for ip in port["fixed_ips"]:
        subnet = state.subnets.get(ip["subnet_id"])
        if subnet is None:
            continue
        cidr = ipaddress.ip_network(subnet["cidr"])
        for fip in state.floatingips.values():
            fixed = fip["fixed_ip_address"]
            if fip["router_id"] == router["id"] and fixed and ipaddress.ip_address(fixed) in cidr:
                raise in_use(
                    "RouterInterfaceInUseByFloatingIP",
                    f"Router interface for subnet {subnet['id']} on router {router['id']} cannot "
                    "be deleted, as it is required by one or more floating IPs.",
                )
        if any(ipaddress.ip_address(r["nexthop"]) in cidr for r in router["routes"]):
            raise in_use(
                "RouterInterfaceInUseByRoute",
                f"Router interface for subnet {subnet['id']} on router {router['id']} cannot be "
                "deleted, as it is required by one or more routes.",
            )


async def _route_change(request: Request, adding: bool) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    state = site.network
    router = common.find(state.routers, "router", request.path_params["router_id"], caller)
    body = await common.read_body(request, "router")
    changed = routers.checked_routes(state, router, body.get("routes", []))
    if adding:
        routes = [*router["routes"], *(r for r in changed if r not in router["routes"])]
    else:
        routes = [r for r in router["routes"] if r not in changed]
    router["routes"] = routes
    common.touch(site, router)
    return show_response(request, "router", routers.render(router, caller))


async def add_extraroutes(request: Request) -> Response:
    return await _route_change(request, adding=True)


async def remove_extraroutes(request: Request) -> Response:
    return await _route_change(request, adding=False)


ROUTES = [
    Route("/v2.0/routers/{router_id}/add_router_interface", add_interface, methods=["PUT"]),
    Route("/v2.0/routers/{router_id}/remove_router_interface", remove_interface, methods=["PUT"]),
    Route("/v2.0/routers/{router_id}/add_extraroutes", add_extraroutes, methods=["PUT"]),
    Route("/v2.0/routers/{router_id}/remove_extraroutes", remove_extraroutes, methods=["PUT"]),
]
