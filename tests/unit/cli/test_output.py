"""Every output format of the CLI, for lists and for single records, and column choice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
import yaml
from rich.console import Console
from rich.table import Table

from stackfleet.cli.output import Format, cell, emit, pick_columns, render_list, render_one

COLUMNS = ("Name", "Status", "Networks", "Age")
ROWS: list[dict[str, Any]] = [
    {"Name": "web-1", "Status": "ACTIVE", "Networks": ["10.0.0.5", "fd00::5"], "Age": 3},
    {"Name": "db, primary", "Status": None, "Networks": [], "Age": 1.5},
]


def text(rendered: Table | str, width: int = 200) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    emit(console, rendered)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


def test_a_list_as_a_table_has_a_header_and_every_row() -> None:
    rendered = render_list(ROWS, COLUMNS, Format.table)
    assert isinstance(rendered, Table)
    shown = text(rendered)
    for word in ("Name", "Networks", "web-1", "10.0.0.5, fd00::5", "db, primary", "1.5"):
        assert word in shown


def test_a_list_as_json_and_yaml_keeps_structure() -> None:
    as_json = json.loads(text(render_list(ROWS, COLUMNS, Format.json)))
    as_yaml = yaml.safe_load(text(render_list(ROWS, COLUMNS, Format.yaml)))
    assert as_json == as_yaml == ROWS
    assert text(render_list([], COLUMNS, Format.yaml)) == "[]\n"
    assert json.loads(text(render_list([], COLUMNS, Format.json))) == []


def test_a_list_as_csv_quotes_text_and_has_a_header() -> None:
    output = text(render_list(ROWS, COLUMNS, Format.csv))
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == ["web-1", "ACTIVE", "10.0.0.5, fd00::5", "3"]
    assert rows[2] == ["db, primary", "", "", "1.5"]
    assert output.splitlines()[1].startswith('"web-1"')


def test_a_list_as_values_is_bare_and_space_separated() -> None:
    output = text(render_list(ROWS, COLUMNS, Format.value, ["name", "AGE"]))
    assert output == "web-1 3\ndb, primary 1.5\n"


def test_columns_are_chosen_case_insensitively_in_the_asked_order() -> None:
    assert pick_columns(COLUMNS, ["age", "NAME"]) == ["Age", "Name"]
    assert pick_columns(COLUMNS, []) == list(COLUMNS)
    with pytest.raises(ValueError, match="No column 'Flavor'; choose from Name, Status"):
        pick_columns(COLUMNS, ["Flavor"])


RECORD: dict[str, Any] = {
    "name": "site-a",
    "labels": {"tier": "gold", "extra": {}},
    "services": ["compute 2.1-2.95", "network"],
    "since": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    "cause": None,
}


@pytest.mark.parametrize("fmt", list(Format))
def test_one_record_in_every_format(fmt: Format) -> None:
    output = text(render_one(RECORD, fmt))
    if fmt is Format.table:
        assert "Field" in output
        assert "tier='gold'" in output
    elif fmt in (Format.json, Format.yaml):
        loaded = json.loads(output) if fmt is Format.json else yaml.safe_load(output)
        assert loaded["labels"] == {"tier": "gold", "extra": {}}
        assert loaded["since"].startswith("2025-01-02")
        assert loaded["cause"] is None
    elif fmt is Format.csv:
        header, row = list(csv.reader(io.StringIO(output)))
        assert header == list(RECORD)
        assert row[0] == "site-a"
        assert row[2] == "compute 2.1-2.95, network"
    else:
        assert output.splitlines() == [
            "site-a",
            "tier='gold', extra=''",
            "compute 2.1-2.95, network",
            "2025-01-02 03:04:05+00:00",
            "",
        ]


def test_one_record_with_chosen_fields() -> None:
    assert text(render_one(RECORD, Format.value, ["NAME"])) == "site-a\n"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, ""), (True, "True"), (2.50, "2.5"), (["a", 1], "a, 1"), ({"k": "v"}, "k='v'")],
)
def test_cells(value: object, shown: str) -> None:
    assert cell(value) == shown
