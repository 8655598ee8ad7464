"""Keystone's state for one site: domains, projects, users, roles, assignments, tokens, catalog.

Created with what `keystone-manage bootstrap` and a typical deployment leave behind: the Default
domain, an admin project and user, a demo project with a member user, the admin → member → reader
implied roles, one region and a catalog whose endpoints point back at this site in the emulator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stackfleet.emulator.clock import Clock
from stackfleet.emulator.context import Caller
from stackfleet.emulator.wire import Doc, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

DEFAULT_DOMAIN = "default"
IMPLIED_ROLES = {"admin": ("member",), "member": ("reader",)}
"""What `keystone-manage bootstrap` sets up: admin implies member, member implies reader."""

CATALOG = (
    # (service type, service name, path under the site)
    ("identity", "keystone", "identity/v3"),
    ("compute", "nova", "compute/v2.1"),
    ("network", "neutron", "network"),
    ("image", "glance", "image"),
    ("block-storage", "cinderv3", "volume/v3/$(project_id)s"),
    ("volumev3", "cinderv3", "volume/v3/$(project_id)s"),
)


@dataclass
class Token:
    """An issued token and the scope it grants."""

    id: str
    user_id: str
    methods: list[str]
    expires_at: dt.datetime
    issued_at: dt.datetime
    audit_id: str
    project_id: str | None = None
    domain_id: str | None = None
    """Set for a domain-scoped token."""
    system: bool = False
    roles: list[str] = field(default_factory=list)
    """Role ids, implied roles included."""
    application_credential_id: str | None = None


def token_target(token: Token) -> str | None:
    """The assignment target a token is scoped to, None for an unscoped token."""
    if token.project_id is not None:
        return f"project:{token.project_id}"
    if token.domain_id is not None:
        return f"domain:{token.domain_id}"
    return "system" if token.system else None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token_id() -> str:
    """An opaque token shaped like a Fernet token."""
    return "gAAAAAB" + secrets.token_urlsafe(132)


@dataclass
class IdentityState:
    """Everything Keystone stores for one site."""

    site_url: str
    region: str
    domains: dict[str, Doc] = field(default_factory=dict)
    projects: dict[str, Doc] = field(default_factory=dict)
    users: dict[str, Doc] = field(default_factory=dict)
    roles: dict[str, Doc] = field(default_factory=dict)
    assignments: set[tuple[str, str, str]] = field(default_factory=set)
    """(role id, user id, target) where target is "project:<id>", "domain:<id>" or "system"."""
    regions: dict[str, Doc] = field(default_factory=dict)
    services: dict[str, Doc] = field(default_factory=dict)
    endpoints: dict[str, Doc] = field(default_factory=dict)
    application_credentials: dict[str, Doc] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    revoked_before: dt.datetime | None = None
    """Tokens issued before this moment are invalid (the "expire all tokens" fault)."""
    user_revoked_at: dict[str, dt.datetime] = field(default_factory=dict)
    """When each user's tokens were last revoked (a password change or a disable)."""

    @classmethod
    def create(cls, site: Site) -> IdentityState:
        state = cls(site_url=site.url, region=site.config.region)
        now = site.clock.now()
        state.add_domain(DEFAULT_DOMAIN, "Default", "The default domain")
        for name in ("admin", "member", "reader"):
            # `keystone-manage bootstrap` makes its roles immutable by default.
            state.add_role(name)["options"] = {"immutable": True}
        state.add_role("service")
        admin_project = state.add_project(
            "admin", DEFAULT_DOMAIN, "Bootstrap project for initializing the cloud."
        )
        demo_project = state.add_project("demo", DEFAULT_DOMAIN, "A project for members.")
        state.add_project("service", DEFAULT_DOMAIN, "Service project.")
        admin = state.add_user("admin", DEFAULT_DOMAIN, site.config.admin_password, now)
        member = state.add_user("demo", DEFAULT_DOMAIN, site.config.member_password, now)
        state.assign(state.role_id("admin"), admin["id"], f"project:{admin_project['id']}")
        state.assign(state.role_id("admin"), admin["id"], "system")
        state.assign(state.role_id("member"), member["id"], f"project:{demo_project['id']}")
        state.add_region(site.config.region)
        state.add_catalog(site.url, site.config.region)
        return state

    # --- creation helpers, also used by the CRUD routes and the demo seed ---------------------

    def add_domain(self, domain_id: str, name: str, description: str = "") -> Doc:
        doc: Doc = {
            "id": domain_id,
            "name": name,
            "description": description,
            "enabled": True,
            "tags": [],
            "options": {},
        }
        self.domains[domain_id] = doc
        return doc

    def add_project(
        self, name: str, domain_id: str, description: str = "", project_id: str | None = None
    ) -> Doc:
        project_id = project_id or new_id().replace("-", "")
        doc: Doc = {
            "id": project_id,
            "name": name,
            "domain_id": domain_id,
            "description": description,
            "enabled": True,
            "parent_id": domain_id,
            "is_domain": False,
            "tags": [],
            "options": {},
        }
        self.projects[project_id] = doc
        return doc

    def add_user(self, name: str, domain_id: str, password: str | None, now: dt.datetime) -> Doc:
        user_id = new_id().replace("-", "")
        doc: Doc = {
            "id": user_id,
            "name": name,
            "domain_id": domain_id,
            "enabled": True,
            "password_expires_at": None,
            "options": {},
            "_password": hash_secret(password) if password is not None else None,
            "_created": now.isoformat(),
        }
        self.users[user_id] = doc
        return doc

    def add_role(self, name: str, domain_id: str | None = None) -> Doc:
        role_id = new_id().replace("-", "")
        doc: Doc = {
            "id": role_id,
            "name": name,
            "domain_id": domain_id,
            "description": None,
            "options": {},
        }
        self.roles[role_id] = doc
        return doc

    def add_region(self, region_id: str) -> Doc:
        doc: Doc = {"id": region_id, "description": "", "parent_region_id": None}
        self.regions[region_id] = doc
        return doc

    def add_catalog(self, site_url: str, region: str) -> None:
        for service_type, name, path in CATALOG:
            service_id = new_id().replace("-", "")
            self.services[service_id] = {
                "id": service_id,
                "type": service_type,
                "name": name,
                "enabled": True,
                "description": "",
            }
            for interface in ("public", "internal", "admin"):
                endpoint_id = new_id().replace("-", "")
                self.endpoints[endpoint_id] = {
                    "id": endpoint_id,
                    "service_id": service_id,
                    "interface": interface,
                    "region_id": region,
                    "region": region,
                    "url": f"{site_url}/{path}",
                    "enabled": True,
                }

    def assign(self, role_id: str, user_id: str, target: str) -> None:
        self.assignments.add((role_id, user_id, target))

    # --- queries ------------------------------------------------------------------------------

    def role_id(self, name: str) -> str:
        return next(str(r["id"]) for r in self.roles.values() if r["name"] == name)

    def effective_roles(self, user_id: str, target: str) -> list[str]:
        """Role ids the user holds on `target`, with implied roles expanded."""
        direct = {
            role for role, user, where in self.assignments if user == user_id and where == target
        }
        names = {self.roles[r]["name"] for r in direct if r in self.roles}
        pending = list(names)
        while pending:
            for implied in IMPLIED_ROLES.get(pending.pop(), ()):
                if implied not in names:
                    names.add(implied)
                    pending.append(implied)
        return [r["id"] for r in self.roles.values() if r["name"] in names]

    def catalog(self, project_id: str | None) -> list[Doc]:
        """The service catalog as it appears in a token, with $(project_id)s filled in."""
        entries = []
        for service in self.services.values():
            if not service["enabled"]:
                continue
            endpoints = [
                {
                    "id": e["id"],
                    "interface": e["interface"],
                    "region_id": e["region_id"],
                    "region": e["region_id"],
                    "url": e["url"].replace("$(project_id)s", project_id or ""),
                }
                for e in self.endpoints.values()
                if e["service_id"] == service["id"]
                and e["enabled"]
                and (project_id is not None or "$(project_id)s" not in e["url"])
            ]
            entries.append(
                {
                    "id": service["id"],
                    "type": service["type"],
                    "name": service["name"],
                    "endpoints": endpoints,
                }
            )
        return entries

    def validate(self, token_id: str | None, clock: Clock) -> Caller | None:
        """The caller a token stands for, or None if it is unknown, expired or revoked."""
        token = self.live_token(token_id, clock)
        if token is None:
            return None
        user = self.users[token.user_id]
        return Caller(
            token=token.id,
            user_id=token.user_id,
            user_name=user["name"],
            domain_id=user["domain_id"],
            project_id=token.project_id,
            roles=tuple(self.roles[r]["name"] for r in token.roles if r in self.roles),
        )

    def refresh_tokens(self, user_id: str) -> None:
        """Recompute the roles of the user's scoped tokens after their assignments changed.

        Keystone computes a token's roles when it validates the token, so a removed assignment
        takes effect at once; a token left without roles no longer validates.
        """
        for token in list(self.tokens.values()):
            if token.user_id != user_id:
                continue
            target = token_target(token)
            if target is None:
                continue
            roles = self.effective_roles(user_id, target)
            credential = self.application_credentials.get(token.application_credential_id or "")
            if credential is not None:
                roles = [r for r in roles if r in {role["id"] for role in credential["roles"]}]
            if roles:
                token.roles = roles
            else:
                del self.tokens[token.id]

    def revoke_tokens(self, user_id: str | None = None, project_id: str | None = None) -> None:
        """Invalidate the tokens matching every given criterion, as a Keystone revocation event."""
        for token in list(self.tokens.values()):
            if (user_id is None or token.user_id == user_id) and (
                project_id is None or token.project_id == project_id
            ):
                del self.tokens[token.id]

    def revoke_user_tokens(self, user_id: str, now: dt.datetime) -> None:
        """A revocation event for the user's tokens, as a password change or disable makes.

        Keystone compares the event with a token's Fernet timestamp, which has whole seconds: a
        token issued in the same second as the event, even just after it, is revoked too.
        """
        self.revoke_tokens(user_id=user_id)
        self.user_revoked_at[user_id] = now

    def live_token(self, token_id: str | None, clock: Clock) -> Token | None:
        token = self.tokens.get(token_id) if token_id else None
        if token is None:
            return None
        user_revoked_at = self.user_revoked_at.get(token.user_id)
        issued_second = token.issued_at.replace(microsecond=0)
        if (
            token.expires_at <= clock.now()
            or (self.revoked_before is not None and token.issued_at <= self.revoked_before)
            or (user_revoked_at is not None and issued_second <= user_revoked_at)
        ):
            del self.tokens[token.id]
            return None
        return token if self._scope_usable(token) else None

    def _scope_usable(self, token: Token) -> bool:
        """Whether the token's user, project and domain are all still there and enabled."""
        user = self.users.get(token.user_id)
        if user is None or not user["enabled"] or not self.domain_enabled(user["domain_id"]):
            return False
        if token.project_id is not None:
            project = self.projects.get(token.project_id)
            if project is None or not project["enabled"]:
                return False
            if not self.domain_enabled(project["domain_id"]):
                return False
        return token.domain_id is None or self.domain_enabled(token.domain_id)

    def domain_enabled(self, domain_id: str) -> bool:
        domain = self.domains.get(domain_id)
        return domain is not None and bool(domain["enabled"])
