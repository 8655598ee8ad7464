"""Identity v3 (Keystone): tokens and the catalog in `tokens.py`, resources in `resources.py`."""

from __future__ import annotations

from stackfleet.emulator.errors import render_keystone_error
from stackfleet.emulator.identity import tokens
from stackfleet.emulator.service import Service


def _is_public(method: str, path: str) -> bool:
    return path in ("/", "/v3", "/v3/") or (path == "/v3/auth/tokens" and method == "POST")


SERVICE = Service(
    name="identity",
    routes=[*tokens.ROUTES],
    render_error=render_keystone_error,
    is_public=_is_public,
)
