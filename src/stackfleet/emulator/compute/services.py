"""Nova's os-services: list, enable/disable and force down, delete; the services every site runs.

A site runs nova-scheduler and nova-conductor on its controller (zone "internal") and one
nova-compute per hypervisor host (in that hypervisor's zone). They live in
`site.compute.services`, keyed by UUID (the 2.53+ id), created on first use from the
hypervisors (`ensure_services`). Disabling or forcing down a nova-compute also marks its
hypervisor (`status`, `state`, `service.disabled_reason`), which the scheduler reads. The
availability zone API (`availability_zones.py`) reads the services too.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute import service_updates
from stackfleet.emulator.compute.body_checks import check_query
from stackfleet.emulator.compute.paging import query_lists
from stackfleet.emulator.compute.policy_checks import require_admin
from stackfleet.emulator.compute.service_updates import FORCED_DOWN_VERSION, compute_hypervisors
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, is_uuid, json_response, read_json

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

INTERNAL_ZONE = "internal"
"""nova.conf internal_service_availability_zone."""

UUID_ID_VERSION = (2, 53)
STRICT_QUERY_VERSION = (2, 75)
_POLICY = "os_compute_api:os-services:%s"


def _service(site: Site, binary: str, host: str, zone: str, service_id: str | None = None) -> Doc:
    legacy = max((s["_legacy_id"] for s in site.compute.services.values()), default=0) + 1
    if service_id is None:
        service_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site.url}/service/{binary}/{host}"))
    return {
        "id": service_id,
        "binary": binary,
        "host": host,
        "zone": zone,
        "status": "enabled",
        "disabled_reason": None,
        "forced_down": False,
        "_legacy_id": legacy,
    }


def ensure_services(site: Site) -> dict[str, Doc]:
    """The site's services, adding any missing for the controller and each hypervisor host."""
    services = site.compute.services
    known = {(s["binary"], s["host"]) for s in services.values()}
    controller = f"{site.name}-controller"
    fresh = not services
    for binary in ("nova-scheduler", "nova-conductor"):
        if fresh:
            doc = _service(site, binary, controller, INTERNAL_ZONE)
            services[doc["id"]] = doc
    for hypervisor in site.compute.hypervisors.values():
        if ("nova-compute", hypervisor["host"]) not in known:
            given = hypervisor.get("service", {}).get("id")
            doc = _service(site, "nova-compute", hypervisor["host"], hypervisor["_az"], given)
            services[doc["id"]] = doc
            known.add(("nova-compute", hypervisor["host"]))
    return services


def service_view(site: Site, service: Doc, version: tuple[int, int]) -> Doc:
    """One service as `os-services` shows it at `version`."""
    view: Doc = {
        "binary": service["binary"],
        "host": service["host"],
        "id": service["id"] if version >= UUID_ID_VERSION else service["_legacy_id"],
        "zone": service["zone"],
        "status": service["status"],
        "state": "down" if service["forced_down"] else "up",
        # Services report every 10 s; the latest heartbeat is as good as now.
        "updated_at": site.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000000"),
        "disabled_reason": service["disabled_reason"],
    }
    if version >= FORCED_DOWN_VERSION:
        view["forced_down"] = service["forced_down"]
    return view


async def list_services(request: Request) -> Response:
    version = context.microversion(request)
    properties = {"host": {"type": "string"}, "binary": {"type": "string"}}
    check_query(properties, query_lists(request), strict=version >= STRICT_QUERY_VERSION)
    require_admin(context.caller(request), _POLICY % "list")
    site = context.site(request)
    host = request.query_params.get("host")
    binary = request.query_params.get("binary")
    chosen = [
        s
        for s in ensure_services(site).values()
        if (not host or s["host"] == host) and (not binary or s["binary"] == binary)
    ]
    return json_response({"services": [service_view(site, s, version) for s in chosen]})


async def update_service(request: Request) -> Response:
    version = context.microversion(request)
    body = await read_json(request)
    site = context.site(request)
    ensure_services(site)
    caller = context.caller(request)
    target = request.path_params["service_id"]
    if version < UUID_ID_VERSION:
        result = service_updates.legacy_update(site, caller, target, body, version)
        return json_response(result)
    service = service_updates.update_by_id(site, caller, target, body)
    return json_response({"service": service_view(site, service, version)})


async def delete_service(request: Request) -> Response:
    version = context.microversion(request)
    require_admin(context.caller(request), _POLICY % "delete")
    site = context.site(request)
    services = ensure_services(site)
    target = request.path_params["service_id"]
    if version >= UUID_ID_VERSION:
        if not is_uuid(target):
            raise ApiError(400, f"Invalid uuid {target}")
        service = services.get(target)
    else:
        try:
            legacy = int(target)
        except ValueError:
            raise ApiError(400, "Invalid input received: id must be an integer") from None
        service = next((s for s in services.values() if s["_legacy_id"] == legacy), None)
    if service is None:
        raise ApiError(404, f"Service {target} not found.")
    if service["binary"] == "nova-compute":
        _release_compute_host(site, service["host"])
    del services[service["id"]]
    return Response(status_code=204)


def _release_compute_host(site: Site, host: str) -> None:
    hosting = any(
        s.get("OS-EXT-SRV-ATTR:host") == host and not s.get("_deleted")
        for s in site.compute.servers.values()
    )
    if hosting:
        raise ApiError(
            409,
            "Unable to delete compute service that is hosting instances. Migrate or delete "
            "the instances first.",
        )
    for hypervisor in compute_hypervisors(site, host):
        del site.compute.hypervisors[hypervisor["id"]]


ROUTES = [
    Route("/v2.1/os-services", list_services, methods=["GET"]),
    Route("/v2.1/os-services/{service_id}", update_service, methods=["PUT"]),
    Route("/v2.1/os-services/{service_id}", delete_service, methods=["DELETE"]),
]
