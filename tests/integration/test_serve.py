"""`stackfleet serve` as operators run it: a real process, its loops in a child process.

Real parts: the `stackfleet serve` subprocess (API + its loops child), SQLite in a temp dir, an
emulator site on loopback. The loops are the only ones that probe, so a site turning up probed
proves the child runs; stopping the server must stop the child too.
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


def _children(pid: int) -> list[int]:
    path = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


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

        _wait(probed, 20, "the loops process to probe the new site")
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert f'stackfleet_site_up{{site="{name}"}} 1.0' in metrics
        loops = _children(process.pid)
        assert loops, "no loops child process"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode in (0, -signal.SIGTERM), stderr.decode()[-2000:]
    _wait(lambda: not any(pathlib.Path(f"/proc/{c}").exists() for c in loops), 30, "loops exit")
