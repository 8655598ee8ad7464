"""The `stackfleet` command: the root Typer app and its command groups.

The API commands (`site`, `health`, `events`, `server`, `volume`, `search`, `refresh`) reach the
API at the root `--url` option (or STACKFLEET_URL); `serve` runs the control plane, `demo` the
control plane over emulated sites, `emulator` the multi-site emulator alone.
"""

from __future__ import annotations

from typing import Annotated

import typer

from stackfleet.cli import demo, emulator, inventory, serve, sites
from stackfleet.client import DEFAULT_URL

app = typer.Typer(
    no_args_is_help=True, help="Stackfleet: one control plane over many OpenStack clouds."
)


@app.callback()
def main(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Option("--url", envvar="STACKFLEET_URL", help="The Stackfleet API's URL.")
    ] = DEFAULT_URL,
) -> None:
    """Stackfleet: one control plane over many OpenStack clouds."""
    ctx.obj = {"url": url}


app.add_typer(emulator.app, name="emulator")
app.add_typer(sites.app, name="site")
app.command("health")(sites.health)
app.command("events")(sites.events)
app.add_typer(inventory.server_app, name="server")
app.add_typer(inventory.volume_app, name="volume")
app.command("search")(inventory.search)
app.command("refresh")(inventory.refresh)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
