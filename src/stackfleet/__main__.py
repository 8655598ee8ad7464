"""`python -m stackfleet`: the same as the `stackfleet` command."""

from stackfleet.cli.main import app

app(prog_name="stackfleet")
