"""`stackfleet demo` (what `make demo` runs): emulated sites plus the control plane over them.

Starts the emulator with seeded sites in a background thread, registers every site with a fresh
control plane (labels placing them in real cities), takes a first inventory with a progress bar,
prints what to try, and serves the API with its probe and refresh loops until interrupted.
Registered on the root app by cli/main.py.
"""

from __future__ import annotations

import contextlib
import pathlib
import secrets
import shutil
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress

from stackfleet import server
from stackfleet.bootstrap import Services, build_services
from stackfleet.cli.emulator_up import create_sites, write_clouds_yaml, write_runtime
from stackfleet.emulator.admin import create_admin_app
from stackfleet.emulator.server import bind, serve_in_thread
from stackfleet.emulator.site import Emulator
from stackfleet.settings import Settings
from stackfleet.sites.models import CloudConfig, Labels, Location

CITIES = [
    ("Frankfurt", "DE", 50.11, 8.68),
    ("Paris", "FR", 48.86, 2.35),
    ("Stockholm", "SE", 59.33, 18.07),
    ("Madrid", "ES", 40.42, -3.70),
    ("Warsaw", "PL", 52.23, 21.01),
    ("Dublin", "IE", 53.35, -6.26),
    ("Milan", "IT", 45.46, 9.19),
    ("Amsterdam", "NL", 52.37, 4.90),
]

_out = Console()


def demo(
    *,
    sites: Annotated[int, typer.Option(help="Emulated sites to create and register.", min=1)] = 3,
    port: Annotated[int, typer.Option(help="Port of the Stackfleet API.", min=0)] = 8600,
    emulator_port: Annotated[int, typer.Option(help="Port of the emulator.", min=0)] = 8787,
    data_dir: Annotated[
        pathlib.Path, typer.Option(help="Where the demo keeps its state (wiped on start).")
    ] = pathlib.Path("data/demo"),
) -> None:
    """Run emulated sites and the control plane over them, until interrupted."""
    shutil.rmtree(data_dir / "control", ignore_errors=True)
    emulator_sock = bind("127.0.0.1", emulator_port)
    url = f"http://127.0.0.1:{emulator_sock.getsockname()[1]}"
    emulator = Emulator(url, (data_dir / "emulator").absolute(), secrets.token_urlsafe(24))
    create_sites(emulator, sites, boot_seconds=2.0, seed="demo")
    clouds = (data_dir / "clouds.yaml").absolute()
    write_clouds_yaml(clouds, emulator)
    write_runtime(emulator.data_dir, emulator, clouds)
    api_sock = server.bind("127.0.0.1", port)
    settings = Settings(data_dir=data_dir / "control")
    with serve_in_thread(emulator, emulator_sock, create_admin_app(emulator)):
        services = build_services(settings)
        try:
            _register(services, clouds)
            _first_refresh(services)
            _banner(services, api_sock.getsockname()[1], clouds, emulator.data_dir)
        finally:
            services.close()
        with contextlib.suppress(KeyboardInterrupt):
            server.serve(settings, api_sock)


def _register(services: Services, clouds: pathlib.Path) -> None:
    entries = yaml.safe_load(clouds.read_text())["clouds"]
    names = [name for name in entries if not name.endswith("-member")]
    with Progress(transient=True) as progress:
        task = progress.add_task(f"Registering {len(names)} sites", total=len(names))
        for index, name in enumerate(names):
            entry = entries[name]
            city, country, latitude, longitude = CITIES[index % len(CITIES)]
            location = Location(latitude, longitude, country, city)
            cloud = CloudConfig(
                auth=entry["auth"],
                region_name=entry.get("region_name"),
                interface=entry.get("interface", "public"),
            )
            services.sites.add(name, cloud, Labels(location=location, tier="edge"))
            progress.advance(task)


def _first_refresh(services: Services) -> None:
    sites = services.sites.list()
    with Progress(transient=True) as progress:
        task = progress.add_task("Taking the first inventory", total=len(sites))
        services.inventory.refresh(sites, on_done=lambda _: progress.advance(task))


def _banner(
    services: Services, port: int, clouds: pathlib.Path, emulator_dir: pathlib.Path
) -> None:
    names = [site.name for site in services.sites.list()]
    first = names[0]
    lines = [
        f"[bold]Stackfleet[/bold] over {len(names)} emulated sites: {', '.join(names[:6])}",
        f"API: http://127.0.0.1:{port}/v1  (OpenAPI: http://127.0.0.1:{port}/docs)",
        "",
        "Try, in another terminal:",
        f"  export STACKFLEET_URL=http://127.0.0.1:{port}",
        "  .venv/bin/stackfleet site list",
        "  .venv/bin/stackfleet health",
        "  .venv/bin/stackfleet server list --all-sites",
        "  .venv/bin/stackfleet search web",
        f"  export STACKFLEET_EMULATOR_DIR={emulator_dir}",
        f"  .venv/bin/stackfleet emulator fault {first} --down",
        "  .venv/bin/stackfleet health   # offline within two probe intervals",
        f"  curl -s http://127.0.0.1:{port}/metrics | grep stackfleet_site_up",
        "",
        f"The sites' clouds.yaml: {clouds}. Stop with Ctrl+C.",
    ]
    _out.print(Panel("\n".join(lines), title="stackfleet demo", expand=False), highlight=False)
