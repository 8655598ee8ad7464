"""What every Keystone resource handler shares: scope, policy refusals, bodies, links, filters.

Keystone (Zed) runs with ``enforce_scope = False`` and ``enforce_new_defaults = False``, so each
policy is "new default OR deprecated rule": in practice the admin role on any scope passes the
admin-only rules, while readers and owners get what the scope-aware defaults grant them. The
resource modules (projects, users, roles, assignments, catalog, credentials) express each rule
with the predicates of `Scope` and call `enforce`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from stackfleet.emulator import context
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import schema
from stackfleet.emulator.identity.state import IdentityState, Token
from stackfleet.emulator.wire import MAX_BODY_BYTES, Doc, json_response

CLIENT_ERROR = (
    " The server could not comply with the request since it is either malformed or otherwise"
    " incorrect. The client is assumed to be in error."
)
_FALSE_WORDS = frozenset({"0", "f", "false", "n", "no", "off"})


@dataclass(frozen=True)
class Scope:
    """The authorization facts oslo.policy sees for a Keystone request."""

    user_id: str
    roles: frozenset[str]
    system: bool
    domain_id: str | None
    """The domain of a domain-scoped token."""
    project_id: str | None
    project_domain_id: str | None
    token: Token

    @property
    def admin(self) -> bool:
        """`rule:admin_required`: the admin role on whatever the token is scoped to."""
        return "admin" in self.roles

    @property
    def system_reader(self) -> bool:
        return self.system and "reader" in self.roles

    @property
    def system_admin(self) -> bool:
        return self.system and "admin" in self.roles

    def domain_reader(self, domain_id: object) -> bool:
        """`role:reader and domain_id:%(target...)s` for a domain-scoped token."""
        return self.domain_id is not None and self.domain_id == domain_id and "reader" in self.roles

    def domain_admin(self, domain_id: object) -> bool:
        return self.domain_id is not None and self.domain_id == domain_id and "admin" in self.roles


def scope(request: Request) -> Scope:
    """The scope of the validated token of the request."""
    state = context.site(request).identity
    token = state.tokens[context.caller(request).token]
    project = state.projects.get(token.project_id) if token.project_id else None
    return Scope(
        user_id=token.user_id,
        roles=frozenset(state.roles[r]["name"] for r in token.roles if r in state.roles),
        system=token.system,
        domain_id=token.domain_id,
        project_id=token.project_id,
        project_domain_id=project["domain_id"] if project else None,
        token=token,
    )


def forbidden(action: str) -> ApiError:
    return ApiError(403, f"You are not authorized to perform the requested action: {action}.")


def enforce(action: str, allowed: bool) -> None:
    """Refuse with Keystone's ForbiddenAction unless the policy check `allowed` passed."""
    if not allowed:
        raise forbidden(f"identity:{action}")


def admin_or_system_reader(request: Request) -> bool:
    """The catalog readers' rule: the admin role anywhere, or a system reader."""
    sc = scope(request)
    return sc.admin or sc.system_reader


def identity(request: Request) -> IdentityState:
    return context.site(request).identity


async def body_member(request: Request, key: str, default: object = None) -> object:
    """The `key` member of the JSON body, checked as Keystone's json_body hook does."""
    raw = await request.body()
    if not raw:
        return default
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "Request is too large.")
    content_type = request.headers.get("content-type", "")
    if content_type and not content_type.split(";")[0].strip().endswith("json"):
        raise ApiError(
            400, "Expecting to find application/json in Content-Type header." + CLIENT_ERROR
        )
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "Expecting to find valid JSON in request body." + CLIENT_ERROR)
    return body.get(key, default)


async def validated_body(
    request: Request, key: str, body_schema: schema.Schema, default: object = None
) -> Doc:
    """The `key` member of the JSON body, validated against `body_schema` (an object)."""
    body = await body_member(request, key, default)
    schema.validate(body_schema, body)
    assert isinstance(body, dict)  # noqa: S101 - guaranteed by the schema
    return body


def check_same_id(body: Doc, ident: str) -> None:
    """Keystone refuses an update body naming another resource's id."""
    if "id" in body and body["id"] != ident:
        raise ApiError(400, "Cannot change ID")


def v3_url(request: Request, path: str = "") -> str:
    """An absolute URL under this site's /v3, as Keystone's `base_url` builds it."""
    base = str(request.base_url).rstrip("/") + "/v3"
    return f"{base}/{path.strip('/')}" if path else base


def with_link(request: Request, doc: Doc, collection: str) -> Doc:
    """A copy of `doc` with its `links.self`; the stored document stays untouched."""
    return {**doc, "links": {"self": v3_url(request, f"{collection}/{doc['id']}")}}


