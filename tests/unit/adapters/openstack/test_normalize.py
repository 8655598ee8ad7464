"""The pure normalizers: API documents in Zed's shapes → inventory items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stackfleet.adapters.openstack import normalize
from stackfleet.inventory.models import ResourceType
from stackfleet.kernel.ids import SiteId

AT = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
SCOPE = normalize.Scope(SiteId("s-1"), "token-project", AT)


def test_a_server_has_its_ips_flavor_image_zone_host_and_update_time() -> None:
    doc: dict[str, Any] = {
        "id": "srv-1",
        "name": "web-01",
        "status": "ACTIVE",
        "tenant_id": "p-1",
        "updated": "2025-01-01T10:00:00Z",
        "flavor": {"original_name": "m1.small", "vcpus": 1},
        "image": {"id": "img-1"},
        "OS-EXT-AZ:availability_zone": "az-2",
        "OS-EXT-SRV-ATTR:host": "cmp-3",
        "key_name": "k",
        "addresses": {
            "net-a": [{"addr": "10.0.0.5", "version": 4}, {"addr": "172.24.4.9", "version": 4}],
            "net-b": [{"addr": "fd00::5", "version": 6}, {"addr": "10.0.0.5", "version": 4}],
        },
    }
    item = normalize.server(doc, SCOPE)
    assert (item.type, item.resource_id, item.name, item.status) == (
        ResourceType.SERVER, "srv-1", "web-01", "ACTIVE",
    )  # fmt: skip
    assert item.project_id == "p-1"
    assert item.addresses == ("10.0.0.5", "172.24.4.9", "fd00::5")
    assert item.attributes["flavor"] == "m1.small"
    assert item.attributes["image_id"] == "img-1"
    assert (item.attributes["availability_zone"], item.attributes["host"]) == ("az-2", "cmp-3")
    assert item.attributes["networks"] == ["net-a", "net-b"]
    assert item.updated_at == dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC)
    assert (item.site_id, item.observed_at, item.raw) == (SiteId("s-1"), AT, doc)


def test_a_volume_booted_server_and_an_old_flavor_shape() -> None:
    doc = {"id": "srv-2", "flavor": {"id": "42", "links": []}, "image": "", "addresses": {}}
    item = normalize.server(doc, SCOPE)
    assert item.attributes["flavor"] == "42"
    assert item.attributes["image_id"] is None
    assert item.addresses == ()
    assert item.name is None


def test_a_volume_without_its_project_belongs_to_the_tokens_project() -> None:
    doc = {
        "id": "v-1",
        "name": "data",
        "status": "in-use",
        "size": 10,
        "bootable": "true",
        "updated_at": "2025-01-01T10:00:00.123456",
        "attachments": [{"server_id": "srv-1"}],
    }
    item = normalize.volume(doc, SCOPE)
    assert item.project_id == "token-project"
    assert item.attributes["attached_to"] == ["srv-1"]
    assert item.attributes["bootable"] is True
    assert item.updated_at == dt.datetime(2025, 1, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)
    named = normalize.volume({**doc, "os-vol-tenant-attr:tenant_id": "p-9"}, SCOPE)
    assert named.project_id == "p-9"


def test_network_resources_carry_their_addresses() -> None:
    port = normalize.port(
        {"id": "port-1", "fixed_ips": [{"ip_address": "10.1.0.4"}], "device_id": "srv-1"},
        SCOPE,
    )
    assert (port.addresses, port.attributes["device_id"]) == (("10.1.0.4",), "srv-1")
    router = normalize.router(
        {"id": "r-1", "external_gateway_info": {"external_fixed_ips": [{"ip_address": "1.2.3.4"}]}},
        SCOPE,
    )
    assert router.addresses == ("1.2.3.4",)
    assert normalize.router({"id": "r-2", "external_gateway_info": None}, SCOPE).addresses == ()
    fip = normalize.floating_ip(
        {"id": "f-1", "floating_ip_address": "172.24.4.7", "fixed_ip_address": None}, SCOPE
    )
    assert (fip.name, fip.addresses) == ("172.24.4.7", ("172.24.4.7",))
    subnet = normalize.subnet({"id": "sn-1", "cidr": "10.1.0.0/24"}, SCOPE)
    assert subnet.attributes["cidr"] == "10.1.0.0/24"


def test_a_keypair_is_named_by_its_name_in_the_tokens_project() -> None:
    item = normalize.keypair({"keypair": {"name": "k1", "fingerprint": "aa:bb"}}, SCOPE)
    assert (item.resource_id, item.name, item.project_id) == ("k1", "k1", "token-project")
    assert item.raw == {"name": "k1", "fingerprint": "aa:bb"}


def test_quotas_read_nova_cinder_and_neutron_shapes_alike() -> None:
    nova = normalize.quota(
        "compute", "p-1", {"id": "p-1", "cores": {"limit": 20, "in_use": 3, "reserved": 0}}, SCOPE
    )
    neutron = normalize.quota("network", "p-1", {"port": {"limit": 50, "used": 7}}, SCOPE)
    assert nova.resource_id == "compute:p-1"
    assert nova.attributes == {"cores": {"limit": 20, "in_use": 3}}
    assert neutron.attributes == {"port": {"limit": 50, "in_use": 7}}
    assert (neutron.type, neutron.project_id, neutron.name) == (
        ResourceType.QUOTA, "p-1", "network",
    )  # fmt: skip


def test_images_hypervisors_and_flavors() -> None:
    image = normalize.image({"id": "i-1", "name": "deb", "owner": "p-2", "status": "active"}, SCOPE)
    assert (image.project_id, image.status) == ("p-2", "active")
    hyp = normalize.hypervisor(
        {"id": 7, "hypervisor_hostname": "cmp-1", "state": "up", "status": "enabled"}, SCOPE
    )
    assert (hyp.resource_id, hyp.name, hyp.status) == ("7", "cmp-1", "up")
    assert hyp.attributes["enabled"] is True
    flavor = normalize.flavor({"id": "1", "name": "m1.tiny", "vcpus": 1, "ram": 512}, SCOPE)
    assert (flavor.project_id, flavor.attributes["ram_mb"]) == (None, 512)


def test_every_listed_type_has_a_normalizer() -> None:
    assert set(normalize.NORMALIZERS) == set(ResourceType) - {ResourceType.QUOTA}


def test_timestamps_that_are_missing_or_garbled_are_none() -> None:
    assert normalize.parse_time(None) is None
    assert normalize.parse_time("") is None
    assert normalize.parse_time("yesterday") is None
    parsed = normalize.parse_time("2025-01-01T12:00:00+02:00")
    assert parsed == dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC)
