"""`stackfleet emulator ...` against a real emulator started with `stackfleet emulator up`.

`up` runs as a subprocess on a free port, exactly as an operator starts it; the other commands run
in-process through Typer's CliRunner and reach it over HTTP as they would from another shell.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import signal
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner, Result

from stackfleet.cli.main import app
from stackfleet.emulator import persistence

STACKFLEET = str(pathlib.Path(sys.executable).with_name("stackfleet"))


@dataclass
class Upped:
    """A `stackfleet emulator up` process and the files it was told to use."""

    process: subprocess.Popen[bytes]
    data_dir: pathlib.Path
    state: pathlib.Path
    output: pathlib.Path

    @property
    def runtime(self) -> dict[str, Any]:
        runtime: dict[str, Any] = json.loads((self.data_dir / "emulator.json").read_text())
        return runtime

    @property
    def url(self) -> str:
        return str(self.runtime["url"])

    def clouds(self) -> dict[str, Any]:
        clouds: dict[str, Any] = yaml.safe_load((self.data_dir / "clouds.yaml").read_text())
        return dict(clouds["clouds"])

    def run(self, *args: str) -> Result:
        """Run `stackfleet emulator <args>` in-process against this emulator."""
        return CliRunner().invoke(
            app, ["emulator", *args, "--data-dir", str(self.data_dir)], env={"COLUMNS": "200"}
        )

    def stop(self, how: signal.Signals = signal.SIGINT) -> str:
        if self.process.poll() is None:
            self.process.send_signal(how)
            self.process.wait(timeout=20)
        return self.output.read_text()


def _answers(upped: Upped) -> bool:
    try:
        return httpx.get(f"{upped.url}/_admin/sites").status_code == 401
    except (httpx.TransportError, OSError, ValueError, KeyError):
        return False


def start(root: pathlib.Path, *args: str) -> Upped:
    """Start `stackfleet emulator up` and wait until it serves."""
    root.mkdir(parents=True, exist_ok=True)
    data_dir, state, output = root / "data", root / "state.pickle", root / "up.out"
    command = [STACKFLEET, "emulator", "up", "--port", "0", "--data-dir", str(data_dir)]
    command += ["--state", str(state), *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    with output.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    upped = Upped(process, data_dir, state, output)
    for _ in range(400):
        if process.poll() is not None:
            break
        if (data_dir / "emulator.json").exists() and _answers(upped):
            return upped
        threading.Event().wait(0.05)
    upped.stop(signal.SIGKILL)
    raise AssertionError(f"`stackfleet emulator up` did not start:\n{output.read_text()}")


@pytest.fixture(scope="module")
def upped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upped]:
    running = start(tmp_path_factory.mktemp("cli"), "--sites", "2", "--boot-seconds", "0.3")
    yield running
    running.stop()


def _sites_json(upped: Upped) -> dict[str, dict[str, Any]]:
    result = upped.run("sites", "-f", "json")
    assert result.exit_code == 0, result.output
    return {row["Name"]: row for row in json.loads(result.stdout)}


def test_up_writes_clouds_yaml_and_the_runtime_file_and_says_what_to_try(upped: Upped) -> None:
    clouds = upped.clouds()
    assert set(clouds) == {"site1", "site1-member", "site2", "site2-member"}
    assert clouds["site1"]["auth"]["auth_url"] == f"{upped.url}/site1/identity/v3"
    assert upped.url.startswith("http://127.0.0.1:")
    assert len(upped.runtime["admin_token"]) >= 24
    for secret in ("emulator.json", "clouds.yaml"):
        assert stat.S_IMODE((upped.data_dir / secret).stat().st_mode) == 0o600
    banner = upped.output.read_text()
    assert f"export OS_CLIENT_CONFIG_FILE={upped.data_dir / 'clouds.yaml'}" in banner
    assert "openstack --os-cloud site1 server list" in banner
    token = httpx.post(
        clouds["site2-member"]["auth"]["auth_url"] + "/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": "demo",
                            "domain": {"name": "Default"},
                            "password": clouds["site2-member"]["auth"]["password"],
                        }
                    },
                }
            }
        },
    )
    assert token.status_code == 201


def test_sites_in_every_format(upped: Upped) -> None:
    assert set(_sites_json(upped)) >= {"site1", "site2"}
    table = upped.run("sites")
    assert table.exit_code == 0
    assert "site1" in table.stdout
    assert f"{upped.url}/site2" in table.stdout
    rows = list(csv.reader(io.StringIO(upped.run("sites", "-f", "csv").stdout)))
    assert rows[0] == [
        "Name",
        "Region",
        "URL",
        "Faults",
        "Servers",
        "Networks",
        "Images",
        "Volumes",
    ]
    assert ["site1", "RegionOne", f"{upped.url}/site1"] == rows[1][:3]
    as_yaml = yaml.safe_load(upped.run("sites", "-f", "yaml", "-c", "name").stdout)
    assert {"Name": "site1"} in as_yaml
    value = upped.run("sites", "-f", "value", "-c", "Name", "-c", "Region").stdout
    assert "site1 RegionOne\n" in value


def test_sites_refuses_unknown_columns_and_formats(upped: Upped) -> None:
    unknown = upped.run("sites", "-c", "Flavor")
    assert unknown.exit_code == 1
    assert "no column 'Flavor'" in unknown.stderr
    assert upped.run("sites", "-f", "xml").exit_code == 2


def test_fault_injects_shows_and_clears(upped: Upped) -> None:
    result = upped.run(
        "fault", "site2", "--latency", "20", "--jitter", "5", "--unavailable", "compute,image"
    )
    assert result.exit_code == 0, result.output
    assert "compute, image" in result.stdout
    faults = _sites_json(upped)["site2"]["Faults"]
    assert faults == {"unavailable": ["compute", "image"], "latency_ms": 20.0, "jitter_ms": 5.0}
    assert httpx.get(f"{upped.url}/site2/compute/").status_code == 503
    more = upped.run("fault", "site2", "--error-rate", "0.5", "--capacity-exhausted")
    assert more.exit_code == 0
    assert _sites_json(upped)["site2"]["Faults"]["error_rate"] == 0.5
    upped.run("fault", "site2", "--unavailable", "none", "--boot-seconds", "2")
    faults = _sites_json(upped)["site2"]["Faults"]
    assert "unavailable" not in faults
    assert faults["boot_seconds"] == 2.0
    shown = upped.run("fault", "site2")
    assert "capacity_exhausted" in shown.stdout
    cleared = upped.run("fault", "site2", "--clear")
    assert cleared.exit_code == 0
    assert _sites_json(upped)["site2"]["Faults"] == {}


def test_fault_down_drops_connections_and_up_restores(upped: Upped) -> None:
    assert upped.run("fault", "site2", "--down").exit_code == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{upped.url}/site2/identity/v3")
    assert httpx.get(f"{upped.url}/site1/identity/v3").status_code == 200
    assert upped.run("fault", "site2", "--up").exit_code == 0
    assert httpx.get(f"{upped.url}/site2/identity/v3").status_code == 200


def test_fault_expire_tokens(upped: Upped) -> None:
    result = upped.run("fault", "site1", "--expire-tokens")
    assert result.exit_code == 0, result.output
    assert "are now rejected" in result.stdout


def test_fault_refuses_bad_input_with_a_reason(upped: Upped) -> None:
    missing = upped.run("fault", "nowhere", "--down")
    assert missing.exit_code == 1
    assert "no site 'nowhere'" in missing.stderr
    service = upped.run("fault", "site1", "--unavailable", "dns")
    assert service.exit_code == 1
    assert "unknown service(s) 'dns'" in service.stderr
    assert upped.run("fault", "site1", "--error-rate", "2").exit_code == 2
    assert upped.run("fault", "site1", "--latency", "-5").exit_code == 2


def test_add_site_and_remove_site_while_serving(upped: Upped) -> None:
    added = upped.run(
        "add-site", "east", "--region", "RegionEast", "--boot-seconds", "1", "--vcpus", "4",
        "--availability-zone", "az1", "--admin-password", "pw",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Added site east" in added.stdout
    assert httpx.get(f"{upped.url}/east/identity/v3").status_code == 200
    clouds = upped.clouds()
    assert clouds["east"]["region_name"] == "RegionEast"
    assert clouds["east"]["auth"]["password"] == "pw"
    again = upped.run("add-site", "east")
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    removed = upped.run("remove-site", "east")
    assert removed.exit_code == 0
    assert httpx.get(f"{upped.url}/east/identity/v3").status_code == 404
    assert "east" not in upped.clouds()
    assert upped.run("remove-site", "east").exit_code == 1


def test_save_writes_a_loadable_state_file(upped: Upped, tmp_path: pathlib.Path) -> None:
    target = tmp_path / "saved.pickle"
    result = upped.run("save", str(target))
    assert result.exit_code == 0, result.output
    assert set(persistence.read(target).sites) >= {"site1", "site2"}
    default = upped.run("save")
    assert default.exit_code == 0, default.output
    assert upped.state.exists()


def test_commands_without_a_running_emulator_say_how_to_start_one(tmp_path: pathlib.Path) -> None:
    result = CliRunner().invoke(app, ["emulator", "sites", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "stackfleet emulator up" in result.stderr
    stale = tmp_path / "emulator.json"
    stale.write_text(json.dumps({"url": "http://127.0.0.1:9", "admin_token": "x"}))
    unreachable = CliRunner().invoke(app, ["emulator", "sites", "--data-dir", str(tmp_path)])
    assert unreachable.exit_code == 1
    assert "cannot reach the emulator" in unreachable.stderr


def test_an_explicit_url_with_a_wrong_token_is_refused(upped: Upped) -> None:
    args = ["emulator", "sites", "--url", upped.url, "--admin-token", "wrong"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "X-Admin-Token" in result.stderr
    env = {"STACKFLEET_EMULATOR_URL": upped.url, "STACKFLEET_EMULATOR_TOKEN": "wrong"}
    assert CliRunner().invoke(app, ["emulator", "sites"], env=env).exit_code == 1


def test_up_refuses_unknown_seeds_and_busy_ports(tmp_path: pathlib.Path) -> None:
    base = ["emulator", "up", "--data-dir", str(tmp_path)]
    unknown = CliRunner().invoke(app, [*base, "--seed", "lots"])
    assert unknown.exit_code == 1
    assert "unknown seed 'lots'" in unknown.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = CliRunner().invoke(app, [*base, "--port", str(busy.getsockname()[1])])
    assert taken.exit_code == 1
    assert "cannot listen on 127.0.0.1" in taken.stderr


def test_state_is_saved_on_exit_and_restored_on_start(tmp_path: pathlib.Path) -> None:
    first = start(tmp_path / "one", "--sites", "1")
    assert first.run("add-site", "west", "--region", "RegionWest").exit_code == 0
    assert first.run("fault", "west", "--latency", "15").exit_code == 0
    output = first.stop(signal.SIGTERM)
    assert f"Saved 2 sites to {first.state}" in output
    assert not (first.data_dir / "emulator.json").exists()
    second = start(tmp_path / "one", "--sites", "1")
    try:
        sites = _sites_json(second)
        assert set(sites) == {"site1", "west"}
        assert sites["west"]["Region"] == "RegionWest"
        assert sites["west"]["Faults"] == {"latency_ms": 15.0}
        assert set(second.clouds()) >= {"west", "west-member"}
        assert f"restored from {second.state}" in second.output.read_text()
    finally:
        second.stop()


def test_a_corrupt_state_file_stops_up_with_a_clear_error(tmp_path: pathlib.Path) -> None:
    state = tmp_path / "state.pickle"
    state.write_bytes(b"garbage")
    result = CliRunner().invoke(
        app, ["emulator", "up", "--port", "0", "--data-dir", str(tmp_path), "--state", str(state)]
    )
    assert result.exit_code == 1
    assert "not an emulator state file" in result.stderr
