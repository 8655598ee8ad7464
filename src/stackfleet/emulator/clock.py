"""The emulator's sense of time.

Every status transition (BUILD → ACTIVE, creating → available, token expiry) reads time from a
`Clock`, so tests can drive a site's lifecycle without waiting. The emulator stands alone, so this
is its own small clock rather than Stackfleet's kernel clock.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    """Wall time for timestamps and a monotonic time for delays."""

    def now(self) -> dt.datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()


def isoformat(moment: dt.datetime) -> str:
    """Render a timestamp the way Nova, Neutron and Cinder do: `2026-01-02T03:04:05Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def isoformat_micro(moment: dt.datetime) -> str:
    """Render a timestamp the way Keystone does for tokens: `2026-01-02T03:04:05.000000Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
