"""The body of POST /servers: Nova's schema checks and what the request asks for.

Transcribes the parts of `nova/api/openstack/compute/schemas/servers.py` (create, create_v219 ...
create_v290) that clients send, with Nova's messages, and turns the body into a `BootRequest`
for `server_create.py`. Nothing here looks at the site's state.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from stackfleet.emulator.compute.body_checks import (
    BOOLEAN,
    NAME,
    POSITIVE_INTEGER,
    check_body,
    is_true,
)
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, is_uuid

_TAG = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}
_METADATA = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
_BDM = {
    "type": "object",
    "properties": {
        "source_type": {"type": "string", "enum": ["volume", "image", "snapshot", "blank"]},
        "destination_type": {"type": "string", "enum": ["local", "volume"]},
        "uuid": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[a-zA-Z0-9._-]*$",
        },
        "boot_index": {"type": ["integer", "string", "null"], "pattern": "^-?[0-9]+$"},
        "volume_size": {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1},
        "delete_on_termination": BOOLEAN,
        "device_name": {"type": "string", "minLength": 1, "maxLength": 255},
        "device_type": {"type": "string", "maxLength": 255},
        "disk_bus": {"type": "string", "maxLength": 255},
        "guest_format": {"type": "string", "maxLength": 255},
        "volume_type": {"type": ["string", "null"], "minLength": 0, "maxLength": 255},
        "tag": _TAG,
        "no_device": {},
        "volume_id": {"type": "string"},
        "snapshot_id": {"type": "string"},
        "image_id": {"type": "string"},
        "virtual_name": {"type": "string", "maxLength": 255},
        "connection_info": {"type": "string"},
    },
    "additionalProperties": False,
}
_SERVER_PROPERTIES = {
    "name": NAME,
    "imageRef": {"type": "string"},
    "flavorRef": {"type": ["string", "integer"], "minLength": 1},
    "adminPass": {"type": "string"},
    "metadata": _METADATA,
    "networks": {"type": ["array", "string"]},
    "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
    "accessIPv4": {"type": "string"},
    "accessIPv6": {"type": "string"},
    "availability_zone": NAME,
    "block_device_mapping": {"type": "array"},
    "block_device_mapping_v2": {"type": "array", "items": _BDM},
    "config_drive": BOOLEAN,
    "key_name": NAME,
    "min_count": POSITIVE_INTEGER,
    "max_count": POSITIVE_INTEGER,
    "return_reservation_id": BOOLEAN,
    "security_groups": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"name": NAME},
            "additionalProperties": False,
        },
    },
    "user_data": {"type": "string", "maxLength": 65535},
    "description": {"type": ["string", "null"], "minLength": 0, "maxLength": 255},
    "tags": {"type": "array", "items": _TAG, "maxItems": 50},
    "trusted_image_certificates": {"type": ["array", "null"]},
    "host": {"type": "string", "minLength": 1, "maxLength": 255},
    "hypervisor_hostname": {"type": "string", "minLength": 1, "maxLength": 255},
    "hostname": {
        "type": "string",
        "minLength": 2,
        "maxLength": 63,
        "pattern": "^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$",
    },
}
_SINCE = {
    "description": (2, 19),
    "tags": (2, 52),
    "trusted_image_certificates": (2, 63),
    "host": (2, 74),
    "hypervisor_hostname": (2, 74),
    "hostname": (2, 90),
}


@dataclass
class BootRequest:
    """What POST /servers asks for, after Nova's schema checks."""

    name: str
    flavor_ref: str
    image_ref: str
    networks: list[Doc] | str | None
    security_groups: list[str]
    key_name: str | None
    user_data: str | None
    metadata: dict[str, str]
    zone: str | None
    bdms: list[Doc]
    hints: Doc
    min_count: int
    max_count: int
    description: str | None
    tags: list[str]
    return_reservation_id: bool
    config_drive: bool
    disk_config: str
    access_ipv4: str
    access_ipv6: str
    admin_pass: str | None
    hostname: str | None
    host: str | None
    node: str | None


def _schema(version: tuple[int, int]) -> Doc:
    properties = {k: v for k, v in _SERVER_PROPERTIES.items() if version >= _SINCE.get(k, (2, 1))}
    if version >= (2, 57):
        properties.pop("personality", None)
    required = ["name", "flavorRef"] + (["networks"] if version >= (2, 37) else [])
    server = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    hints = {"type": "object"}
    return {
        "type": "object",
        "properties": {
            "server": server,
            "os:scheduler_hints": hints,
            "OS-SCH-HNT:scheduler_hints": hints,
        },
        "required": ["server"],
        "additionalProperties": False,
    }


