"""How the Stackfleet CLI prints lists and single records, like python-openstackclient's `-f`.

`-f table|json|yaml|csv|value` and `-c COLUMN` (repeatable, case-insensitive) behave as cliff's
formatters do: a list is a table with one row per item (json/yaml: a list of objects keyed by
column name, csv: a header row and every field quoted, value: bare values separated by spaces);
a single record is a Field/Value table (json/yaml: one object, csv: the header and one row,
value: one value per line). Also what every API command shares: the client for `--url` and
reporting failures (the problem's detail in red on stderr, exit status 1, no traceback). Used by
`cli/sites.py` and `cli/inventory.py`.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stackfleet.client import DEFAULT_URL, ClientError, StackfleetClient

out = Console()
err = Console(stderr=True)


class Format(enum.StrEnum):
    """Output formats, as `openstack ... -f`."""

    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"
    value = "value"


Row = Mapping[str, Any]

FormatOpt = Annotated[
    Format, typer.Option("-f", "--format", help="Output format, as in python-openstackclient.")
]
ColumnOpt = Annotated[
    list[str] | None,
    typer.Option("-c", "--column", help="Show only this column (repeatable, case-insensitive)."),
]


def api_url(ctx: typer.Context) -> str:
    """The API URL from the root `--url` option (or STACKFLEET_URL, or the default)."""
    obj = ctx.find_root().obj
    if isinstance(obj, dict) and obj.get("url"):
        return str(obj["url"])
    return os.environ.get("STACKFLEET_URL") or DEFAULT_URL


@contextmanager
def api(ctx: typer.Context) -> Iterator[StackfleetClient]:
    """A client of the API for one command; its failures end the command as `fail` does."""
    with reporting(), StackfleetClient(api_url(ctx)) as client:
        yield client


@contextmanager
def reporting() -> Iterator[None]:
    """Turn the API's problems and bad `-c` columns into a red message and exit status 1."""
    try:
        yield
    except ClientError as failed:
        fail(failed.detail if failed.status else f"{failed.title}: {failed.detail}")
    except ValidationError as bad:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in bad.errors()))
    except ValueError as bad:
        fail(str(bad))


def fail(message: str) -> NoReturn:
    """Print `message` in red on stderr and exit with status 1."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(1)


def pick_columns(available: Sequence[str], asked: Sequence[str]) -> list[str]:
    """The columns to show, in the asked order; ValueError naming an unknown one."""
    by_name = {c.lower(): c for c in available}
    unknown = [c for c in asked if c.lower() not in by_name]
    if unknown:
        raise ValueError(
            f"No column {unknown[0]!r}; choose from {', '.join(available)} (case-insensitive)."
        )
    return [by_name[c.lower()] for c in asked] or list(available)


def cell(value: Any) -> str:
    """A value as text for table, csv and value output: lists joined, mappings as k='v'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={cell(v)!r}" if v is not None else f"{k}=" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def render_list(
    rows: Sequence[Row], columns: Sequence[str], fmt: Format, asked: Sequence[str] = ()
) -> Table | str:
    """Rows (mappings holding at least `columns`) as a Rich table or as text in `fmt`."""
    wanted = pick_columns(columns, asked)
    picked = [{c: row.get(c) for c in wanted} for row in rows]
    if fmt is Format.table:
        table = Table()
        for column in wanted:
            table.add_column(column, overflow="fold")
        for row in picked:
            table.add_row(*(cell(row[c]) for c in wanted))
        return table
    if fmt is Format.json:
        return json.dumps(picked, indent=2, default=str) + "\n"
    if fmt is Format.yaml:
        return yaml.safe_dump(_plain(picked), sort_keys=False) if picked else "[]\n"
    if fmt is Format.csv:
        return _csv(wanted, [[row[c] for c in wanted] for row in picked])
    return "".join(" ".join(cell(row[c]) for c in wanted) + "\n" for row in picked)


def render_one(record: Row, fmt: Format, asked: Sequence[str] = ()) -> Table | str:
    """One record as a Field/Value table or as text in `fmt`."""
    wanted = pick_columns(list(record), asked)
    picked = {c: record[c] for c in wanted}
    if fmt is Format.table:
        table = Table("Field", "Value")
        for key, value in picked.items():
            table.add_row(key, cell(value))
        return table
    if fmt is Format.json:
        return json.dumps(picked, indent=2, default=str) + "\n"
    if fmt is Format.yaml:
        return yaml.safe_dump(_plain(picked), sort_keys=False)
    if fmt is Format.csv:
        return _csv(wanted, [[picked[c] for c in wanted]])
    return "".join(cell(value) + "\n" for value in picked.values())


def emit(console: Console, rendered: Table | str) -> None:
    """Print a table through Rich, and text exactly as it is (no wrapping or markup)."""
    if isinstance(rendered, Table):
        console.print(rendered)
    else:
        console.file.write(rendered)


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([v if isinstance(v, int | float) else cell(v) for v in row] for row in rows)
    return out.getvalue()


def _plain(value: Any) -> Any:
    """JSON-shaped data YAML can dump safely (datetimes and enums as their text)."""
    return json.loads(json.dumps(value, default=str))
