"""Pure normalizers: one OpenStack API document in, one `InventoryItem` out.

One function per resource type, reading the document exactly as the site returned it (Nova,
Neutron, Glance and Cinder shapes as of Zed); the raw document is kept on the item. No I/O:
called by `collect.py` for every listed or shown resource, and unit-tested on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stackfleet.inventory.models import InventoryItem, ResourceType
from stackfleet.kernel.ids import SiteId

Doc = Mapping[str, Any]


@dataclass(frozen=True)
class Scope:
    """What an item needs beyond its document.

    Where and when it was seen, and the project of the token it was seen with (for resources
    whose documents do not name their project).
    """

    site_id: SiteId
    project_id: str | None
    observed_at: dt.datetime


def parse_time(value: object) -> dt.datetime | None:
    """An OpenStack timestamp as an aware UTC datetime; Cinder's carry no zone and mean UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _item(scope: Scope, type_: ResourceType, doc: Doc, **fields: Any) -> InventoryItem:
    """An item with the fields every type shares filled from `doc`'s usual keys."""
    fields.setdefault("name", _text(doc.get("name")))
    fields.setdefault("status", _text(doc.get("status")))
    fields.setdefault("project_id", _text(doc.get("project_id") or doc.get("tenant_id")))
    fields.setdefault("updated_at", parse_time(doc.get("updated_at") or doc.get("updated")))
    fields.setdefault("resource_id", str(doc.get("id", "")))
    return InventoryItem(
        site_id=scope.site_id, type=type_, observed_at=scope.observed_at, raw=doc, **fields
    )


def _unique(addresses: Iterable[object]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for a in addresses if isinstance(a, str) and a))


def server(doc: Doc, scope: Scope) -> InventoryItem:
    """A Nova server (`/servers/detail`, any microversion from 2.1 to 2.79)."""
    flavor = doc.get("flavor") or {}
    image = doc.get("image") or {}
    networks: Mapping[str, list[Doc]] = doc.get("addresses") or {}
    addresses = _unique(a.get("addr") for ips in networks.values() for a in ips)
    attributes = {
        "flavor": flavor.get("original_name") or flavor.get("id"),
        "image_id": image.get("id") if isinstance(image, Mapping) else None,
        "availability_zone": _text(doc.get("OS-EXT-AZ:availability_zone")),
        "host": doc.get("OS-EXT-SRV-ATTR:host"),
        "key_name": doc.get("key_name"),
        "networks": sorted(networks),
    }
    return _item(scope, ResourceType.SERVER, doc, addresses=addresses, attributes=attributes)


def flavor(doc: Doc, scope: Scope) -> InventoryItem:
    attributes = {
        "vcpus": doc.get("vcpus"),
        "ram_mb": doc.get("ram"),
        "disk_gb": doc.get("disk"),
        "is_public": doc.get("os-flavor-access:is_public"),
    }
    return _item(scope, ResourceType.FLAVOR, doc, project_id=None, attributes=attributes)


def image(doc: Doc, scope: Scope) -> InventoryItem:
    attributes = {
        "visibility": doc.get("visibility"),
        "disk_format": doc.get("disk_format"),
        "size": doc.get("size"),
        "min_disk": doc.get("min_disk"),
    }
    return _item(
        scope, ResourceType.IMAGE, doc, project_id=_text(doc.get("owner")), attributes=attributes
    )


def keypair(doc: Doc, scope: Scope) -> InventoryItem:
    """A Nova keypair: its name is its id, and it belongs to the token's user and project."""
    inner: Doc = doc.get("keypair", doc)
    name = str(inner.get("name", ""))
    attributes = {"fingerprint": inner.get("fingerprint"), "type": inner.get("type")}
    return _item(
        scope,
        ResourceType.KEYPAIR,
        inner,
        resource_id=name,
        name=name,
        project_id=scope.project_id,
        status=None,
        attributes=attributes,
    )


def network(doc: Doc, scope: Scope) -> InventoryItem:
    attributes = {
        "external": doc.get("router:external"),
        "shared": doc.get("shared"),
        "subnets": list(doc.get("subnets") or []),
        "mtu": doc.get("mtu"),
    }
    return _item(scope, ResourceType.NETWORK, doc, attributes=attributes)


def subnet(doc: Doc, scope: Scope) -> InventoryItem:
    attributes = {
        "cidr": doc.get("cidr"),
        "network_id": doc.get("network_id"),
        "ip_version": doc.get("ip_version"),
        "gateway_ip": doc.get("gateway_ip"),
    }
    return _item(scope, ResourceType.SUBNET, doc, attributes=attributes)


def port(doc: Doc, scope: Scope) -> InventoryItem:
    fixed_ips: list[Doc] = doc.get("fixed_ips") or []
    attributes = {
        "network_id": doc.get("network_id"),
        "device_id": doc.get("device_id"),
        "device_owner": doc.get("device_owner"),
        "mac_address": doc.get("mac_address"),
    }
    addresses = _unique(ip.get("ip_address") for ip in fixed_ips)
    return _item(scope, ResourceType.PORT, doc, addresses=addresses, attributes=attributes)


