"""os-hypervisors: the site's compute nodes as `nova.api.openstack.compute.hypervisors` shows them.

Admin-only (Nova's default policy). Ids are integers before 2.53 and UUIDs from it; the resource
fields (vcpus, memory_mb, ...) and /statistics and /uptime exist up to 2.87; 2.88 adds `uptime`
to the detail. Usage comes from the scheduler's claims (`scheduler.py`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.compute.body_checks import BOOLEAN, TRUE_STRINGS
from stackfleet.emulator.compute.policy_checks import require_admin
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, is_uuid, json_response

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

_RULE = "os_compute_api:os-hypervisors:%s"
_CPU_INFO = {
    "arch": "x86_64",
    "model": "Nehalem",
    "vendor": "Intel",
    "features": ["pge", "clflush"],
    "topology": {"cores": 1, "threads": 1, "sockets": 4},
}
_UPTIME = " 08:32:11 up 93 days, 18:25, 12 users,  load average: 0.20, 0.12, 0.14"


def _not_found(hypervisor_id: str) -> ApiError:
    return ApiError(404, f"Hypervisor with ID '{hypervisor_id}' could not be found.")


def _usage(site: Site, hypervisor: Doc) -> Doc:
    used = hypervisor["_used"]
    return {
        "vcpus": hypervisor["vcpus"],
        "memory_mb": hypervisor["memory_mb"],
        "local_gb": hypervisor["local_gb"],
        "vcpus_used": used["vcpus"],
        "memory_mb_used": used["memory_mb"],
        "local_gb_used": used["disk_gb"],
        "free_ram_mb": hypervisor["memory_mb"] - used["memory_mb"],
        "free_disk_gb": hypervisor["local_gb"] - used["disk_gb"],
        "current_workload": 0,
        "running_vms": used["servers"],
        "disk_available_least": hypervisor["local_gb"] - used["disk_gb"],
    }


def _view(site: Site, hypervisor: Doc, version: tuple[int, int], detail: bool) -> Doc:
    new_ids = version >= (2, 53)
    doc: Doc = {
        "id": hypervisor["id"] if new_ids else hypervisor["_legacy_id"],
        "hypervisor_hostname": hypervisor["hypervisor_hostname"],
        "state": hypervisor["state"],
        "status": hypervisor["status"],
    }
    if not detail:
        return doc
    for field in ("hypervisor_type", "hypervisor_version", "host_ip"):
        doc[field] = hypervisor[field]
    service = hypervisor["service"]
    doc["service"] = {
        "id": service["id"] if new_ids else hypervisor["_legacy_id"],
        "host": service["host"],
        "disabled_reason": service["disabled_reason"],
    }
    if version <= (2, 87):
        doc.update(_usage(site, hypervisor))
        doc["cpu_info"] = json.dumps(_CPU_INFO) if version <= (2, 27) else dict(_CPU_INFO)
    else:
        doc["uptime"] = _UPTIME
    return doc


def _add_servers(site: Site, hypervisor: Doc, doc: Doc, version: tuple[int, int]) -> None:
    """`servers` of a with_servers query: left out when empty before 2.75, as Nova does."""
    servers = [
        {"name": s["name"], "uuid": s["id"]}
        for s in site.compute.servers.values()
        if not s["_deleted"] and s["OS-EXT-SRV-ATTR:host"] == hypervisor["host"]
    ]
    if servers or version >= (2, 75):
        doc["servers"] = servers


def _with_servers(request: Request, version: tuple[int, int]) -> bool:
    """The 2.53+ `with_servers` query parameter, a strict boolean in Nova's query schema."""
    raw = request.query_params.get("with_servers")
    if version < (2, 53) or raw is None:
        return False
    if raw in BOOLEAN["enum"]:
        return raw.lower() in TRUE_STRINGS
    raise ApiError(
        400,
        f"Invalid input for query parameters with_servers. Value: {raw}. "
        f"'{raw}' is not one of {BOOLEAN['enum']}",
    )


