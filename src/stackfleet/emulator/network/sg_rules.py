"""Neutron security group rules: `/v2.0/security-group-rules[/{id}]`, validated as Neutron does.

Validation follows `securitygroups_db._validate_security_group_rule`: protocol names or numbers,
port ranges only for port-aware protocols, ICMP type/code bounds, one remote at a time, the
prefix's family matching the ethertype, and an identical rule answering 409
SecurityGroupRuleExists.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import common, security_groups
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import http_bad_request, in_use, not_found
from stackfleet.emulator.network.query import Listing, list_response, show_response
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc

KEYS = (
    "id", "tenant_id", "project_id", "security_group_id", "direction", "ethertype", "protocol",
    "port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id",
    "remote_address_group_id", "normalized_cidr", "description", "created_at", "updated_at",
    "revision_number",
)  # fmt: skip
_CREATE = (
    "security_group_id", "direction", "ethertype", "protocol", "port_range_min",
    "port_range_max", "remote_ip_prefix", "remote_group_id", "remote_address_group_id",
    "description", "tenant_id", "project_id",
)  # fmt: skip
_PROTOCOLS = (
    "ah", "dccp", "egp", "esp", "gre", "hopopt", "icmp", "igmp", "ip", "ipip", "ipv6-encap",
    "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts", "ipv6-route", "ospf", "pgm",
    "rsvp", "sctp", "tcp", "udp", "udplite", "vrrp",
)  # fmt: skip
_PORT_PROTOCOLS = ("tcp", "udp", "dccp", "sctp", "udplite", "6", "17", "33", "132", "136")
_ICMP_PROTOCOLS = ("icmp", "ipv6-icmp", "icmpv6", "1", "58")
_IDENTITY = (
    "direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix",
    "remote_group_id", "remote_address_group_id",
)  # fmt: skip
LISTING = Listing("security_group_rules", "security_group_rule", frozenset(KEYS), frozenset(KEYS))


def rule_visible(state: NetworkState, caller: Caller, rule: Doc) -> bool:
    if common.owns(caller, rule):
        return True
    group = state.security_groups.get(rule["security_group_id"])
    return group is not None and common.owns(caller, group)


async def list_rules(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    docs = (r for r in state.security_group_rules.values() if rule_visible(state, caller, r))
    return list_response(request, LISTING, docs)


def _visible_rule(state: NetworkState, caller: Caller, rule_id: str) -> Doc:
    rule = state.security_group_rules.get(rule_id)
    if rule is None or not rule_visible(state, caller, rule):
        raise not_found("security_group_rule", rule_id)
    return rule


async def show_rule(request: Request) -> Response:
    caller = context.caller(request)
    rule = _visible_rule(common.network_state(request), caller, request.path_params["rule_id"])
    return show_response(request, "security_group_rule", rule)


async def create_rule(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    state = site.network
    body = await common.read_body(request, "security_group_rule")
    v.check_keys(body, _CREATE)
    for required in ("security_group_id", "direction"):
        if required not in body:
            raise http_bad_request(
                f"Failed to parse request. Required attribute '{required}' not specified"
            )
    project_id = common.owner_project(caller, body)
    fields = _convert(body)
    group_id = v.uuid("security_group_id", body["security_group_id"])
    group = state.security_groups.get(group_id)
    if group is None or not common.owns(caller, group):
        raise not_found("security_group", group_id)
    _check_semantics(state, caller, fields)
    for rule_id in group["_rule_ids"]:
        existing = state.security_group_rules[rule_id]
        if all(existing[key] == fields.get(key) for key in _IDENTITY):
            raise in_use(
                "SecurityGroupRuleExists",
                f"Security group rule already exists. Rule id is {rule_id}.",
            )
    common.charge(site, project_id, "security_group_rule")
    rule = security_groups.add_rule(site, group, project_id, fields)
    common.touch(site, group)
    return show_response(request, "security_group_rule", rule, 201)


def _convert(body: Doc) -> Doc:
    fields: Doc = {
        "direction": v.one_of("direction", body["direction"], ("ingress", "egress")),
        "ethertype": _ethertype(body.get("ethertype", "IPv4")),
        "protocol": _protocol(body.get("protocol")),
        "port_range_min": _port(body.get("port_range_min")),
        "port_range_max": _port(body.get("port_range_max")),
        "remote_group_id": v.uuid_or_none("remote_group_id", body.get("remote_group_id")),
        "remote_address_group_id": None,
        "description": v.string("description", body.get("description") or ""),
    }
    if body.get("remote_address_group_id") is not None:
        raise not_found_address_group(body["remote_address_group_id"])
    prefix = body.get("remote_ip_prefix")
    if prefix:
        try:
            network = ipaddress.ip_network(prefix, strict=False)
        except (TypeError, ValueError):
            raise ApiError(
                400, f"Invalid CIDR {prefix} given as IP prefix.", kind="InvalidCIDR"
            ) from None
        given = str(prefix) if "/" in str(prefix) else f"{prefix}/{network.max_prefixlen}"
        fields["remote_ip_prefix"] = given
        fields["normalized_cidr"] = str(network)
    else:
        fields["remote_ip_prefix"] = None
        fields["normalized_cidr"] = None
    return fields


def not_found_address_group(group_id: object) -> ApiError:
    return ApiError(
        404, f"Address group {group_id} could not be found.", kind="AddressGroupNotFound"
    )


def _ethertype(value: Any) -> str:
    if isinstance(value, str):
        for ethertype in ("IPv4", "IPv6"):
            if ethertype.lower() == value.lower():
                return ethertype
    raise ApiError(
        400,
        f"Security group rule for ethertype '{value}' not supported. "
        "Allowed values are ['IPv4', 'IPv6'].",
        kind="SecurityGroupRuleInvalidEtherType",
    )


def _protocol(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    if isinstance(value, str) and value.lower() in _PROTOCOLS:
        return value.lower()
    raise ApiError(
        400,
        f"Security group rule protocol {value} not supported. Only protocol values "
        f"{list(_PROTOCOLS)} and integer representations [0 to 255] are supported.",
        kind="SecurityGroupRuleInvalidProtocol",
    )


def _port(value: Any) -> int | None:
    if value is None:
        return None
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = -1
    if isinstance(value, bool) or not 0 <= port <= 65535:
        raise ApiError(400, f"Invalid value for port {value}", kind="SecurityGroupInvalidPortValue")
    return port


def _check_semantics(state: NetworkState, caller: Caller, fields: Doc) -> None:
    remote_group = fields["remote_group_id"]
    if remote_group is not None:
        group = state.security_groups.get(remote_group)
        if group is None or not security_groups.group_visible(caller, group):
            raise not_found("security_group", remote_group)
        if fields["remote_ip_prefix"] is not None:
            raise ApiError(
                400,
                "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id "
                "may be provided.",
                kind="SecurityGroupMultipleRemoteEntites",
            )
    _check_ports(fields)
    if fields["normalized_cidr"] is not None:
        version = ipaddress.ip_network(fields["normalized_cidr"]).version
        if f"IPv{version}" != fields["ethertype"]:
            raise ApiError(
                400,
                f"Conflicting value ethertype {fields['ethertype']} for CIDR "
                f"{fields['remote_ip_prefix']}",
                kind="SecurityGroupRuleParameterConflict",
            )
    if fields["protocol"] in ("ipv6-icmp", "icmpv6", "58") and fields["ethertype"] == "IPv4":
        raise ApiError(
            400,
            f"Invalid ethertype IPv4 for protocol {fields['protocol']}.",
            kind="SecurityGroupEthertypeConflictWithProtocol",
        )


def _check_ports(fields: Doc) -> None:
    protocol = fields["protocol"]
    low, high = fields["port_range_min"], fields["port_range_max"]
    if low is None and high is None:
        return
    if protocol is None:
        raise ApiError(
            400,
            "Must also specify protocol if port range is given.",
            kind="SecurityGroupProtocolRequiredWithPorts",
        )
    if protocol in _PORT_PROTOCOLS:
        if low == 0 or high == 0:
            raise ApiError(400, "Invalid value for port 0", kind="SecurityGroupInvalidPortValue")
        if low is not None and high is not None and low > high:
            raise ApiError(
                400,
                "For TCP/UDP protocols, port_range_min must be <= port_range_max",
                kind="SecurityGroupInvalidPortRange",
            )
    elif protocol in _ICMP_PROTOCOLS:
        _check_icmp(low, high)
    else:
        raise ApiError(
            400,
            f"Ports cannot be specified for protocol {protocol}. Ports are only supported "
            f"for {list(_PORT_PROTOCOLS)}.",
            kind="SecurityGroupInvalidProtocolForPort",
        )


def _check_icmp(low: int | None, high: int | None) -> None:
    for field, attr, value in (("type", "port_range_min", low), ("code", "port_range_max", high)):
        if value is not None and value > 255:
            raise ApiError(
                400,
                f"Invalid value for ICMP {field} ({attr}) {value}. It must be 0 to 255.",
                kind="SecurityGroupInvalidIcmpValue",
            )
    if low is None and high is not None:
        raise ApiError(
            400,
            f"ICMP code (port-range-max) {high} is provided but ICMP type (port-range-min) "
            "is missing.",
            kind="SecurityGroupMissingIcmpType",
        )


async def delete_rule(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    state = site.network
    rule = _visible_rule(state, caller, request.path_params["rule_id"])
    common.require_owner(caller, rule, "delete_security_group_rule")
    del state.security_group_rules[rule["id"]]
    group = state.security_groups.get(rule["security_group_id"])
    if group is not None:
        group["_rule_ids"].remove(rule["id"])
        common.touch(site, group)
    return Response(status_code=204)


ROUTES = [
    Route("/v2.0/security-group-rules", list_rules, methods=["GET"]),
    Route("/v2.0/security-group-rules", create_rule, methods=["POST"]),
    Route("/v2.0/security-group-rules/{rule_id}", show_rule, methods=["GET"]),
    Route("/v2.0/security-group-rules/{rule_id}", delete_rule, methods=["DELETE"]),
]
