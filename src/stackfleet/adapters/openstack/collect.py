"""Listing a site's resources as raw JSON, following pagination, and showing one resource.

Raw documents through the Connection's proxies, never openstacksdk Resource objects: building
those costs ~100 ms of CPU for a 21-server list, which would dominate a 1000-site refresh.
Admin tokens list servers, volumes, snapshots and backups of every project (`all_tenants`), so
the whole site is inventoried. Called by the gateway's `collect` and `get_live`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from stackfleet.adapters.openstack import normalize
from stackfleet.adapters.openstack.connections import SiteSession
from stackfleet.adapters.openstack.errors import cause_from_response, site_error
from stackfleet.inventory.models import Collected, InventoryItem, ResourceType
from stackfleet.kernel.errors import NotFound

SERVER_MICROVERSION = (2, 79)
"""The newest servers view collected: embedded flavor (2.47), but no later shape changes."""


@dataclass(frozen=True)
class Listing:
    """How one resource type is listed and shown."""

    service: str
    path: str
    """Under the service's versioned endpoint; the show URL is `path`/<id> (`/detail` removed)."""
    key: str
    """The list's key in the body (and `<key>_links` for Nova/Neutron/Cinder pagination)."""
    one: str | None
    """The single resource's key in a show body (None: the body is the resource, as Glance)."""
    all_projects: bool = False
    """Admins add `all_tenants` to see every project."""
    forbidden_is_empty: bool = False
    """A 403 means the credentials may not list it: an empty, complete listing."""


LISTINGS: Mapping[ResourceType, Listing] = {
    ResourceType.SERVER: Listing("compute", "/servers/detail", "servers", "server", True),
    ResourceType.FLAVOR: Listing("compute", "/flavors/detail", "flavors", "flavor"),
    ResourceType.IMAGE: Listing("image", "/images", "images", None),
    ResourceType.KEYPAIR: Listing("compute", "/os-keypairs", "keypairs", "keypair"),
    ResourceType.NETWORK: Listing("network", "/networks", "networks", "network"),
    ResourceType.SUBNET: Listing("network", "/subnets", "subnets", "subnet"),
    ResourceType.PORT: Listing("network", "/ports", "ports", "port"),
    ResourceType.ROUTER: Listing("network", "/routers", "routers", "router"),
    ResourceType.FLOATING_IP: Listing("network", "/floatingips", "floatingips", "floatingip"),
    ResourceType.SECURITY_GROUP: Listing(
        "network", "/security-groups", "security_groups", "security_group"
    ),
    ResourceType.VOLUME: Listing("block-storage", "/volumes/detail", "volumes", "volume", True),
    ResourceType.SNAPSHOT: Listing(
        "block-storage", "/snapshots/detail", "snapshots", "snapshot", True
    ),
    ResourceType.BACKUP: Listing("block-storage", "/backups/detail", "backups", "backup", True),
    ResourceType.HYPERVISOR: Listing(
        "compute", "/os-hypervisors/detail", "hypervisors", "hypervisor", False, True
    ),
}

QUOTAS: Mapping[str, tuple[str, str, Mapping[str, str]]] = {
    "compute": ("/os-quota-sets/{project}/detail", "quota_set", {}),
    "network": ("/quotas/{project}/details", "quota", {}),
    "block-storage": ("/os-quota-sets/{project}", "quota_set", {"usage": "True"}),
}
"""Per service: the quota-with-usage path for a project, its body key and query."""


@dataclass
class Pages:
    """A listing in progress: the documents so far and the requests they took."""

    docs: list[Mapping[str, Any]]
    requests: int = 0


def microversion(session: SiteSession, service: str) -> str | None:
    """The microversion the adapter speaks to `service` on this site."""
    if service != "compute":
        return None
    offered = session.endpoint_max_version("compute")
    if offered is None:
        return "2.1"
    major, minor = (int(part) for part in offered.split("."))
    return "{}.{}".format(*min((major, minor), SERVER_MICROVERSION))


def list_all(
    session: SiteSession, listing: Listing, params: Mapping[str, str], page_size: int | None
) -> Pages | None:
    """Every document of a listing, page after page; None when the listing is forbidden."""
    pages = Pages([])
    query = dict(params)
    if page_size:
        query["limit"] = str(page_size)
    version = microversion(session, listing.service)
    url: str | None = listing.path
    seen: set[str] = set()
    while url is not None and url not in seen:
        seen.add(url)
        response = session.send(listing.service, url, microversion=version, params=query)
        pages.requests += 1
        if response.status_code == 403 and listing.forbidden_is_empty:
            return None
        if response.status_code >= 400:
            cause = cause_from_response(response, listing.service)
            raise site_error(session.site.name, cause, authenticating=False)
        body: Mapping[str, Any] = response.json()
        page = body.get(listing.key) or []
        pages.docs.extend(page)
        url = next_page(body, listing.key) if page else None
        query = {}
    return pages


