"""The `stackfleet` command: the root Typer app and its command groups."""

from __future__ import annotations

import typer

from stackfleet.cli import emulator

app = typer.Typer(
    no_args_is_help=True, help="Stackfleet: one control plane over many OpenStack clouds."
)
app.add_typer(emulator.app, name="emulator")
