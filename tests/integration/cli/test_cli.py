"""The `stackfleet` API commands through Typer's CliRunner against a served control plane.

Real parts: the API on loopback (uvicorn thread) over real services and emulator sites; the CLI
reaches it over HTTP through STACKFLEET_URL, exactly as from another shell.
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from stackfleet.cli.main import app
from stackfleet.emulator.seed import seed_sites
from tests.conftest import RunningEmulator
from tests.integration.api.served import Stack, new_site, serve_stack


@dataclass
class Cli:
    """Runs `stackfleet ...` against the module's API."""

    stack: Stack
    running: RunningEmulator

    def run(self, *args: str, input: str | None = None) -> Result:
        env = {"STACKFLEET_URL": self.stack.url, "COLUMNS": "250"}
        return CliRunner().invoke(app, list(args), env=env, input=input)

    def ok(self, *args: str, input: str | None = None) -> str:
        result = self.run(*args, input=input)
        assert result.exit_code == 0, result.output
        return result.stdout

    def failed(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert result.stderr.startswith("error:"), result.stderr
        return " ".join(result.stderr.split())

    def auth_args(self, name: str, password: str | None = None) -> list[str]:
        site = self.running.emulator.sites[name]
        return [
            f"--auth-url={site.service_url('identity')}/v3",
            "--username=admin",
            f"--password={password or site.config.admin_password}",
            "--project-name=admin",
        ]


@pytest.fixture(scope="module")
def cli(
    tmp_path_factory: pytest.TempPathFactory, running_emulator: RunningEmulator
) -> Iterator[Cli]:
    with serve_stack(tmp_path_factory.mktemp("cli")) as stack:
        yield Cli(stack, running_emulator)


def secret(cli: Cli, name: str) -> str:
    return cli.running.emulator.sites[name].config.admin_password


def test_site_add_list_show_update_remove(cli: Cli) -> None:
    name = new_site(cli.running, "cli")
    added = cli.ok("site", "add", name, *cli.auth_args(name), "--tier=gold", "--country=fr",
                   "--label", "team=ops", "-f", "json")  # fmt: skip
    assert json.loads(added)["labels"] == {"team": "ops"}
    listed = json.loads(cli.ok("site", "list", "-f", "json"))
    assert {"Name": name, "Tier": "gold", "Country": "FR"}.items() <= next(
        row for row in listed if row["Name"] == name
    ).items()
    assert cli.ok("site", "show", name, "-f", "value", "-c", "name") == f"{name}\n"
    shown = cli.ok("site", "show", name)
    assert "compute" in shown
    updated = cli.ok("site", "update", name, "--tier=silver", "--label", "team=", "-f", "yaml")
    shown_yaml = yaml.safe_load(updated)
    assert (shown_yaml["tier"], shown_yaml["labels"], shown_yaml["country"]) == ("silver", {}, "FR")
    for output in (added, shown, updated, json.dumps(listed)):
        assert secret(cli, name) not in output

    refused = cli.run("site", "remove", name, input="n\n")
    assert refused.exit_code == 1
    assert name in cli.ok("site", "list", "-f", "value", "-c", "Name")
    assert "Removed" in cli.ok("site", "remove", name, input="y\n")
    assert cli.failed("site", "show", name) == f"error: No site named '{name}'; " + (
        "`stackfleet site list` shows them."
    )


def test_wrong_credentials_show_auth_failed_without_the_password(cli: Cli) -> None:
    name = new_site(cli.running, "cli")
    output = cli.ok("site", "add", name, *cli.auth_args(name, "not-the-pw-42"), "-f", "json")
    assert json.loads(output)["status"] == "auth-failed"
    health = cli.ok("health", name, "-f", "json")
    assert json.loads(health)["status"] == "auth-failed"
    assert "not-the-pw-42" not in output + health


def test_an_unreachable_site_is_an_error_naming_it(cli: Cli) -> None:
    args = ["--auth-url=http://127.0.0.1:9/v3", "--username=a", "--password=b"]
    message = cli.failed("site", "add", "nowhere", *args)
    assert "unreachable" in message
    assert "nowhere" not in cli.ok("site", "list", "-f", "value", "-c", "name")


def test_bad_input_is_refused_before_or_by_the_api(cli: Cli) -> None:
    assert "Invalid site name" in cli.failed("site", "add", "bad name", "--auth-url=http://x/v3",
                                             "--username=u", "--password=p")  # fmt: skip
    assert "No column 'Bogus'" in cli.failed("site", "list", "-c", "Bogus")
    assert "key=value" in cli.failed("site", "add", "x", "--auth-url=http://x/v3", "--label", "k")


def test_import_from_a_clouds_yaml(cli: Cli, tmp_path: pathlib.Path) -> None:
    first, second = new_site(cli.running, "cimp"), new_site(cli.running, "cimp")
    output = cli.ok("site", "import", str(cli.running.clouds_yaml), "--cloud", first,
                    "--cloud", second, "-f", "csv")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(output)))
    assert sorted(row["Name"] for row in rows) == sorted([first, second])
    assert secret(cli, first) not in output

    broken = tmp_path / "clouds.yaml"
    broken.write_text("clouds: [unclosed")
    assert "not valid YAML" in cli.failed("site", "import", str(broken))
    assert "Cannot read" in cli.failed("site", "import", str(tmp_path / "missing.yaml"))
    again = cli.failed("site", "import", str(cli.running.clouds_yaml), "--cloud", first)
    assert "already exists" in again


