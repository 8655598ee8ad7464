"""Compute servers through the `openstack` CLI: create --wait, list, show and delete --wait.

Each CLI run costs seconds of start-up, so the flavor, image and network come from openstacksdk
(the `boot` fixture) and only the four everyday server commands go through the CLI.
"""

from __future__ import annotations

import pytest
from openstack.connection import Connection

from tests.conformance.compute_boot import Boot
from tests.conformance.conftest import Osc

pytestmark = pytest.mark.conformance


def test_cli_server_create_list_show_delete(osc: Osc, member: Connection, boot: Boot) -> None:
    created = osc(
        "server",
        "create",
        "--flavor",
        boot.flavor.name,
        "--image",
        boot.image.id,
        "--network",
        boot.network.name,
        "--wait",
        boot.name,
    )
    assert created["name"] == boot.name
    assert created["status"] == "ACTIVE"
    assert boot.flavor.name in str(created["flavor"])
    listed = osc("server", "list", "--name", f"^{boot.name}$")
    assert [(s["ID"], s["Status"]) for s in listed] == [(created["id"], "ACTIVE")]
    assert boot.network.name in str(listed[0]["Networks"])
    shown = osc("server", "show", boot.name)
    assert shown["id"] == created["id"]
    assert shown["OS-EXT-STS:vm_state"] == "active"
    assert boot.network.name in str(shown["addresses"])
    osc("server", "delete", "--wait", boot.name, parse=False)
    assert list(member.compute.servers(name=f"^{boot.name}$")) == []
