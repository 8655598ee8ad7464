"""What the routes share: the services, set on `app.state` by `app.create_api`.

Routes get them through the FastAPI dependency `ServicesDep`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from stackfleet.bootstrap import Services


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]
