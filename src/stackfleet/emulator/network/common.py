"""What every Neutron resource handler shares: bodies, ownership, visibility, standard attributes.

Neutron's policy in short: an admin sees and changes everything; a project member sees what its
project owns plus shared and external networks, and changes only what it owns. A resource the
caller may not see answers 404 exactly as a missing one. Handler modules call these helpers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from stackfleet.emulator import context
from stackfleet.emulator.clock import isoformat
from stackfleet.emulator.context import Caller
from stackfleet.emulator.network.faults import http_bad_request, not_found, policy_denied
from stackfleet.emulator.network.quotas import check_quota
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.network.validators import string
from stackfleet.emulator.wire import Doc, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

STANDARD_KEYS = ("description", "tags", "created_at", "updated_at", "revision_number")
"""The standard attributes every Neutron resource carries (description, tags, timestamps)."""


async def read_body(request: Request, resource: str) -> Doc:
    """The `{"<resource>": {...}}` body of a create or update, unwrapped."""
    body = await read_json(request)
    if not isinstance(body, dict) or resource not in body:
        raise http_bad_request(f"Unable to find '{resource}' in request body")
    inner = body[resource]
    if not isinstance(inner, dict):
        raise http_bad_request(f"Unable to find '{resource}' in request body")
    return inner


def network_state(request: Request) -> NetworkState:
    return context.site(request).network


def owner_project(caller: Caller, body: Doc) -> str:
    """The project a new resource belongs to: the caller's, or one an admin names."""
    project = body.pop("project_id", None)
    tenant = body.pop("tenant_id", None)
    if project is not None and tenant is not None and project != tenant:
        raise http_bad_request("'project_id' and 'tenant_id' do not match")
    asked = project if project is not None else tenant
    if asked is not None and not isinstance(asked, str):
        raise http_bad_request("'project_id' and 'tenant_id' do not match")
    if asked is not None and asked != caller.project_id and not caller.is_admin:
        raise http_bad_request(
            "Specifying 'project_id' or 'tenant_id' other than the authenticated project in "
            "request requires admin or advsvc privileges"
        )
    return asked if asked is not None else caller.project_id or ""


def new_doc(site: Site, resource_id: str, project_id: str, body: Doc) -> Doc:
    """The id, ownership and standard attributes of a new resource."""
    now = isoformat(site.clock.now())
    description = string("description", body.pop("description", ""))
    return {
        "id": resource_id,
        "tenant_id": project_id,
        "project_id": project_id,
        "description": description,
        "tags": [],
        "created_at": now,
        "updated_at": now,
        "revision_number": 0,
    }


def touch(site: Site, doc: Doc) -> None:
    """Record a change: bump `revision_number` and `updated_at` as the standard attributes do."""
    doc["revision_number"] += 1
    doc["updated_at"] = isoformat(site.clock.now())


def owns(caller: Caller, doc: Doc) -> bool:
    return caller.is_admin or (
        caller.project_id is not None and doc["project_id"] == caller.project_id
    )


def network_visible(caller: Caller, network: Doc) -> bool:
    return owns(caller, network) or network["shared"] or network["router:external"]


def visible_network(state: NetworkState, caller: Caller, network_id: Any) -> Doc:
    """The network if the caller may see it, else NetworkNotFound."""
    network = state.networks.get(network_id) if isinstance(network_id, str) else None
    if network is None or not network_visible(caller, network):
        raise not_found("network", str(network_id))
    return network


def port_visible(state: NetworkState, caller: Caller, port: Doc) -> bool:
    """Ports are seen by their owner and by the owner of their network."""
    if owns(caller, port):
        return True
    network = state.networks.get(port["network_id"])
    return network is not None and owns(caller, network)


def subnet_visible(state: NetworkState, caller: Caller, subnet: Doc) -> bool:
    """Subnets are seen by their owner and by anyone when their network is shared."""
    if owns(caller, subnet):
        return True
    network = state.networks.get(subnet["network_id"])
    return network is not None and bool(network["shared"])


def find(store: dict[str, Doc], resource: str, resource_id: str, caller: Caller) -> Doc:
    """An owned-only resource (router, floating IP, security group) or its NotFound."""
    doc = store.get(resource_id)
    if doc is None or not owns(caller, doc):
        raise not_found(resource, resource_id)
    return doc


def require_owner(caller: Caller, doc: Doc, action: str) -> None:
    """Seeing is not changing: a visible resource of another project is a 403."""
    if not owns(caller, doc):
        raise policy_denied(f"rule:{action}")


def admin_only(caller: Caller, body: Doc, action: str, keys: tuple[str, ...]) -> None:
    """Attributes only an admin may set (shared, router:external, provider:*, binding:*...)."""
    if caller.is_admin:
        return
    for key in keys:
        if key in body:
            raise policy_denied(f"(rule:{action} and rule:{action}:{key})")


def charge(site: Site, project_id: str, resource: str, count: int = 1) -> None:
    """Check the project's Neutron quota for `count` more of `resource` (409 OverQuota)."""
    check_quota(site, project_id, resource, count)
