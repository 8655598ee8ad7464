"""The inventory API over the real stack: refresh, search, filters, cursors, counts, staleness,
one resource (stored and live), and /metrics.

Two emulator sites seeded with the demo population (21 servers, one in ERROR, 10 volumes each)
are registered and refreshed once for the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from stackfleet.api.schemas import SiteCreate
from stackfleet.api.schemas_inventory import InventoryFilters
from stackfleet.emulator.seed import seed_sites
from stackfleet.emulator.site import Faults
from stackfleet.inventory.models import ResourceType
from tests.conftest import RunningEmulator
from tests.integration.api.served import Stack, cloud_body, new_site

SERVERS_PER_SITE = 21


@dataclass
class Fleet:
    """The module's two seeded, registered and refreshed sites."""

    gold: str
    silver: str
    api: httpx.Client


@pytest.fixture(scope="module")
def fleet(stack: Stack, running_emulator: RunningEmulator) -> Iterator[Fleet]:
    gold, silver = new_site(running_emulator, "inv"), new_site(running_emulator, "inv")
    seed_sites(running_emulator.emulator, [gold, silver])
    with httpx.Client(base_url=stack.url, timeout=30) as api:
        for name, tier in ((gold, "gold"), (silver, "silver")):
            body = {"name": name, "cloud": cloud_body(running_emulator, name)}
            added = api.post("/v1/sites", json=body | {"labels": {"tier": tier}})
            assert added.status_code == 201, added.text
            refreshed = api.post(f"/v1/sites/{name}/refresh")
            assert refreshed.status_code == 200, refreshed.text
            assert refreshed.json()["error"] is None
            assert refreshed.json()["upserted"] > SERVERS_PER_SITE
        yield Fleet(gold, silver, api)


def items(fleet: Fleet, **params: Any) -> list[dict[str, Any]]:
    response = fleet.api.get("/v1/inventory", params=params | {"limit": 1000})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def test_servers_of_every_site_are_listed_fresh(fleet: Fleet) -> None:
    servers = items(fleet, type="server", site=[fleet.gold, fleet.silver])
    assert len(servers) == 2 * SERVERS_PER_SITE
    assert {s["site_name"] for s in servers} == {fleet.gold, fleet.silver}
    assert all(s["type"] == "server" and not s["stale"] for s in servers)
    assert all(s["age_seconds"] >= 0 and s.get("raw") is None for s in servers)


def test_filters_by_status_label_and_text(fleet: Fleet) -> None:
    errors = items(fleet, type="server", status="ERROR", site=[fleet.gold, fleet.silver])
    assert sorted(e["site_name"] for e in errors) == sorted([fleet.gold, fleet.silver])
    gold_only = items(fleet, type="server", label="tier:gold")
    assert {s["site_name"] for s in gold_only} == {fleet.gold}
    assert items(fleet, type="server", label="tier:platinum") == []

    server = next(s for s in gold_only if s["addresses"])
    for text in (server["addresses"][0], server["resource_id"], server["name"].upper()):
        found = items(fleet, q=text, site=fleet.gold)
        assert server["resource_id"] in {f["resource_id"] for f in found}, text


def test_cursors_walk_every_row_once(fleet: Fleet) -> None:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"type": "server", "site": fleet.gold, "limit": 5, "sort": "-name"}
        page = fleet.api.get(
            "/v1/inventory", params=params | ({"cursor": cursor} if cursor else {})
        )
        assert page.status_code == 200, page.text
        seen += [i["resource_id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == SERVERS_PER_SITE


def test_counts_group_by_site_and_status(fleet: Fleet) -> None:
    response = fleet.api.get(
        "/v1/inventory/count", params={"group_by": "site,status", "type": "server"}
    )
    assert response.status_code == 200, response.text
    gold = [g for g in response.json()["groups"] if g["key"]["site_name"] == fleet.gold]
    assert sum(g["count"] for g in gold) == SERVERS_PER_SITE
    assert {g["key"]["status"]: g["count"] for g in gold}["ERROR"] == 1


def test_one_resource_stored_and_live_with_its_raw_document(fleet: Fleet) -> None:
    server = items(fleet, type="server", site=fleet.gold)[0]
    path = f"/v1/sites/{fleet.gold}/inventory/server/{server['resource_id']}"
    stored, live = fleet.api.get(path), fleet.api.get(path, params={"live": "true"})
    assert stored.status_code == live.status_code == 200, stored.text + live.text
    assert stored.json()["raw"]["id"] == live.json()["raw"]["id"] == server["resource_id"]
    gone = fleet.api.get(f"/v1/sites/{fleet.gold}/inventory/server/no-such-id")
    assert gone.status_code == 404
    assert "no-such-id" in gone.json()["detail"]


@pytest.mark.parametrize(
    ("params", "status", "word"),
    [
        ({"label": "tier"}, 400, "key:value"),
        ({"site": "nosuch"}, 404, "nosuch"),
        ({"sort": "password"}, 422, "sort"),
        ({"limit": 0}, 422, "limit"),
        ({"type": "spaceship"}, 422, "type"),
    ],
)
def test_bad_queries_name_the_problem(
    fleet: Fleet, params: dict[str, Any], status: int, word: str
) -> None:
    response = fleet.api.get("/v1/inventory", params=params)
    assert response.status_code == status, response.text
    assert word in response.json()["detail"]


def test_an_offline_site_keeps_its_rows_marked_stale_until_it_is_back(
    stack: Stack, running_emulator: RunningEmulator
) -> None:
    name = new_site(running_emulator, "down")
    seed_sites(running_emulator.emulator, [name])
    client = stack.client
    client.add_site(
        SiteCreate.model_validate({"name": name, "cloud": cloud_body(running_emulator, name)})
    )
    assert client.refresh(name).error is None
    site = running_emulator.emulator.sites[name]
    site.set_faults(Faults(down=True))
    try:
        failed = client.refresh(name)
        assert failed.error is not None
        health = [client.probe(name) for _ in range(2)][-1]
        assert (health.status, health.cause and health.cause.kind) == ("offline", "unreachable")
        page = client.inventory(InventoryFilters(site=[name], type=[ResourceType.SERVER]))
        assert len(page.items) == SERVERS_PER_SITE
        assert all(item.stale for item in page.items)
    finally:
        site.set_faults(Faults())
    assert client.probe(name).status == "online"
    page = client.inventory(InventoryFilters(site=[name], type=[ResourceType.SERVER]))
    assert not any(item.stale for item in page.items)


def test_metrics_show_health_and_inventory_per_site(fleet: Fleet) -> None:
    fleet.api.post(f"/v1/sites/{fleet.gold}/probe")
    response = fleet.api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for line in (
        f'stackfleet_site_up{{site="{fleet.gold}"}} 1.0',
        f'stackfleet_site_status{{site="{fleet.gold}",status="online"}} 1.0',
        f'openstack_nova_up{{site="{fleet.gold}"}} 1.0',
        f'stackfleet_inventory_items{{site="{fleet.gold}",type="server"}} {SERVERS_PER_SITE}.0',
    ):
        assert line in text, line
    assert f'stackfleet_probe_latency_seconds{{service="compute",site="{fleet.gold}"}}' in text
    assert f'stackfleet_inventory_refresh_age_seconds{{site="{fleet.silver}"}}' in text


def test_an_incremental_refresh_is_reported(fleet: Fleet) -> None:
    response = fleet.api.post(f"/v1/sites/{fleet.silver}/refresh", params={"full": "false"})
    assert response.status_code == 200, response.text
    assert response.json()["full"] is False
    assert response.json()["error"] is None
