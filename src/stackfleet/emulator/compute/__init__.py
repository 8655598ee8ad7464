"""The compute service."""

from __future__ import annotations

from stackfleet.emulator.errors import render_fault
from stackfleet.emulator.service import Service


def _is_public(method: str, path: str) -> bool:
    del method
    return path == "/"


SERVICE = Service(name="compute", routes=[], render_error=render_fault, is_public=_is_public)
