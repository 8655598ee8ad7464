"""Start, watch and stop the harness's own processes, and run its one-shot setup commands.

Every long-running process is started in a new session, so its PID is also its process-group
id; the pidfile records that PID with the process's start time, so teardown signals exactly the
group it started and never a recycled PID. Called by infra.py and services.py.
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence

from deploy.real_sites.layout import STATE

SHIM_BIN = STATE / "bin"


class HarnessError(Exception):
    """A step of the bring-up failed; the message names it and carries the log's tail."""


def tail(log: pathlib.Path, lines: int = 40) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text[-lines:])


def base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment for Debian's OpenStack code: no venv, no pyenv, our `sudo` shim first."""
    env = {
        "PATH": f"{SHIM_BIN}:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(STATE / "home"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        # Logs go to files through stdout: unbuffered, so a failure's tail is complete.
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra or {})
    return env


def write_sudo_shim() -> None:
    """Processes running as root call `sudo cmd`; this shim (on their PATH only) just runs cmd."""
    SHIM_BIN.mkdir(parents=True, exist_ok=True)
    (STATE / "home").mkdir(parents=True, exist_ok=True)
    shim = SHIM_BIN / "sudo"
    shim.write_text('#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"\n')
    shim.chmod(0o755)


def run(
    command: Sequence[str],
    log: pathlib.Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
) -> str:
    """Run a setup command, appending its output to `log`; raise HarnessError if it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        list(command),
        env=base_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise HarnessError(
            f"`{' '.join(command)}` exited {done.returncode}; tail of {log}:\n{tail(log)}"
        )
    return done.stdout


def _start_time(pid: int) -> str | None:
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return fields[19]


def spawn(
    command: Sequence[str],
    log: pathlib.Path,
    pidfile: pathlib.Path,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start a daemon in its own session, output to `log`; record it in `pidfile`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        process = subprocess.Popen(
            list(command),
            env=base_env(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pidfile.write_text(f"{process.pid} {_start_time(process.pid)}\n{log}\n")
    return process.pid


def recorded_pid(pidfile: pathlib.Path) -> int | None:
    """The PID in `pidfile` if that very process (same start time) is still running."""
    try:
        first = pidfile.read_text().splitlines()[0].split()
    except (FileNotFoundError, IndexError):
        return None
    pid = int(first[0])
    return pid if _start_time(pid) == first[1] else None


def log_of(pidfile: pathlib.Path) -> pathlib.Path:
    return pathlib.Path(pidfile.read_text().splitlines()[1])


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def stop(pidfile: pathlib.Path, grace: float = 20) -> None:
    """SIGTERM the process group recorded in `pidfile`, SIGKILL what is left after `grace`."""
    pid = recorded_pid(pidfile)
    if pid is not None:
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while group_members(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if group_members(pid):
            _signal_group(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return


def wait_http(url: str, pidfile: pathlib.Path, what: str, timeout: float = 180) -> float:
    """Wait until `url` answers any HTTP status; fail early if the process died. Return seconds."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if recorded_pid(pidfile) is None:
            raise HarnessError(f"{what} died; tail of its log:\n{tail(log_of(pidfile))}")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - loopback http only
                return time.monotonic() - start
        except urllib.error.HTTPError:
            return time.monotonic() - start
        except OSError:
            time.sleep(0.5)
    raise HarnessError(
        f"{what} not answering on {url} after {timeout:.0f}s:\n{tail(log_of(pidfile))}"
    )
