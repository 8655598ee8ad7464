"""The database itself: migrations match the tables, SQLite settings, transactions, time zones."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from stackfleet.adapters.sql.database import MIGRATIONS, Database
from stackfleet.adapters.sql.tables import events, metadata
from stackfleet.kernel.fanout import fan_out


def test_migrated_schema_matches_the_tables(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert differences == []
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert version == ScriptDirectory.from_config(config).get_current_head()


def test_upgrade_twice_is_harmless(db: Database) -> None:
    db.upgrade()
    with db.session() as session:
        assert session.execute(select(func.count()).select_from(events)).scalar() == 0


def test_sqlite_file_is_in_wal_mode_with_foreign_keys(tmp_path: pathlib.Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'new' / 'dir' / 'sf.db'}")
    database.upgrade()
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        database.close()
    assert (tmp_path / "new" / "dir" / "sf.db").exists()


def _event(at: dt.datetime) -> dict[str, object]:
    return {"site_id": "s", "site_name": "s", "at": at, "kind": "added", "message": "m"}


def test_session_rolls_back_on_error(db: Database) -> None:
    at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def insert_then_fail() -> None:
        with db.session() as session:
            session.execute(events.insert().values(**_event(at)))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    with db.session() as session:
        assert session.execute(select(func.count()).select_from(events)).scalar() == 0


def test_datetimes_come_back_aware_utc(db: Database) -> None:
    cet = dt.timezone(dt.timedelta(hours=1))
    at = dt.datetime(2025, 1, 1, 13, 30, 15, 123456, tzinfo=cet)
    with db.session() as session:
        session.execute(events.insert().values(**_event(at)))
    with db.session() as session:
        stored = session.execute(select(events.c.at)).scalar_one()
    assert stored == at
    assert stored.utcoffset() == dt.timedelta(0)


def test_naive_datetimes_are_refused(db: Database) -> None:
    naive = dt.datetime(2025, 1, 1, 12, 0)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(StatementError, match="aware datetime"), db.session() as session:
        session.execute(events.insert().values(**_event(naive)))


def test_in_memory_sqlite_is_one_database_for_every_thread() -> None:
    database = Database("sqlite://")
    database.upgrade()
    at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    try:
        with database.session() as session:
            session.execute(events.insert().values(**_event(at)))

        def count(_: int) -> int | None:
            with database.session() as session:
                return session.execute(select(func.count()).select_from(events)).scalar()

        assert [o.result for o in fan_out([1, 2], count, 2)] == [1, 1]
    finally:
        database.close()
