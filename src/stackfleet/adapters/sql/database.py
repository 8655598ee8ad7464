"""The database connection: engine, transactional sessions and schema migrations.

`bootstrap.py` builds one `Database` from the configured URL and calls `upgrade()`; the SQL
repositories (`sites.py`, `inventory.py`) do all their work inside `session()` blocks. A
`sqlite:///path` URL is the embedded default; `postgresql+psycopg://...` is for scale.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"

BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another to finish (refreshes write from a thread pool)."""


def _json_dumps(value: Any) -> str:
    # orjson: raw API documents are the bulk of what is written; it is several times faster
    # than json and also accepts the datetimes a collector may leave in attributes.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class Database:
    """One engine and its session factory for the configured URL."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.url = parsed
        if parsed.get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(url, parsed.database)
        else:
            self.engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=40,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
            )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """The backend's name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def upgrade(self) -> None:
        """Migrate the schema to the newest revision (creating it in an empty database)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _sqlite_engine(url: str, database: str | None) -> Engine:
    pool: dict[str, Any] = {"pool_size": 10, "max_overflow": 54, "pool_timeout": 60}
    if not database or database == ":memory:":
        # One shared connection, or every thread would see its own empty database.
        pool = {"poolclass": StaticPool}
    elif not database.startswith("file:"):
        pathlib.Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # Sites are probed and refreshed from a thread pool; pooled connections move between
        # threads, one thread at a time.
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        **pool,
    )
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers (API queries) never wait for the writer (a refresh), and vice versa.
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable across process crashes in WAL mode; FULL only adds power-loss safety.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
