"""The server body as Nova's view builder renders it for a caller at a microversion.

The stored document is the newest, fullest (admin) shape; rendering copies it shallowly, adds
what lives elsewhere (addresses and security groups from the network service, links, server
groups, host status) and drops what the microversion or the caller's role does not show
(`nova.api.openstack.compute.views.servers.ViewBuilder.show`). Called by `servers.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackfleet.emulator.network import internal as networks
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


_PROGRESS_STATUSES = frozenset(
    {"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"}
)
_FAULT_STATUSES = frozenset({"ERROR", "DELETED"})

_ADMIN_ATTRS = (
    "OS-EXT-SRV-ATTR:host",
    "OS-EXT-SRV-ATTR:instance_name",
    "OS-EXT-SRV-ATTR:hypervisor_hostname",
)
_ADMIN_ATTRS_23 = (
    "OS-EXT-SRV-ATTR:reservation_id",
    "OS-EXT-SRV-ATTR:launch_index",
    "OS-EXT-SRV-ATTR:hostname",
    "OS-EXT-SRV-ATTR:kernel_id",
    "OS-EXT-SRV-ATTR:ramdisk_id",
    "OS-EXT-SRV-ATTR:root_device_name",
    "OS-EXT-SRV-ATTR:user_data",
)
_SINCE = (
    ("locked", (2, 9)),
    ("description", (2, 19)),
    ("tags", (2, 26)),
    ("trusted_image_certificates", (2, 63)),
    ("locked_reason", (2, 73)),
)
"""Fields the view adds from a microversion on."""

_BRIEF_UPDATE = (
    "OS-EXT-AZ:availability_zone",
    "config_drive",
    "key_name",
    "OS-SRV-USG:launched_at",
    "OS-SRV-USG:terminated_at",
    "OS-EXT-STS:task_state",
    "OS-EXT-STS:vm_state",
    "OS-EXT-STS:power_state",
    "os-extended-volumes:volumes_attached",
    "security_groups",
    "host_status",
    *_ADMIN_ATTRS,
    *_ADMIN_ATTRS_23,
)
"""What a PUT /servers/{id} response leaves out before 2.75."""


@dataclass(frozen=True)
class View:
    """Who is looking and at which microversion."""

    site: Site
    version: tuple[int, int]
    admin: bool

    @property
    def root(self) -> str:
        return self.site.service_url("compute")


def links(view: View, server_id: str) -> list[Doc]:
    return [
        {"rel": "self", "href": f"{view.root}/v2.1/servers/{server_id}"},
        {"rel": "bookmark", "href": f"{view.root}/servers/{server_id}"},
    ]


def brief(view: View, server: Doc) -> Doc:
    """GET /servers: id, name, links."""
    return {"id": server["id"], "name": server["name"], "links": links(view, server["id"])}


def show(view: View, server: Doc, *, server_groups: bool = False, update: bool = False) -> Doc:
    """The detailed server, as GET /servers/{id} and GET /servers/detail render it."""
    doc = {key: value for key, value in server.items() if not key.startswith("_")}
    server_id = server["id"]
    doc["links"] = links(view, server_id)
    building = server["OS-EXT-STS:vm_state"] == "building"
    doc["addresses"] = {} if building else networks.server_addresses(view.site, server_id)
    groups = networks.server_security_groups(view.site, server_id)
    if groups:
        doc["security_groups"] = groups
    if doc["status"] not in _PROGRESS_STATUSES:
        doc.pop("progress", None)
    if doc["status"] not in _FAULT_STATUSES:
        doc.pop("fault", None)
    if server["image"]:
        doc["image"] = {
            "id": server["image"]["id"],
            "links": [{"rel": "bookmark", "href": f"{view.root}/images/{server['image']['id']}"}],
        }
    doc["os-extended-volumes:volumes_attached"] = _volumes_attached(view, server)
    _apply_version(view, server, doc)
    if server_groups:
        group_id = server["_group_id"]
        doc["server_groups"] = [group_id] if group_id in view.site.compute.server_groups else []
    if update and view.version < (2, 75):
        for key in _BRIEF_UPDATE:
            doc.pop(key, None)
    return doc


def _volumes_attached(view: View, server: Doc) -> list[Doc]:
    attached = []
    for bdm in server["_bdms"]:
        if bdm.get("volume_id"):
            entry: Doc = {"id": bdm["volume_id"]}
            if view.version >= (2, 3):
                entry["delete_on_termination"] = bool(bdm.get("delete_on_termination"))
            attached.append(entry)
    return attached


def _apply_version(view: View, server: Doc, doc: Doc) -> None:
    version = view.version
    if version < (2, 47):
        flavor_id = server["_flavor_id"]
        doc["flavor"] = {
            "id": flavor_id,
            "links": [{"rel": "bookmark", "href": f"{view.root}/flavors/{flavor_id}"}],
        }
    if not view.admin:
        for key in (*_ADMIN_ATTRS, *_ADMIN_ATTRS_23):
            doc.pop(key, None)
        if version >= (2, 90):
            doc["OS-EXT-SRV-ATTR:hostname"] = server["OS-EXT-SRV-ATTR:hostname"]
    elif version < (2, 3):
        for key in _ADMIN_ATTRS_23:
            doc.pop(key, None)
    for key, since in _SINCE:
        if version < since:
            doc.pop(key, None)
    if view.admin and version >= (2, 16):
        doc["host_status"] = "UP" if server["OS-EXT-SRV-ATTR:host"] else ""


def created(view: View, server: Doc, security_groups: list[Doc], admin_pass: str) -> Doc:
    """The 202 body of POST /servers."""
    return {
        "server": {
            "id": server["id"],
            "links": links(view, server["id"]),
            "OS-DCF:diskConfig": server["OS-DCF:diskConfig"],
            "security_groups": security_groups,
            "adminPass": admin_pass,
        }
    }
