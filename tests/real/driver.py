"""Run the conformance suite, unchanged, against each real site and the emulator; compare.

`python -m tests.real.driver --clouds-yaml <harness clouds.yaml> --sites site1 site2` runs
`pytest tests/conformance --junitxml` once per real site (STACKFLEET_CLOUDS_YAML/STACKFLEET_CLOUD)
and once against the emulator (neither variable set), then prints the side-by-side table and a
summary. A real site's failure that differs from the emulator is run once more (a loaded 2-core
machine makes real services slow); what still differs must be listed in `explained.py`, and the
emulator must pass everything, or the run fails. Called by the Makefile's `test-real` target after
`python -m deploy.real_sites up`.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import time

from tests.real import results
from tests.real.explained import EXPLAINED

REPO = pathlib.Path(__file__).resolve().parents[2]
EMULATOR = "emulator"


def pytest_command(junit: pathlib.Path, tests: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "pytest", *tests, "-q", "-p", "no:cacheprovider",
        f"--junitxml={junit}",
    ]  # fmt: skip


def node_id(test: str) -> str:
    """`test_image::test_create` → `tests/conformance/test_image.py::test_create`."""
    module, _, name = test.partition("::")
    return f"tests/conformance/{module}.py::{name}"


def start(
    label: str,
    out: pathlib.Path,
    clouds_yaml: pathlib.Path,
    tests: list[str] | None = None,
    run: str = "",
) -> subprocess.Popen[bytes]:
    """Start pytest against `label` (a real site or the emulator); results in <label><run>.xml."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STACKFLEET_", "OS_"))}
    if label != EMULATOR:
        env |= {"STACKFLEET_CLOUDS_YAML": str(clouds_yaml), "STACKFLEET_CLOUD": label}
    (out / f"{label}{run}.xml").unlink(missing_ok=True)
    with (out / f"{label}{run}.log").open("wb") as log:
        return subprocess.Popen(
            pytest_command(out / f"{label}{run}.xml", tests or ["tests/conformance"]),
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def run_all(labels: list[str], out: pathlib.Path, clouds_yaml: pathlib.Path) -> list[str]:
    """Run the real sites' suites concurrently, then the emulator's; return failures to report."""
    problems = []
    for batch in ([label for label in labels if label != EMULATOR], [EMULATOR]):
        started = time.monotonic()
        running = {label: start(label, out, clouds_yaml) for label in batch}
        for label, process in running.items():
            code = process.wait()
            sys.stdout.write(
                f"pytest vs {label}: exit {code} after {time.monotonic() - started:.0f}s "
                f"(log {out / (label + '.log')})\n"
            )
            # 0: all passed, 1: some failed. Anything else means the run itself broke.
            if code not in (0, 1) or not (out / f"{label}.xml").exists():
                problems.append(f"pytest vs {label} exited {code}; see {out / (label + '.log')}")
    return problems


def rerun_differences(
    runs: dict[str, results.Outcomes], out: pathlib.Path, clouds_yaml: pathlib.Path
) -> list[str]:
    """Run each real site's unexplained differences once more; a pass there replaces the first
    result. Returns the tests that passed only the second time (reported as flaky)."""
    reference = runs[EMULATOR]
    retry = {
        label: [t for t, r in outcomes.items() if r != reference.get(t) and t not in EXPLAINED]
        for label, outcomes in runs.items()
        if label != EMULATOR
    }
    running = {
        label: start(label, out, clouds_yaml, [node_id(t) for t in tests], run="-rerun")
        for label, tests in retry.items()
        if tests
    }
    flaky = []
    for label, process in running.items():
        process.wait()
        rerun = out / f"{label}-rerun.xml"
        second = results.parse_junit(rerun) if rerun.exists() else {}
        for test in retry[label]:
            if second.get(test) == "pass":
                runs[label][test] = "pass"
                flaky.append(f"{test} on {label}")
    return flaky


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.real.driver")
    parser.add_argument("--clouds-yaml", type=pathlib.Path, required=True)
    parser.add_argument("--sites", nargs="+", default=["site1", "site2"])
    parser.add_argument(
        "--out", type=pathlib.Path, default=pathlib.Path("/var/tmp/stackfleet-real/junit")
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    labels = [*args.sites, EMULATOR]
    problems = run_all(labels, args.out, args.clouds_yaml)
    if problems:
        sys.stdout.write("\n".join(problems) + "\n")
        return 2
    runs = {label: results.parse_junit(args.out / f"{label}.xml") for label in labels}
    flaky = rerun_differences(runs, args.out, args.clouds_yaml)
    rows, counts = results.table(runs, EMULATOR)
    verdict = results.unexplained(runs, EMULATOR, EXPLAINED)
    lines = [*rows, "", results.summary(runs, counts, EMULATOR)]
    lines += [f"passed when run again: {test}" for test in flaky]
    lines += [f"PROBLEM {problem}" for problem in verdict]
    lines.append(
        f"{len(verdict)} problems (emulator failures or unexplained differences)"
        if verdict
        else "every difference is explained in tests/real/explained.py"
    )
    text = "\n".join(lines) + "\n"
    (args.out / "table.txt").write_text(text)
    sys.stdout.write(text)
    sys.stdout.write(f"(table saved in {args.out / 'table.txt'})\n")
    return 1 if verdict else 0


if __name__ == "__main__":
    sys.exit(main())
