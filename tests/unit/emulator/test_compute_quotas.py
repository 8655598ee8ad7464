"""Compute quota logic: limits, usage counting and Nova's over-quota messages."""

from __future__ import annotations

import pathlib

import pytest

from stackfleet.emulator.clock import SystemClock
from stackfleet.emulator.compute import quotas
from stackfleet.emulator.compute.body_checks import check_body, check_query
from stackfleet.emulator.compute.flavors import embedded_flavor, flavor_for_boot
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.site import Site, SiteConfig
from stackfleet.emulator.wire import Doc


@pytest.fixture
def site(tmp_path: pathlib.Path) -> Site:
    return Site(SiteConfig("unit"), "http://emulator", tmp_path, SystemClock())


def _server(project: str, vcpus: int, ram: int, **extra: object) -> Doc:
    return {
        "tenant_id": project,
        "status": "ACTIVE",
        "_demand": {"vcpus": vcpus, "memory_mb": ram},
        **extra,
    }


def test_project_quotas_merge_defaults_and_overrides(site: Site) -> None:
    site.compute.quotas["p1"] = {"cores": 4}
    limits = quotas.project_quotas(site, "p1")
    assert limits["cores"] == 4
    assert limits["instances"] == 10
    assert limits["floating_ips"] == -1
    assert quotas.project_quotas(site, "p2")["cores"] == 20


def test_usage_counts_live_servers_of_the_project(site: Site) -> None:
    site.compute.servers["a"] = _server("p1", 2, 1024)
    site.compute.servers["b"] = _server("p1", 4, 2048)
    site.compute.servers["c"] = _server("p1", 8, 4096, _deleted=True)
    site.compute.servers["d"] = _server("p2", 1, 512)
    site.compute.server_groups["g"] = {"id": "g", "project_id": "p1", "members": []}
    usage = quotas.project_usage(site, "p1")
    assert (usage["instances"], usage["cores"], usage["ram"]) == (2, 6, 3072)
    assert usage["server_groups"] == 1


def test_usage_falls_back_to_the_flavor_copy(site: Site) -> None:
    site.compute.servers["a"] = {
        "tenant_id": "p1",
        "status": "ACTIVE",
        "flavor": {"vcpus": 3, "ram": 7},
    }
    assert quotas.project_usage(site, "p1")["cores"] == 3


def test_check_server_quota_message_names_every_exceeded_resource(site: Site) -> None:
    site.compute.servers["a"] = _server("p1", 20, 1024)
    with pytest.raises(ApiError) as caught:
        quotas.check_server_quota(site, "p1", 1, 4, 60000)
    assert caught.value.status == 403
    assert caught.value.message == (
        "Quota exceeded for cores, ram: Requested 4, 60000, but already used 20, 1024 "
        "of 20, 51200 cores, ram"
    )


def test_check_server_quota_allows_within_limits_and_unlimited(site: Site) -> None:
    quotas.check_server_quota(site, "p1", 10, 20, 51200)
    site.compute.quotas["p1"] = {"instances": -1}
    quotas.check_server_quota(site, "p1", 500, 1, 1)
    with pytest.raises(ApiError, match="Quota exceeded for instances"):
        quotas.check_server_quota(site, "p2", 11, 1, 1)


def test_keypair_and_server_group_quotas(site: Site) -> None:
    site.compute.quotas["p1"] = {"key_pairs": 1, "server_groups": 0}
    quotas.check_keypair_quota(site, "p1", "u1")
    site.compute.keypairs[("u1", "k")] = {"name": "k"}
    with pytest.raises(ApiError, match="too many key pairs"):
        quotas.check_keypair_quota(site, "p1", "u1")
    quotas.check_keypair_quota(site, "p1", "u2")
    with pytest.raises(ApiError, match="too many server groups"):
        quotas.check_server_group_quota(site, "p1")


def test_flavor_for_boot_hides_private_flavors(site: Site) -> None:
    flavor = {
        "id": "f1",
        "name": "tiny",
        "vcpus": 1,
        "ram": 64,
        "disk": 1,
        "swap": 0,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "os-flavor-access:is_public": False,
        "_access": ["p1"],
        "_extra_specs": {"hw:cpu_policy": "shared"},
    }
    site.compute.flavors["f1"] = flavor
    assert flavor_for_boot(site, "p1", "http://x/flavors/f1") is flavor
    assert flavor_for_boot(site, "p2", "f1", is_admin=True) is flavor
    with pytest.raises(ApiError, match=r"Flavor f1 could not be found\."):
        flavor_for_boot(site, "p2", "f1")
    embedded = embedded_flavor(flavor)
    assert embedded["original_name"] == "tiny"
    assert embedded["extra_specs"] == {"hw:cpu_policy": "shared"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'flavor' is a required property"),
        (
            {"flavor": {"name": "x"}},
            "Invalid input for field/attribute flavor. Value: {'name': 'x'}. "
            "'ram' is a required property",
        ),
        (
            {"flavor": {"name": "x", "ram": 0}},
            "Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1",
        ),
        (
            {"flavor": {"name": " x", "ram": 1}},
            "An invalid 'name' value was provided. The name must be: printable characters. "
            "Can not start or end with whitespace.",
        ),
        (
            {"flavor": {"name": "x", "ram": True}},
            "Invalid input for field/attribute ram. Value: True. "
            "True is not of type 'integer', 'string'",
        ),
    ],
)
def test_body_checks_word_errors_as_nova(body: Doc, message: str) -> None:
    schema = {
        "type": "object",
        "properties": {
            "flavor": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "format": "name"},
                    "ram": {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1},
                },
                "required": ["name", "ram"],
            }
        },
        "required": ["flavor"],
    }
    with pytest.raises(ApiError) as caught:
        check_body(schema, body)
    assert caught.value.message == message


def test_query_checks_are_strict_only_when_asked() -> None:
    properties = {"limit": {"type": ["integer", "string"], "pattern": "^[0-9]*$"}}
    check_query(properties, {"other": ["1"]})
    with pytest.raises(ApiError, match=r"Additional properties are not allowed \('other' was"):
        check_query(properties, {"other": ["1"]}, strict=True)
    with pytest.raises(ApiError, match=r"Invalid input for query parameters limit\. Value: x\."):
        check_query(properties, {"limit": ["x"]})
