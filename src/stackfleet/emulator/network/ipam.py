"""IP address management: allocation pools and fixed IPs, never one address twice.

Neutron's reference IPAM in short: with no `fixed_ips` a port gets one address from the first
IPv4 subnet with room and one from the first IPv6 subnet (SLAAC subnets derive it from the MAC);
explicit entries name a subnet, an address, or both. Everything is checked before anything is
recorded, so a failed port create or update allocates nothing. Ports, routers, floating IPs and
`internal.py` allocate and release through `allocate` / `release`.
"""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import validators as v
from stackfleet.emulator.network.faults import invalid_input
from stackfleet.emulator.network.state import NetworkState
from stackfleet.emulator.wire import Doc

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_AUTO_MODES = ("slaac", "dhcpv6-stateless")


def new_mac(state: NetworkState) -> str:
    """A MAC address with OpenStack's default base_mac prefix fa:16:3e, unique in the site."""
    while True:
        mac = "fa:16:3e:" + ":".join(f"{random.randrange(256):02x}" for _ in range(3))  # noqa: S311
        if mac not in state.macs:
            return mac


def default_pools(cidr: str, gateway_ip: str | None) -> list[Doc]:
    """Every usable host address of `cidr` except the gateway, as Neutron computes them."""
    network = ipaddress.ip_network(cidr)
    first = int(network.network_address) + 1
    last = int(network.broadcast_address) - (1 if network.version == 4 else 0)
    if network.version == 4 and network.prefixlen >= 31:
        first, last = int(network.network_address), int(network.broadcast_address)
    if first > last:
        return []
    ranges = [(first, last)]
    if gateway_ip is not None:
        gateway = int(ipaddress.ip_address(gateway_ip))
        ranges = [
            part
            for start, end in ranges
            for part in ((start, min(end, gateway - 1)), (max(start, gateway + 1), end))
            if part[0] <= part[1]
        ]
    make = ipaddress.ip_address
    return [{"start": str(make(s)), "end": str(make(e))} for s, e in ranges]


def usable(subnet: Doc, address: IPAddress) -> bool:
    """Whether an address may be a port's fixed IP on the subnet (not network or broadcast)."""
    network = ipaddress.ip_network(subnet["cidr"])
    if address not in network:
        return False
    if network.version == 4 and network.prefixlen < 31:
        return address not in (network.network_address, network.broadcast_address)
    return address != network.network_address


def _free_in_pools(subnet: Doc, taken: set[str]) -> str | None:
    for pool in subnet["allocation_pools"]:
        start = int(ipaddress.ip_address(pool["start"]))
        end = int(ipaddress.ip_address(pool["end"]))
        for value in range(start, min(end, start + len(taken) + len(subnet["_allocated"])) + 1):
            text = str(ipaddress.ip_address(value))
            if text not in subnet["_allocated"] and text not in taken:
                return text
    return None


def _eui64(cidr: str, mac: str) -> str:
    raw = bytearray(int(part, 16) for part in mac.split(":"))
    raw[0] ^= 0x02
    interface = bytes(raw[:3]) + b"\xff\xfe" + bytes(raw[3:])
    network = ipaddress.ip_network(cidr)
    return str(network.network_address + int.from_bytes(interface, "big"))


def allocate(
    state: NetworkState, network: Doc, requested: Any, port_id: str, mac: str
) -> list[Doc]:
    """Allocate a port's fixed IPs (`requested` is the `fixed_ips` value, or None for default)."""
    subnets = [state.subnets[s] for s in network["subnets"] if s in state.subnets]
    plan = _default_plan(network, subnets, mac) if requested is None else None
    if plan is None:
        plan = _explicit_plan(network, subnets, v.list_of("fixed_ips", requested), mac)
    for entry in plan:
        state.subnets[entry["subnet_id"]]["_allocated"][entry["ip_address"]] = port_id
    return plan


def release(state: NetworkState, fixed_ips: list[Doc]) -> None:
    for entry in fixed_ips:
        subnet = state.subnets.get(entry["subnet_id"])
        if subnet is not None:
            subnet["_allocated"].pop(entry["ip_address"], None)


def _default_plan(network: Doc, subnets: list[Doc], mac: str) -> list[Doc]:
    plan: list[Doc] = []
    for version in (4, 6):
        candidates = [s for s in subnets if s["ip_version"] == version]
        auto = [s for s in candidates if s["ipv6_address_mode"] in _AUTO_MODES]
        for subnet in auto:
            plan.append({"subnet_id": subnet["id"], "ip_address": _eui64(subnet["cidr"], mac)})
        stateful = [s for s in candidates if s not in auto]
        if not stateful:
            continue
        for subnet in stateful:
            address = _free_in_pools(subnet, set())
            if address is not None:
                plan.append({"subnet_id": subnet["id"], "ip_address": address})
                break
        else:
            raise ApiError(
                409,
                f"No more IP addresses available on network {network['id']}.",
                kind="IpAddressGenerationFailure",
            )
    return plan


def _explicit_plan(network: Doc, subnets: list[Doc], requested: list[Any], mac: str) -> list[Doc]:
    by_id = {s["id"]: s for s in subnets}
    plan: list[Doc] = []
    taken: set[str] = set()
    for entry in requested:
        if not isinstance(entry, dict) or not set(entry) <= {"subnet_id", "ip_address"}:
            raise v.invalid_attribute("fixed_ips", f"Invalid data format for fixed IP: '{entry}'")
        subnet = _subnet_for(network, by_id, subnets, entry)
        if "ip_address" in entry:
            address = _check_address(subnet, entry["ip_address"], taken)
        elif subnet["ipv6_address_mode"] in _AUTO_MODES:
            address = _eui64(subnet["cidr"], mac)
        else:
            found = _free_in_pools(subnet, taken)
            if found is None:
                raise ApiError(
                    409,
                    f"No more IP addresses available for subnet {subnet['id']}.",
                    kind="IpAddressGenerationFailure",
                )
            address = found
        taken.add(address)
        plan.append({"subnet_id": subnet["id"], "ip_address": address})
    return plan


def _subnet_for(network: Doc, by_id: dict[str, Doc], subnets: list[Doc], entry: Doc) -> Doc:
    if "subnet_id" in entry:
        subnet = by_id.get(entry["subnet_id"]) if isinstance(entry["subnet_id"], str) else None
        if subnet is None:
            raise invalid_input(
                f"Failed to create port on network {network['id']}, because fixed_ips "
                f"included invalid subnet {entry['subnet_id']}"
            )
        return subnet
    text = v.ip_address("ip_address", entry.get("ip_address"))
    address = ipaddress.ip_address(text)
    for subnet in subnets:
        if usable(subnet, address):
            return subnet
    raise ApiError(
        400,
        f"IP address {text} is not a valid IP for any of the subnets on the specified network.",
        kind="InvalidIpForNetwork",
    )


def _check_address(subnet: Doc, raw: Any, taken: set[str]) -> str:
    text = v.ip_address("ip_address", raw)
    if not usable(subnet, ipaddress.ip_address(text)):
        raise ApiError(
            400,
            f"IP address {text} is not a valid IP for the specified subnet.",
            kind="InvalidIpForSubnet",
        )
    if text in subnet["_allocated"] or text in taken:
        raise ApiError(
            409,
            f"IP address {text} already allocated in subnet {subnet['id']}",
            kind="IpAddressAlreadyAllocated",
        )
    return text
