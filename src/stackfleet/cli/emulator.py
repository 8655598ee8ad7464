"""`stackfleet emulator ...`: run the multi-site OpenStack emulator and inject faults into it."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Run the multi-site OpenStack emulator.")


@app.command()
def up(sites: int = typer.Option(3, help="How many sites to serve.")) -> None:
    """Serve emulated OpenStack sites on 127.0.0.1."""
    typer.echo(f"serving {sites} sites is not wired up yet")
    raise typer.Exit(1)
