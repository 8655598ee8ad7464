"""Fixtures for the SQL adapter's tests: a migrated database on SQLite and on PostgreSQL.

SQLite gets a fresh file per test. PostgreSQL (127.0.0.1:5432, trust auth, user postgres) gets one
uniquely named database per test session, migrated once and emptied before each test; when no
server answers (even after trying to start one) its cases skip with the reason.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import secrets
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from stackfleet.adapters.sql.database import Database
from stackfleet.adapters.sql.sites import SqlSiteRepository
from stackfleet.adapters.sql.tables import metadata
from stackfleet.adapters.vault import Vault
from stackfleet.kernel.clock import SystemClock
from stackfleet.kernel.ids import SiteId, new_site_id
from stackfleet.sites.models import CloudConfig, Labels, Location, Site

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
PASSWORD = "s3cret-pw"


def _pg_answers() -> str | None:
    """None when PostgreSQL accepts a connection, else why not."""
    try:
        psycopg.connect(PG_ADMIN).close()
    except psycopg.OperationalError as failed:
        return str(failed).strip()
    return None


def _start_postgres() -> None:
    for command in (["pg_ctlcluster", "15", "main", "start"], ["service", "postgresql", "start"]):
        try:
            subprocess.run(command, check=False, capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        for _ in range(20):
            if _pg_answers() is None:
                return
            SystemClock().wait(0.25)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if _pg_answers() is not None:
        _start_postgres()
    reason = _pg_answers()
    if reason is not None:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 does not answer ({reason}); CI runs these")
    name = f"sf_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url)
    database.upgrade()
    yield database
    database.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Database]:
    if request.param == "sqlite":
        # A directory that does not exist yet: the Database creates it.
        database = Database(f"sqlite:///{tmp_path / 'data' / 'stackfleet.db'}")
        database.upgrade()
        yield database
        database.close()
        return
    database = request.getfixturevalue("pg_database")
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield database


@pytest.fixture
def vault() -> Vault:
    return Vault(Fernet.generate_key())


@pytest.fixture
def site_repo(db: Database, vault: Vault) -> SqlSiteRepository:
    return SqlSiteRepository(db, vault)


def make_site(name: str, password: str = PASSWORD, site_id: SiteId | None = None) -> Site:
    """A site as the sites service would register it (no health, no discovery yet)."""
    cloud = CloudConfig(
        auth={
            "auth_url": f"https://{name}.example.com:5000/v3",
            "username": "admin",
            "password": password,
            "project_name": "admin",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        region_name="RegionOne",
    )
    labels = Labels(
        location=Location(latitude=52.5, longitude=13.4, country="DE", city="Berlin"),
        tier="gold",
        cost_weight=1.5,
        extra={"owner": "ops"},
    )
    return Site(site_id or new_site_id(), name, cloud, labels, T0)
