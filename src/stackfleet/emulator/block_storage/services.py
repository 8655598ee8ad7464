"""Cinder's `os-services` (admin) and `os-availability-zone`, from the site's service records.

The services are the scheduler, volume and backup services `state.py` creates; they report
"up" with a fresh heartbeat, as a healthy deployment does (`contrib/services.py`,
`contrib/availability_zones.py`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator.block_storage.common import ctx, routes
from stackfleet.emulator.block_storage.lifecycle import ZONE
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, json_response


async def index(request: Request) -> Response:
    c = ctx(request)
    if not c.is_admin:
        raise ApiError(403, "Policy doesn't allow volume_extension:services:index to be performed.")
    host = request.query_params.get("host")
    binary = request.query_params.get("binary")
    heartbeat = c.now()
    services = []
    for service in c.state.services:
        if (host is not None and service["host"] != host) or (
            binary is not None and service["binary"] != binary
        ):
            continue
        view: Doc = {
            "binary": service["binary"],
            "host": service["host"],
            "zone": service["zone"],
            "status": service["status"],
            "state": service["state"],
            "updated_at": heartbeat,
        }
        if c.at_least(3, 49) and service["binary"] == "cinder-volume":
            view["backend_state"] = "up"
        if c.at_least(3, 7):
            view["cluster"] = service["cluster"]
        view["disabled_reason"] = service["disabled_reason"]
        if service["binary"] == "cinder-volume":
            view["replication_status"] = "disabled"
            view["active_backend_id"] = None
            view["frozen"] = False
        services.append(view)
    return json_response({"services": services})


async def availability_zones(request: Request) -> Response:
    ctx(request)
    return json_response(
        {"availabilityZoneInfo": [{"zoneName": ZONE, "zoneState": {"available": True}}]}
    )


ROUTES = [
    *routes("/os-services", index, ["GET"]),
    *routes("/os-availability-zone", availability_zones, ["GET"]),
]
