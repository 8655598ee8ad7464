"""Keystone v3 authentication: issue, validate and revoke tokens; the version documents.

Supports the password, token and application_credential methods, project-, domain- and
system-scoped and unscoped tokens. Failures answer 401 with Keystone's own error body.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.clock import isoformat_micro
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity.credentials import parse_expiry
from stackfleet.emulator.identity.state import IdentityState, Token, hash_secret, new_token_id
from stackfleet.emulator.wire import Doc, json_response, read_json

VERSION = "v3.14"
"""Keystone Zed's identity API version."""

AUTH_FAILED = "The request you have made requires authentication."


def version_doc(request: Request) -> Doc:
    href = str(request.base_url).rstrip("/") + "/v3/"
    return {
        "id": VERSION,
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": href}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


async def versions(request: Request) -> Response:
    return json_response({"versions": {"values": [version_doc(request)]}}, 300)


async def version(request: Request) -> Response:
    return json_response({"version": version_doc(request)})


async def issue_token(request: Request) -> Response:
    site = context.site(request)
    body = await read_json(request)
    auth = body.get("auth") if isinstance(body, dict) else None
    if not isinstance(auth, dict) or not isinstance(auth.get("identity"), dict):
        raise ApiError(400, "Invalid input for field 'identity': 'identity' is a required property")
    state = site.identity
    now = site.clock.now()
    token = _authenticate(state, auth["identity"], now)
    if token.application_credential_id is None:
        _apply_scope(state, token, auth.get("scope"))
    token.expires_at = min(
        token.expires_at, now + dt.timedelta(seconds=site.config.token_ttl_seconds)
    )
    state.tokens[token.id] = token
    catalog = "nocatalog" not in request.query_params
    return json_response(
        {"token": token_body(state, token, catalog)}, 201, {"X-Subject-Token": token.id}
    )


async def check_token(request: Request) -> Response:
    site = context.site(request)
    token = site.identity.live_token(request.headers.get("x-subject-token"), site.clock)
    if token is None:
        raise ApiError(404, f"Could not find token: {request.headers.get('x-subject-token')}.")
    if request.method == "HEAD":
        return Response(status_code=200, headers={"X-Subject-Token": token.id})
    catalog = "nocatalog" not in request.query_params
    body = {"token": token_body(site.identity, token, catalog)}
    return json_response(body, 200, {"X-Subject-Token": token.id})


async def revoke_token(request: Request) -> Response:
    site = context.site(request)
    token = site.identity.live_token(request.headers.get("x-subject-token"), site.clock)
    if token is None:
        raise ApiError(404, f"Could not find token: {request.headers.get('x-subject-token')}.")
    del site.identity.tokens[token.id]
    return Response(status_code=204)


def _authenticate(state: IdentityState, identity: dict[str, Any], now: dt.datetime) -> Token:
    methods = identity.get("methods")
    if not isinstance(methods, list) or not methods:
        raise ApiError(400, "Invalid input for field 'identity/methods': [] is too short")
    method = methods[0]
    if method == "password":
        user_id = _password_user(state, identity.get("password"))
        token = _new_token(user_id, ["password"], now)
    elif method == "token":
        token = _rescoped(state, identity.get("token"), now)
    elif method == "application_credential":
        token = _application_credential_token(state, identity.get("application_credential"), now)
    else:
        raise ApiError(401, f"Attempted to authenticate with an unsupported method: {method}.")
    return token


def _new_token(user_id: str, methods: list[str], now: dt.datetime) -> Token:
    return Token(
        id=new_token_id(),
        user_id=user_id,
        methods=methods,
        issued_at=now,
        expires_at=now + dt.timedelta(days=365),
        audit_id=secrets.token_urlsafe(16),
    )


def _password_user(state: IdentityState, password: object) -> str:
    user_ref = password.get("user") if isinstance(password, dict) else None
    if not isinstance(user_ref, dict) or not isinstance(user_ref.get("password"), str):
        raise ApiError(
            400,
            "Invalid input for field 'identity/password/user': a user and a password are required",
        )
    user = find_user(state, user_ref)
    if (
        user is None
        or user["_password"] != hash_secret(user_ref["password"])
        or not user["enabled"]
        or not state.domain_enabled(user["domain_id"])
    ):
        raise ApiError(401, AUTH_FAILED)
    return str(user["id"])


def find_user(state: IdentityState, ref: dict[str, Any]) -> Doc | None:
    """A user named by id, or by name within a domain named by id or name."""
    if "id" in ref:
        return state.users.get(str(ref["id"]))
    domain = find_domain(state, ref.get("domain"))
    if domain is None:
        return None
    return next(
        (
            u
            for u in state.users.values()
            if u["name"] == ref.get("name") and u["domain_id"] == domain["id"]
        ),
        None,
    )


def find_domain(state: IdentityState, ref: object) -> Doc | None:
    if not isinstance(ref, dict):
        return None
    if "id" in ref:
        return state.domains.get(str(ref["id"]))
    return next((d for d in state.domains.values() if d["name"] == ref.get("name")), None)


def _rescoped(state: IdentityState, ref: object, now: dt.datetime) -> Token:
    token_id = ref.get("id") if isinstance(ref, dict) else None
    original = state.tokens.get(str(token_id)) if token_id else None
    if original is None or original.expires_at <= now:
        raise ApiError(401, AUTH_FAILED)
    token = _new_token(original.user_id, [*original.methods, "token"], now)
    token.expires_at = original.expires_at
    return token


def _application_credential_token(state: IdentityState, ref: object, now: dt.datetime) -> Token:
    if not isinstance(ref, dict) or not isinstance(ref.get("secret"), str):
        raise ApiError(
            400, "Invalid input for field 'identity/application_credential': a secret is required"
        )
    credential = _find_application_credential(state, ref)
    if credential is None or credential["_secret"] != hash_secret(ref["secret"]):
        raise ApiError(401, AUTH_FAILED)
    token = _new_token(credential["user_id"], ["application_credential"], now)
    expires = credential.get("expires_at")
    if expires:
        # A token never outlives the application credential it was issued for.
        token.expires_at = min(token.expires_at, parse_expiry(str(expires)))
        if token.expires_at <= now:
            raise ApiError(401, AUTH_FAILED)
    user = state.users.get(credential["user_id"])
    project = state.projects.get(credential["project_id"] or "")
    if (
        user is None
        or project is None
        or not (user["enabled"] and project["enabled"])
        or not state.domain_enabled(user["domain_id"])
    ):
        raise ApiError(401, AUTH_FAILED)
    token.project_id = credential["project_id"]
    token.application_credential_id = credential["id"]
    # Only the credential's roles the user still holds on the project count.
    held = set(state.effective_roles(credential["user_id"], f"project:{token.project_id}"))
    token.roles = [r["id"] for r in credential["roles"] if r["id"] in held]
    if not token.roles:
        raise ApiError(401, AUTH_FAILED)
    return token


def _find_application_credential(state: IdentityState, ref: dict[str, Any]) -> Doc | None:
    if "id" in ref:
        return state.application_credentials.get(str(ref["id"]))
    user = find_user(state, ref.get("user") or {})
    return next(
        (
            c
            for c in state.application_credentials.values()
            if user is not None and c["user_id"] == user["id"] and c["name"] == ref.get("name")
        ),
        None,
    )


def _apply_scope(state: IdentityState, token: Token, scope: object) -> None:
    if not scope:
        return
    if not isinstance(scope, dict):
        raise ApiError(400, "Invalid input for field 'scope': must be an object")
    if "project" in scope:
        project = _find_project(state, scope["project"])
        if project is None:
            raise ApiError(401, AUTH_FAILED)
        token.project_id = project["id"]
        target = f"project:{project['id']}"
    elif "domain" in scope:
        domain = find_domain(state, scope["domain"])
        if domain is None:
            raise ApiError(401, AUTH_FAILED)
        token.domain_id = domain["id"]
        target = f"domain:{domain['id']}"
    elif "system" in scope:
        token.system = True
        target = "system"
    else:
        raise ApiError(400, "Invalid input for field 'scope': give a project, domain or system")
    token.roles = state.effective_roles(token.user_id, target)
    if not token.roles:
        raise ApiError(401, AUTH_FAILED)


def _find_project(state: IdentityState, ref: object) -> Doc | None:
    if not isinstance(ref, dict):
        return None
    if "id" in ref:
        return state.projects.get(str(ref["id"]))
    domain = find_domain(state, ref.get("domain"))
    return next(
        (
            p
            for p in state.projects.values()
            if domain is not None
            and p["name"] == ref.get("name")
            and p["domain_id"] == domain["id"]
        ),
        None,
    )


def token_body(state: IdentityState, token: Token, with_catalog: bool) -> Doc:
    """The `token` document Keystone returns on issue and validation."""
    user = state.users[token.user_id]
    domain = state.domains[user["domain_id"]]
    body: Doc = {
        "methods": token.methods,
        "user": {
            "id": user["id"],
            "name": user["name"],
            "password_expires_at": None,
            "domain": {"id": domain["id"], "name": domain["name"]},
        },
        "audit_ids": [token.audit_id],
        "expires_at": isoformat_micro(token.expires_at),
        "issued_at": isoformat_micro(token.issued_at),
    }
    if token.project_id is not None:
        project = state.projects[token.project_id]
        project_domain = state.domains[project["domain_id"]]
        body["project"] = {
            "id": project["id"],
            "name": project["name"],
            "domain": {"id": project_domain["id"], "name": project_domain["name"]},
        }
        body["is_domain"] = False
    elif token.domain_id is not None:
        body["domain"] = {"id": token.domain_id, "name": state.domains[token.domain_id]["name"]}
    elif token.system:
        body["system"] = {"all": True}
    if token.project_id or token.domain_id or token.system:
        body["roles"] = [
            {"id": r, "name": state.roles[r]["name"]} for r in token.roles if r in state.roles
        ]
        if with_catalog:
            body["catalog"] = state.catalog(token.project_id)
    if token.application_credential_id:
        credential = state.application_credentials[token.application_credential_id]
        body["application_credential"] = {
            "id": credential["id"],
            "name": credential["name"],
            "restricted": not credential["unrestricted"],
        }
    return body


ROUTES = [
    Route("/", versions, methods=["GET"]),
    Route("/v3", version, methods=["GET"]),
    Route("/v3/", version, methods=["GET"]),
    Route("/v3/auth/tokens", issue_token, methods=["POST"]),
    Route("/v3/auth/tokens", check_token, methods=["GET", "HEAD"]),
    Route("/v3/auth/tokens", revoke_token, methods=["DELETE"]),
]
