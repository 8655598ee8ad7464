"""What the routes share: the services, the workers' refresh log, and site lookup.

The services and the optional workers are set on `app.state` by `app.create_api`; routes get
them through FastAPI dependencies (`ServicesDep`, `RefreshLogDep`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Protocol

from fastapi import Depends, Request

from stackfleet.bootstrap import Services
from stackfleet.inventory.models import RefreshResult
from stackfleet.kernel.ids import SiteId


class RefreshLog(Protocol):
    """The background loops (workers.py), as far as the API reads them."""

    @property
    def last_refresh(self) -> Mapping[SiteId, RefreshResult]:
        """Each site's latest refresh result."""


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _refresh_log(request: Request) -> RefreshLog | None:
    workers: RefreshLog | None = request.app.state.workers
    return workers


ServicesDep = Annotated[Services, Depends(_services)]
RefreshLogDep = Annotated[RefreshLog | None, Depends(_refresh_log)]
