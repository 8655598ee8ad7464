"""What Nova asks of the emulated Neutron (`network/internal.py`), and the IPAM beneath it."""

from __future__ import annotations

import pathlib

import pytest

from stackfleet.emulator.clock import SystemClock
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.network import internal, ipam, ports
from stackfleet.emulator.site import Site, SiteConfig
from stackfleet.emulator.wire import Doc

PROJECT = "p1"


def _site(tmp_path: pathlib.Path) -> Site:
    return Site(SiteConfig("unit"), "http://emulator", tmp_path, SystemClock())


def _network(site: Site, cidr: str = "10.0.0.0/29", project: str = PROJECT, **extra: object) -> Doc:
    net_id = f"net-{len(site.network.networks)}"
    network: Doc = {
        "id": net_id, "name": net_id, "project_id": project, "tenant_id": project,
        "shared": False, "router:external": False, "subnets": [], "port_security_enabled": True,
        **extra,
    }  # fmt: skip
    site.network.networks[net_id] = network
    subnet_id = f"{net_id}-sub"
    site.network.subnets[subnet_id] = {
        "id": subnet_id, "network_id": net_id, "project_id": project, "ip_version": 4,
        "cidr": cidr, "gateway_ip": None, "ipv6_address_mode": None, "_allocated": {},
        "allocation_pools": ipam.default_pools(cidr, None),
    }  # fmt: skip
    network["subnets"].append(subnet_id)
    return network


def test_default_pools_skip_gateway_network_and_broadcast() -> None:
    assert ipam.default_pools("10.0.0.0/24", "10.0.0.1") == [
        {"start": "10.0.0.2", "end": "10.0.0.254"}
    ]
    assert ipam.default_pools("10.0.0.0/24", "10.0.0.100") == [
        {"start": "10.0.0.1", "end": "10.0.0.99"},
        {"start": "10.0.0.101", "end": "10.0.0.254"},
    ]
    assert ipam.default_pools("fd00::/64", "fd00::1")[0]["start"] == "fd00::2"


def test_plug_auto_uses_the_only_network_and_addresses(tmp_path: pathlib.Path) -> None:
    site = _site(tmp_path)
    network = _network(site)
    internal.validate_server_networks(site, PROJECT, None, [])
    internal.plug_server(site, PROJECT, "srv-1", None, [], "unit-compute-1")
    [port] = ports.device_ports(site.network, "srv-1")
    assert port["device_owner"] == "compute:nova"
    assert port["binding:host_id"] == "unit-compute-1"
    addresses = internal.server_addresses(site, "srv-1")
    assert addresses == {
        network["name"]: [
            {
                "version": 4,
                "addr": "10.0.0.1",
                "OS-EXT-IPS:type": "fixed",
                "OS-EXT-IPS-MAC:mac_addr": port["mac_address"],
            }
        ]
    }
    assert internal.server_security_groups(site, "srv-1") == [{"name": "default"}]
    internal.set_server_ports_status(site, "srv-1", "ACTIVE")
    assert port["status"] == "ACTIVE"
    internal.unplug_server(site, "srv-1")
    assert site.network.ports == {}
    assert site.network.subnets[network["subnets"][0]]["_allocated"] == {}


def test_auto_without_networks_plugs_nothing(tmp_path: pathlib.Path) -> None:
    site = _site(tmp_path)
    internal.plug_server(site, PROJECT, "srv-1", "auto", [], "h")
    assert internal.server_addresses(site, "srv-1") == {}


def test_ambiguous_and_missing_networks(tmp_path: pathlib.Path) -> None:
    site = _site(tmp_path)
    _network(site)
    _network(site, "10.1.0.0/29")
    with pytest.raises(ApiError) as ambiguous:
        internal.validate_server_networks(site, PROJECT, None, [])
    assert ambiguous.value.status == 409
    with pytest.raises(ApiError, match=r"Network nope could not be found\.") as missing:
        internal.validate_server_networks(site, PROJECT, [{"uuid": "nope"}], [])
    assert missing.value.status == 400
    other = _network(site, project="p2")
    with pytest.raises(ApiError) as hidden:
        internal.validate_server_networks(site, PROJECT, [{"uuid": other["id"]}], [])
    assert hidden.value.status == 400
    internal.validate_server_networks(site, PROJECT, "none", [])


def test_security_group_names_are_checked(tmp_path: pathlib.Path) -> None:
    site = _site(tmp_path)
    network = _network(site)
    with pytest.raises(ApiError, match="Unable to find security_group") as error:
        internal.validate_server_networks(site, PROJECT, [{"uuid": network["id"]}], ["web"])
    assert error.value.status == 400
    internal.validate_server_networks(site, PROJECT, [{"uuid": network["id"]}], ["default"])


def test_user_port_is_bound_then_released(tmp_path: pathlib.Path) -> None:
    site = _site(tmp_path)
    network = _network(site)
    port = ports.build_port(site, network, PROJECT, {})
    requested: list[Doc] = [{"port": port["id"]}]
    internal.plug_server(site, PROJECT, "srv-1", requested, [], "h")
    assert port["device_id"] == "srv-1"
    with pytest.raises(ApiError, match="still in use") as in_use:
        internal.validate_server_networks(site, PROJECT, requested, [])
    assert in_use.value.status == 409
    internal.unplug_server(site, "srv-1")
    assert port["id"] in site.network.ports
    assert (port["device_id"], port["binding:host_id"]) == ("", "")


def test_fixed_ip_in_use_and_exhaustion_leave_nothing(tmp_path: pathlib.Path) -> None:
    site = _site(tmp_path)
    network = _network(site, "10.0.0.0/30")  # two usable addresses
    internal.plug_server(
        site, PROJECT, "a", [{"uuid": network["id"], "fixed_ip": "10.0.0.1"}], [], "h"
    )
    with pytest.raises(ApiError, match="already in use on instance a"):
        internal.validate_server_networks(
            site, PROJECT, [{"uuid": network["id"], "fixed_ip": "10.0.0.1"}], []
        )
    internal.plug_server(site, PROJECT, "b", [{"uuid": network["id"]}], [], "h")
    with pytest.raises(ApiError) as exhausted:
        internal.plug_server(
            site, PROJECT, "c", [{"uuid": network["id"]}, {"uuid": network["id"]}], [], "h"
        )
    assert exhausted.value.status == 409
    assert ports.device_ports(site.network, "c") == []
    assert len(site.network.ports) == 2
