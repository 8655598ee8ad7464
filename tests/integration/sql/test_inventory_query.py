"""Querying the inventory: filters, text search, sorting, cursor paging and counts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from stackfleet.adapters.sql.database import Database
from stackfleet.adapters.sql.inventory import SqlInventoryRepository
from stackfleet.adapters.sql.sites import SqlSiteRepository
from stackfleet.inventory.models import CountRow, InventoryItem, InventoryQuery, ResourceType
from stackfleet.kernel.errors import InvalidInput
from stackfleet.kernel.ids import SiteId
from tests.integration.sql.conftest import make_site
from tests.integration.sql.inventory_data import T0, full, server, volume

SERVER = (ResourceType.SERVER,)


@dataclasses.dataclass
class World:
    """Two sites with servers and volumes, applied through the repository."""

    repo: SqlInventoryRepository
    berlin: SiteId
    paris: SiteId


@pytest.fixture
def world(db: Database, site_repo: SqlSiteRepository) -> World:
    # "zurich" sorts last by name but gets the smallest id, so site sort differs from id order.
    berlin = make_site("zurich", site_id=SiteId("00000000-aaaa"))
    paris = make_site("amsterdam", site_id=SiteId("ffffffff-bbbb"))
    site_repo.add(berlin)
    site_repo.add(paris)
    repo = SqlInventoryRepository(db)
    repo.apply(
        berlin.id,
        [
            full(
                server(berlin.id, "b-web", "web-1", addresses=("10.0.0.11",)),
                server(berlin.id, "b-db", "DB-Main", status="ERROR", project_id="p2"),
                server(berlin.id, "b-odd", "100%_done", addresses=("192.168.7.1",)),
            ),
            full(volume(berlin.id, "b-vol", "web-data"), type_=ResourceType.VOLUME),
        ],
        T0,
    )
    repo.apply(
        paris.id,
        [full(server(paris.id, "p-web", "web-2", status="ERROR", addresses=("10.0.0.12",)))],
        T0 + dt.timedelta(minutes=1),
    )
    return World(repo, berlin.id, paris.id)


def _ids(items: tuple[InventoryItem, ...]) -> list[str]:
    return [i.resource_id for i in items]


def _search(world: World, **query: object) -> list[str]:
    page = world.repo.query(InventoryQuery(**query))  # type: ignore[arg-type]
    assert page.next_cursor is None
    return _ids(page.items)


def test_filters_by_type_site_project_and_status(world: World) -> None:
    assert _search(world, types=(ResourceType.VOLUME,)) == ["b-vol"]
    assert _search(world, types=SERVER, site_ids=(world.paris,)) == ["p-web"]
    assert _search(world, project_ids=("p2",)) == ["b-db"]
    assert _search(world, statuses=("ERROR",)) == ["b-db", "p-web"]
    assert _search(world, types=SERVER, statuses=("ERROR",), site_ids=(world.berlin,)) == ["b-db"]
    assert _search(world, statuses=("nope",)) == []


def test_text_search_matches_name_id_and_ip_case_insensitively(world: World) -> None:
    assert sorted(_search(world, text="WEB")) == ["b-vol", "b-web", "p-web"]
    assert _search(world, text="db-main") == ["b-db"]
    assert _search(world, text="p-web") == ["p-web"]
    assert _search(world, text="10.0.0.1") == ["b-web", "p-web"]
    assert _search(world, text="192.168.7.1") == ["b-odd"]
    assert _search(world, text="10.0.0.12", types=SERVER) == ["p-web"]


def test_text_search_treats_like_wildcards_literally(world: World) -> None:
    assert _search(world, text="100%") == ["b-odd"]
    assert _search(world, text="%") == ["b-odd"]
    assert _search(world, text="_done") == ["b-odd"]
    assert _search(world, text="0_d") == []


def test_sorts_ascending_and_descending(world: World) -> None:
    assert _search(world, types=SERVER) == ["b-odd", "b-db", "b-web", "p-web"]
    assert _search(world, types=SERVER, sort="-name") == ["p-web", "b-web", "b-db", "b-odd"]
    assert _search(world, types=SERVER, sort="status") == ["b-odd", "b-web", "b-db", "p-web"]
    assert _search(world, sort="type") == ["b-db", "b-odd", "b-web", "p-web", "b-vol"]
    # Site sort is by the site's name: amsterdam (paris id) before zurich.
    assert _search(world, types=SERVER, sort="site") == ["p-web", "b-db", "b-odd", "b-web"]
    assert _search(world, sort="-observed_at")[0] == "p-web"


def test_invalid_sort_limit_and_cursor_are_named(world: World) -> None:
    with pytest.raises(InvalidInput, match="Cannot sort by 'size'"):
        world.repo.query(InventoryQuery(sort="size"))
    with pytest.raises(InvalidInput, match="Invalid limit 0"):
        world.repo.query(InventoryQuery(limit=0))
    with pytest.raises(InvalidInput, match="Invalid limit 1001"):
        world.repo.query(InventoryQuery(limit=1001))
    with pytest.raises(InvalidInput, match="Invalid cursor"):
        world.repo.query(InventoryQuery(cursor="not a cursor!"))
    page = world.repo.query(InventoryQuery(limit=1))
    assert page.next_cursor is not None
    with pytest.raises(InvalidInput, match="made for sort 'name', not 'status'"):
        world.repo.query(InventoryQuery(limit=1, sort="status", cursor=page.next_cursor))


@pytest.fixture
def crowd(db: Database, site_repo: SqlSiteRepository) -> SqlInventoryRepository:
    """Three sites x 40 servers, with many equal names and statuses to exercise tie-breaks."""
    repo = SqlInventoryRepository(db)
    for s in range(3):
        site = make_site(f"site{s}")
        site_repo.add(site)
        at = T0 + dt.timedelta(seconds=s % 2)
        items = [
            server(site.id, f"{s}-{i:03d}", f"vm-{i % 7}", status=("ACTIVE", "ERROR")[i % 2], at=at)
            for i in range(40)
        ]
        repo.apply(site.id, [full(*items)], at)
    return repo


@pytest.mark.parametrize("sort", ["name", "-name", "status", "-status", "site", "-observed_at"])
def test_cursor_pages_cover_everything_once(crowd: SqlInventoryRepository, sort: str) -> None:
    everything = _ids(crowd.query(InventoryQuery(sort=sort, limit=1000)).items)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        page = crowd.query(InventoryQuery(sort=sort, limit=7, cursor=cursor))
        seen.extend(_ids(page.items))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(everything) == 120
    assert seen == everything


def test_cursor_paging_with_a_filter(crowd: SqlInventoryRepository) -> None:
    query = InventoryQuery(statuses=("ERROR",), text="vm-3", limit=5)
    first = crowd.query(query)
    second = crowd.query(dataclasses.replace(query, cursor=first.next_cursor))
    assert len(first.items) == 5
    assert {i.name for i in first.items + second.items} == {"vm-3"}
    assert not set(_ids(first.items)) & set(_ids(second.items))
    assert all(i.status == "ERROR" for i in first.items + second.items)


def test_counts_grouped(world: World) -> None:
    assert world.repo.count(InventoryQuery(), []) == [CountRow({}, 5)]
    assert world.repo.count(InventoryQuery(types=SERVER), ["site", "status"]) == [
        CountRow({"site": world.berlin, "status": "ACTIVE"}, 2),
        CountRow({"site": world.berlin, "status": "ERROR"}, 1),
        CountRow({"site": world.paris, "status": "ERROR"}, 1),
    ]
    assert world.repo.count(InventoryQuery(text="web"), ["type"]) == [
        CountRow({"type": "server"}, 2),
        CountRow({"type": "volume"}, 1),
    ]
    assert world.repo.count(InventoryQuery(), ["project"]) == [
        CountRow({"project": "p1"}, 4),
        CountRow({"project": "p2"}, 1),
    ]
    with pytest.raises(InvalidInput, match="Cannot group by flavor"):
        world.repo.count(InventoryQuery(), ["site", "flavor"])
