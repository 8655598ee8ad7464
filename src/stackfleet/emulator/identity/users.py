"""Keystone users: /v3/users CRUD with filters, and self-service password change.

Follows Keystone Zed's `keystone/api/users.py` and the identity manager: names are unique per
domain, a password change or a disable revokes the user's tokens (a revocation event in
Keystone), disabling or deleting a user deletes their application credentials. Routes are
collected by `identity/__init__.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common, schema
from stackfleet.emulator.identity.domains import forget_user
from stackfleet.emulator.identity.state import IdentityState, hash_secret
from stackfleet.emulator.identity.tokens import AUTH_FAILED
from stackfleet.emulator.wire import Doc

MAX_PASSWORD_LENGTH = 4096
"""Keystone's `[identity] max_password_length`."""

_FILTERS = ("domain_id", "enabled", "name")
_FIXED = ("id", "domain_id", "password", "options")


async def list_users(request: Request) -> Response:
    sc = common.scope(request)
    target_domain = request.query_params.get("domain_id") or sc.domain_id
    common.enforce("list_users", sc.admin or sc.system_reader or sc.domain_reader(target_domain))
    docs = common.filtered(request, common.identity(request).users.values(), _FILTERS)
    if sc.domain_id:
        docs = [u for u in docs if u["domain_id"] == sc.domain_id]
    return common.collection(request, "users", docs)


async def get_user(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    sc = common.scope(request)
    user = common.identity(request).users.get(user_id)
    common.enforce(
        "get_user",
        sc.admin
        or sc.user_id == user_id
        or sc.system_reader
        or (user is not None and sc.domain_reader(user["domain_id"])),
    )
    if user is None:
        raise common.not_found("user", user_id)
    return common.member(request, "user", user, "users")


async def create_user(request: Request) -> Response:
    sc = common.scope(request)
    common.enforce("create_user", sc.admin)
    body = await common.validated_body(request, "user", schema.USER_CREATE, {})
    state = common.identity(request)
    _check_password(body.get("password"))
    domain_id = body.get("domain_id") or sc.domain_id or "default"
    if domain_id not in state.domains:
        raise common.not_found("domain", domain_id)
    name = body["name"].strip()
    _check_unique_name(state, name, domain_id, None)
    doc = state.add_user(name, domain_id, body.get("password"), context.clock(request).now())
    _apply(doc, body)
    return common.member(request, "user", doc, "users", 201)


def _check_password(password: object) -> None:
    if isinstance(password, str) and len(password) > MAX_PASSWORD_LENGTH:
        raise ApiError(
            403,
            f"The password length must be less than or equal to {MAX_PASSWORD_LENGTH}. The "
            "server could not comply with the request because the password is invalid.",
        )


def _check_unique_name(
    state: IdentityState, name: str, domain_id: str, user_id: str | None
) -> None:
    if any(
        u["name"] == name and u["domain_id"] == domain_id and u["id"] != user_id
        for u in state.users.values()
    ):
        raise common.conflict(
            "user", f"Duplicate entry found with name {name} at domain ID {domain_id}"
        )


def _apply(doc: Doc, body: Doc) -> None:
    """Store what the body sets; unknown attributes are kept, as Keystone's `extra` does."""
    doc.update({k: v for k, v in body.items() if k not in _FIXED})
    if doc.get("default_project_id", "") is None:
        del doc["default_project_id"]
    common.merge_options(doc, body.get("options"))


async def update_user(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    common.enforce("update_user", common.scope(request).admin)
    state = common.identity(request)
    user = common.lookup(state.users, "user", user_id)
    body = await common.validated_body(request, "user", schema.USER_UPDATE, {})
    common.check_same_id(body, user_id)
    if "domain_id" in body and body["domain_id"] != user["domain_id"]:
        raise ApiError(400, "Cannot change Domain ID")
    _check_password(body.get("password"))
    if "name" in body:
        body["name"] = body["name"].strip()
        _check_unique_name(state, body["name"], user["domain_id"], user_id)
    _apply(user, body)
    if "password" in body:
        user["_password"] = hash_secret(body["password"]) if body["password"] else None
    if body.get("password") is not None or body.get("enabled") is False:
        state.revoke_user_tokens(user_id, context.site(request).clock.now())
    if body.get("enabled") is False:
        common.forget_application_credentials(state, user_id)
    return common.member(request, "user", user, "users")


async def delete_user(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    common.enforce("delete_user", common.scope(request).admin)
    state = common.identity(request)
    common.lookup(state.users, "user", user_id)
    forget_user(state, user_id)
    return common.no_content()


async def change_password(request: Request) -> Response:
    """POST /v3/users/{user_id}/password: needs no token, only the original password."""
    user_id = request.path_params["user_id"]
    body = await common.validated_body(request, "user", schema.PASSWORD_CHANGE, {})
    state = context.site(request).identity
    user = state.users.get(user_id)
    if (
        user is None
        or not user["enabled"]
        or user["_password"] != hash_secret(body["original_password"])
    ):
        raise ApiError(401, AUTH_FAILED)
    _check_password(body["password"])
    user["_password"] = hash_secret(body["password"])
    state.revoke_user_tokens(user_id, context.site(request).clock.now())
    return common.no_content()


ROUTES = [
    Route("/v3/users", list_users, methods=["GET"]),
    Route("/v3/users", create_user, methods=["POST"]),
    Route("/v3/users/{user_id}", get_user, methods=["GET"]),
    Route("/v3/users/{user_id}", update_user, methods=["PATCH"]),
    Route("/v3/users/{user_id}", delete_user, methods=["DELETE"]),
    Route("/v3/users/{user_id}/password", change_password, methods=["POST"]),
]
