"""Applying refreshes with `SqlInventoryRepository.apply`: upserts, removals, marks, rollback."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import cast

import pytest

from stackfleet.adapters.sql.database import Database
from stackfleet.adapters.sql.inventory import SqlInventoryRepository
from stackfleet.adapters.sql.sites import SqlSiteRepository
from stackfleet.inventory.models import CountRow, InventoryQuery, ResourceType
from stackfleet.kernel.errors import Conflict, InvalidInput
from stackfleet.kernel.fanout import fan_out
from stackfleet.kernel.ids import SiteId
from tests.integration.sql.conftest import make_site
from tests.integration.sql.inventory_data import T0, changes, full, server, volume

LATER = T0 + dt.timedelta(minutes=5)


@pytest.fixture
def repo(db: Database) -> SqlInventoryRepository:
    return SqlInventoryRepository(db)


@pytest.fixture
def site_id(site_repo: SqlSiteRepository) -> SiteId:
    site = make_site("berlin")
    site_repo.add(site)
    return site.id


def _ids(repo: SqlInventoryRepository, type_: ResourceType = ResourceType.SERVER) -> list[str]:
    page = repo.query(InventoryQuery(types=(type_,), sort="name", limit=1000))
    return sorted(i.resource_id for i in page.items)


def test_apply_stores_items_and_reads_them_back(
    repo: SqlInventoryRepository, site_id: SiteId
) -> None:
    vm = server(site_id, "s1", "web-1", addresses=("10.0.0.5", "2001:db8::5"))
    assert repo.apply(
        site_id, [full(vm), full(volume(site_id, "v1", "data"), type_=ResourceType.VOLUME)], T0
    ) == (2, 0)
    assert repo.get(site_id, ResourceType.SERVER, "s1") == vm
    assert repo.get(site_id, ResourceType.VOLUME, "v1") == volume(site_id, "v1", "data")
    assert repo.get(site_id, ResourceType.SERVER, "nope") is None


def test_missing_name_project_and_status_read_back_as_none(
    repo: SqlInventoryRepository, site_id: SiteId
) -> None:
    item = dataclasses.replace(server(site_id, "s1"), name=None, project_id=None, status=None)
    repo.apply(site_id, [full(item)], T0)
    assert repo.get(site_id, ResourceType.SERVER, "s1") == item


def test_complete_listing_upserts_and_removes_what_vanished(
    repo: SqlInventoryRepository, site_id: SiteId
) -> None:
    repo.apply(site_id, [full(server(site_id, "s1", "a"), server(site_id, "s2", "b"))], T0)
    renamed = server(site_id, "s1", "a-renamed", status="SHUTOFF", at=LATER)
    assert repo.apply(site_id, [full(renamed, server(site_id, "s3", "c", at=LATER))], LATER) == (
        2,
        1,
    )
    assert _ids(repo) == ["s1", "s3"]
    assert repo.get(site_id, ResourceType.SERVER, "s1") == renamed


def test_complete_listing_touches_only_its_own_site_and_type(
    repo: SqlInventoryRepository, site_repo: SqlSiteRepository, site_id: SiteId
) -> None:
    other = make_site("paris")
    site_repo.add(other)
    vol = full(volume(site_id, "v1", "d"), type_=ResourceType.VOLUME)
    repo.apply(site_id, [full(server(site_id, "s1")), vol], T0)
    repo.apply(other.id, [full(server(other.id, "o1"))], T0)
    assert repo.apply(site_id, [full()], LATER) == (0, 1)
    assert _ids(repo) == ["o1"]
    assert _ids(repo, ResourceType.VOLUME) == ["v1"]


def test_incremental_listing_keeps_unlisted_and_drops_reported_deletions(
    repo: SqlInventoryRepository, site_id: SiteId
) -> None:
    repo.apply(site_id, [full(*(server(site_id, f"s{i}") for i in range(4)))], T0)
    batch = [changes(server(site_id, "s1", "changed"), deleted=frozenset({"s2", "unknown"}))]
    assert repo.apply(site_id, batch, LATER) == (1, 1)
    assert _ids(repo) == ["s0", "s1", "s3"]
    stored = repo.get(site_id, ResourceType.SERVER, "s1")
    assert stored is not None
    assert stored.name == "changed"


def test_marks_record_each_applied_type(repo: SqlInventoryRepository, site_id: SiteId) -> None:
    assert repo.marks(site_id) == {}
    repo.apply(site_id, [full(), full(type_=ResourceType.VOLUME)], T0)
    repo.apply(site_id, [changes()], LATER)
    assert repo.marks(site_id) == {ResourceType.SERVER: LATER, ResourceType.VOLUME: T0}


def test_a_failing_apply_leaves_the_previous_rows(
    repo: SqlInventoryRepository, site_id: SiteId
) -> None:
    before = [server(site_id, "s1", "a"), server(site_id, "s2", "b")]
    repo.apply(site_id, [full(*before)], T0)
    broken = dataclasses.replace(volume(site_id, "v1", "d"), resource_id=cast(str, None))
    batch = [full(server(site_id, "s1", "renamed", at=LATER)), full(broken, type_=broken.type)]
    with pytest.raises(Conflict, match="Could not store the inventory of site"):
        repo.apply(site_id, batch, LATER)
    assert repo.get(site_id, ResourceType.SERVER, "s1") == before[0]
    assert _ids(repo) == ["s1", "s2"]
    assert repo.marks(site_id) == {ResourceType.SERVER: T0}


def test_apply_for_a_removed_site_is_refused_and_stores_nothing(
    repo: SqlInventoryRepository, site_repo: SqlSiteRepository, site_id: SiteId
) -> None:
    site_repo.remove(site_id)
    with pytest.raises(Conflict, match="removed during the refresh"):
        repo.apply(site_id, [full(server(site_id, "s1"))], T0)
    assert _ids(repo) == []


def test_items_of_another_site_or_type_are_refused(
    repo: SqlInventoryRepository, site_id: SiteId
) -> None:
    with pytest.raises(InvalidInput, match="collected as a server"):
        repo.apply(site_id, [full(server(SiteId("other"), "s1"))], T0)
    with pytest.raises(InvalidInput, match="collected as a server"):
        repo.apply(site_id, [full(volume(site_id, "v1", "d"))], T0)


def test_removing_the_site_removes_its_inventory_and_marks(
    repo: SqlInventoryRepository, site_repo: SqlSiteRepository, site_id: SiteId
) -> None:
    repo.apply(site_id, [full(server(site_id, "s1"))], T0)
    site_repo.remove(site_id)
    assert _ids(repo) == []
    assert repo.marks(site_id) == {}


def test_large_listings_are_applied_in_chunks(
    repo: SqlInventoryRepository, site_id: SiteId
) -> None:
    many = [server(site_id, f"s{i:05d}", f"vm-{i}") for i in range(1700)]
    assert repo.apply(site_id, [full(*many)], T0) == (1700, 0)
    assert repo.apply(site_id, [full(*many[:100])], LATER) == (100, 1600)
    assert len(_ids(repo)) == 100


def test_concurrent_applies_of_many_sites_all_land(
    repo: SqlInventoryRepository, site_repo: SqlSiteRepository
) -> None:
    sites = [make_site(f"c{i}") for i in range(24)]
    for site in sites:
        site_repo.add(site)

    def refresh(site_id: SiteId) -> tuple[int, int]:
        items = [server(site_id, f"{site_id}-{i}", f"vm-{i}") for i in range(60)]
        return repo.apply(site_id, [full(*items)], T0)

    outcomes = fan_out([s.id for s in sites], refresh, 12)
    assert [o.error for o in outcomes] == [None] * 24
    assert repo.count(InventoryQuery(), ["type"]) == [CountRow({"type": "server"}, 24 * 60)]


def test_last_refreshed_is_each_sites_latest_mark(
    repo: SqlInventoryRepository, site_id: SiteId
) -> None:
    assert repo.last_refreshed() == {}
    repo.apply(site_id, [full(type_=ResourceType.VOLUME)], T0)
    repo.apply(site_id, [changes()], LATER)
    assert repo.last_refreshed() == {site_id: LATER}
