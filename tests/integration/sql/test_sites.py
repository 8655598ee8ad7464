"""Sites, health, discovery and events through `SqlSiteRepository` on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from stackfleet.adapters.sql.database import Database
from stackfleet.adapters.sql.sites import SqlSiteRepository
from stackfleet.adapters.sql.tables import site_discovery, site_health
from stackfleet.adapters.vault import Vault
from stackfleet.kernel.clock import SystemClock
from stackfleet.kernel.errors import Conflict, InvalidInput, NotFound, PermanentError
from stackfleet.kernel.ids import SiteId
from stackfleet.sites.models import (
    Capacity,
    Cause,
    CauseKind,
    Discovery,
    Event,
    Labels,
    ServiceEndpoint,
    ServiceProbe,
    SiteHealth,
    SiteStatus,
)
from tests.integration.sql.conftest import T0, make_site


def test_add_then_get_and_find_round_trip(site_repo: SqlSiteRepository) -> None:
    site = make_site("berlin")
    site_repo.add(site)
    assert site_repo.get(site.id) == site
    assert site_repo.find("berlin") == site
    assert site_repo.find(site.id) == site
    assert site_repo.find("nowhere") is None
    assert site_repo.get(site.id).cloud.auth["password"] == "s3cret-pw"


def test_get_unknown_site_is_not_found(site_repo: SqlSiteRepository) -> None:
    with pytest.raises(NotFound, match="No site with id 'nope'"):
        site_repo.get(SiteId("nope"))


def test_duplicate_name_is_a_conflict_and_stores_nothing(site_repo: SqlSiteRepository) -> None:
    site_repo.add(make_site("berlin"))
    clash = make_site("berlin", password="other")
    with pytest.raises(Conflict, match="A site named 'berlin' already exists"):
        site_repo.add(clash)
    assert [s.name for s in site_repo.all()] == ["berlin"]
    assert site_repo.find(clash.id) is None


def test_all_is_ordered_by_name_with_health_and_discovery(site_repo: SqlSiteRepository) -> None:
    for name in ("paris", "amsterdam", "oslo"):
        site_repo.add(make_site(name))
    paris = site_repo.find("paris")
    assert paris is not None
    site_repo.save_health(paris.id, SiteHealth(SiteStatus.ONLINE, T0, None, 0, T0))
    listed = site_repo.all()
    assert [s.name for s in listed] == ["amsterdam", "oslo", "paris"]
    assert [s.health.status for s in listed] == ["unknown", "unknown", "online"]


def test_update_replaces_name_cloud_and_labels(site_repo: SqlSiteRepository) -> None:
    site = make_site("berlin")
    site_repo.add(site)
    changed = dataclasses.replace(
        site,
        name="berlin-2",
        cloud=make_site("berlin", password="rotated").cloud,
        labels=Labels(tier="silver"),
    )
    site_repo.update(changed)
    stored = site_repo.get(site.id)
    assert stored.name == "berlin-2"
    assert stored.cloud.auth["password"] == "rotated"
    assert stored.labels == Labels(tier="silver")
    assert site_repo.find("berlin") is None


def test_update_to_a_taken_name_is_a_conflict(site_repo: SqlSiteRepository) -> None:
    site_repo.add(make_site("berlin"))
    paris = make_site("paris")
    site_repo.add(paris)
    with pytest.raises(Conflict, match="'berlin' already exists"):
        site_repo.update(dataclasses.replace(paris, name="berlin"))
    assert site_repo.get(paris.id).name == "paris"


def test_update_or_remove_of_a_removed_site_is_not_found(site_repo: SqlSiteRepository) -> None:
    site = make_site("berlin")
    with pytest.raises(NotFound):
        site_repo.update(site)
    with pytest.raises(NotFound):
        site_repo.remove(site.id)


def _health() -> SiteHealth:
    return SiteHealth(
        status=SiteStatus.DEGRADED,
        since=T0,
        cause=Cause(CauseKind.SERVER_ERROR, "compute HTTP 503: Service Unavailable"),
        consecutive_failures=0,
        last_probe_at=T0 + dt.timedelta(seconds=10),
        services=(
            ServiceProbe("identity", True, 12.5),
            ServiceProbe("compute", False, 30.0, Cause(CauseKind.SERVER_ERROR, "HTTP 503")),
        ),
    )


def _discovery() -> Discovery:
    return Discovery(
        at=T0,
        regions=("RegionOne",),
        services=(ServiceEndpoint("compute", "https://x/compute/v2.1", "2.1", "2.95"),),
        capacity=Capacity(2, 64, 8, 131072, 4096, 2000, 100, 4),
        project_id="p1",
    )


def test_health_and_discovery_are_saved_and_replaced(site_repo: SqlSiteRepository) -> None:
    site = make_site("berlin")
    site_repo.add(site)
    site_repo.save_health(site.id, _health())
    site_repo.save_discovery(site.id, _discovery())
    stored = site_repo.get(site.id)
    assert stored.health == _health()
    assert stored.discovery == _discovery()
    online = SiteHealth(SiteStatus.ONLINE, T0, None, 0, T0)
    site_repo.save_health(site.id, online)
    assert site_repo.get(site.id).health == online


def test_add_stores_health_and_discovery_given_with_the_site(
    site_repo: SqlSiteRepository,
) -> None:
    site = dataclasses.replace(make_site("berlin"), health=_health(), discovery=_discovery())
    site_repo.add(site)
    assert site_repo.get(site.id) == site


def test_health_of_a_removed_site_is_not_found(site_repo: SqlSiteRepository) -> None:
    with pytest.raises(NotFound, match="was removed"):
        site_repo.save_health(SiteId("gone"), _health())


def _event(site_id: SiteId, name: str, minute: int) -> Event:
    at = T0 + dt.timedelta(minutes=minute)
    return Event(site_id, name, at, "status", f"{name} {minute}", SiteStatus.ONLINE, None)


def test_events_newest_first_paged_and_filtered(site_repo: SqlSiteRepository) -> None:
    a, b = make_site("a"), make_site("b")
    stored = [site_repo.add_event(_event(a.id if i % 2 else b.id, "x", i)) for i in range(7)]
    ids = [e.id or 0 for e in stored]
    assert ids == sorted(set(ids))
    assert 0 not in ids
    assert stored[3] == dataclasses.replace(_event(a.id, "x", 3), id=stored[3].id)
    first = site_repo.events(limit=3)
    assert [e.message for e in first] == ["x 6", "x 5", "x 4"]
    rest = site_repo.events(limit=10, before_id=first[-1].id)
    assert [e.message for e in rest] == ["x 3", "x 2", "x 1", "x 0"]
    assert [e.message for e in site_repo.events(a.id)] == ["x 5", "x 3", "x 1"]
    with pytest.raises(InvalidInput, match="Invalid limit 0"):
        site_repo.events(limit=0)


def test_remove_takes_health_and_discovery_but_events_stay(
    db: Database, site_repo: SqlSiteRepository
) -> None:
    site = dataclasses.replace(make_site("berlin"), health=_health(), discovery=_discovery())
    site_repo.add(site)
    site_repo.add_event(_event(site.id, "berlin", 1))
    site_repo.remove(site.id)
    assert site_repo.find("berlin") is None
    assert [e.site_name for e in site_repo.events(site.id)] == ["berlin"]
    with db.session() as session:
        for table in (site_health, site_discovery):
            count = session.execute(select(func.count()).select_from(table)).scalar()
            assert count == 0, table.name
    # The name is free again.
    site_repo.add(make_site("berlin"))


def test_credentials_are_never_stored_in_plain_text(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "sf.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    repo = SqlSiteRepository(database, Vault(Fernet.generate_key()))
    password = "Plaintext-Password-4711"
    site = make_site("berlin", password=password)
    repo.add(site)
    repo.update(dataclasses.replace(site, labels=Labels(tier="bronze")))
    assert repo.get(site.id).cloud.auth["password"] == password
    database.close()  # checkpoints the WAL into the main file
    files = [p for p in tmp_path.iterdir() if p.name.startswith("sf.db")]
    everything = b"".join(p.read_bytes() for p in files)
    assert b"berlin.example.com" in everything  # the display column is there
    assert password.encode() not in everything


def test_a_different_key_cannot_open_the_credentials(db: Database) -> None:
    site = make_site("berlin")
    SqlSiteRepository(db, Vault(Fernet.generate_key())).add(site)
    with pytest.raises(PermanentError, match="credential key differs"):
        SqlSiteRepository(db, Vault(Fernet.generate_key())).get(site.id)


def test_listing_a_thousand_sites_is_fast(site_repo: SqlSiteRepository) -> None:
    for i in range(1000):
        site_repo.add(make_site(f"site{i:04d}"))
    clock = SystemClock()
    started = clock.monotonic()
    listed = site_repo.all()
    elapsed = clock.monotonic() - started
    assert len(listed) == 1000
    assert elapsed < 1.0


class _CountingVault:
    """A vault that counts how often stored credentials are opened."""

    def __init__(self) -> None:
        self.vault = Vault(Fernet.generate_key())
        self.opened = 0

    def seal(self, plain: bytes) -> bytes:
        return self.vault.seal(plain)

    def open(self, sealed: bytes) -> bytes:
        self.opened += 1
        return self.vault.open(sealed)


def test_summaries_give_name_labels_and_status_without_opening_credentials(db: Database) -> None:
    vault = _CountingVault()
    repo = SqlSiteRepository(db, vault)
    berlin, oslo = make_site("berlin"), make_site("oslo")
    repo.add(berlin)
    repo.add(oslo)
    repo.save_health(oslo.id, SiteHealth(SiteStatus.OFFLINE, T0))
    summaries = repo.summaries()
    assert [(s.name, s.status) for s in summaries] == [
        ("berlin", SiteStatus.UNKNOWN),
        ("oslo", SiteStatus.OFFLINE),
    ]
    assert summaries[0].labels == berlin.labels
    assert vault.opened == 0
