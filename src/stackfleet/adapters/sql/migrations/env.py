"""Alembic's environment: migrate the connection `Database.upgrade()` hands over.

Run only through `stackfleet.adapters.sql.database.Database.upgrade`, which puts an open
connection in `config.attributes["connection"]`; there is no alembic.ini and no offline mode.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from stackfleet.adapters.sql.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "Stackfleet's migrations run through Database.upgrade() (stackfleet serve does it); "
        "the alembic command line is not supported."
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
