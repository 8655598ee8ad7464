"""The background loops of `stackfleet serve`: health probes and inventory refreshes.

Each site has its own schedule, so a slow or hanging site never delays the others: a dispatcher
thread hands every site that is due to a bounded thread pool, and skips a site whose previous run
is still going. Probes run every `probe_interval`; refreshes are incremental every
`incremental_interval` and full every `refresh_interval` (which also rediscovers the site's
versions and capacity), and skip sites that are offline or refuse our credentials (their rows
stay, shown stale). Built by server.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from stackfleet.bootstrap import Services
from stackfleet.kernel.ids import SiteId
from stackfleet.kernel.tracing import request_id
from stackfleet.sites.models import Site, SiteStatus

log = logging.getLogger(__name__)

TICK = 0.25
"""Seconds between looks at which sites are due."""

RELIST = 1.0
"""Seconds between readings of the site list (each opens every site's sealed credentials)."""

CONFIRM = 0.25
"""After a failed probe, the next comes this fraction of the probe interval later: a site is
called offline after two failures, so an outage is confirmed in about 1.25 intervals, not 2."""

UNREFRESHABLE = frozenset({SiteStatus.OFFLINE, SiteStatus.AUTH_FAILED})


class _Schedule:
    """Per-site due times for one kind of work, and which sites are running now."""

    def __init__(self, name: str, pool: ThreadPoolExecutor, work: Callable[[Site], None]) -> None:
        self.name = name
        self.pool = pool
        self.work = work
        self.due: dict[SiteId, float] = {}
        self.running: set[SiteId] = set()
        self.lock = threading.Lock()

    def dispatch(self, site: Site, now: float, interval: float) -> None:
        """Start `work(site)` if it is due and not already running; schedule the next run."""
        with self.lock:
            if site.id in self.running or self.due.get(site.id, 0.0) > now:
                return
            self.running.add(site.id)
            self.due[site.id] = now + interval
        self.pool.submit(self._run, site)

    def due_in(self, site_id: SiteId, seconds: float, now: float) -> None:
        """Bring the site's next run forward to `seconds` from `now` (never later)."""
        with self.lock:
            self.due[site_id] = min(self.due.get(site_id, now + seconds), now + seconds)

    def _run(self, site: Site) -> None:
        try:
            with request_id():
                self.work(site)
        except Exception:
            log.exception("%s of site %s failed", self.name, site.name)
        finally:
            with self.lock:
                self.running.discard(site.id)


class Workers:
    """Probe and refresh every registered site on its own schedule, until stopped.

    `probes` / `refreshes` choose which loops run here: `stackfleet serve` runs each in its own
    process, so a full refresh of a thousand sites cannot delay the probes that detect outages.
    """

    def __init__(self, services: Services, *, probes: bool = True, refreshes: bool = True) -> None:
        self.services = services
        self.probes = probes
        self.refreshes = refreshes
        self._last_full: dict[SiteId, float] = {}
        self._stop = threading.Event()
        limit = services.settings.concurrency
        self._probes = _Schedule("probe", ThreadPoolExecutor(limit, "probe"), self._probe)
        self._refreshes = _Schedule("refresh", ThreadPoolExecutor(limit, "refresh"), self._refresh)
        self._thread = threading.Thread(target=self._loop, name="workers", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching and wait for the runs in progress."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        for schedule in (self._probes, self._refreshes):
            schedule.pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        clock = self.services.clock
        settings = self.services.settings
        sites: list[Site] = []
        listed_at = float("-inf")
        while not self._stop.is_set():
            now = clock.monotonic()
            if now - listed_at >= RELIST:
                sites, listed_at = self._list_sites(sites), now
                self._forget_removed({site.id for site in sites})
            for site in sites:
                if self.probes:
                    self._probes.dispatch(site, now, settings.probe_interval)
                if self.refreshes and site.health.status not in UNREFRESHABLE:
                    self._refreshes.dispatch(site, now, settings.incremental_interval)
            clock.wait(TICK, self._stop)

    def _list_sites(self, previous: list[Site]) -> list[Site]:
        try:
            return self.services.sites.list()
        except Exception:
            log.exception("cannot list sites; keeping the previous list")
            return previous

    def _probe(self, site: Site) -> None:
        probed = self.services.sites.probe(site)
        if probed.health.consecutive_failures == 1:
            interval = self.services.settings.probe_interval
            self._probes.due_in(site.id, interval * CONFIRM, self.services.clock.monotonic())

    def _refresh(self, site: Site) -> None:
        clock = self.services.clock
        last_full = self._last_full.get(site.id)
        full = last_full is None or clock.monotonic() - last_full >= (
            self.services.settings.refresh_interval
        )
        result = self.services.inventory.refresh_site(site, full=full)
        if full and result.error is None:
            self._last_full[site.id] = clock.monotonic()
            # Versions and capacity change slowly: re-read them with every full refresh.
            self.services.sites.rediscover(site)

    def _forget_removed(self, present: set[SiteId]) -> None:
        """Drop the schedules and close the connection of sites removed (maybe by the API)."""
        known = set(self._probes.due) | set(self._refreshes.due)
        for site_id in known - present:
            for schedule in (self._probes, self._refreshes):
                with schedule.lock:
                    schedule.due.pop(site_id, None)
            self._last_full.pop(site_id, None)
            self.services.gateway.forget(site_id)
