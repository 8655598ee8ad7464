"""Read pytest's junit XML into test -> outcome, and lay several runs side by side.

Pure functions, called by tests/real/driver.py (and tested by tests/real/test_results.py).
"""

from __future__ import annotations

import pathlib
import xml.etree.ElementTree as ET
from collections import Counter

Outcomes = dict[str, str]
# When a test has several records (call failed and teardown errored), the worst one counts.
SEVERITY = {"pass": 0, "skip": 1, "fail": 2, "error": 3, "missing": 4}


def outcome(case: ET.Element) -> str:
    """pass / fail / error / skip for one junit <testcase>."""
    tags = {child.tag for child in case}
    if "error" in tags:
        return "error"
    if "failure" in tags:
        return "fail"
    if "skipped" in tags:
        return "skip"
    return "pass"


def test_id(case: ET.Element) -> str:
    module = case.get("classname", "").removeprefix("tests.conformance.")
    return f"{module}::{case.get('name', '')}"


def parse_junit(path: pathlib.Path) -> Outcomes:
    """Outcome per test id (`test_image::test_create`) of one junit file."""
    tree = ET.parse(path)  # noqa: S314 - our own pytest's output
    found: Outcomes = {}
    for case in tree.iter("testcase"):
        key, result = test_id(case), outcome(case)
        if SEVERITY[result] >= SEVERITY.get(found.get(key, "pass"), 0):
            found[key] = result
    return found


def table(runs: dict[str, Outcomes], reference: str) -> tuple[list[str], dict[str, int]]:
    """Rows `test | run... ` (a `*` marks rows where a run differs from `reference`) + counts."""
    tests = sorted({test for outcomes in runs.values() for test in outcomes})
    labels = list(runs)
    width = max((len(test) for test in tests), default=4)
    rows = ["  " + f"{'test':<{width}} " + " ".join(f"{label:>9}" for label in labels)]
    counts: Counter[str] = Counter()
    for test in tests:
        results = [runs[label].get(test, "missing") for label in labels]
        expected = runs[reference].get(test, "missing")
        differs = any(
            result != expected
            for label, result in zip(labels, results, strict=True)
            if label != reference
        )
        counts["differ"] += differs
        real = [r for label, r in zip(labels, results, strict=True) if label != reference]
        counts["real_sites_disagree"] += len(set(real)) > 1
        for label, result in zip(labels, results, strict=True):
            counts[f"{label}:{result}"] += 1
        mark = "* " if differs else "  "
        rows.append(mark + f"{test:<{width}} " + " ".join(f"{r:>9}" for r in results))
    counts["tests"] = len(tests)
    return rows, dict(counts)


def summary(runs: dict[str, Outcomes], counts: dict[str, int], reference: str) -> str:
    per_run = "; ".join(
        f"{label}: "
        + ", ".join(
            f"{counts.get(f'{label}:{o}', 0)} {o}" for o in ("pass", "fail", "error", "skip")
        )
        for label in runs
    )
    return (
        f"{counts['tests']} tests. {per_run}. "
        f"{counts.get('differ', 0)} differ between a real site and the {reference}; "
        f"{counts.get('real_sites_disagree', 0)} differ between the real sites."
    )


def unexplained(runs: dict[str, Outcomes], reference: str, explained: dict[str, str]) -> list[str]:
    """What the real tier must fail on: the reference not passing a test, or a real site's
    result differing from the reference's on a test that `explained` does not list.
    """
    problems = []
    for test, result in sorted(runs[reference].items()):
        if result != "pass":
            problems.append(f"{test}: {result} on the {reference}")
    for label, outcomes in runs.items():
        if label == reference:
            continue
        for test in sorted(set(outcomes) | set(runs[reference])):
            result = outcomes.get(test, "missing")
            if result != runs[reference].get(test, "missing") and test not in explained:
                problems.append(f"{test}: {result} on {label}, unexplained")
    return problems