def parse(body: Any, version: tuple[int, int]) -> BootRequest:
    """Check the body as Nova's schema for `version` does and read what it asks for."""
    check_body(_schema(version), body)
    server: Doc = body["server"]
    _check_formats(server, version)
    min_count = int(server.get("min_count", 1))
    max_count = int(server.get("max_count", min_count))
    if min_count > max_count:
        raise ApiError(400, "min_count must be <= max_count")
    hints = body.get("os:scheduler_hints", body.get("OS-SCH-HNT:scheduler_hints", {}))
    groups = server.get("security_groups")
    return BootRequest(
        name=server["name"],
        flavor_ref=str(server["flavorRef"]),
        image_ref=server.get("imageRef", ""),
        networks=server.get("networks"),
        security_groups=sorted({g["name"] for g in groups if g.get("name")}) if groups else [],
        key_name=server.get("key_name"),
        user_data=server.get("user_data"),
        metadata=server.get("metadata", {}),
        zone=server.get("availability_zone"),
        bdms=server.get("block_device_mapping_v2", []),
        hints=hints,
        min_count=min_count,
        max_count=max_count,
        description=server.get("description") if version >= (2, 19) else server["name"],
        tags=server.get("tags", []),
        return_reservation_id=is_true(server.get("return_reservation_id", False)),
        config_drive=is_true(server.get("config_drive", False)),
        disk_config=server.get("OS-DCF:diskConfig", "MANUAL"),
        access_ipv4=server.get("accessIPv4", ""),
        access_ipv6=server.get("accessIPv6", ""),
        admin_pass=server.get("adminPass"),
        hostname=server.get("hostname"),
        host=server.get("host"),
        node=server.get("hypervisor_hostname"),
    )


def _invalid(field: str, value: object, why: str) -> ApiError:
    return ApiError(400, f"Invalid input for field/attribute {field}. Value: {value}. {why}")


def _check_formats(server: Doc, version: tuple[int, int]) -> None:
    image_ref = server.get("imageRef")
    if image_ref and not is_uuid(image_ref):
        raise _invalid("imageRef", image_ref, f"{image_ref!r} is not a 'uuid'")
    user_data = server.get("user_data")
    if user_data is not None and not _is_base64(user_data):
        raise _invalid("user_data", user_data, f"{user_data!r} is not a 'base64'")
    for key, kind in (("accessIPv4", ipaddress.IPv4Address), ("accessIPv6", ipaddress.IPv6Address)):
        if key in server and not _is_ip(server[key], kind):
            fmt = "ipv4" if key == "accessIPv4" else "ipv6"
            raise _invalid(key, server[key], f"{server[key]!r} is not a '{fmt}'")
    _check_networks(server.get("networks"), version)


def _check_networks(networks: Any, version: tuple[int, int]) -> None:
    if isinstance(networks, str):
        if version < (2, 37) or networks not in ("auto", "none"):
            raise _invalid("networks", networks, f"{networks!r} is not of type 'array'")
        return
    for item in networks or []:
        if not isinstance(item, dict):
            raise _invalid("networks", item, f"{item!r} is not of type 'object'")
        extra = sorted(set(item) - {"uuid", "port", "fixed_ip", "tag"})
        if extra:
            shown = ", ".join(repr(k) for k in extra)
            verb = "was" if len(extra) == 1 else "were"
            why = f"Additional properties are not allowed ({shown} {verb} unexpected)"
            raise _invalid("networks", item, why)
        port = item.get("port")
        if port is not None and not is_uuid(port):
            raise _invalid("port", port, f"{port!r} is not valid under any of the given schemas")
        fixed_ip = item.get("fixed_ip")
        if fixed_ip is not None and not _is_ip(fixed_ip, None):
            raise _invalid("fixed_ip", fixed_ip, f"{fixed_ip!r} is not a 'ip_address'")
        if version >= (2, 37) and "uuid" in item and not is_uuid(item["uuid"]):
            raise _invalid("uuid", item["uuid"], f"{item['uuid']!r} is not a 'uuid'")


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_ip(value: object, kind: type | None) -> bool:
    if not isinstance(value, str):
        return False
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return kind is None or isinstance(address, kind)


def sanitize_hostname(name: str) -> str:
    """Nova's `utils.sanitize_hostname`: the guest hostname made from the display name."""
    hostname = re.sub(r"[ _]", "-", name.lower())
    hostname = re.sub(r"[^\w.-]+", "", hostname, flags=re.ASCII)
    hostname = hostname.replace("--", "-")[:63].strip(".-")
    return hostname or "server"
