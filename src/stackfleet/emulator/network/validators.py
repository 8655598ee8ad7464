"""Attribute converters and validators, worded as neutron-lib's (`neutron_lib.api.validators`).

Each handler module checks request bodies through these so a bad value becomes Neutron's own
400 (``InvalidInput`` / ``HTTPBadRequest``) and never a 500.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from stackfleet.emulator.network.faults import http_bad_request, invalid_input
from stackfleet.emulator.network.faults import invalid_attribute as invalid_attribute
from stackfleet.emulator.wire import Doc, is_uuid

NAME_MAX = 255
DESCRIPTION_MAX = 255


def check_keys(body: Doc, allowed: Iterable[str]) -> None:
    """Reject attributes the resource does not have, as the API layer does."""
    extra = sorted(set(body) - set(allowed))
    if extra:
        raise http_bad_request(f"Unrecognized attribute(s) '{', '.join(extra)}'")


def check_read_only(body: Doc, writable: Iterable[str], readable: Iterable[str]) -> None:
    """On update, attributes that exist but cannot change are refused by name."""
    writable_set = set(writable)
    for key in body:
        if key not in writable_set and key in set(readable):
            raise http_bad_request(f"Cannot update read-only attribute {key}")
    check_keys(body, writable_set)


def to_bool(value: Any) -> bool:
    """`convert_to_boolean`: true/false, "true"/"false", 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
        return value.lower() in ("true", "1")
    raise invalid_input(f"'{value}' cannot be converted to boolean")


def to_int(value: Any) -> int:
    """`convert_to_int`."""
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_input(f"'{value}' is not an integer") from None


def string(attr: str, value: Any, max_len: int = NAME_MAX) -> str:
    """`type:string` with a maximum length (names and descriptions)."""
    if not isinstance(value, str):
        raise invalid_attribute(attr, f"'{value}' is not a valid string")
    if len(value) > max_len:
        raise invalid_attribute(attr, f"'{value}' exceeds maximum length of {max_len}")
    return value


def uuid(attr: str, value: Any) -> str:
    if not is_uuid(value):
        raise invalid_attribute(attr, f"'{value}' is not a valid UUID")
    return str(value)


def uuid_or_none(attr: str, value: Any) -> str | None:
    return None if value is None else uuid(attr, value)


def ip_address(attr: str, value: Any) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except (TypeError, ValueError):
        raise invalid_attribute(attr, f"'{value}' is not a valid IP address") from None


def ip_address_or_none(attr: str, value: Any) -> str | None:
    return None if value is None else ip_address(attr, value)


def subnet_cidr(attr: str, value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """`type:subnet`: a CIDR whose host bits are zero (after Neutron's own normalisation)."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        raise invalid_attribute(attr, f"'{value}' is not a valid IP subnet") from None
    if "/" not in str(value) or str(network) != str(value):
        raise invalid_attribute(
            attr, f"'{value}' isn't a recommended IP address or subnet, '{network}' is recommended"
        )
    return network


def list_of(attr: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise invalid_attribute(attr, f"'{value}' is not a list")
    return value


def dict_of(attr: str, value: Any) -> Doc:
    if not isinstance(value, dict):
        raise invalid_attribute(attr, f"'{value}' is not a dictionary")
    return value


def one_of(attr: str, value: Any, choices: Iterable[Any]) -> Any:
    options = list(choices)
    if value not in options:
        raise invalid_attribute(attr, f"{value} is not in valid_values")
    return value


def tags(value: Any) -> list[str]:
    """A list of tags, each a string of at most 255 characters."""
    items = list_of("tags", value)
    for tag in items:
        if not isinstance(tag, str) or not tag or len(tag) > NAME_MAX:
            raise invalid_input(f"'{tag}' is not a valid tag")
    return list(dict.fromkeys(items))
