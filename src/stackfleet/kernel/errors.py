"""The errors every layer speaks, and the retry decision each carries.

```
StackfleetError                 message says what failed, where, and what to do
├── InvalidInput                bad input from a user (→ HTTP 400/422)
├── NotFound                    no such site / resource (→ 404)
├── Conflict                    duplicate name, state does not allow it (→ 409)
├── TemporaryError(delay)       worth retrying after `delay` seconds (5xx, timeout, unreachable)
└── PermanentError              retrying will not help (401, 403, bad TLS)
```
Adapters map their libraries' exceptions onto these; routes map these onto problem+json.
"""

from __future__ import annotations


class StackfleetError(Exception):
    """Base of every error Stackfleet raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(StackfleetError):
    """The request is malformed or names something that cannot work."""


class NotFound(StackfleetError):
    """The named site or resource does not exist."""


class Conflict(StackfleetError):
    """The request clashes with existing state (a duplicate name, say)."""


class TemporaryError(StackfleetError):
    """A failure worth retrying after `delay` seconds."""

    def __init__(self, message: str, delay: float = 5.0) -> None:
        super().__init__(message)
        self.delay = delay


class PermanentError(StackfleetError):
    """A failure that repeats until someone changes something."""
