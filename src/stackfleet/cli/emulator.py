"""`stackfleet emulator ...`: run the multi-site OpenStack emulator and inject faults into it.

`up` serves the sites in the foreground and writes `<data dir>/emulator.json` (its URL and admin
token); the other commands read that file (or `--url`/`--admin-token`, or the environment
variables STACKFLEET_EMULATOR_URL and STACKFLEET_EMULATOR_TOKEN) and drive the running emulator
through its admin API with `AdminClient`.
"""

from __future__ import annotations

import json
import pathlib
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from stackfleet.cli import emulator_output, emulator_up
from stackfleet.emulator.admin_client import AdminClient, AdminError

app = typer.Typer(no_args_is_help=True, help="Run the multi-site OpenStack emulator.")
app.command()(emulator_up.up)

_out = Console()
_err = Console(stderr=True)

DataDir = Annotated[
    pathlib.Path | None,
    typer.Option(
        "--data-dir",
        envvar="STACKFLEET_EMULATOR_DIR",
        help="The emulator's data dir, where `up` wrote emulator.json.",
        show_default=False,
    ),
]
Url = Annotated[
    str | None,
    typer.Option("--url", envvar="STACKFLEET_EMULATOR_URL", help="The emulator's URL."),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--admin-token", envvar="STACKFLEET_EMULATOR_TOKEN", help="The emulator's admin token."
    ),
]


def _fail(message: str) -> NoReturn:
    _err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def _client(data_dir: pathlib.Path | None, url: str | None, token: str | None) -> AdminClient:
    if url is None or token is None:
        path = (data_dir or emulator_up.default_data_dir()) / emulator_up.RUNTIME_FILE
        try:
            runtime: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            _fail(
                f"no running emulator found ({path} does not exist): start one with "
                "`stackfleet emulator up`, or give --url and --admin-token"
            )
        except (OSError, ValueError) as exc:
            _fail(f"cannot read {path}: {exc}")
        url = url or str(runtime.get("url", ""))
        token = token or str(runtime.get("admin_token", ""))
    return AdminClient(url, token)


@app.command()
def sites(
    data_dir: DataDir = None,
    url: Url = None,
    admin_token: Token = None,
    formatter: Annotated[
        emulator_output.Format,
        typer.Option("-f", "--format", help="Output format, as in python-openstackclient."),
    ] = emulator_output.Format.table,
    columns: Annotated[
        list[str] | None,
        typer.Option("-c", "--column", help="Show only this column (repeatable)."),
    ] = None,
) -> None:
    """List the emulated sites: name, region, URL, faults and resource counts."""
    try:
        with _client(data_dir, url, admin_token) as client:
            found = client.sites()
    except AdminError as exc:
        _fail(str(exc))
    try:
        text = emulator_output.render_sites(found, formatter, columns or [])
    except ValueError as exc:
        _fail(str(exc))
    if isinstance(text, Table):
        # Piped or redirected, the table keeps its natural width so no URL is folded or cut.
        unbounded = _out.options.update_width(100_000)
        width = None if _out.is_terminal else _out.measure(text, options=unbounded).maximum
        Console(width=width).print(text)
    else:
        typer.echo(text, nl=not text.endswith("\n"))


@app.command("add-site")
def add_site(  # noqa: PLR0913 - one option per setting, as operators type them
    name: Annotated[str, typer.Argument(help="The new site's name (its URL path segment).")],
    *,
    region: Annotated[str | None, typer.Option(help="Region name.")] = None,
    boot_seconds: Annotated[
        float | None, typer.Option(help="Seconds a server stays BUILD.")
    ] = None,
    hypervisors: Annotated[int | None, typer.Option(help="Number of compute hosts.")] = None,
    vcpus: Annotated[int | None, typer.Option(help="vCPUs per compute host.")] = None,
    memory_mb: Annotated[int | None, typer.Option(help="RAM (MiB) per compute host.")] = None,
    disk_gb: Annotated[int | None, typer.Option(help="Disk (GiB) per compute host.")] = None,
    availability_zone: Annotated[
        list[str] | None, typer.Option(help="Availability zone (repeatable).")
    ] = None,
    admin_password: Annotated[str | None, typer.Option(help="Password of `admin`.")] = None,
    member_password: Annotated[str | None, typer.Option(help="Password of `demo`.")] = None,
    data_dir: DataDir = None,
    url: Url = None,
    admin_token: Token = None,
) -> None:
    """Add a site to the running emulator; it answers at once and joins clouds.yaml."""
    capacity = {
        "hypervisors": hypervisors,
        "vcpus": vcpus,
        "memory_mb": memory_mb,
        "disk_gb": disk_gb,
        "availability_zones": availability_zone or None,
    }
    config = {
        "name": name,
        "region": region,
        "boot_seconds": boot_seconds,
        "admin_password": admin_password,
        "member_password": member_password,
        "capacity": {k: v for k, v in capacity.items() if v is not None} or None,
    }
    try:
        with _client(data_dir, url, admin_token) as client:
            site = client.add_site({k: v for k, v in config.items() if v is not None})
    except AdminError as exc:
        _fail(str(exc))
    _out.print(
        f"Added site [bold]{site['name']}[/bold] ({site['region']}) at {site['url']}; "
        f"clouds [bold]{site['name']}[/bold] and [bold]{site['name']}-member[/bold].",
        highlight=False,
    )


