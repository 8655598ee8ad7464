"""Emulator benchmarks: 1000 seeded sites in one process, and server-list throughput.

Starts `stackfleet emulator up --sites N --seed demo` as a real subprocess and measures:
- startup: from spawn until the admin API answers with every site (wall time);
- memory: the emulator's RSS once up, and its peak (VmHWM) after the load test;
- `server list --long` load: 32 concurrent openstacksdk clients (processes x threads, each with
  one long-lived Connection to its own site) listing the 21 servers of a seeded site with details:
  p50/p95 latency, requests/s, and the CPU the emulator and the clients each used;
- the same request from a raw keep-alive HTTP client, to show the emulator's own ceiling.
"""

from __future__ import annotations

import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

CLIENT_PROCESSES = 4
THREADS_PER_PROCESS = 8
DURATION_S = 20.0
WARMUP_S = 10.0


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    url: str
    token: str
    clouds_yaml: pathlib.Path
    startup_s: float


@contextmanager
def emulator(sites: int) -> Iterator[Running]:
    with tempfile.TemporaryDirectory(prefix="sf-bench-") as tmp:
        data = pathlib.Path(tmp)
        command = [
            sys.executable,
            "-m",
            "stackfleet",
            "emulator",
            "up",
            "--sites",
            str(sites),
            "--seed",
            "demo",
            "--port",
            "0",
            "--data-dir",
            str(data),
        ]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url, token = _wait_until_serving(process, data, sites)
            yield Running(process, url, token, data / "clouds.yaml", time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(timeout=60)


def _wait_until_serving(
    process: subprocess.Popen[bytes], data: pathlib.Path, sites: int
) -> tuple[str, str]:
    runtime = data / "emulator.json"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited with {process.returncode}")
        if runtime.exists():
            info = json.loads(runtime.read_text())
            try:
                answer = httpx.get(
                    f"{info['url']}/_admin/sites",
                    headers={"X-Admin-Token": info["admin_token"]},
                    timeout=30,
                )
                if answer.status_code == 200 and len(answer.json()["sites"]) == sites:
                    return str(info["url"]), str(info["admin_token"])
            except httpx.TransportError:
                pass
        time.sleep(0.05)
    raise RuntimeError("the emulator did not start within 10 minutes")


def memory_mib(pid: int) -> dict[str, float]:
    status = pathlib.Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = {line.split(":")[0]: line.split()[1] for line in status if line.startswith("Vm")}
    return {"rss_mib": int(fields["VmRSS"]) / 1024, "peak_rss_mib": int(fields["VmHWM"]) / 1024}


def cpu_seconds(pid: int) -> float:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Samples = list[tuple[float, float]]
"""(wall-clock end time, latency in seconds) of each request."""


def _window_cpu(start: float, until: float) -> list[float]:
    """Sample this process's CPU time at the window's start and end, from a side thread."""
    marks: list[float] = []

    def sample() -> None:
        for moment in (start, until):
            time.sleep(max(0.0, moment - time.time()))
            marks.append(time.process_time())

    threading.Thread(target=sample, daemon=True).start()
    return marks


def _sdk_client(
    clouds_yaml: str, clouds: list[str], start: float, until: float
) -> tuple[Samples, float]:
    """One client process: a thread per cloud, each with its own long-lived Connection."""
    import warnings

    warnings.simplefilter("ignore")
    import openstack.config
    from openstack.connection import Connection

    config = openstack.config.OpenStackConfig(config_files=[clouds_yaml])
    samples: Samples = []
    lock = threading.Lock()
    marks = _window_cpu(start, until)

    def run(cloud: str) -> None:
        conn = Connection(config=config.get_one(cloud=cloud))
        assert len(list(conn.compute.servers(details=True, all_projects=True))) == 21
        mine = []
        while time.time() < until:
            began = time.perf_counter()
            list(conn.compute.servers(details=True, all_projects=True))
            mine.append((time.time(), time.perf_counter() - began))
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=run, args=(cloud,)) for cloud in clouds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, marks[1] - marks[0]


