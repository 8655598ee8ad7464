"""Changing a Nova service: enable, disable, force down.

From 2.53 `PUT /os-services/{id}` names the service by UUID; before, `PUT /os-services/{action}`
(enable, disable, disable-log-reason, force-down) names it by host and binary in the body.
Changes are mirrored onto the service's hypervisors, which the scheduler reads. Called by
`services.py`, which owns the service records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stackfleet.emulator.compute.body_checks import BOOLEAN, check_body, is_true
from stackfleet.emulator.compute.policy_checks import require_admin
from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc, is_uuid

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

FORCED_DOWN_VERSION = (2, 11)

_REASON = {"type": "string", "minLength": 1, "maxLength": 255}
_POLICY = "os_compute_api:os-services:update"

_UPDATE_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["enabled", "disabled"]},
        "disabled_reason": _REASON,
        "forced_down": BOOLEAN,
    },
    "additionalProperties": False,
}


def compute_hypervisors(site: Site, host: str) -> list[Doc]:
    return [h for h in site.compute.hypervisors.values() if h["host"] == host]


def apply(site: Site, service: Doc, changes: dict[str, Any]) -> None:
    """Change a service's status/reason/forced_down, and mirror it on its hypervisors."""
    service.update(changes)
    for hypervisor in compute_hypervisors(site, service["host"]):
        hypervisor["status"] = service["status"]
        hypervisor["state"] = "down" if service["forced_down"] else "up"
        if isinstance(hypervisor.get("service"), dict):
            hypervisor["service"]["disabled_reason"] = service["disabled_reason"]


def _legacy_schema(version: tuple[int, int]) -> Doc:
    properties: dict[str, Any] = {
        "host": {"type": "string", "minLength": 1, "maxLength": 255},
        "binary": {"type": "string", "minLength": 1, "maxLength": 255},
        "disabled_reason": _REASON,
    }
    if version >= FORCED_DOWN_VERSION:
        properties["forced_down"] = BOOLEAN
    return {
        "type": "object",
        "properties": properties,
        "required": ["host", "binary"],
        "additionalProperties": False,
    }


def _only_compute(binary: str) -> None:
    if binary != "nova-compute":
        raise ApiError(
            400,
            f"Updating a {binary} service is not supported. Only nova-compute services can be "
            "updated.",
        )


def _by_host(site: Site, host: str, binary: str) -> Doc:
    _only_compute(binary)
    for service in site.compute.services.values():
        if service["host"] == host and service["binary"] == binary:
            return service
    raise ApiError(404, f"Could not find binary {binary} on host {host}.")


def _status_change(action: str, body: Doc) -> dict[str, Any]:
    if action == "enable":
        return {"status": "enabled", "disabled_reason": None}
    if action == "disable":
        return {"status": "disabled", "disabled_reason": None}
    if "disabled_reason" not in body:
        raise ApiError(400, "Missing disabled reason field")
    return {"status": "disabled", "disabled_reason": body["disabled_reason"]}


def legacy_update(
    site: Site, caller: Caller, action: str, body: Any, version: tuple[int, int]
) -> Doc:
    """The pre-2.53 update: `action` names what to do, the body names host and binary."""
    check_body(_legacy_schema(version), body)
    require_admin(caller, _POLICY)
    actions = {"enable", "disable", "disable-log-reason"}
    if version >= FORCED_DOWN_VERSION:
        actions.add("force-down")
    if action not in actions:
        raise ApiError(404, "Unknown action")
    host, binary = body["host"], body["binary"]
    if action == "force-down":
        if "forced_down" not in body:
            raise ApiError(400, "Missing forced_down field")
        forced = is_true(body["forced_down"])
        apply(site, _by_host(site, host, binary), {"forced_down": forced})
        return {"service": {"host": host, "binary": binary, "forced_down": forced}}
    changes = _status_change(action, body)
    apply(site, _by_host(site, host, binary), changes)
    result: Doc = {"host": host, "binary": binary, "status": changes["status"]}
    if changes["disabled_reason"]:
        result["disabled_reason"] = changes["disabled_reason"]
    return {"service": result}


def update_by_id(site: Site, caller: Caller, service_id: str, body: Any) -> Doc:
    """The 2.53+ update of one service by UUID: status, disabled_reason, forced_down."""
    check_body(_UPDATE_SCHEMA, body)
    if not is_uuid(service_id):
        raise ApiError(400, f"Invalid uuid {service_id}")
    require_admin(caller, _POLICY)
    service = site.compute.services.get(service_id)
    if service is None:
        raise ApiError(404, f"Service {service_id} could not be found.")
    _only_compute(service["binary"])
    changes: dict[str, Any] = {}
    if body.get("status") == "enabled":
        if body.get("disabled_reason"):
            raise ApiError(400, "Specifying 'disabled_reason' with status 'enabled' is invalid.")
        changes = {"status": "enabled", "disabled_reason": None}
    elif body.get("status") == "disabled":
        changes = {"status": "disabled", "disabled_reason": body.get("disabled_reason")}
    if "forced_down" in body:
        changes["forced_down"] = is_true(body["forced_down"])
    if not changes:
        raise ApiError(
            400, "No updates were requested. Fields 'status' or 'forced_down' should be specified."
        )
    apply(site, service, changes)
    return service
