"""Keystone application credentials: /v3/users/{user_id}/application_credentials.

Created by their owner from a project-scoped token, with a subset of the token's roles (all of
them by default), an optional expiry and an optional caller-chosen secret; the secret is shown
once. A token obtained with a restricted application credential may not create or delete
application credentials. Mirrors `keystone/api/users.py` and the application credential
manager; authenticating with one is in `tokens.py`. Routes are collected by
`identity/__init__.py`.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import common, schema
from stackfleet.emulator.identity.common import Scope
from stackfleet.emulator.identity.state import IdentityState, hash_secret
from stackfleet.emulator.wire import Doc, new_id

EXPIRY_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
"""How Keystone serializes `expires_at` (oslo.serialization, naive UTC)."""


def render(state: IdentityState, credential: Doc) -> Doc:
    """The API shape: roles as full role documents, as Keystone looks them up on each read."""
    roles = [
        {k: v for k, v in state.roles[r["id"]].items() if k != "links"}
        for r in credential["roles"]
        if r["id"] in state.roles
    ]
    return {**credential, "roles": roles}


def _check_unrestricted(state: IdentityState, sc: Scope) -> None:
    credential_id = sc.token.application_credential_id
    if credential_id is None:
        return
    credential = state.application_credentials.get(credential_id)
    if credential is None or not credential["unrestricted"]:
        raise common.forbidden(
            "Using method 'application_credential' is not allowed for managing additional "
            "application credentials."
        )


async def create_credential(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    sc = common.scope(request)
    common.enforce("create_application_credential", sc.user_id == user_id)
    body = await common.validated_body(
        request, "application_credential", schema.APPLICATION_CREDENTIAL_CREATE, {}
    )
    state = common.identity(request)
    _check_unrestricted(state, sc)
    role_ids = _roles(state, sc, body.get("roles"))
    expires_at = _expiry(body.get("expires_at"), context.clock(request).now())
    name = body["name"]
    if any(
        c["user_id"] == user_id and c["name"] == name
        for c in state.application_credentials.values()
    ):
        raise common.conflict("application_credential", f"Duplicate entry found with name {name}")
    secret = body.get("secret") or _generate_secret()
    extras = {k: v for k, v in body.items() if k not in ("secret", "roles", "access_rules")}
    credential: Doc = {
        **extras,
        "id": new_id().replace("-", ""),
        "name": name,
        "description": body.get("description"),
        "user_id": user_id,
        "project_id": sc.project_id,
        "system": None,
        "expires_at": expires_at,
        "unrestricted": body.get("unrestricted"),
        "roles": [{"id": r} for r in role_ids],
        "_secret": hash_secret(secret),
    }
    state.application_credentials[credential["id"]] = credential
    shown = {**render(state, credential), "secret": secret}
    return common.member(request, "application_credential", shown, _path(user_id), 201)


def _path(user_id: str) -> str:
    return f"users/{user_id}/application_credentials"


def _generate_secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(64)).rstrip(b"=").decode()


def _roles(state: IdentityState, sc: Scope, asked: object) -> list[str]:
    """The credential's role ids: the asked ones, each held by the token, or all the token's."""
    if not asked:
        return list(sc.token.roles)
    assert isinstance(asked, list)  # noqa: S101 - guaranteed by the schema
    role_ids = []
    for ref in asked:
        if ref.get("id"):
            role_ids.append(str(ref["id"]))
            continue
        found = [r for r in state.roles.values() if r["name"] == ref["name"]]
        if not found:
            raise ApiError(404, f"Role {ref['name']} is not defined")
        if len(found) > 1:
            raise ApiError(
                400,
                f"There are multiple role entities named '{ref['name']}'. Please use ID instead "
                "of names to resolve the ambiguity.",
            )
        role_ids.append(found[0]["id"])
    if any(r not in sc.token.roles for r in role_ids):
        raise ApiError(
            400,
            "Invalid application credential: Cannot create an application credential with "
            "unassigned role",
        )
    return role_ids


def _expiry(raw: object, now: dt.datetime) -> str | None:
    """Keystone's `parse_expiration_date`: ISO 8601 in UTC ("Z" appended), not in the past."""
    if not raw:
        return None
    text = str(raw)
    try:
        moment = dt.datetime.fromisoformat(text.removesuffix("Z"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        # An explicit offset followed by the appended "Z" does not parse in Keystone either.
        raise ApiError(400, "Timestamp not in expected format." + common.CLIENT_ERROR)
    moment = moment.replace(tzinfo=dt.UTC)
    if moment <= now:
        raise ApiError(400, "The 'expires_at' must not be before now." + common.CLIENT_ERROR)
    return moment.strftime(EXPIRY_FORMAT)


def parse_expiry(value: str) -> dt.datetime:
    """The stored `expires_at` back as an aware UTC moment."""
    return dt.datetime.strptime(value, EXPIRY_FORMAT).replace(tzinfo=dt.UTC)


async def list_credentials(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    sc = common.scope(request)
    common.enforce(
        "list_application_credentials", sc.admin or sc.user_id == user_id or sc.system_reader
    )
    state = common.identity(request)
    docs = [
        render(state, c) for c in state.application_credentials.values() if c["user_id"] == user_id
    ]
    docs = common.filtered(request, docs, ("name",))
    return common.collection(request, "application_credentials", docs, _path(user_id))


def _owned(request: Request, action: str, allowed_extra: bool) -> tuple[Doc | None, Scope]:
    """The addressed credential (if any) after Keystone's owner-or-admin policy check."""
    state = common.identity(request)
    credential = state.application_credentials.get(request.path_params["application_credential_id"])
    owner = credential["user_id"] if credential else request.path_params["user_id"]
    sc = common.scope(request)
    common.enforce(action, sc.admin or sc.user_id == owner or allowed_extra)
    return credential, sc


async def get_credential(request: Request) -> Response:
    sc = common.scope(request)
    credential, _ = _owned(request, "get_application_credential", sc.system_reader)
    if credential is None:
        raise _missing(request)
    shown = render(common.identity(request), credential)
    return common.member(
        request, "application_credential", shown, _path(request.path_params["user_id"])
    )


def _missing(request: Request) -> ApiError:
    return ApiError(
        404,
        "Could not find Application Credential: "
        f"{request.path_params['application_credential_id']}.",
    )


async def delete_credential(request: Request) -> Response:
    sc = common.scope(request)
    credential, _ = _owned(request, "delete_application_credential", sc.system_admin)
    state = common.identity(request)
    _check_unrestricted(state, sc)
    if credential is None:
        raise _missing(request)
    del state.application_credentials[credential["id"]]
    for token in list(state.tokens.values()):
        if token.application_credential_id == credential["id"]:
            del state.tokens[token.id]
    return common.no_content()


_MEMBER = "/v3/users/{user_id}/application_credentials/{application_credential_id}"
ROUTES = [
    Route("/v3/users/{user_id}/application_credentials", list_credentials, methods=["GET"]),
    Route("/v3/users/{user_id}/application_credentials", create_credential, methods=["POST"]),
    Route(_MEMBER, get_credential, methods=["GET"]),
    Route(_MEMBER, delete_credential, methods=["DELETE"]),
]
