"""How an emulated service plugs into the emulator app.

Each service package (identity, compute, network, image, block_storage) exports one `Service`:
its routes, how it renders errors, which paths need no token, and its microversion range.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.routing import BaseRoute

from stackfleet.emulator.errors import ErrorRenderer, render_keystone_error


@dataclass(frozen=True)
class Microversions:
    """A service's microversion range and the headers that carry it."""

    service_type: str
    """The name in `OpenStack-API-Version: <service_type> X.Y` ("compute", "volume")."""
    minimum: str
    maximum: str
    legacy_header: str | None = None
    """The pre-2.27 Nova header, `X-OpenStack-Nova-API-Version`."""
    path_prefix: str = "/v"
    """Only requests under this path (relative to the service) negotiate a version."""


@dataclass(frozen=True)
class Service:
    """One OpenStack service as served under /<site>/<name>/."""

    name: str
    routes: Sequence[BaseRoute]
    render_error: ErrorRenderer
    is_public: Callable[[str, str], bool]
    """(method, path relative to the service) → whether the request needs no token."""
    microversions: Microversions | None = None
    render_unauthorized: ErrorRenderer = render_keystone_error
    """The 401 for a missing or bad token: keystonemiddleware's unless the service decides."""
