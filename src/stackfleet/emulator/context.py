"""What a handler knows about the request it serves: the site, the caller, the microversion.

`app.py` puts these into the ASGI scope before a service handles the request; handlers read them
through these functions rather than reaching into the scope themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

from stackfleet.emulator.clock import Clock

if TYPE_CHECKING:
    from stackfleet.emulator.site import Emulator, Site


@dataclass(frozen=True)
class Caller:
    """Who is calling, from their validated Keystone token."""

    token: str
    user_id: str
    user_name: str
    domain_id: str
    project_id: str | None
    """None for unscoped and domain-scoped tokens."""
    roles: tuple[str, ...]
    """Role names on the scope, e.g. ("admin", "member", "reader")."""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def site(request: Request) -> Site:
    return request.scope["emulator.site"]  # type: ignore[no-any-return]


def emulator(request: Request) -> Emulator:
    return request.scope["emulator"]  # type: ignore[no-any-return]


def clock(request: Request) -> Clock:
    return emulator(request).clock


def caller(request: Request) -> Caller:
    """The authenticated caller; every non-public route has one."""
    return request.scope["emulator.caller"]  # type: ignore[no-any-return]


def microversion(request: Request) -> tuple[int, int]:
    """The negotiated microversion for compute and block-storage requests."""
    return request.scope["emulator.microversion"]  # type: ignore[no-any-return]
