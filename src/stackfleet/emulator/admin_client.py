"""A typed client of the emulator's admin API (`admin.py`), used by `stackfleet emulator ...`.

It speaks HTTP with httpx to a running emulator, so the commands work against an emulator started
in another terminal, and turns every failure (emulator not running, wrong token, refused input)
into an `AdminError` whose message an operator can act on.
"""

from __future__ import annotations

from typing import Any

import httpx


class AdminError(Exception):
    """The admin API could not be reached or refused the request."""


class AdminClient:
    """Calls on a running emulator's admin API at `<url>/_admin`."""

    def __init__(self, url: str, admin_token: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=f"{self.url}/_admin",
            headers={"X-Admin-Token": admin_token},
            timeout=timeout,
        )

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def sites(self) -> list[dict[str, Any]]:
        sites: list[dict[str, Any]] = self._call("GET", "/sites")["sites"]
        return sites

    def site(self, name: str) -> dict[str, Any]:
        site: dict[str, Any] = self._call("GET", f"/sites/{name}")["site"]
        return site

    def add_site(self, config: dict[str, Any]) -> dict[str, Any]:
        site: dict[str, Any] = self._call("POST", "/sites", json=config)["site"]
        return site

    def remove_site(self, name: str) -> None:
        self._call("DELETE", f"/sites/{name}")

    def faults(self, name: str) -> dict[str, Any]:
        faults: dict[str, Any] = self._call("GET", f"/sites/{name}/faults")["faults"]
        return faults

    def patch_faults(self, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        body = self._call("PATCH", f"/sites/{name}/faults", json=changes)
        faults: dict[str, Any] = body["faults"]
        return faults

    def clear_faults(self, name: str) -> dict[str, Any]:
        faults: dict[str, Any] = self._call("DELETE", f"/sites/{name}/faults")["faults"]
        return faults

    def expire_tokens(self, name: str) -> str:
        return str(self._call("POST", f"/sites/{name}/expire-tokens")["revoked_before"])

    def clouds(self, *sites: str) -> dict[str, Any]:
        return self._call("GET", "/clouds", params={"site": list(sites)})

    def save(self, path: str | None = None) -> str:
        body = {"path": path} if path is not None else None
        return str(self._call("POST", "/save", json=body)["path"])

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise AdminError(
                f"cannot reach the emulator at {self.url} ({exc}); is `stackfleet emulator up` "
                "running?"
            ) from exc
        if response.status_code >= 400:
            raise AdminError(_error_message(response))
        if response.status_code == 204 or not response.content:
            return {}
        body: dict[str, Any] = response.json()
        return body


def _error_message(response: httpx.Response) -> str:
    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text.strip() or response.reason_phrase
    return f"{message} (HTTP {response.status_code})"
