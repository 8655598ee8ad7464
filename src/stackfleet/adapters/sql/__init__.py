"""The SQL adapter: the only importer of SQLAlchemy and Alembic.

`database.Database` (engine, sessions, migrations), `sites.SqlSiteRepository` and
`inventory.SqlInventoryRepository`; wired by `bootstrap.py`.
"""
