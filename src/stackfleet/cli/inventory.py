"""`stackfleet server list`, `volume list`, `search` and `refresh`: the inventory through the API.

Lists page through the API's cursors up to `--limit`; `refresh` calls the API for each site in
parallel (8 at a time) behind a Rich progress bar on stderr, so `-f json` output stays clean.
Registered on the root command by `cli/main.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from stackfleet.api.schemas_inventory import InventoryFilters, InventoryItemOut, RefreshOut
from stackfleet.cli.output import ColumnOpt, Format, FormatOpt, api, emit, err, out, render_list
from stackfleet.client import ClientError, StackfleetClient
from stackfleet.inventory.models import ResourceType

REFRESH_PARALLEL = 8
"""Sites refreshed at the same time by `stackfleet refresh` (each is one API call)."""

server_app = typer.Typer(no_args_is_help=True, help="Servers on every site.")
volume_app = typer.Typer(no_args_is_help=True, help="Volumes on every site.")

Sites = Annotated[list[str] | None, typer.Option("--site", help="Only this site (repeatable).")]
Statuses = Annotated[
    list[str] | None, typer.Option("--status", help="Only this status, e.g. ERROR (repeatable).")
]
Projects = Annotated[list[str] | None, typer.Option("--project", help="Only this project id.")]
Labels = Annotated[
    list[str] | None, typer.Option("--label", help="Only sites with this key:value label.")
]
AllSites = Annotated[bool, typer.Option("--all-sites", help="Every site (the default).")]
Limit = Annotated[int, typer.Option(min=1, help="Show at most this many.")]

SERVER_COLUMNS = ("Site", "ID", "Name", "Status", "Networks", "Flavor", "Project", "Age", "Stale")
VOLUME_COLUMNS = ("Site", "ID", "Name", "Status", "Size", "Attached to", "Project", "Age", "Stale")
SEARCH_COLUMNS = ("Site", "Type", "ID", "Name", "Status", "Addresses")
REFRESH_COLUMNS = ("Site", "Full", "Requests", "Upserted", "Removed", "Seconds", "Error")


def fetch(
    client: StackfleetClient, filters: InventoryFilters, limit: int
) -> list[InventoryItemOut]:
    """Up to `limit` items matching `filters`, following the API's cursors."""
    items: list[InventoryItemOut] = []
    cursor: str | None = None
    while len(items) < limit:
        page_size = min(limit - len(items), 1000)
        page = client.inventory(filters.model_copy(update={"cursor": cursor, "limit": page_size}))
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    return items[:limit]