def _raw_client(
    url: str, token_by_site: dict[str, str], start: float, until: float
) -> tuple[Samples, float]:
    """Keep-alive HTTP/1.1 over asyncio streams: the cheapest client Python can be."""
    import asyncio
    from urllib.parse import urlsplit

    marks = _window_cpu(start, until)
    address = urlsplit(url)

    async def one(site: str, token: str, out: Samples) -> None:
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        request = (
            f"GET /{site}/compute/v2.1/servers/detail?all_tenants=1 HTTP/1.1\r\n"
            f"Host: {address.netloc}\r\nX-Auth-Token: {token}\r\n"
            "OpenStack-API-Version: compute 2.93\r\n\r\n"
        ).encode()
        while time.time() < until:
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), head[:100]
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            out.append((time.time(), time.perf_counter() - began))
        writer.close()

    async def main() -> Samples:
        out: Samples = []
        await asyncio.gather(*(one(s, t, out) for s, t in token_by_site.items()))
        return out

    samples = asyncio.run(main())
    return samples, marks[1] - marks[0]


def _summary(
    latencies: list[float], wall: float, server_cpu: float, client_cpu: float
) -> dict[str, float]:
    """Figures over the measurement window (after the clients have warmed up)."""
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "requests_per_s": len(ordered) / wall,
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
        "emulator_cpu_s_per_request_ms": 1000 * server_cpu / len(ordered),
        "client_cpu_s_per_request_ms": 1000 * client_cpu / len(ordered),
        "emulator_cpu_share": server_cpu / wall,
    }


def sdk_load(running: Running, processes: int, threads: int) -> dict[str, float]:
    clouds = [f"site{i}" for i in range(1, processes * threads + 1)]
    groups = [clouds[i::processes] for i in range(processes)]
    return _load(running, [(_sdk_client, (str(running.clouds_yaml), group)) for group in groups])


def light_load(running: Running) -> dict[str, float]:
    tokens = {}
    for index in range(1, 33):
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": "admin",
                            "domain": {"id": "default"},
                            "password": "stackfleet",
                        }
                    },
                },
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
            }
        }
        answer = httpx.post(f"{running.url}/site{index}/identity/v3/auth/tokens", json=body)
        tokens[f"site{index}"] = answer.headers["x-subject-token"]
    halves = [dict(list(tokens.items())[i::2]) for i in range(2)]
    return _load(running, [(_raw_client, (running.url, half)) for half in halves])


Client = Callable[..., tuple[Samples, float]]


def _load(running: Running, jobs: list[tuple[Client, tuple[object, ...]]]) -> dict[str, float]:
    pid = running.process.pid
    with ProcessPoolExecutor(len(jobs)) as pool:
        start = time.time() + WARMUP_S
        until = start + DURATION_S
        futures = [pool.submit(fn, *args, start, until) for fn, args in jobs]
        time.sleep(max(0.0, start - time.time()))
        cpu_before = cpu_seconds(pid)
        time.sleep(max(0.0, until - time.time()))
        server_cpu = cpu_seconds(pid) - cpu_before
        results = [future.result() for future in futures]
    latencies = [lat for samples, _ in results for end, lat in samples if start <= end <= until]
    return _summary(latencies, DURATION_S, server_cpu, sum(cpu for _, cpu in results))


def run(sites: int = 1000) -> dict[str, object]:
    with emulator(sites) as running:
        up = memory_mib(running.process.pid)
        sdk = sdk_load(running, CLIENT_PROCESSES, THREADS_PER_PROCESS)
        single = sdk_load(running, 1, 1)
        light = light_load(running)
        after = memory_mib(running.process.pid)
    return {
        "sites": sites,
        "startup_s": running.startup_s,
        "rss_after_startup_mib": up["rss_mib"],
        "peak_rss_mib": after["peak_rss_mib"],
        "server_list_openstacksdk": sdk,
        "server_list_openstacksdk_one_client": single,
        "server_list_light_client": light,
    }
