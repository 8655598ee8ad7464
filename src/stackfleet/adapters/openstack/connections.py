"""One long-lived openstacksdk Connection per site, and the raw JSON calls made over it.

A Connection holds a keystoneauth session (its token, its discovered endpoints and its pooled
HTTP connections), so it is made once per site on first use and reused by every probe, discovery
and listing until the site is forgotten or its cloud config changes. Creating it is guarded by a
lock per site, because many sites are probed and collected at once from a thread pool. Every
call carries the action's global request id (`kernel.tracing`). Used by the gateway and by the
discovery, probe and collect modules.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import openstack
from keystoneauth1.access import AccessInfo
from keystoneauth1.adapter import Adapter
from keystoneauth1.exceptions import ClientException
from openstack.connection import Connection
from openstack.exceptions import SDKException
from requests import Response

from stackfleet.adapters.openstack.errors import (
    cause_from_exception,
    cause_from_response,
    site_error,
)
from stackfleet.kernel.ids import SiteId
from stackfleet.kernel.tracing import current_request_id
from stackfleet.sites.models import CloudConfig, Site

LIBRARY_ERRORS: tuple[type[BaseException], ...] = (ClientException, SDKException, OSError)
"""What keystoneauth1/openstacksdk/requests raise for a failing site (requests' errors are
OSErrors)."""

PROXIES = {"block-storage": "block_storage"}
"""Connection attribute of a service type, where it is not the type itself."""


def open_connection(cloud: CloudConfig, timeout: float) -> Connection:
    """A Connection for `cloud`, with nothing read from clouds.yaml or the environment."""
    options: dict[str, Any] = {
        "auth": dict(cloud.auth),
        "auth_type": cloud.auth_type,
        "interface": cloud.interface,
        "verify": cloud.verify,
    }
    if cloud.region_name:
        options["region_name"] = cloud.region_name
    if cloud.cacert:
        options["cacert"] = cloud.cacert
    return openstack.connect(
        load_yaml_config=False,
        load_envvars=False,
        app_name="stackfleet",
        api_timeout=timeout,
        **options,
    )


@dataclass
class SiteSession:
    """A site's Connection and what every call on it needs: the site's name for errors."""

    site: Site
    conn: Connection
    endpoints: dict[str, str] = field(default_factory=dict)
    """Versioned endpoint URL per service, from the catalog (see `_endpoint`)."""

    def access(self) -> AccessInfo:
        """The current token (authenticating first when there is none or it expired)."""
        try:
            auth = self.conn.session.auth
            access: AccessInfo = auth.get_access(self.conn.session)  # type: ignore[union-attr]
        except LIBRARY_ERRORS as failed:
            cause = cause_from_exception(failed, "identity")
            raise site_error(self.site.name, cause, authenticating=True) from None
        return access

    def is_admin(self) -> bool:
        return "admin" in (self.access().role_names or [])

    def endpoint_max_version(self, service_type: str) -> str | None:
        """The highest microversion `service_type` offers, from keystoneauth's cached discovery."""
        try:
            data = self.conn.session.get_endpoint_data(
                service_type=service_type,
                interface=self.site.cloud.interface,
                region_name=self.site.cloud.region_name,
            )
        except LIBRARY_ERRORS:
            return None
        if data is None or data.max_microversion is None:
            return None
        major, minor = data.max_microversion
        return f"{major}.{minor}"

    def endpoint_host(self, service_type: str) -> str | None:
        """The host:port of the service's endpoint (cached after the first lookup)."""
        try:
            proxy = getattr(self.conn, PROXIES.get(service_type, service_type))
            return urlsplit(self._endpoint(service_type, proxy)).netloc or None
        except LIBRARY_ERRORS:
            return None

    def send(
        self,
        service: str,
        path: str,
        *,
        microversion: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Response:
        """GET `path` on `service` and return the answer whatever its status.

        Raises SiteUnavailable / SiteAuthFailed when no answer came (unreachable, timeout, TLS)
        or authentication failed.
        """
        try:
            proxy = getattr(self.conn, PROXIES.get(service, service))
            response: Response = proxy.get(
                path,
                microversion=microversion,
                params=dict(params or {}),
                global_request_id=current_request_id(),
                raise_exc=False,
                endpoint_override=self._endpoint(service, proxy),
            )
        except LIBRARY_ERRORS as failed:
            cause = cause_from_exception(failed, service)
            raise site_error(self.site.name, cause, authenticating=False) from None
        return response

    def _endpoint(self, service: str, proxy: Any) -> str:
        """The service's versioned endpoint, looked up in the catalog once per Connection.

        keystoneauth otherwise searches (and deep-copies) the catalog on every request: a third
        of the CPU of a probe.
        """
        url = self.endpoints.get(service)
        if url is None:
            # keystoneauth's own lookup (the identity proxy's `get_endpoint` reads an endpoint).
            url = self.endpoints[service] = str(Adapter.get_endpoint(proxy))
        return url

    def get(
        self,
        service: str,
        path: str,
        *,
        microversion: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """GET `path` on `service` and return its JSON body; an error answer raises."""
        response = self.send(service, path, microversion=microversion, params=params)
        if response.status_code >= 400:
            cause = cause_from_response(response, service)
            raise site_error(self.site.name, cause, authenticating=False)
        return response.json()


class Connections:
    """The open Connection of every site Stackfleet talks to, by site id."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.opened = 0
        """How many Connections were ever opened (one per site unless forgotten)."""
        self._sessions: dict[SiteId, SiteSession] = {}
        self._locks: dict[SiteId, threading.Lock] = {}
        self._guard = threading.Lock()

    def session(self, site: Site) -> SiteSession:
        """The site's session, opening its Connection on first use or after a config change."""
        current = self._sessions.get(site.id)
        if current is not None and current.site.cloud == site.cloud:
            current.site = site
            return current
        with self._guard:
            lock = self._locks.setdefault(site.id, threading.Lock())
        with lock:
            current = self._sessions.get(site.id)
            if current is not None and current.site.cloud == site.cloud:
                return current
            if current is not None:
                current.conn.close()
            try:
                conn = open_connection(site.cloud, self.timeout)
            except LIBRARY_ERRORS as failed:
                cause = cause_from_exception(failed, "identity")
                raise site_error(site.name, cause, authenticating=True) from None
            created = SiteSession(site, conn)
            with self._guard:
                self._sessions[site.id] = created
                self.opened += 1
            return created

    def forget(self, site_id: SiteId) -> None:
        """Close the site's Connection; the next call opens a new one."""
        with self._guard:
            self._locks.pop(site_id, None)
            dropped = self._sessions.pop(site_id, None)
        if dropped is not None:
            dropped.conn.close()

    def close(self) -> None:
        """Close every Connection."""
        with self._guard:
            dropped = list(self._sessions.values())
            self._sessions.clear()
            self._locks.clear()
        for session in dropped:
            session.conn.close()

    def __len__(self) -> int:
        return len(self._sessions)
