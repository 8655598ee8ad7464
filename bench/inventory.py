"""Inventory benchmarks over N demo-seeded emulated sites, each in its own process.

- controller: Stackfleet's own services (bootstrap.build_services) register every site, run a full
  inventory refresh at concurrency C, change 1% of the servers, and run an incremental refresh;
  wall time, requests (counted by the emulator), RSS.
- floor: a hand-written openstacksdk script, a thread pool of the same concurrency C over one
  long-lived, already-authenticated Connection per site, listing the same resources.
- serial: one site after another, as openstacksdk's OpenStackInventory does, over a sample of the
  sites (extrapolated to N, and said so).
- api: `stackfleet serve` on the controller's database: search p95 over every server, and the time
  from `site down` to offline.
Called by bench/run.py; `python -m bench.inventory <phase> ...` is each phase's subprocess.
"""

from __future__ import annotations

import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import yaml

from bench.emulator import Running, emulator, memory_mib

CONCURRENCY = 32
WAN_LATENCY_MS = 50
"""Added by the emulator to every request, as between a control plane and remote sites; on bare
loopback a serial loop is bounded by client CPU, not by waiting, which no real fleet is."""
SERIAL_SAMPLE = 50
CHANGED_SITES_PER_100 = 1
"""Sites whose every server is renamed before the incremental refresh: 1% of all servers."""


def requests_served(url: str, token: str) -> int:
    sites = httpx.get(f"{url}/_admin/sites", headers={"X-Admin-Token": token}, timeout=60)
    return sum(site["requests_served"] for site in sites.json()["sites"])


def admin_clouds(clouds_yaml: pathlib.Path) -> list[str]:
    names = yaml.safe_load(clouds_yaml.read_text())["clouds"]
    return sorted((n for n in names if not n.endswith("-member")), key=lambda n: int(n[4:]))


def run_phase(phase: str, running: Running, *extra: str) -> dict[str, Any]:
    """Run one phase in a fresh Python process; return the JSON it prints last."""
    command = [sys.executable, "-m", "bench.inventory", phase, running.url, running.token,
               str(running.clouds_yaml), *extra]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench phase {phase} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- phases (each runs in its own process) ----------------------------------------------------


