"""The global request id of the action in progress, sent to every site it touches.

The API sets one per request (or takes the caller's `X-OpenStack-Request-ID`), the loops one per
run; the OpenStack adapter sends it as `X-OpenStack-Request-ID`, so one Stackfleet action can be
found in every site's logs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from stackfleet.kernel.ids import new_request_id

_current: ContextVar[str | None] = ContextVar("stackfleet_request_id", default=None)


def current_request_id() -> str:
    """The id of the action in progress, or a fresh one when none is set."""
    return _current.get() or new_request_id()


@contextmanager
def request_id(value: str | None = None) -> Iterator[str]:
    """Run a block as one action: every site call inside carries the same id."""
    chosen = value or new_request_id()
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)