def next_page(body: Mapping[str, Any], key: str) -> str | None:
    """The next page's URL, or None on the last page.

    Nova/Neutron/Cinder give `<key>_links` rel=next (absolute); Glance gives `next`, a path
    with the API version, made relative to the versioned endpoint here.
    """
    for link in body.get(f"{key}_links") or []:
        if isinstance(link, Mapping) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    glance = body.get("next")
    if isinstance(glance, str) and glance:
        if urlsplit(glance).netloc:
            return glance
        if glance.startswith("/v"):
            return glance[glance.find("/", 1) :]
        return glance
    return None


def collect_listing(
    session: SiteSession,
    type_: ResourceType,
    since: dt.datetime | None,
    scope: normalize.Scope,
    page_size: int | None,
) -> Collected:
    """One type's listing, whole or (servers with `since`) what changed since then."""
    listing = LISTINGS[type_]
    params = _params(session, type_, listing, since)
    pages = list_all(session, listing, params, page_size)
    if pages is None:
        return Collected(type_, (), complete=True, requests=1)
    build = normalize.NORMALIZERS[type_]
    if type_ == ResourceType.KEYPAIR:
        pages.docs = [doc.get("keypair", doc) for doc in pages.docs]
    if since is None:
        items = tuple(build(doc, scope) for doc in pages.docs)
        return Collected(type_, items, complete=True, requests=pages.requests)
    gone = frozenset(str(d.get("id")) for d in pages.docs if d.get("status") == "DELETED")
    items = tuple(build(d, scope) for d in pages.docs if str(d.get("id")) not in gone)
    return Collected(type_, items, False, deleted_ids=gone, requests=pages.requests)


def _params(
    session: SiteSession, type_: ResourceType, listing: Listing, since: dt.datetime | None
) -> dict[str, str]:
    params: dict[str, str] = {}
    admin = session.is_admin()
    if listing.all_projects and admin:
        params["all_tenants"] = "1"
    if type_ == ResourceType.FLAVOR and admin:
        # Nova's "None" lists private flavors too, for admins only.
        params["is_public"] = "None"
    if since is not None and type_ == ResourceType.SERVER:
        params["changes-since"] = since.astimezone(dt.UTC).isoformat()
    return params


def collect_quotas(session: SiteSession, scope: normalize.Scope) -> Collected:
    """The token's project's quota and usage, one item per service."""
    project = scope.project_id or ""
    items: list[InventoryItem] = []
    for service, (path, key, params) in QUOTAS.items():
        response = session.send(service, path.format(project=project), params=params)
        if response.status_code in (403, 404):
            continue
        if response.status_code >= 400:
            cause = cause_from_response(response, service)
            raise site_error(session.site.name, cause, authenticating=False)
        usage: Mapping[str, Any] = response.json().get(key) or {}
        items.append(normalize.quota(service, project, usage, scope))
    return Collected(ResourceType.QUOTA, tuple(items), complete=True, requests=len(QUOTAS))


def show(
    session: SiteSession, type_: ResourceType, resource_id: str, scope: normalize.Scope
) -> InventoryItem:
    """Ask the site for one resource now; NotFound when it answers 404."""
    if type_ == ResourceType.QUOTA:
        return _show_quota(session, resource_id, scope)
    listing = LISTINGS[type_]
    base = listing.path.removesuffix("/detail")
    version = microversion(session, listing.service)
    response = session.send(listing.service, f"{base}/{resource_id}", microversion=version)
    if response.status_code == 404:
        raise _not_found(session, type_, resource_id)
    if response.status_code >= 400:
        raise site_error(
            session.site.name,
            cause_from_response(response, listing.service),
            authenticating=False,
        )
    body: Mapping[str, Any] = response.json()
    doc = body.get(listing.one, body) if listing.one else body
    return normalize.NORMALIZERS[type_](doc, scope)


def _show_quota(session: SiteSession, resource_id: str, scope: normalize.Scope) -> InventoryItem:
    service, _, project = resource_id.partition(":")
    if service not in QUOTAS or not project:
        raise _not_found(session, ResourceType.QUOTA, resource_id)
    path, key, params = QUOTAS[service]
    response = session.send(service, path.format(project=project), params=params)
    if response.status_code in (403, 404):
        raise _not_found(session, ResourceType.QUOTA, resource_id)
    if response.status_code >= 400:
        cause = cause_from_response(response, service)
        raise site_error(session.site.name, cause, authenticating=False)
    item = normalize.quota(service, project, response.json().get(key) or {}, scope)
    return replace(item, resource_id=resource_id)


def _not_found(session: SiteSession, type_: ResourceType, resource_id: str) -> NotFound:
    return NotFound(
        f"Site {session.site.name!r} has no {type_} {resource_id!r} (the site answered "
        f"404); it may have been deleted: refresh the site's inventory."
    )