@app.command("remove-site")
def remove_site(
    name: Annotated[str, typer.Argument(help="The site to remove, with all its state.")],
    data_dir: DataDir = None,
    url: Url = None,
    admin_token: Token = None,
) -> None:
    """Remove a site from the running emulator."""
    try:
        with _client(data_dir, url, admin_token) as client:
            client.remove_site(name)
    except AdminError as exc:
        _fail(str(exc))
    _out.print(f"Removed site [bold]{name}[/bold].", highlight=False)


@app.command()
def save(
    path: Annotated[
        pathlib.Path | None,
        typer.Argument(help="State file to write (default: the emulator's --state file)."),
    ] = None,
    data_dir: DataDir = None,
    url: Url = None,
    admin_token: Token = None,
) -> None:
    """Save the running emulator's state (every site) to a file."""
    target = str(path.expanduser().absolute()) if path is not None else None
    try:
        with _client(data_dir, url, admin_token) as client:
            written = client.save(target)
    except AdminError as exc:
        _fail(str(exc))
    _out.print(f"Saved the emulator's state to {written}", highlight=False)


@app.command()
def fault(  # noqa: PLR0913 - one option per fault, as operators type them
    site: Annotated[str, typer.Argument(help="The site to inject faults into.")],
    *,
    down: Annotated[
        bool | None, typer.Option("--down/--up", help="Drop every connection / serve again.")
    ] = None,
    unavailable: Annotated[
        list[str] | None,
        typer.Option(
            help="Service answering 503 (repeatable or comma-separated; 'all'; 'none' clears)."
        ),
    ] = None,
    latency: Annotated[float | None, typer.Option(help="Added delay (ms).", min=0)] = None,
    jitter: Annotated[float | None, typer.Option(help="Random extra delay (ms).", min=0)] = None,
    error_rate: Annotated[
        float | None, typer.Option(help="Fraction of requests answered 500.", min=0, max=1)
    ] = None,
    capacity_exhausted: Annotated[
        bool | None,
        typer.Option("--capacity-exhausted/--capacity-ok", help="No valid host for new servers."),
    ] = None,
    boot_seconds: Annotated[
        float | None, typer.Option(help="Slow boot: seconds a new server stays BUILD.", min=0)
    ] = None,
    expire_tokens: Annotated[
        bool, typer.Option("--expire-tokens", help="Invalidate every token issued so far.")
    ] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Clear all faults first.")] = False,
    data_dir: DataDir = None,
    url: Url = None,
    admin_token: Token = None,
) -> None:
    """Inject faults into a site (or show its faults when no option is given)."""
    changes: dict[str, Any] = {
        "down": down,
        "latency_ms": latency,
        "jitter_ms": jitter,
        "error_rate": error_rate,
        "capacity_exhausted": capacity_exhausted,
        "boot_seconds": boot_seconds,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if unavailable is not None:
        changes["unavailable"] = _services(unavailable)
    try:
        with _client(data_dir, url, admin_token) as client:
            faults = client.clear_faults(site) if clear else client.faults(site)
            if changes:
                faults = client.patch_faults(site, changes)
            if expire_tokens:
                revoked = client.expire_tokens(site)
                _out.print(f"Tokens issued before {revoked} are now rejected.", highlight=False)
    except AdminError as exc:
        _fail(str(exc))
    _out.print(emulator_output.faults_table(site, faults))


def _services(values: list[str]) -> list[str]:
    names = [n.strip() for value in values for n in value.split(",") if n.strip()]
    return [] if names == ["none"] else names
