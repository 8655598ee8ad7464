"""`stackfleet emulator up`: serve emulated sites in the foreground until interrupted.

Creates (or restores from `--state`) the sites, writes the clouds.yaml that reaches them and
`<data dir>/emulator.json` (URL and admin token, read by the other `stackfleet emulator`
commands), tells the operator what to try, serves, and saves the state on exit. Registered on the
`stackfleet emulator` Typer app by `cli/emulator.py`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import pathlib
import secrets
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Annotated, NoReturn

import typer
import yaml
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress
from starlette.types import ASGIApp

from stackfleet.emulator import persistence
from stackfleet.emulator.admin import create_admin_app
from stackfleet.emulator.clouds import clouds_config
from stackfleet.emulator.seed import SEEDS, seed_sites
from stackfleet.emulator.server import bind, serve
from stackfleet.emulator.site import Emulator, Site, SiteConfig

RUNTIME_FILE = "emulator.json"
"""Written into the data dir by `up`: where the emulator listens and its admin token."""


_out = Console()
_err = Console(stderr=True)


def default_data_dir() -> pathlib.Path:
    """`$XDG_STATE_HOME/stackfleet/emulator`, i.e. `~/.local/state/stackfleet/emulator`."""
    state_home = os.environ.get("XDG_STATE_HOME") or pathlib.Path.home() / ".local" / "state"
    return pathlib.Path(state_home) / "stackfleet" / "emulator"


def _fail(message: str) -> NoReturn:
    _err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def up(  # noqa: PLR0913 - the command's options
    *,
    sites: Annotated[int, typer.Option(help="Sites to serve: site1..siteN.", min=1)] = 3,
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).", min=0)] = 8787,
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but loopback exposes the sites.")
    ] = "127.0.0.1",
    seed: Annotated[
        str | None, typer.Option(help="Fill new sites with sample resources: 'demo'.")
    ] = None,
    clouds_yaml: Annotated[
        pathlib.Path | None,
        typer.Option(help="Where to write clouds.yaml [default: <data dir>/clouds.yaml]."),
    ] = None,
    data_dir: Annotated[
        pathlib.Path | None,
        typer.Option(
            envvar="STACKFLEET_EMULATOR_DIR",
            help="Image data, clouds.yaml and emulator.json [default: ~/.local/state/stackfleet/"
            "emulator].",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        pathlib.Path | None,
        typer.Option(help="Restore the sites from this file if it exists; save them on exit."),
    ] = None,
    boot_seconds: Annotated[
        float | None, typer.Option(help="Seconds a new server stays in BUILD.", min=0)
    ] = None,
) -> None:
    """Serve emulated OpenStack sites (default on 127.0.0.1:8787) until interrupted."""
    options = _Options(sites, port, host, seed, clouds_yaml, data_dir, state, boot_seconds)
    with _sigterm_exits():
        _up(options)


@dataclass(frozen=True)
class _Options:
    sites: int
    port: int
    host: str
    seed: str | None
    clouds_yaml: pathlib.Path | None
    data_dir: pathlib.Path | None
    state: pathlib.Path | None
    boot_seconds: float | None


def _up(options: _Options) -> None:
    if options.seed is not None and options.seed not in SEEDS:
        _fail(f"unknown seed {options.seed!r}; the seeds are: {', '.join(SEEDS)}")
    data = (options.data_dir or default_data_dir()).expanduser().absolute()
    clouds_path = (options.clouds_yaml or data / "clouds.yaml").expanduser().absolute()
    state_path = options.state.expanduser().absolute() if options.state is not None else None
    with _bind(options.host, options.port) as sock:
        url = f"http://{_url_host(options.host)}:{sock.getsockname()[1]}"
        emulator = Emulator(url, data, admin_token=secrets.token_urlsafe(24))
        restored = _restore(emulator, state_path)
        if not restored:
            create_sites(emulator, options.sites, options.boot_seconds, options.seed)
        write_clouds_yaml(clouds_path, emulator)
        runtime = write_runtime(data, emulator, clouds_path)
        _banner(emulator, clouds_path, runtime, state_path, restored)
        admin = create_admin_app(
            emulator, state_path, on_sites_changed=lambda e: write_clouds_yaml(clouds_path, e)
        )
        _serve_until_stopped(emulator, sock, admin, state_path)
    with contextlib.suppress(OSError):
        if json.loads(runtime.read_text()).get("admin_token") == emulator.admin_token:
            runtime.unlink()


@contextlib.contextmanager
def _sigterm_exits() -> Iterator[None]:
    # uvicorn re-raises SIGTERM once it has shut down; make it an ordinary exit, from the start,
    # so the state is saved however early the emulator is stopped.
    previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _bind(host: str, port: int) -> socket.socket:
    if not _is_loopback(host):
        _err.print(
            f"[yellow]warning:[/yellow] listening on {host}: anyone who can reach it can use the "
            "sites with their well-known passwords.",
            highlight=False,
        )
    try:
        return bind(host, port)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc} (try another --port)")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    # Clients cannot connect to a wildcard address; name this machine instead.
    return socket.getfqdn() if host in ("0.0.0.0", "") else host  # noqa: S104


def _restore(emulator: Emulator, state: pathlib.Path | None) -> list[Site]:
    if state is None or not state.exists():
        return []
    try:
        return persistence.load(state, emulator)
    except persistence.StateFileError as exc:
        _fail(f"{exc}; move it away to start afresh")


def create_sites(
    emulator: Emulator, count: int, boot_seconds: float | None, seed: str | None
) -> None:
    names = [f"site{index}" for index in range(1, count + 1)]
    for name in names:
        config = SiteConfig(name)
        if boot_seconds is not None:
            config.boot_seconds = boot_seconds
        emulator.add_site(config)
    if seed is None:
        return
    with Progress(console=_err, transient=True) as progress:
        task = progress.add_task(f"Seeding {count} sites with {seed!r}", total=count)
        seed_sites(emulator, names, seed, progress=lambda: progress.advance(task))


def write_clouds_yaml(path: pathlib.Path, emulator: Emulator) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(clouds_config(list(emulator.sites.values())), sort_keys=False)
    _write_private(path, text)


def write_runtime(data: pathlib.Path, emulator: Emulator, clouds: pathlib.Path) -> pathlib.Path:
    data.mkdir(parents=True, exist_ok=True)
    path = data / RUNTIME_FILE
    runtime = {
        "url": emulator.base_url,
        "admin_token": emulator.admin_token,
        "pid": os.getpid(),
        "clouds_yaml": str(clouds),
    }
    _write_private(path, json.dumps(runtime, indent=2) + "\n")
    return path


def _write_private(path: pathlib.Path, text: str) -> None:
    # Both files hold secrets (passwords, the admin token): readable by their owner only.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.touch(mode=0o600)
    temporary.write_text(text)
    temporary.replace(path)


def _banner(
    emulator: Emulator,
    clouds: pathlib.Path,
    runtime: pathlib.Path,
    state: pathlib.Path | None,
    restored: list[Site],
) -> None:
    names = list(emulator.sites)
    shown = ", ".join(names[:5]) + (f", … ({len(names)} in all)" if len(names) > 5 else "")
    first = names[0] if names else "site1"
    origin = f"restored from {state}" if restored else "new"
    lines = [
        f"[bold]{len(names)} emulated OpenStack sites[/bold] ({origin}) at {emulator.base_url}",
        f"sites: {shown}",
        f"clouds.yaml: {clouds}  (cloud <site> = admin, <site>-member = demo member)",
        "",
        "Try:",
        f"  export OS_CLIENT_CONFIG_FILE={clouds}",
        f"  openstack --os-cloud {first} server list --all-projects",
        f"  openstack --os-cloud {first}-member network list",
        f"  stackfleet emulator fault {first} --latency 200",
        "  stackfleet emulator sites",
        "",
        f"Admin API: {emulator.base_url}/_admin (token in {runtime})",
        "Stop with Ctrl+C" + (f"; the state is saved to {state}." if state else "."),
    ]
    _out.print(Panel("\n".join(lines), title="stackfleet emulator", expand=False), highlight=False)


def _serve_until_stopped(
    emulator: Emulator,
    sock: socket.socket,
    admin: ASGIApp,
    state: pathlib.Path | None,
) -> None:
    try:
        serve(emulator, sock, admin)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if state is not None:
            saved = persistence.save(emulator, state)
            count = len(emulator.sites)
            _out.print(f"Saved {count} site{'s' * (count != 1)} to {saved}", highlight=False)


def _exit_on_signal(signum: int, frame: FrameType | None) -> NoReturn:
    del frame
    raise SystemExit(128 + signum)
