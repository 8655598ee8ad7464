"""Nova's os-availability-zone: the zones a member may pick, and the admin's detailed view.

Zones come from the services (`services.py`): a zone is available when one of its services is
enabled. The summary hides the "internal" zone of the control services and shows no hosts; the
detail (admin) lists each zone's hosts and their services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute.policy_checks import require_admin
from stackfleet.emulator.compute.services import INTERNAL_ZONE, ensure_services
from stackfleet.emulator.wire import Doc, json_response

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


def zones(site: Site) -> tuple[list[str], list[str]]:
    """(available, not available) zone names, sorted, as `nova.availability_zones` finds them."""
    services = ensure_services(site).values()
    available = {s["zone"] for s in services if s["status"] == "enabled"}
    unavailable = {s["zone"] for s in services if s["status"] != "enabled"} - available
    return sorted(available), sorted(unavailable)


async def list_zones(request: Request) -> Response:
    available, unavailable = zones(context.site(request))
    info = [
        {"zoneName": zone, "zoneState": {"available": zone in available}, "hosts": None}
        for zone in available + unavailable
        if zone != INTERNAL_ZONE
    ]
    return json_response({"availabilityZoneInfo": info})


def _hosts(site: Site, zone: str, updated_at: str) -> dict[str, Doc]:
    hosts: dict[str, Doc] = {}
    for service in site.compute.services.values():
        if service["zone"] != zone or service["status"] != "enabled":
            continue
        hosts.setdefault(service["host"], {})[service["binary"]] = {
            "available": not service["forced_down"],
            "active": True,
            "updated_at": updated_at,
        }
    return hosts


async def list_zones_detail(request: Request) -> Response:
    require_admin(context.caller(request), "os_compute_api:os-availability-zone:detail")
    site = context.site(request)
    available, unavailable = zones(site)
    # Services report every 10 s; the latest heartbeat is as good as now.
    updated_at = site.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000000")
    info: list[Doc] = [
        {
            "zoneName": zone,
            "zoneState": {"available": True},
            "hosts": _hosts(site, zone, updated_at),
        }
        for zone in available
    ]
    info += [
        {"zoneName": zone, "zoneState": {"available": False}, "hosts": None} for zone in unavailable
    ]
    return json_response({"availabilityZoneInfo": info})


ROUTES = [
    Route("/v2.1/os-availability-zone", list_zones, methods=["GET"]),
    Route("/v2.1/os-availability-zone/detail", list_zones_detail, methods=["GET"]),
]
