"""Identity v3 (Keystone): tokens and the catalog in `tokens.py`, resources in their own modules.

`projects`, `domains`, `users`, `credentials`, `roles`, `grants`, `assignments`, `catalog` and
`endpoints` each own one family of /v3 resources; `common` and `schema` hold what they share
(policy, links, filters, body validation). The emulator app (`app.py`) mounts `SERVICE`.
"""

from __future__ import annotations

import re

from stackfleet.emulator.errors import render_keystone_error
from stackfleet.emulator.identity import (
    assignments,
    catalog,
    credentials,
    domains,
    endpoints,
    grants,
    projects,
    roles,
    tokens,
    users,
)
from stackfleet.emulator.service import Service

_PASSWORD_CHANGE = re.compile(r"^/v3/users/[^/]+/password$")


def _is_public(method: str, path: str) -> bool:
    if path in ("/", "/v3", "/v3/"):
        return True
    if method == "POST":
        # Issuing a token and changing one's own (perhaps expired) password need no token.
        return path == "/v3/auth/tokens" or _PASSWORD_CHANGE.match(path) is not None
    return False


SERVICE = Service(
    name="identity",
    routes=[
        *tokens.ROUTES,
        *catalog.AUTH_ROUTES,
        *projects.ROUTES,
        *domains.ROUTES,
        *users.ROUTES,
        *credentials.ROUTES,
        *roles.ROUTES,
        *grants.ROUTES,
        *assignments.ROUTES,
        *catalog.ROUTES,
        *endpoints.ROUTES,
    ],
    render_error=render_keystone_error,
    is_public=_is_public,
)