def _listing(request: Request, detail: bool) -> Response:
    site = context.site(request)
    version = context.microversion(request)
    require_admin(context.caller(request), _RULE % ("list-detail" if detail else "list"))
    nodes = sorted(site.compute.hypervisors.values(), key=lambda h: h["_legacy_id"])
    params = request.query_params
    pattern = params.get("hypervisor_hostname_pattern") if version >= (2, 53) else None
    with_servers = _with_servers(request, version)
    paged = version >= (2, 33) and pattern is None
    if pattern is not None:
        if "limit" in params or "marker" in params:
            raise ApiError(
                400,
                "Paging over hypervisors with the hypervisor_hostname_pattern query parameter "
                "is not supported.",
            )
        nodes = [h for h in nodes if pattern in h["hypervisor_hostname"]]
        if not nodes:
            raise ApiError(404, f"No hypervisor matching '{pattern}' could be found.")
    limit = 1000
    if paged:
        nodes, limit = _page(request, nodes, version)
    docs = []
    for node in nodes:
        doc = _view(site, node, version, detail)
        if with_servers:
            _add_servers(site, node, doc, version)
        docs.append(doc)
    body: Doc = {"hypervisors": docs}
    if paged and docs and len(docs) == limit:
        query = dict(sorted(params.items()))
        query["marker"] = str(docs[-1]["id"])
        path = "os-hypervisors/detail" if detail else "os-hypervisors"
        href = f"{site.service_url('compute')}/v2.1/{path}?{urlencode(query)}"
        body["hypervisors_links"] = [{"rel": "next", "href": href}]
    return json_response(body)


def _page(request: Request, nodes: list[Doc], version: tuple[int, int]) -> tuple[list[Doc], int]:
    raw_limit = request.query_params.get("limit")
    limit = 1000
    if raw_limit is not None:
        if not raw_limit.isdigit():
            raise ApiError(
                400,
                f"Invalid input for query parameters limit. Value: {raw_limit}. "
                f"'{raw_limit}' does not match '^[0-9]*$'",
            )
        limit = min(int(raw_limit), 1000)
    marker = request.query_params.get("marker")
    if marker is not None:
        key = "id" if version >= (2, 53) else "_legacy_id"
        ids = [str(h[key]) for h in nodes]
        if marker not in ids:
            raise ApiError(400, f"marker [{marker}] not found")
        nodes = nodes[ids.index(marker) + 1 :]
    return nodes[:limit], limit


async def list_hypervisors(request: Request) -> Response:
    return _listing(request, detail=False)


async def list_hypervisors_detail(request: Request) -> Response:
    return _listing(request, detail=True)


def _find(request: Request, rule: str) -> Doc:
    site = context.site(request)
    require_admin(context.caller(request), _RULE % rule)
    hypervisor_id = request.path_params["hypervisor_id"]
    if context.microversion(request) >= (2, 53):
        if not is_uuid(hypervisor_id):
            raise ApiError(400, f"Invalid uuid {hypervisor_id}")
        found = site.compute.hypervisors.get(hypervisor_id)
    else:
        found = next(
            (h for h in site.compute.hypervisors.values() if str(h["_legacy_id"]) == hypervisor_id),
            None,
        )
    if found is None:
        raise _not_found(hypervisor_id)
    return found


async def show_hypervisor(request: Request) -> Response:
    site = context.site(request)
    version = context.microversion(request)
    hypervisor = _find(request, "show")
    doc = _view(site, hypervisor, version, detail=True)
    if _with_servers(request, version):
        _add_servers(site, hypervisor, doc, version)
    return json_response({"hypervisor": doc})


async def hypervisor_uptime(request: Request) -> Response:
    version = context.microversion(request)
    if version > (2, 87):
        raise ApiError(404, "The resource could not be found.")
    hypervisor = _find(request, "uptime")
    doc = _view(context.site(request), hypervisor, version, detail=False)
    doc["uptime"] = _UPTIME
    return json_response({"hypervisor": doc})


async def hypervisor_statistics(request: Request) -> Response:
    site = context.site(request)
    if context.microversion(request) > (2, 87):
        raise ApiError(404, "The resource could not be found.")
    require_admin(context.caller(request), _RULE % "statistics")
    totals: Doc = {"count": len(site.compute.hypervisors)}
    for hypervisor in site.compute.hypervisors.values():
        for key, value in _usage(site, hypervisor).items():
            totals[key] = totals.get(key, 0) + value
    return json_response({"hypervisor_statistics": totals})


ROUTES = [
    Route("/v2.1/os-hypervisors", list_hypervisors, methods=["GET"]),
    Route("/v2.1/os-hypervisors/detail", list_hypervisors_detail, methods=["GET"]),
    Route("/v2.1/os-hypervisors/statistics", hypervisor_statistics, methods=["GET"]),
    Route("/v2.1/os-hypervisors/{hypervisor_id}", show_hypervisor, methods=["GET"]),
    Route("/v2.1/os-hypervisors/{hypervisor_id}/uptime", hypervisor_uptime, methods=["GET"]),
]
