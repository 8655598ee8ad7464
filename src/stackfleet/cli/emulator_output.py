"""How `stackfleet emulator` shows sites and faults: Rich tables, or the formats of `openstack -f`.

`sites -f table|json|yaml|csv|value` and `-c COLUMN` behave as python-openstackclient's list
commands do (cliff's formatters): json and yaml give a list of objects keyed by column name, csv
quotes every field and has a header row, value prints the bare values separated by spaces.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from typing import Any

import yaml
from rich.table import Table

COLUMNS = ("Name", "Region", "URL", "Faults", "Servers", "Networks", "Images", "Volumes")


class Format(enum.StrEnum):
    """Output formats of `stackfleet emulator sites`."""

    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"
    value = "value"


def fault_summary(faults: dict[str, Any]) -> str:
    """A short text naming the faults in force, e.g. `down, latency 300ms±50ms`."""
    parts = []
    if faults.get("down"):
        parts.append("down")
    if faults.get("unavailable"):
        parts.append("unavailable: " + ",".join(faults["unavailable"]))
    if faults.get("latency_ms") or faults.get("jitter_ms"):
        jitter = f"±{faults['jitter_ms']:g}ms" if faults.get("jitter_ms") else ""
        parts.append(f"latency {faults.get('latency_ms', 0):g}ms{jitter}")
    if faults.get("error_rate"):
        parts.append(f"error rate {faults['error_rate']:g}")
    if faults.get("capacity_exhausted"):
        parts.append("capacity exhausted")
    if faults.get("boot_seconds") is not None:
        parts.append(f"boot {faults['boot_seconds']:g}s")
    return ", ".join(parts)


def _row(site: dict[str, Any], structured: bool) -> dict[str, Any]:
    counts = site.get("counts", {})
    faults = site.get("faults", {})
    # Only the faults in force; a slow boot of 0 seconds is still a fault.
    active = {
        k: v
        for k, v in faults.items()
        if (v is not None if k == "boot_seconds" else v not in (False, None, []))
    }
    return {
        "Name": site["name"],
        "Region": site.get("region", ""),
        "URL": site.get("url", ""),
        "Faults": active if structured else fault_summary(faults),
        "Servers": counts.get("servers", 0),
        "Networks": counts.get("networks", 0),
        "Images": counts.get("images", 0),
        "Volumes": counts.get("volumes", 0),
    }


def render_sites(sites: list[dict[str, Any]], fmt: Format, columns: list[str]) -> Table | str:
    """The sites as a Rich table or as text in `fmt`; raises ValueError for an unknown column."""
    wanted = _columns(columns)
    rows = [_row(site, fmt in (Format.json, Format.yaml)) for site in sites]
    rows = [{c: row[c] for c in wanted} for row in rows]
    if fmt is Format.table:
        table = Table()
        for column in wanted:
            # Fold rather than truncate: a URL cut short is of no use.
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(str(row[c]) for c in wanted))
        return table
    if fmt is Format.json:
        return json.dumps(rows, indent=2) + "\n"
    if fmt is Format.yaml:
        return yaml.safe_dump(rows, sort_keys=False) if rows else "[]\n"
    if fmt is Format.csv:
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(wanted)
        writer.writerows([row[c] for c in wanted] for row in rows)
        return out.getvalue()
    return "".join(" ".join(str(row[c]) for c in wanted) + "\n" for row in rows)


def _columns(asked: list[str]) -> list[str]:
    by_name = {c.lower(): c for c in COLUMNS}
    unknown = [c for c in asked if c.lower() not in by_name]
    if unknown:
        raise ValueError(
            f"no column {unknown[0]!r}; choose from {', '.join(COLUMNS)} (case-insensitive)"
        )
    return [by_name[c.lower()] for c in asked] or list(COLUMNS)


def faults_table(site: str, faults: dict[str, Any]) -> Table:
    """A site's faults, one per row, as `stackfleet emulator fault` shows them."""
    table = Table("Fault", "Value", title=f"Faults of {site}")
    for key, value in faults.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        table.add_row(key, "-" if shown in (None, "") else str(shown))
    return table
