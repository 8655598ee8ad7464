"""`python -m deploy.real_sites up|down|status|memory`: the real tier's sites, from a shell.

`up` installs what is missing, starts the private infra and brings up N sites (reusing those
already up and healthy), writes $STATE/clouds.yaml and records timings and memory in
last-run.json. `down` stops every process group the harness recorded, and nothing else.
Called by the Makefile's `test-real` target.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from typing import Any

from deploy.real_sites import bootstrap, bringup, infra, install, memory, procs, services
from deploy.real_sites.layout import CLOUDS_YAML, LAST_RUN, STATE, SiteLayout


def say(message: str) -> None:
    print(f"[{datetime.datetime.now(datetime.UTC):%H:%M:%S}] {message}", flush=True)


def up(count: int, reuse: bool) -> dict[str, Any]:
    """Bring up sites 1..count; return the run record written to last-run.json."""
    started = time.monotonic()
    record: dict[str, Any] = {"sites": {}}
    install_seconds = install.ensure()
    say(f"packages: installed in {install_seconds}s" if install_seconds else "packages: present")
    record["install_seconds"] = install_seconds
    procs.write_sudo_shim()
    record["infra_seconds"] = infra.start()
    say(f"infra up {record['infra_seconds'] or '(already running)'}")
    sites = [SiteLayout(number) for number in range(1, count + 1)]
    for site in sites:
        if reuse and services.running(site):
            enabled = bringup.reset_reused(site)
            say(f"{site.name}: already up, reused" + (f"; re-enabled {enabled}" if enabled else ""))
            record["sites"][site.name] = "reused"
            continue
        say(f"{site.name}: bringing up")
        record["sites"][site.name] = bringup.bring_up(site, say)
        say(f"{site.name}: up in {record['sites'][site.name]['total']}s")
    bootstrap.write_clouds_yaml(sites)
    record["bringup_seconds"] = round(time.monotonic() - started, 1)
    say(f"{count} site(s) up in {record['bringup_seconds']}s; clouds.yaml: {CLOUDS_YAML}")
    return record


def save(record: dict[str, Any]) -> None:
    """Merge `record` into last-run.json; reused sites keep the timings of their bring-up."""
    previous: dict[str, Any] = json.loads(LAST_RUN.read_text()) if LAST_RUN.exists() else {}
    if all(timing == "reused" for timing in record["sites"].values()):
        # Nothing was brought up: keep the figures of the bring-up that was.
        for key in ("bringup_seconds", "infra_seconds"):
            record[key] = previous.get(key, record[key])
    for name, timing in record["sites"].items():
        if timing == "reused" and name in previous.get("sites", {}):
            record["sites"][name] = previous["sites"][name]
    if record["install_seconds"] is None:
        record["install_seconds"] = previous.get("install_seconds")
    record["measured_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    record["cpus"] = os.cpu_count()
    record["memory"] = memory.measure()
    if "memory_after_suite" in previous:
        record["memory_after_suite"] = previous["memory_after_suite"]
    LAST_RUN.write_text(json.dumps(record, indent=2) + "\n")


def down() -> None:
    for site_dir in sorted(STATE.glob("site*")):
        if site_dir.is_dir():
            services.stop_site(SiteLayout(int(site_dir.name.removeprefix("site"))))
            say(f"{site_dir.name} stopped")
    infra.stop()
    say("infra stopped")


def status() -> int:
    down_count = 0
    for name, pidfile in memory.pidfiles().items():
        alive = procs.recorded_pid(pidfile) is not None
        down_count += not alive
        print(f"{name:<28} {'up' if alive else 'DOWN'}")
    return 1 if down_count else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.real_sites")
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="install if needed, bring up N sites")
    up_parser.add_argument("--sites", type=int, default=2)
    up_parser.add_argument("--fresh", action="store_true", help="rebuild sites even if healthy")
    commands.add_parser("down", help="stop everything the harness started")
    commands.add_parser("status", help="which recorded processes are alive")
    memory_parser = commands.add_parser("memory", help="RSS/PSS per service")
    memory_parser.add_argument(
        "--save", action="store_true", help="record it in last-run.json as memory_after_suite"
    )
    args = parser.parse_args(argv)
    STATE.mkdir(parents=True, exist_ok=True)
    if args.command == "down":
        down()
        return 0
    if args.command == "status":
        return status()
    if args.command == "memory":
        measured = memory.measure()
        print(memory.render(measured))
        if args.save and LAST_RUN.exists():
            record = json.loads(LAST_RUN.read_text())
            record["memory_after_suite"] = measured
            LAST_RUN.write_text(json.dumps(record, indent=2) + "\n")
        return 0
    try:
        record = up(args.sites, reuse=not args.fresh)
    except procs.HarnessError as failure:
        say(f"BRING-UP FAILED: {failure}")
        return 1
    save(record)
    print(memory.render(record["memory"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
