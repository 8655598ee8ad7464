"""Stackfleet's settings, from STACKFLEET_* environment variables (pydantic-settings).

Read once by `bootstrap.py`; every field says what it controls.
"""

from __future__ import annotations

import pathlib
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can tune without touching code."""

    model_config = SettingsConfigDict(env_prefix="STACKFLEET_", extra="ignore")

    data_dir: pathlib.Path = pathlib.Path("data")
    """Where the embedded database and the credential key live."""
    database_url: str | None = None
    """SQLAlchemy URL; default: SQLite file `stackfleet.db` in `data_dir`."""
    key: str | None = None
    """The Fernet key that seals site credentials; default: read (or create) `key_file`."""
    key_file: pathlib.Path | None = None
    """Default: `stackfleet.key` in `data_dir`, created on first run (mode 0600)."""
    probe_interval: Annotated[float, Field(gt=0)] = 10.0
    """Seconds between health probes of each site."""
    refresh_interval: Annotated[float, Field(gt=0)] = 300.0
    """Seconds between full inventory refreshes of each site."""
    incremental_interval: Annotated[float, Field(gt=0)] = 60.0
    """Seconds between incremental (changes-since) refreshes between full ones."""
    concurrency: Annotated[int, Field(ge=1)] = 32
    """Sites probed or refreshed at the same time."""
    request_timeout: Annotated[float, Field(gt=0)] = 10.0
    """Seconds before a call to a site counts as timed out."""

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'stackfleet.db'}"

    def resolved_key_file(self) -> pathlib.Path:
        return self.key_file or self.data_dir / "stackfleet.key"
