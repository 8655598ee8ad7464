"""RSS and PSS of every process group the harness started, per service (the research's table).

Reads /proc only. Called by cli.py after a bring-up (into last-run.json) and by `memory`.
"""

from __future__ import annotations

import pathlib

from deploy.real_sites import procs
from deploy.real_sites.layout import INFRA, STATE


def _kib(path: pathlib.Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return 0


def pidfiles() -> dict[str, pathlib.Path]:
    """`infra/mariadb`, `site1/nova-api`, ... -> pidfile, for every recorded process group."""
    found = {f"infra/{p.stem}": p for p in sorted((INFRA / "pids").glob("*.pid"))}
    for site_dir in sorted(STATE.glob("site*")):
        for pidfile in sorted((site_dir / "pids").glob("*.pid")):
            found[f"{site_dir.name}/{pidfile.stem}"] = pidfile
    return found


def measure() -> dict[str, dict[str, int]]:
    """Per service: number of processes, RSS and PSS in MiB (running groups only)."""
    table: dict[str, dict[str, int]] = {}
    for name, pidfile in pidfiles().items():
        pid = procs.recorded_pid(pidfile)
        if pid is None:
            continue
        members = procs.group_members(pid)
        rss = sum(_kib(pathlib.Path(f"/proc/{m}/status"), "VmRSS") for m in members)
        pss = sum(_kib(pathlib.Path(f"/proc/{m}/smaps_rollup"), "Pss") for m in members)
        table[name] = {"nproc": len(members), "rss_mib": rss // 1024, "pss_mib": pss // 1024}
    return table


def render(table: dict[str, dict[str, int]]) -> str:
    lines = [f"{'SERVICE':<28} {'NPROC':>5} {'RSS_MiB':>8} {'PSS_MiB':>8}"]
    for name, row in table.items():
        lines.append(f"{name:<28} {row['nproc']:>5} {row['rss_mib']:>8} {row['pss_mib']:>8}")
    rss = sum(row["rss_mib"] for row in table.values())
    pss = sum(row["pss_mib"] for row in table.values())
    lines.append(f"{'TOTAL':<28} {'':>5} {rss:>8} {pss:>8}")
    return "\n".join(lines)
