"""Neutron security groups: `/v2.0/security-groups[/{id}]` and each project's `default` group.

A project's `default` group is made the first time the project uses the network service
(creating a network, port or group, or listing groups), with Neutron's four default rules:
all egress over IPv4 and IPv6, and ingress from members of the group itself. A new group gets
the two egress rules. Rules live in `sg_rules.py`; ports call `ensure_default_group`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.context import Caller
from stackfleet.emulator.network import common
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import in_use, not_found
from stackfleet.emulator.network.query import Listing, list_response, show_response
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

KEYS = (
    "id", "name", "tenant_id", "project_id", "security_group_rules", "stateful", "shared",
    *common.STANDARD_KEYS,
)  # fmt: skip
_CREATE = ("name", "description", "stateful", "tags", "tenant_id", "project_id")
_UPDATE = ("name", "description", "stateful")
LISTING = Listing(
    "security_groups", "security_group", frozenset(KEYS), frozenset(KEYS) - {"security_group_rules"}
)


def render(state: NetworkState, group: Doc) -> Doc:
    rules = [state.security_group_rules[r] for r in group["_rule_ids"]]
    return {**group, "security_group_rules": rules}


def add_rule(site: Site, group: Doc, project_id: str, fields: Doc) -> Doc:
    """Record a rule (already validated) in `group`."""
    rule = common.new_doc(
        site, new_id(), project_id, {"description": fields.pop("description", "")}
    )
    del rule["tags"]
    rule.update(
        {
            "security_group_id": group["id"],
            "direction": fields["direction"],
            "ethertype": fields.get("ethertype", "IPv4"),
            "protocol": fields.get("protocol"),
            "port_range_min": fields.get("port_range_min"),
            "port_range_max": fields.get("port_range_max"),
            "remote_ip_prefix": fields.get("remote_ip_prefix"),
            "remote_group_id": fields.get("remote_group_id"),
            "remote_address_group_id": None,
            "normalized_cidr": fields.get("normalized_cidr", fields.get("remote_ip_prefix")),
        }
    )
    site.network.security_group_rules[rule["id"]] = rule
    group["_rule_ids"].append(rule["id"])
    return rule


def _new_group(site: Site, project_id: str, name: str, body: Doc) -> Doc:
    group = common.new_doc(site, new_id(), project_id, body)
    group.update(
        {
            "name": name,
            "security_group_rules": [],
            "stateful": v.to_bool(body.get("stateful", True)),
            "shared": False,
            "_rule_ids": [],
        }
    )
    site.network.security_groups[group["id"]] = group
    for ethertype in ("IPv4", "IPv6"):
        add_rule(site, group, project_id, {"direction": "egress", "ethertype": ethertype})
    return group


def ensure_default_group(site: Site, project_id: str) -> str:
    """The id of the project's `default` group, created with its default rules if missing."""
    state = site.network
    group_id = state.default_groups.get(project_id)
    if group_id is not None and group_id in state.security_groups:
        return group_id
    group = _new_group(site, project_id, "default", {"description": "Default security group"})
    for ethertype in ("IPv4", "IPv6"):
        fields = {"direction": "ingress", "ethertype": ethertype, "remote_group_id": group["id"]}
        add_rule(site, group, project_id, fields)
    state.default_groups[project_id] = group["id"]
    return str(group["id"])


def group_visible(caller: Caller, group: Doc) -> bool:
    return common.owns(caller, group) or bool(group["shared"])


async def list_groups(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    if caller.project_id:
        ensure_default_group(site, caller.project_id)
    state = site.network
    docs = (render(state, g) for g in state.security_groups.values() if group_visible(caller, g))
    return list_response(request, LISTING, docs)


def _visible_group(state: NetworkState, caller: Caller, group_id: str) -> Doc:
    group = state.security_groups.get(group_id)
    if group is None or not group_visible(caller, group):
        raise not_found("security_group", group_id)
    return group


async def show_group(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    group = _visible_group(state, caller, request.path_params["group_id"])
    return show_response(request, "security_group", render(state, group))


async def create_group(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    body = await common.read_body(request, "security_group")
    v.check_keys(body, _CREATE)
    project_id = common.owner_project(caller, body)
    name = v.string("name", body.pop("name", ""))
    # The quota check comes first: Neutron checks it in the API layer, before the plugin makes
    # the project's default group (which then counts towards the usage but is never refused).
    common.charge(site, project_id, "security_group")
    ensure_default_group(site, project_id)
    if name == "default":
        raise in_use("SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
    tags = v.tags(body.pop("tags")) if "tags" in body else []
    group = _new_group(site, project_id, name, body)
    group["tags"] = tags
    return show_response(request, "security_group", render(site.network, group), 201)


async def update_group(request: Request) -> Response:
    caller = context.caller(request)
    site = context.site(request)
    group = _visible_group(site.network, caller, request.path_params["group_id"])
    body = await common.read_body(request, "security_group")
    v.check_read_only(body, _UPDATE, KEYS)
    common.require_owner(caller, group, "update_security_group")
    changes: Doc = {}
    if "name" in body:
        changes["name"] = v.string("name", body["name"])
        if group["name"] == "default" and changes["name"] != "default":
            raise in_use(
                "SecurityGroupCannotUpdateDefault", "Updating default security group not allowed."
            )
    if "description" in body:
        changes["description"] = v.string("description", body["description"])
    if "stateful" in body:
        changes["stateful"] = v.to_bool(body["stateful"])
        if changes["stateful"] != group["stateful"] and _ports_using(site.network, group["id"]):
            raise in_use(
                "SecurityGroupInUse",
                f"Security Group {group['id']} cannot change stateful attribute while in use.",
            )
    group.update(changes)
    common.touch(site, group)
    return show_response(request, "security_group", render(site.network, group))


def _ports_using(state: NetworkState, group_id: str) -> list[str]:
    return [p["id"] for p in state.ports.values() if group_id in p["security_groups"]]


async def delete_group(request: Request) -> Response:
    caller = context.caller(request)
    state = common.network_state(request)
    group = _visible_group(state, caller, request.path_params["group_id"])
    common.require_owner(caller, group, "delete_security_group")
    is_default = state.default_groups.get(group["project_id"]) == group["id"]
    if is_default and not caller.is_admin:
        raise in_use(
            "SecurityGroupCannotRemoveDefault",
            "Insufficient rights for removing default security group.",
        )
    if _ports_using(state, group["id"]):
        raise in_use("SecurityGroupInUse", f"Security Group {group['id']} in use.")
    for rule_id in group["_rule_ids"]:
        state.security_group_rules.pop(rule_id, None)
    for other in state.security_groups.values():
        referring = [
            r for r in other["_rule_ids"]
            if state.security_group_rules.get(r, {}).get("remote_group_id") == group["id"]
        ]  # fmt: skip
        for rule_id in referring:
            other["_rule_ids"].remove(rule_id)
            state.security_group_rules.pop(rule_id, None)
    del state.security_groups[group["id"]]
    if is_default:
        del state.default_groups[group["project_id"]]
    return Response(status_code=204)


ROUTES = [
    Route("/v2.0/security-groups", list_groups, methods=["GET"]),
    Route("/v2.0/security-groups", create_group, methods=["POST"]),
    Route("/v2.0/security-groups/{group_id}", show_group, methods=["GET"]),
    Route("/v2.0/security-groups/{group_id}", update_group, methods=["PUT"]),
    Route("/v2.0/security-groups/{group_id}", delete_group, methods=["DELETE"]),
]
