"""Nova's policy checks for the compute resources: who may do what, and the 403 Nova answers.

Nova Zed runs with `enforce_new_defaults = False`, so each rule is its new default OR its
deprecated one; in practice "admin" means the admin role and "owner" means a token scoped to the
resource's project. Called by flavors, keypairs, quotas, limits, server groups, AZs and services.
"""

from __future__ import annotations

from stackfleet.emulator.context import Caller
from stackfleet.emulator.errors import ApiError


def forbidden(rule: str) -> ApiError:
    """The 403 of `nova.exception.PolicyNotAuthorized`."""
    return ApiError(403, f"Policy doesn't allow {rule} to be performed.")


def require_admin(caller: Caller, rule: str) -> None:
    if not caller.is_admin:
        raise forbidden(rule)


def require_admin_or_owner(caller: Caller, project_id: str | None, rule: str) -> None:
    """Admins, or callers whose token is scoped to `project_id`."""
    if not caller.is_admin and (caller.project_id is None or caller.project_id != project_id):
        raise forbidden(rule)
