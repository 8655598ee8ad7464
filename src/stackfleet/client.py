"""The typed Python client of Stackfleet's REST API (httpx), used by the CLI and by scripts.

One method per route, returning the same pydantic wire models the server answers with
(`api/schemas.py`), so client and server cannot drift. Every failure is a `ClientError` built
from the server's problem+json (or saying the API cannot be reached), never an httpx exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from stackfleet.api.schemas import EventOut, HealthOut, SiteCreate, SiteImport, SiteOut, SiteUpdate
from stackfleet.api.schemas_inventory import (
    CountFilters,
    CountOut,
    InventoryFilters,
    InventoryItemOut,
    InventoryPage,
    RefreshOut,
)

DEFAULT_URL = "http://127.0.0.1:8600"
M = TypeVar("M")


class ClientError(Exception):
    """The API refused or failed a request: its status, the problem's title and detail."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{title} ({status}): {detail}" if status else f"{title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail


class StackfleetClient:
    """Calls Stackfleet's API at `base_url`; close it (or use it as a context manager)."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def __enter__(self) -> StackfleetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # Sites
    def add_site(self, site: SiteCreate) -> SiteOut:
        return self._call("POST", "/v1/sites", SiteOut, json=_body(site))

    def import_sites(self, request: SiteImport) -> list[SiteOut]:
        return self._call("POST", "/v1/sites/import", list[SiteOut], json=_body(request))

    def list_sites(self) -> list[SiteOut]:
        return self._call("GET", "/v1/sites", list[SiteOut])

    def get_site(self, site: str) -> SiteOut:
        return self._call("GET", f"/v1/sites/{_seg(site)}", SiteOut)

    def update_site(self, site: str, change: SiteUpdate) -> SiteOut:
        body = change.model_dump(mode="json", exclude_unset=True)
        return self._call("PATCH", f"/v1/sites/{_seg(site)}", SiteOut, json=body)

    def remove_site(self, site: str) -> None:
        self._send("DELETE", f"/v1/sites/{_seg(site)}")

    # Health
    def health(self) -> list[HealthOut]:
        return self._call("GET", "/v1/health", list[HealthOut])

    def site_health(self, site: str) -> HealthOut:
        return self._call("GET", f"/v1/sites/{_seg(site)}/health", HealthOut)

    def probe(self, site: str) -> HealthOut:
        return self._call("POST", f"/v1/sites/{_seg(site)}/probe", HealthOut)

    def events(
        self, site: str | None = None, limit: int = 100, before: int | None = None
    ) -> list[EventOut]:
        params = _params({"site": site, "limit": limit, "before": before})
        return self._call("GET", "/v1/events", list[EventOut], params=params)

    # Inventory
    def inventory(self, filters: InventoryFilters | None = None) -> InventoryPage:
        params = _params((filters or InventoryFilters()).model_dump(mode="json"))
        return self._call("GET", "/v1/inventory", InventoryPage, params=params)

    def count(self, filters: CountFilters | None = None) -> CountOut:
        params = _params((filters or CountFilters()).model_dump(mode="json"))
        return self._call("GET", "/v1/inventory/count", CountOut, params=params)

    def get_item(
        self, site: str, type_: str, resource_id: str, *, live: bool = False
    ) -> InventoryItemOut:
        path = f"/v1/sites/{_seg(site)}/inventory/{_seg(type_)}/{_seg(resource_id)}"
        params = {"live": "true" if live else "false"}
        return self._call("GET", path, InventoryItemOut, params=params)

    def refresh(self, site: str, *, full: bool = True) -> RefreshOut:
        params = {"full": "true" if full else "false"}
        return self._call("POST", f"/v1/sites/{_seg(site)}/refresh", RefreshOut, params=params)

    def metrics(self) -> str:
        return self._send("GET", "/metrics").text

    # Plumbing
    def _call(self, method: str, path: str, model: type[M], **kwargs: Any) -> M:
        response = self._send(method, path, **kwargs)
        try:
            return TypeAdapter(model).validate_json(response.content)
        except ValidationError as bad:
            raise ClientError(
                response.status_code,
                "Unexpected answer",
                f"{method} {path} answered something this client does not understand "
                f"(is the server the same Stackfleet version?): {bad.errors()[0]['msg']}",
            ) from bad

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as slow:
            raise ClientError(
                0, "Timed out", f"The Stackfleet API at {self.base_url} did not answer in time."
            ) from slow
        except httpx.TransportError as down:
            raise ClientError(
                0,
                "Unreachable",
                f"Cannot reach the Stackfleet API at {self.base_url} ({down}); start it with "
                "`stackfleet serve`, or point --url / STACKFLEET_URL at it.",
            ) from down
        if response.is_error:
            raise _problem(response)
        return response


def _problem(response: httpx.Response) -> ClientError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "detail" in body:
        title = str(body.get("title") or response.reason_phrase)
        return ClientError(response.status_code, title, str(body["detail"]))
    text = response.text.strip()[:500] or response.reason_phrase
    return ClientError(response.status_code, response.reason_phrase or "Error", text)


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json", exclude_none=True)


def _seg(value: str) -> str:
    """One path segment, escaped so a name never reaches another route."""
    return quote(value, safe="")


def _params(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Query parameters without the unset ones; lists become repeated parameters."""
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        items: Sequence[Any] = value if isinstance(value, list) else [value]
        pairs.extend((key, _text(item)) for item in items if item is not None)
    return pairs


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