@pytest.fixture(scope="module")
def seeded(cli: Cli) -> str:
    name = new_site(cli.running, "cseed")
    seed_sites(cli.running.emulator, [name])
    cli.ok("site", "add", name, *cli.auth_args(name), "--tier=seeded")
    return name


def test_refresh_every_site_then_list_servers_and_volumes(cli: Cli, seeded: str) -> None:
    result = cli.run("refresh", "-f", "json")
    refreshed = json.loads(result.stdout)
    mine = next(row for row in refreshed if row["Site"] == seeded)
    assert mine["Error"] is None
    assert mine["Upserted"] > 0
    # Sites registered as auth-failed cannot be refreshed: the command says so and exits 1.
    assert result.exit_code == (1 if any(row["Error"] for row in refreshed) else 0)

    errors = json.loads(cli.ok("server", "list", "--all-sites", "--status", "ERROR", "-f", "json",
                               "--site", seeded))  # fmt: skip
    assert len(errors) == 1
    assert errors[0]["Status"] == "ERROR"
    assert errors[0]["Stale"] is False
    volumes = cli.ok("volume", "list", "--label", "tier:seeded", "-f", "csv", "-c", "Site")
    assert volumes.splitlines()[1:] == [f'"{seeded}"'] * 10
    servers = cli.ok("server", "list", "--site", seeded, "--limit", "5", "-f", "value", "-c", "ID")
    assert len(servers.split()) == 5


def test_search_and_incremental_refresh_of_one_site(cli: Cli, seeded: str) -> None:
    cli.ok("refresh", seeded, "--incremental")
    server: dict[str, Any] = json.loads(
        cli.ok("server", "list", "--site", seeded, "--limit", "1", "-f", "json")
    )[0]
    found = json.loads(cli.ok("search", server["ID"], "-f", "json"))
    assert [(row["Type"], row["Site"]) for row in found] == [("server", seeded)]
    assert cli.ok("search", "no-such-thing-anywhere", "-f", "json").strip() == "[]"


def test_health_and_events(cli: Cli, seeded: str) -> None:
    health = json.loads(cli.ok("health", "-f", "json"))
    assert seeded in {row["Site"] for row in health}
    events = json.loads(cli.ok("events", "--site", seeded, "-f", "json"))
    assert any(row["Kind"] == "added" for row in events)


def test_an_api_that_is_down_is_a_clear_error(cli: Cli) -> None:
    result = CliRunner().invoke(app, ["--url", "http://127.0.0.1:9", "site", "list"])
    assert result.exit_code == 1
    assert "Cannot reach the Stackfleet API at http://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.output
