"""Validation of what operators send the admin API: faults and new sites.

`admin.py` calls these with decoded JSON bodies; each raises `AdminInputError` naming the first
thing wrong, which the admin API answers with a 400, so bad input never reaches the sites.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from stackfleet.emulator.site import SERVICES, Capacity, Faults, SiteConfig


class AdminInputError(ValueError):
    """A request body the admin API refuses; the message says what to fix."""


FAULT_FIELDS = (
    "down",
    "unavailable",
    "latency_ms",
    "jitter_ms",
    "error_rate",
    "capacity_exhausted",
    "boot_seconds",
)

_CAPACITY_INTS = {"hypervisors": 1000, "vcpus": 4096, "memory_mb": 2**24, "disk_gb": 2**20}
"""Upper bounds: a site is built eagerly, so its size must stay sane (16 TiB RAM, 1 PiB disk)."""
_MAX_TOKEN_TTL = 10 * 365 * 86400
_CAPACITY_RATIOS = ("cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio")
_SITE_FIELDS = (
    "name",
    "region",
    "boot_seconds",
    "admin_password",
    "member_password",
    "token_ttl_seconds",
    "capacity",
)


def faults_doc(faults: Faults) -> dict[str, Any]:
    """The JSON shape of a site's faults, as the admin API shows and accepts them."""
    return {
        "down": faults.down,
        "unavailable": sorted(faults.unavailable),
        "latency_ms": faults.latency_ms,
        "jitter_ms": faults.jitter_ms,
        "error_rate": faults.error_rate,
        "capacity_exhausted": faults.capacity_exhausted,
        "boot_seconds": faults.boot_seconds,
    }


def parse_faults(body: object, base: Faults) -> Faults:
    """`base` with the fields given in `body` changed (PATCH; PUT passes a fresh `Faults()`)."""
    fields = _object(body, "faults", FAULT_FIELDS)
    changes: dict[str, Any] = {}
    for key in ("down", "capacity_exhausted"):
        if key in fields:
            changes[key] = _boolean(fields[key], key)
    for key in ("latency_ms", "jitter_ms"):
        if key in fields:
            changes[key] = _number(fields[key], key, maximum=600_000.0)
    if "error_rate" in fields:
        changes["error_rate"] = _number(fields["error_rate"], "error_rate", maximum=1.0)
    if "boot_seconds" in fields:
        raw = fields["boot_seconds"]
        changes["boot_seconds"] = None if raw is None else _number(raw, "boot_seconds")
    if "unavailable" in fields:
        changes["unavailable"] = _services(fields["unavailable"])
    return dataclasses.replace(base, **changes)


def parse_site(body: object) -> SiteConfig:
    """The configuration of a site to add, from the admin API's `POST /sites` body."""
    fields = _object(body, "site", _SITE_FIELDS)
    name = fields.get("name")
    if not isinstance(name, str) or not name:
        raise AdminInputError("'name' is required and must be a string")
    config = SiteConfig(name)
    if "region" in fields:
        config.region = _text(fields["region"], "region")
    for key in ("admin_password", "member_password"):
        if key in fields:
            setattr(config, key, _text(fields[key], key))
    if "boot_seconds" in fields:
        config.boot_seconds = _number(fields["boot_seconds"], "boot_seconds")
    if "token_ttl_seconds" in fields:
        config.token_ttl_seconds = _integer(
            fields["token_ttl_seconds"], "token_ttl_seconds", 1, _MAX_TOKEN_TTL
        )
    if "capacity" in fields:
        config.capacity = parse_capacity(fields["capacity"])
    return config


def parse_capacity(body: object) -> Capacity:
    """A site's hypervisors, from the `capacity` object of a new site."""
    known = (*_CAPACITY_INTS, *_CAPACITY_RATIOS, "availability_zones")
    fields = _object(body, "capacity", known)
    capacity = Capacity()
    for key, maximum in _CAPACITY_INTS.items():
        if key in fields:
            setattr(capacity, key, _integer(fields[key], f"capacity.{key}", 1, maximum))
    for key in _CAPACITY_RATIOS:
        if key in fields:
            ratio = _number(fields[key], f"capacity.{key}", maximum=1000.0)
            if ratio == 0:
                raise AdminInputError(f"'capacity.{key}' must be greater than 0")
            setattr(capacity, key, ratio)
    if "availability_zones" in fields:
        zones = fields["availability_zones"]
        if (
            not isinstance(zones, list)
            or not zones
            or not all(isinstance(z, str) and z for z in zones)
        ):
            raise AdminInputError("'capacity.availability_zones' must be a non-empty list of names")
        capacity.availability_zones = tuple(zones)
    return capacity


def _object(body: object, what: str, known: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise AdminInputError(f"the {what} must be a JSON object")
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise AdminInputError(
            f"unknown {what} field(s) {', '.join(map(repr, unknown))}; "
            f"expected some of {', '.join(known)}"
        )
    return body


def _boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise AdminInputError(f"'{key}' must be true or false")
    return value


def _number(value: object, key: str, maximum: float = 86_400.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AdminInputError(f"'{key}' must be a number")
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= maximum:
        raise AdminInputError(f"'{key}' must be between 0 and {maximum:g}")
    return number


def _integer(value: object, key: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise AdminInputError(f"'{key}' must be an integer from {minimum} to {maximum}")
    return value


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise AdminInputError(f"'{key}' must be a non-empty string")
    return value


def _services(value: object) -> frozenset[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise AdminInputError("'unavailable' must be \"all\" or a list of service names")
    allowed = (*SERVICES, "all")
    wrong = sorted(set(names) - set(allowed))
    if wrong:
        raise AdminInputError(
            f"unknown service(s) {', '.join(map(repr, wrong))} in 'unavailable'; "
            f"expected some of {', '.join(allowed)}"
        )
    return frozenset(["all"]) if "all" in names else frozenset(names)