def router(doc: Doc, scope: Scope) -> InventoryItem:
    gateway: Doc = doc.get("external_gateway_info") or {}
    fixed: list[Doc] = gateway.get("external_fixed_ips") or []
    attributes = {"external_network_id": gateway.get("network_id")}
    addresses = _unique(ip.get("ip_address") for ip in fixed)
    return _item(scope, ResourceType.ROUTER, doc, addresses=addresses, attributes=attributes)


def floating_ip(doc: Doc, scope: Scope) -> InventoryItem:
    floating = doc.get("floating_ip_address")
    attributes = {
        "floating_ip_address": floating,
        "fixed_ip_address": doc.get("fixed_ip_address"),
        "port_id": doc.get("port_id"),
        "floating_network_id": doc.get("floating_network_id"),
    }
    addresses = _unique([floating, doc.get("fixed_ip_address")])
    return _item(
        scope,
        ResourceType.FLOATING_IP,
        doc,
        name=_text(floating),
        addresses=addresses,
        attributes=attributes,
    )


def security_group(doc: Doc, scope: Scope) -> InventoryItem:
    rules = doc.get("security_group_rules") or []
    attributes = {"description": doc.get("description"), "rules": len(rules)}
    return _item(scope, ResourceType.SECURITY_GROUP, doc, status=None, attributes=attributes)


def volume(doc: Doc, scope: Scope) -> InventoryItem:
    """A Cinder volume; its project is named only to admins, else it is the token's."""
    attachments: list[Doc] = doc.get("attachments") or []
    attributes = {
        "size_gb": doc.get("size"),
        "availability_zone": doc.get("availability_zone"),
        "attached_to": [a.get("server_id") for a in attachments if a.get("server_id")],
        "bootable": str(doc.get("bootable", "")).lower() == "true",
        "volume_type": doc.get("volume_type"),
    }
    project = _text(doc.get("os-vol-tenant-attr:tenant_id")) or scope.project_id
    return _item(scope, ResourceType.VOLUME, doc, project_id=project, attributes=attributes)


def snapshot(doc: Doc, scope: Scope) -> InventoryItem:
    attributes = {"volume_id": doc.get("volume_id"), "size_gb": doc.get("size")}
    project = _text(doc.get("os-extended-snapshot-attributes:project_id")) or scope.project_id
    return _item(scope, ResourceType.SNAPSHOT, doc, project_id=project, attributes=attributes)


def backup(doc: Doc, scope: Scope) -> InventoryItem:
    attributes = {
        "volume_id": doc.get("volume_id"),
        "size_gb": doc.get("size"),
        "incremental": doc.get("is_incremental"),
    }
    project = _text(doc.get("os-backup-project-attr:project_id")) or scope.project_id
    return _item(scope, ResourceType.BACKUP, doc, project_id=project, attributes=attributes)


def quota(service: str, project_id: str, usage: Doc, scope: Scope) -> InventoryItem:
    """One service's quota for a project, with limit and in_use per resource.

    Nova's and Cinder's `quota_set` say `in_use`, Neutron's `quota` details say `used`.
    """
    limits = {
        resource: {
            "limit": detail.get("limit"),
            "in_use": detail.get("in_use", detail.get("used")),
        }
        for resource, detail in usage.items()
        if isinstance(detail, Mapping)
    }
    return _item(
        scope,
        ResourceType.QUOTA,
        usage,
        resource_id=f"{service}:{project_id}",
        name=service,
        project_id=project_id,
        status=None,
        updated_at=None,
        attributes=limits,
    )


def hypervisor(doc: Doc, scope: Scope) -> InventoryItem:
    attributes = {
        "vcpus": doc.get("vcpus"),
        "vcpus_used": doc.get("vcpus_used"),
        "memory_mb": doc.get("memory_mb"),
        "memory_mb_used": doc.get("memory_mb_used"),
        "running_vms": doc.get("running_vms"),
        "enabled": doc.get("status") == "enabled",
        "type": doc.get("hypervisor_type"),
    }
    return _item(
        scope,
        ResourceType.HYPERVISOR,
        doc,
        name=_text(doc.get("hypervisor_hostname")),
        status=_text(doc.get("state")),
        project_id=None,
        addresses=_unique([doc.get("host_ip")]),
        attributes=attributes,
    )


Normalizer = Callable[[Doc, Scope], InventoryItem]

NORMALIZERS: Mapping[ResourceType, Normalizer] = {
    ResourceType.SERVER: server,
    ResourceType.FLAVOR: flavor,
    ResourceType.IMAGE: image,
    ResourceType.KEYPAIR: keypair,
    ResourceType.NETWORK: network,
    ResourceType.SUBNET: subnet,
    ResourceType.PORT: port,
    ResourceType.ROUTER: router,
    ResourceType.FLOATING_IP: floating_ip,
    ResourceType.SECURITY_GROUP: security_group,
    ResourceType.VOLUME: volume,
    ResourceType.SNAPSHOT: snapshot,
    ResourceType.BACKUP: backup,
    ResourceType.HYPERVISOR: hypervisor,
}
"""The normalizer of every listed type (quotas are built per service by `quota`)."""
