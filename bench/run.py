"""`make bench`: run the benchmarks, keep the raw figures, and rewrite docs/performance.md.

Each run writes bench/results/<name>.json (the figures and the machine they were measured on);
docs/performance.md is generated from the latest results so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import platform
import sys

from bench import emulator, inventory, report

RESULTS = pathlib.Path(__file__).parent / "results"
DOC = pathlib.Path(__file__).parent.parent / "docs" / "performance.md"


def machine() -> dict[str, object]:
    memory_kib = next(
        int(line.split()[1])
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


BENCHMARKS = {"emulator": emulator.run, "inventory": inventory.run}


def main() -> None:
    """`python -m bench.run [SITES] [NAME ...]`: every benchmark, or the named ones."""
    RESULTS.mkdir(exist_ok=True)
    sites = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    names = sys.argv[2:] or list(BENCHMARKS)
    for name in names:
        figures = BENCHMARKS[name](sites)
        result = {
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "figures": figures,
        }
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        DOC.write_text(report.render(RESULTS))
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
