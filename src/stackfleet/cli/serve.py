"""`stackfleet serve`: run the control plane (API, probes, inventory refresh) in the foreground.

Registered on the root app by cli/main.py; the work is in server.py.
"""

from __future__ import annotations

import pathlib
from typing import Annotated

import typer
from rich.console import Console

from stackfleet import server
from stackfleet.settings import Settings

_err = Console(stderr=True)


def serve(
    *,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0)] = 8600,
    data_dir: Annotated[
        pathlib.Path | None,
        typer.Option(help="Database and credential key [default: $STACKFLEET_DATA_DIR or ./data]."),
    ] = None,
) -> None:
    """Serve the Stackfleet API and keep every site probed and inventoried until interrupted."""
    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    try:
        sock = server.bind(host, port)
    except OSError as exc:
        _err.print(f"[red]error:[/red] cannot listen on {host}:{port}: {exc.strerror or exc}")
        raise typer.Exit(1) from exc
    _err.print(
        f"Stackfleet API on http://{host}:{sock.getsockname()[1]}/v1 (data in {settings.data_dir})"
    )
    server.serve(settings, sock)
