"""`stackfleet serve` as operators run it: a real process, its two loops in child processes.

Real parts: the `stackfleet serve` subprocess (the API, a probe-loop child and a refresh-loop
child), SQLite in a temp dir, an emulator site on loopback. Only the loops probe and refresh, so
a site turning up probed and inventoried proves the children run; stopping the server must stop
them too.
"""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable

import httpx

from stackfleet.kernel.clock import SystemClock
from tests.conftest import RunningEmulator
from tests.integration.test_control_plane import cloud_of


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    clock = SystemClock()
    deadline = clock.monotonic() + timeout
    while not condition():
        if clock.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        threading.Event().wait(0.1)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _loop_children(pid: int) -> list[int]:
    """The processes `pid` spawned to run its loops (not multiprocessing's resource tracker)."""
    path = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
    children = [int(child) for child in path.read_text().split()] if path.exists() else []
    return [c for c in children if b"spawn_main" in pathlib.Path(f"/proc/{c}/cmdline").read_bytes()]


def test_serve_probes_in_its_loops_process_and_stops_it(
    running_emulator: RunningEmulator, tmp_path: pathlib.Path
) -> None:
    name = f"srv-{uuid.uuid4().hex[:6]}"
    running_emulator.add_site(name)
    port = _free_port()
    env = {**os.environ, "STACKFLEET_PROBE_INTERVAL": "0.5"}
    command = [sys.executable, "-m", "stackfleet", "serve", "--port", str(port),
               "--data-dir", str(tmp_path)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        _wait(lambda: _answers(f"{base}/sites"), 30, "the API")
        cloud = cloud_of(running_emulator, name)
        body = {"name": name, "cloud": {"auth": dict(cloud.auth), "region_name": cloud.region_name}}
        assert httpx.post(f"{base}/sites", json=body, timeout=30).status_code == 201

        def probed() -> bool:
            health = httpx.get(f"{base}/sites/{name}/health", timeout=5).json()
            return bool(health["last_probe_at"]) and health["status"] == "online"

        _wait(probed, 20, "the probe loop to probe the new site")

        def inventoried() -> bool:
            found = httpx.get(f"{base}/inventory", params={"site": name}, timeout=5).json()
            return bool(found["items"])

        _wait(inventoried, 20, "the refresh loop to inventory the new site")
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert f'stackfleet_site_up{{site="{name}"}} 1.0' in metrics
        loops = _loop_children(process.pid)
        assert len(loops) == 2, loops
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode in (0, -signal.SIGTERM), stderr.decode()[-2000:]
    _wait(lambda: not any(pathlib.Path(f"/proc/{c}").exists() for c in loops), 30, "loops exit")