def controller_phase(
    url: str, token: str, clouds_yaml: pathlib.Path, data_dir: str
) -> dict[str, Any]:
    from stackfleet.bootstrap import build_services
    from stackfleet.kernel.fanout import fan_out
    from stackfleet.settings import Settings
    from stackfleet.sites.models import CloudConfig

    services = build_services(Settings(data_dir=pathlib.Path(data_dir), concurrency=CONCURRENCY))
    clouds = yaml.safe_load(clouds_yaml.read_text())["clouds"]
    names = admin_clouds(clouds_yaml)

    def register(name: str) -> None:
        entry = clouds[name]
        cloud = CloudConfig(auth=entry["auth"], region_name=entry.get("region_name"))
        services.sites.add(name, cloud)

    started = time.perf_counter()
    fan_out(names, register, CONCURRENCY)
    registered_s = time.perf_counter() - started
    sites = services.sites.list()
    full = _timed_refresh(services, sites, url, token, full=True)
    changed = _change_servers(clouds_yaml, names[:: 100 // CHANGED_SITES_PER_100])
    incremental = _timed_refresh(services, sites, url, token, full=False)
    memory = memory_mib(os.getpid())
    services.close()
    return {"sites": len(sites), "register_s": registered_s, "full": full,
            "incremental": incremental, "servers_changed": changed, **memory}  # fmt: skip


def _timed_refresh(
    services: Any, sites: list[Any], url: str, token: str, *, full: bool
) -> dict[str, Any]:
    before = requests_served(url, token)
    started = time.perf_counter()
    results = services.inventory.refresh(sites, full=full)
    wall = time.perf_counter() - started
    errors = [r.error for r in results if r.error]
    return {"wall_s": wall, "requests": requests_served(url, token) - before - 1,
            "rows": sum(r.upserted for r in results), "errors": len(errors),
            "first_error": errors[0] if errors else None}  # fmt: skip


def _change_servers(clouds_yaml: pathlib.Path, names: list[str]) -> int:
    connections = _connections(clouds_yaml, names)
    changed = 0
    for conn in connections:
        for server in conn.compute.servers(all_projects=True):
            conn.compute.update_server(server, name=f"{server.name}-renamed")
            changed += 1
        conn.close()
    return changed


def _connections(clouds_yaml: pathlib.Path, names: list[str]) -> list[Any]:
    warnings.simplefilter("ignore")
    import openstack.config
    from openstack.connection import Connection

    config = openstack.config.OpenStackConfig(config_files=[str(clouds_yaml)])
    return [Connection(config=config.get_one(cloud=name)) for name in names]


def list_everything(conn: Any) -> int:
    """What a hand-written inventory script lists on one site, with openstacksdk's proxies."""
    compute, network, image, volume = conn.compute, conn.network, conn.image, conn.block_storage
    listings: list[Callable[[], Iterator[Any]]] = [
        lambda: compute.servers(details=True, all_projects=True),
        compute.flavors, image.images, compute.keypairs, network.networks, network.subnets,
        network.ports, network.routers, network.ips, network.security_groups,
        lambda: volume.volumes(details=True, all_projects=True),
        lambda: volume.snapshots(details=True, all_projects=True),
        lambda: volume.backups(details=True, all_projects=True),
        lambda: compute.hypervisors(details=True),
    ]  # fmt: skip
    count = sum(len(list(listing())) for listing in listings)
    project = conn.current_project_id
    compute.get_quota_set(project)
    network.get_quota(project, details=True)
    volume.get_quota_set(project, usage=True)
    return count + 3


def floor_phase(url: str, token: str, clouds_yaml: pathlib.Path) -> dict[str, Any]:
    names = admin_clouds(clouds_yaml)
    connections = _connections(clouds_yaml, names)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda c: c.authorize(), connections))  # warm: every token issued
        before = requests_served(url, token)
        started = time.perf_counter()
        rows = sum(pool.map(list_everything, connections))
        wall = time.perf_counter() - started
    return {"wall_s": wall, "requests": requests_served(url, token) - before - 1, "rows": rows,
            **memory_mib(os.getpid())}  # fmt: skip


def serial_phase(url: str, token: str, clouds_yaml: pathlib.Path, sample: str) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    from openstack.cloud.inventory import OpenStackInventory

    names = admin_clouds(clouds_yaml)[: int(sample)]
    entries = yaml.safe_load(clouds_yaml.read_text())["clouds"]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as subset:
        yaml.safe_dump({"clouds": {name: entries[name] for name in names}}, subset)
        subset.flush()
        before = requests_served(url, token)
        started = time.perf_counter()
        inventory = OpenStackInventory(config_files=[subset.name])
        rows = sum(list_everything(cloud) for cloud in inventory.clouds)
        wall = time.perf_counter() - started
    return {"sites": len(names), "wall_s": wall, "rows": rows,
            "requests": requests_served(url, token) - before - 1}  # fmt: skip


# --- the API over the controller's database ---------------------------------------------------


def api_figures(running: Running, data_dir: str, sites: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "STACKFLEET_DATA_DIR": data_dir,
        "STACKFLEET_CONCURRENCY": str(CONCURRENCY),
    }
    port = "8611"
    process = subprocess.Popen(
        [sys.executable, "-m", "stackfleet", "serve", "--port", port],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    started = time.monotonic()
    try:
        _wait_all_probed(base, sites)
        search_busy = _search_latencies(base)  # while the refresh loop's first full pass runs
        # Then the steady state: every site refreshed once, the loops on their schedules.
        _wait_refreshed_since(f"http://127.0.0.1:{port}/metrics", started, sites)
        search = _search_latencies(base)
        detection = _detection_seconds(running, base)
        memory = memory_mib(process.pid)
        loops = _children(process.pid)
        memory["loops_rss_mib"] = sum(memory_mib(pid)["rss_mib"] for pid in loops)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return {"search": search, "search_during_first_refresh": search_busy,
            "detection_s": detection, "serve_rss_mib": memory["rss_mib"],
            "serve_peak_rss_mib": memory["peak_rss_mib"],
            "loops_rss_mib": memory["loops_rss_mib"]}  # fmt: skip


def _children(pid: int) -> list[int]:
    """The loop processes of `stackfleet serve` (not multiprocessing's resource tracker)."""
    path = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
    children = [int(child) for child in path.read_text().split()] if path.exists() else []
    return [c for c in children if b"spawn_main" in pathlib.Path(f"/proc/{c}/cmdline").read_bytes()]


def _wait_all_probed(base: str, sites: int) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"{base}/health", timeout=30).json()
            probed = [s for s in health if s["last_probe_at"]]
            if len(probed) >= sites:
                return
        except httpx.TransportError:
            pass
        time.sleep(1)
    raise RuntimeError("stackfleet serve did not probe every site within 10 minutes")