def member(request: Request, key: str, doc: Doc, collection: str, status: int = 200) -> Response:
    return json_response({key: with_link(request, doc, collection)}, status)


def collection(
    request: Request, key: str, docs: Iterable[Doc], collection_name: str | None = None
) -> Response:
    """A Keystone list: members with self links and the collection's links block."""
    name = collection_name or key
    query = request.url.query
    self_url = v3_url(request, request.url.path.split("/v3/", 1)[-1])
    return json_response(
        {
            key: [with_link(request, d, name) for d in docs],
            "links": {
                "next": None,
                "self": self_url + (f"?{query}" if query else ""),
                "previous": None,
            },
        }
    )


def as_bool(value: str) -> bool:
    """Oslo's `bool_from_string(value, default=True)`, as Keystone reads boolean filters."""
    return value.strip().lower() not in _FALSE_WORDS


def flag(request: Request, name: str) -> bool:
    """Keystone's `query_filter_is_true`: present and not "0"."""
    return name in request.query_params and request.query_params[name] != "0"


def filtered(request: Request, docs: Iterable[Doc], supported: Sequence[str]) -> list[Doc]:
    """Apply Keystone's list hints: exact `key=value` and `key__[i]contains` style filters."""
    result = list(docs)
    for key, value in request.query_params.multi_items():
        name, _, comparator = key.partition("__")
        if name not in supported or (comparator and key == name):
            continue
        if not comparator:
            result = [d for d in result if _equals(d.get(name), value)]
        else:
            result = [d for d in result if _inexact(d, name, comparator, value)]
    return result


def _equals(attribute: object, value: str) -> bool:
    if isinstance(attribute, bool):
        return attribute == as_bool(value)
    return attribute == value


def _inexact(doc: Doc, name: str, comparator: str, value: str) -> bool:
    target = doc.get(name)
    if not isinstance(target, str):
        return False
    if comparator.startswith("i"):
        comparator, target, value = comparator[1:], target.lower(), value.lower()
    if comparator == "contains":
        return value in target
    if comparator == "startswith":
        return target.startswith(value)
    if comparator == "endswith":
        return target.endswith(value)
    return True


def not_found(kind: str, ident: object) -> ApiError:
    return ApiError(404, f"Could not find {kind}: {ident}.")


def lookup(table: Mapping[str, Doc], kind: str, ident: str) -> Doc:
    """The stored document `ident` of `table`, or Keystone's 404 for a `kind`."""
    doc = table.get(ident)
    if doc is None:
        raise not_found(kind, ident)
    return doc


def conflict(kind: str, details: str) -> ApiError:
    return ApiError(409, f"Conflict occurred attempting to store {kind} - {details}.")


def validation_error(message: str) -> ApiError:
    return ApiError(400, message)


def no_content() -> Response:
    return Response(status_code=204)


def check_immutable_update(doc: Doc, update: Doc, kind: str) -> None:
    """Refuse changes to an immutable resource, except clearing its `immutable` option."""
    if not doc.get("options", {}).get("immutable"):
        return
    options = update.get("options") or {}
    if len(update) > 1 or "immutable" not in options or options["immutable"] not in (False, None):
        raise ApiError(
            403,
            f"Unable to update immutable {kind} resource: `{doc['id']}. "  # noqa: S608 - not SQL
            'Set resource option "immutable" to false first.',
        )


def check_immutable_delete(doc: Doc, kind: str) -> None:
    if doc.get("options", {}).get("immutable"):
        raise ApiError(
            403,
            f"Unable to delete immutable {kind} resource: `{doc['id']}. "
            'Set resource option "immutable" to false first.',
        )


def apply_update(doc: Doc, body: Doc, fixed: Sequence[str]) -> None:
    """Copy the body's attributes except the `fixed` ones onto `doc`, then merge its options."""
    doc.update({k: v for k, v in body.items() if k not in fixed and k != "options"})
    merge_options(doc, body.get("options"))


def merge_options(doc: Doc, options: object) -> None:
    """Apply resource options as Keystone does: a null value removes the option."""
    if not isinstance(options, dict):
        return
    merged = dict(doc.get("options", {}))
    for key, value in options.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    doc["options"] = merged


def forget_application_credentials(
    state: IdentityState, user_id: str, project_id: str | None = None
) -> None:
    """Delete the user's application credentials (only those on `project_id` if given)."""
    for credential in list(state.application_credentials.values()):
        if credential["user_id"] == user_id and project_id in (None, credential["project_id"]):
            del state.application_credentials[credential["id"]]
