"""A site: one emulated OpenStack cloud, and the registry of all sites in one emulator.

A `Site` owns the state of its five services (identity, compute, network, image, block storage),
its settings (capacity, delays) and its injected faults. Delayed transitions are `Timer`s that fire
when a later request reaches the site, so a thousand idle sites cost no background work. The
`Emulator` is the registry the HTTP app and the admin API read and change.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import pathlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field

from stackfleet.emulator.block_storage.state import VolumeState
from stackfleet.emulator.clock import Clock, SystemClock
from stackfleet.emulator.compute.state import ComputeState
from stackfleet.emulator.identity.state import IdentityState
from stackfleet.emulator.image.state import ImageState
from stackfleet.emulator.network.state import NetworkState

SERVICES = ("identity", "compute", "network", "image", "volume")
"""The path segment of each service under a site: /<site>/<service>/..."""


@dataclass
class Capacity:
    """The site's hypervisors: how many, how big, and how far they may be overcommitted."""

    hypervisors: int = 4
    vcpus: int = 32
    memory_mb: int = 131072
    disk_gb: int = 2000
    cpu_allocation_ratio: float = 4.0
    ram_allocation_ratio: float = 1.0
    disk_allocation_ratio: float = 1.0
    availability_zones: tuple[str, ...] = ("nova",)


@dataclass
class SiteConfig:
    """What an operator chooses when adding a site."""

    name: str
    region: str = "RegionOne"
    admin_password: str = "stackfleet"  # noqa: S105 - the emulator's documented default
    member_password: str = "stackfleet"  # noqa: S105
    boot_seconds: float = 0.5
    """How long a server stays in BUILD (and a volume in creating, an image in saving)."""
    token_ttl_seconds: int = 3600
    capacity: Capacity = field(default_factory=Capacity)
    web_download_allowlist: tuple[str, ...] = ("http://127.0.0.1", "http://localhost")
    """URL prefixes (scheme://host[:port]) Glance's web-download import may fetch from."""


@dataclass
class Faults:
    """Faults injected into a site through the admin API (`stackfleet emulator fault`)."""

    down: bool = False
    """Refuse connections: clients see the connection fail, as if the site were off."""
    unavailable: frozenset[str] = frozenset()
    """Services answering 503 (names from SERVICES, or "all")."""
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    """Fraction of requests answered with a 500 in the service's fault format."""
    capacity_exhausted: bool = False
    """The scheduler finds no valid host for any new server."""
    boot_seconds: float | None = None
    """Slow boot: overrides `SiteConfig.boot_seconds` while set (see `Site.set_faults`)."""

    def is_unavailable(self, service: str) -> bool:
        return "all" in self.unavailable or service in self.unavailable


SiteAction = Callable[["Site"], None]
"""A delayed state change. Use module-level functions (or partials of them) so state pickles."""


@dataclass(order=True)
class Timer:
    """A delayed action on a site, ordered by when it is due."""

    due: float
    seq: int
    action: SiteAction = field(compare=False)


class Site:
    """One emulated OpenStack cloud with its own Keystone and independent state."""

    def __init__(
        self, config: SiteConfig, base_url: str, data_dir: pathlib.Path, clock: Clock
    ) -> None:
        self.config = config
        self.clock = clock
        self.name = config.name
        self.url = f"{base_url}/{config.name}"
        self.data_dir = data_dir / config.name
        self.faults = Faults()
        self.requests_served = 0
        """Requests that reached this site (faulted ones included): benchmarks count calls."""
        self.global_request_ids: collections.deque[str] = collections.deque(maxlen=100)
        """The latest `X-OpenStack-Request-ID`s clients sent, as a real service logs them."""
        self.configured_boot_seconds = config.boot_seconds
        self.timers: list[Timer] = []
        self._seq = itertools.count()
        self.identity = IdentityState.create(self)
        self.network = NetworkState.create(self)
        self.image = ImageState.create(self)
        self.volume = VolumeState.create(self)
        self.compute = ComputeState.create(self)

    def set_faults(self, faults: Faults) -> None:
        """Inject `faults`, replacing the current ones; the slow-boot fault edits the config."""
        if self.faults.boot_seconds is None:
            # Remember the operator's choice so clearing the fault restores it.
            self.configured_boot_seconds = self.config.boot_seconds
        override = faults.boot_seconds
        self.config.boot_seconds = self.configured_boot_seconds if override is None else override
        self.faults = faults

    def remove_data(self) -> None:
        """Delete the site's data files (image data, volumes, backups)."""
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def service_url(self, service: str) -> str:
        return f"{self.url}/{service}"

    def schedule(self, delay: float, action: SiteAction) -> None:
        """Run `action` on this site once `delay` seconds have passed."""
        heapq.heappush(self.timers, Timer(self.clock.monotonic() + delay, next(self._seq), action))

    def run_due(self) -> None:
        """Fire every timer that is due; called before the site handles each request."""
        now = self.clock.monotonic()
        while self.timers and self.timers[0].due <= now:
            heapq.heappop(self.timers).action(self)

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_seq"] = next(self._seq)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        state["_seq"] = itertools.count(int(str(state["_seq"])))
        self.__dict__.update(state)


class Emulator:
    """The registry of sites served by one emulator process."""

    def __init__(
        self,
        base_url: str,
        data_dir: pathlib.Path,
        admin_token: str,
        clock: Clock | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.data_dir = data_dir
        self.admin_token = admin_token
        self.clock: Clock = clock or SystemClock()
        self.sites: dict[str, Site] = {}

    def add_site(self, config: SiteConfig) -> Site:
        """Create a site; raises ValueError if the name is taken or not a valid path segment."""
        if config.name in self.sites:
            raise ValueError(f"site {config.name!r} already exists")
        if not _valid_site_name(config.name):
            raise ValueError(
                f"site name {config.name!r} must be 1-63 letters, digits, '-' or '_', "
                "and not start with '_'"
            )
        site = Site(config, self.base_url, self.data_dir, self.clock)
        self.sites[config.name] = site
        return site

    def remove_site(self, name: str) -> None:
        """Forget a site, its state and its data files; raises KeyError if there is no such site."""
        self.sites.pop(name).remove_data()


def _valid_site_name(name: str) -> bool:
    return (
        0 < len(name) <= 63
        and not name.startswith("_")
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
    )
