"""Stackfleet's sense of time: the only module that reads the system clock.

Services, loops and adapters take a `Clock`; tests pass a `FakeClock` (tests/fakes.py) so a
probe interval or a staleness age needs no waiting.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Wall time (aware, UTC), monotonic time, and waiting."""

    def now(self) -> dt.datetime: ...

    def monotonic(self) -> float: ...

    def wait(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Sleep up to `seconds`; return True early if `stop` is set."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, seconds: float, stop: threading.Event | None = None) -> bool:
        if stop is None:
            time.sleep(max(seconds, 0))
            return False
        return stop.wait(max(seconds, 0))