def _age(item: InventoryItemOut) -> str:
    seconds = int(item.age_seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def server_row(item: InventoryItemOut) -> dict[str, Any]:
    """One line of `server list`."""
    return {
        "Site": item.site_name,
        "ID": item.resource_id,
        "Name": item.name,
        "Status": item.status,
        "Networks": item.addresses,
        "Flavor": item.attributes.get("flavor"),
        "Project": item.project_id,
        "Age": _age(item),
        "Stale": item.stale,
    }


def volume_row(item: InventoryItemOut) -> dict[str, Any]:
    """One line of `volume list`."""
    return {
        "Site": item.site_name,
        "ID": item.resource_id,
        "Name": item.name,
        "Status": item.status,
        "Size": item.attributes.get("size_gb"),
        "Attached to": item.attributes.get("attached_to") or [],
        "Project": item.project_id,
        "Age": _age(item),
        "Stale": item.stale,
    }


def search_row(item: InventoryItemOut) -> dict[str, Any]:
    """One line of `search`."""
    return {
        "Site": item.site_name,
        "Type": str(item.type),
        "ID": item.resource_id,
        "Name": item.name,
        "Status": item.status,
        "Addresses": item.addresses,
    }


def _list(
    ctx: typer.Context,
    filters: InventoryFilters,
    limit: int,
    view: tuple[Sequence[str], Callable[[InventoryItemOut], dict[str, Any]]],
    fmt: Format,
    column: list[str] | None,
) -> None:
    columns, row = view
    with api(ctx) as client:
        rows = [row(item) for item in fetch(client, filters, limit)]
        emit(out, render_list(rows, columns, fmt, column or ()))


@server_app.command("list")
def server_list(  # noqa: PLR0913 - one option per filter, as operators type them
    ctx: typer.Context,
    *,
    all_sites: AllSites = False,
    site: Sites = None,
    status: Statuses = None,
    project: Projects = None,
    label: Labels = None,
    limit: Limit = 1000,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """Servers across sites, from the inventory (stale rows say so)."""
    filters = InventoryFilters(
        type=[ResourceType.SERVER], site=site or [], status=status or [],
        project=project or [], label=label or [],
    )  # fmt: skip
    _list(ctx, filters, limit, (SERVER_COLUMNS, server_row), fmt, column)


@volume_app.command("list")
def volume_list(  # noqa: PLR0913 - one option per filter, as operators type them
    ctx: typer.Context,
    *,
    all_sites: AllSites = False,
    site: Sites = None,
    status: Statuses = None,
    project: Projects = None,
    label: Labels = None,
    limit: Limit = 1000,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """Volumes across sites, from the inventory (stale rows say so)."""
    filters = InventoryFilters(
        type=[ResourceType.VOLUME], site=site or [], status=status or [],
        project=project or [], label=label or [],
    )  # fmt: skip
    _list(ctx, filters, limit, (VOLUME_COLUMNS, volume_row), fmt, column)


def search(  # noqa: PLR0913 - one option per filter, as operators type them
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Part of a name, an id or an IP address.")],
    *,
    type_: Annotated[
        list[ResourceType] | None, typer.Option("--type", help="Only this type (repeatable).")
    ] = None,
    site: Sites = None,
    limit: Limit = 100,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """Find resources on every site by name, id or IP address."""
    filters = InventoryFilters(q=text, type=type_ or [], site=site or [])
    _list(ctx, filters, limit, (SEARCH_COLUMNS, search_row), fmt, column)


def refresh(
    ctx: typer.Context,
    site: Annotated[
        str | None, typer.Argument(help="Only this site (default: every site).")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full/--incremental", help="List everything, or what changed.")
    ] = True,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """Refresh the inventory of one site or every site now; exit 1 if any could not be."""
    with api(ctx) as client:
        names = [site] if site else [s.name for s in client.list_sites()]
        rows = refresh_all(client, names, full)
        emit(out, render_list(rows, REFRESH_COLUMNS, fmt, column or ()))
    if any(row["Error"] for row in rows):
        raise typer.Exit(1)


def refresh_all(client: StackfleetClient, names: Sequence[str], full: bool) -> list[dict[str, Any]]:
    """Refresh every named site, `REFRESH_PARALLEL` at a time, with a progress bar on stderr."""
    rows: list[dict[str, Any]] = []
    columns = (
        TextColumn("Refreshing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
    )
    with (
        Progress(*columns, console=err, transient=True) as progress,
        ThreadPoolExecutor(REFRESH_PARALLEL) as pool,
    ):
        task = progress.add_task("", total=len(names))
        futures = {pool.submit(_refresh_one, client, name, full): name for name in names}
        for future in as_completed(futures):
            rows.append(future.result())
            progress.update(task, advance=1, description=futures[future])
    return sorted(rows, key=lambda row: str(row["Site"]))


def _refresh_one(client: StackfleetClient, name: str, full: bool) -> dict[str, Any]:
    try:
        result = client.refresh(name, full=full)
    except ClientError as failed:
        return {"Site": name, "Full": full, "Error": failed.detail}
    return refresh_row(result)


def refresh_row(result: RefreshOut) -> dict[str, Any]:
    """One line of `refresh`."""
    return {
        "Site": result.site_name,
        "Full": result.full,
        "Requests": result.requests,
        "Upserted": result.upserted,
        "Removed": result.removed,
        "Seconds": round((result.finished_at - result.started_at).total_seconds(), 2),
        "Error": result.error,
    }
