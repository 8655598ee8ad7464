"""`/metrics`: Prometheus text in the openstack-exporter style, read from current state at scrape.

A custom collector on the API's own registry asks the services at each scrape (no counters to
keep in step): per site `stackfleet_site_up`, `stackfleet_site_status{status}`,
`openstack_<service>_up` from the last probe, `stackfleet_probe_latency_seconds{service}`,
`stackfleet_inventory_items{type}` and `stackfleet_inventory_refresh_age_seconds`. Mounted by
`app.create_api`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from stackfleet.bootstrap import Services
from stackfleet.inventory.models import InventoryQuery
from stackfleet.sites.models import Site, SiteStatus

EXPORTER_NAMES = {
    "identity": "identity",
    "compute": "nova",
    "network": "neutron",
    "image": "glance",
    "block-storage": "cinder",
}
"""openstack-exporter's name for each service type, as in `openstack_nova_up`."""

_UP = frozenset({SiteStatus.ONLINE, SiteStatus.DEGRADED})


class StackfleetCollector(Collector):
    """Reads sites, health and inventory counts when Prometheus scrapes."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterable[Metric]:
        sites = self.services.sites.list()
        yield from self._health(sites)
        yield self._items(sites)
        yield self._refresh_age(sites)

    def _health(self, sites: Sequence[Site]) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "stackfleet_site_up", "1 if the site is online or degraded", labels=["site"]
        )
        status = GaugeMetricFamily(
            "stackfleet_site_status", "1 for the site's current status", labels=["site", "status"]
        )
        latency = GaugeMetricFamily(
            "stackfleet_probe_latency_seconds",
            "Latency of each service's last probe",
            labels=["site", "service"],
        )
        services = {
            kind: GaugeMetricFamily(
                f"openstack_{name}_up", f"1 if {kind} answered the last probe", labels=["site"]
            )
            for kind, name in EXPORTER_NAMES.items()
        }
        for site in sites:
            up.add_metric([site.name], 1.0 if site.health.status in _UP else 0.0)
            for each in SiteStatus:
                status.add_metric(
                    [site.name, str(each)], 1.0 if each == site.health.status else 0.0
                )
            for probe in site.health.services:
                if probe.service_type in services:
                    services[probe.service_type].add_metric([site.name], 1.0 if probe.ok else 0.0)
                if probe.latency_ms is not None:
                    latency.add_metric([site.name, probe.service_type], probe.latency_ms / 1000)
        yield from (up, status, *services.values(), latency)

    def _items(self, sites: Sequence[Site]) -> Metric:
        items = GaugeMetricFamily(
            "stackfleet_inventory_items", "Resources in the inventory", labels=["site", "type"]
        )
        names: dict[str, str] = {site.id: site.name for site in sites}
        for row in self.services.inventory.count(InventoryQuery(), ["site", "type"]):
            site = names.get(row.key.get("site", ""))
            if site is not None:
                items.add_metric([site, row.key.get("type", "")], float(row.count))
        return items

    def _refresh_age(self, sites: Sequence[Site]) -> Metric:
        age = GaugeMetricFamily(
            "stackfleet_inventory_refresh_age_seconds",
            "Seconds since the site's inventory was last refreshed successfully",
            labels=["site"],
        )
        now = self.services.clock.now()
        refreshed = self.services.inventory.last_refreshed()
        for site in sites:
            last = refreshed.get(site.id)
            if last is not None:
                age.add_metric([site.name], max((now - last) / dt.timedelta(seconds=1), 0.0))
        return age


def router(services: Services) -> APIRouter:
    """The `/metrics` route over a registry of its own (not the process-global one)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StackfleetCollector(services))
    metrics = APIRouter(tags=["metrics"])

    @metrics.get("/metrics", response_class=Response)
    def scrape() -> Response:
        """Prometheus text exposition of every site's health and inventory."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics
