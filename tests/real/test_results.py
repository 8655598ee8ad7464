"""Unit tests of the real tier's junit reading and side-by-side table (tests/real/results.py)."""

from __future__ import annotations

import pathlib

from tests.real import results

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.conformance.test_image" name="test_ok"/>
<testcase classname="tests.conformance.test_image" name="test_bad"><failure/></testcase>
<testcase classname="tests.conformance.test_image" name="test_skip"><skipped/></testcase>
<testcase classname="tests.conformance.test_image" name="test_teardown"><failure/></testcase>
<testcase classname="tests.conformance.test_image" name="test_teardown"><error/></testcase>
</testsuite></testsuites>
"""


def test_parse_junit_takes_the_worst_record_per_test(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "run.xml"
    path.write_text(JUNIT)
    assert results.parse_junit(path) == {
        "test_image::test_ok": "pass",
        "test_image::test_bad": "fail",
        "test_image::test_skip": "skip",
        "test_image::test_teardown": "error",
    }


def test_table_marks_differences_from_the_reference() -> None:
    runs = {
        "site1": {"t::a": "pass", "t::b": "fail"},
        "site2": {"t::a": "pass", "t::b": "pass"},
        "emulator": {"t::a": "pass", "t::b": "pass", "t::c": "skip"},
    }
    rows, counts = results.table(runs, "emulator")
    assert [row[:2] for row in rows[1:]] == ["  ", "* ", "* "]
    assert counts["tests"] == 3
    assert counts["differ"] == 2
    assert counts["real_sites_disagree"] == 1
    assert counts["site1:missing"] == 1
    line = results.summary(runs, counts, "emulator")
    assert "2 differ between a real site and the emulator" in line
    assert "1 differ between the real sites" in line


def test_unexplained_differences_and_reference_failures_are_problems() -> None:
    runs = {
        "site1": {"t::a": "fail", "t::b": "fail", "t::c": "pass"},
        "emulator": {"t::a": "pass", "t::b": "pass", "t::c": "error"},
    }
    problems = results.unexplained(runs, "emulator", {"t::a": "fake driver"})
    assert problems == [
        "t::c: error on the emulator",
        "t::b: fail on site1, unexplained",
        "t::c: pass on site1, unexplained",
    ]
    agreed = {"site1": {"t::a": "pass"}, "emulator": {"t::a": "pass"}}
    assert results.unexplained(agreed, "emulator", {"t::a": "fake driver"}) == []