def _wait_refreshed_since(metrics: str, started: float, sites: int) -> None:
    """Until every site's inventory is younger than the server (its loop refreshed them all)."""
    prefix = "stackfleet_inventory_refresh_age_seconds{"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        lines = httpx.get(metrics, timeout=60).text.splitlines()
        ages = [float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(prefix)]
        if len(ages) >= sites and max(ages) < time.monotonic() - started:
            return
        time.sleep(2)
    raise RuntimeError("the refresh loop did not refresh every site within 15 minutes")


def _search_latencies(base: str) -> dict[str, float]:
    first = httpx.get(f"{base}/inventory", params={"type": "server", "limit": 1000}, timeout=60)
    servers = first.json()["items"]
    terms = [s["name"] for s in servers[:60]] + [s["resource_id"][:8] for s in servers[60:120]]
    terms += [s["addresses"][0] for s in servers[120:200] if s["addresses"]]
    total = httpx.get(f"{base}/inventory/count", params={"type": "server"}, timeout=60).json()
    latencies = []
    with httpx.Client(timeout=60) as client:
        for term in random.Random(7).sample(terms, len(terms)):
            started = time.perf_counter()
            answer = client.get(
                f"{base}/inventory", params={"type": "server", "q": term, "limit": 50}
            )
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
    latencies.sort()
    return {"queries": len(latencies), "servers": sum(g["count"] for g in total["groups"]),
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000}  # fmt: skip


def _detection_seconds(running: Running, base: str) -> float:
    name = "site7"
    headers = {"X-Admin-Token": running.token}
    faults = f"{running.url}/_admin/sites/{name}/faults"
    httpx.put(faults, json={"down": True}, headers=headers, timeout=30).raise_for_status()
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < 120:
            status = httpx.get(f"{base}/sites/{name}/health", timeout=30).json()["status"]
            if status == "offline":
                return time.perf_counter() - started
            time.sleep(0.1)
        raise RuntimeError(f"{name} was not reported offline within 120 s")
    finally:
        httpx.delete(faults, headers=headers, timeout=30)


def add_latency(running: Running, milliseconds: float) -> None:
    headers = {"X-Admin-Token": running.token}
    with httpx.Client(base_url=f"{running.url}/_admin", headers=headers, timeout=60) as admin:
        for site in admin.get("/sites").json()["sites"]:
            answer = admin.patch(f"/sites/{site['name']}/faults", json={"latency_ms": milliseconds})
            answer.raise_for_status()


def run(sites: int) -> dict[str, Any]:
    with emulator(sites) as running, tempfile.TemporaryDirectory(prefix="sf-inv-") as data:
        add_latency(running, WAN_LATENCY_MS)
        controller = run_phase("controller", running, data)
        floor = run_phase("floor", running)
        serial = run_phase("serial", running, str(min(SERIAL_SAMPLE, sites)))
        api = api_figures(running, data, sites)
    per_site = serial["wall_s"] / serial["sites"]
    serial["extrapolated_wall_s"] = per_site * sites
    return {"sites": sites, "concurrency": CONCURRENCY, "latency_ms": WAN_LATENCY_MS,
            "controller": controller,
            "floor": floor, "serial": serial, "api": api}  # fmt: skip


def main(argv: list[str]) -> None:
    phase, url, token, clouds, *rest = argv
    phases: dict[str, Callable[..., dict[str, Any]]] = {
        "controller": controller_phase, "floor": floor_phase, "serial": serial_phase,
    }  # fmt: skip
    print(json.dumps(phases[phase](url, token, pathlib.Path(clouds), *rest)))


if __name__ == "__main__":
    main(sys.argv[1:])
