"""Saving sites to a state file and loading them back: state, timers, URLs and data files."""

from __future__ import annotations

import datetime as dt
import pathlib
import pickle
from functools import partial

import pytest

from stackfleet.emulator import persistence
from stackfleet.emulator.persistence import StateFileError
from stackfleet.emulator.site import Emulator, Faults, Site, SiteConfig


class SteppedClock:
    """A clock that moves only when told to."""

    def __init__(self, monotonic: float) -> None:
        self.moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
        self.seconds = monotonic

    def now(self) -> dt.datetime:
        return self.moment

    def monotonic(self) -> float:
        return self.seconds


def _set_region_note(note: str, site: Site) -> None:
    site.identity.regions[site.config.region]["description"] = note


def _emulator(root: pathlib.Path, url: str, monotonic: float) -> Emulator:
    return Emulator(url, root / "data", admin_token="token", clock=SteppedClock(monotonic))


def test_sites_come_back_with_their_state_faults_and_settings(tmp_path: pathlib.Path) -> None:
    before = _emulator(tmp_path / "a", "http://127.0.0.1:8787", 100.0)
    site = before.add_site(SiteConfig("east", region="RegionEast", boot_seconds=2.0))
    site.identity.add_project("alpha", "default")
    site.set_faults(Faults(latency_ms=30.0, unavailable=frozenset({"image"}), boot_seconds=9.0))
    path = persistence.save(before, tmp_path / "state.pickle")
    after = _emulator(tmp_path / "a", "http://127.0.0.1:8787", 5.0)
    restored = persistence.load(path, after)
    assert [s.name for s in restored] == ["east"]
    east = after.sites["east"]
    assert east.config.region == "RegionEast"
    assert "alpha" in {p["name"] for p in east.identity.projects.values()}
    assert east.faults.latency_ms == 30.0
    assert east.faults.is_unavailable("image")
    assert (east.config.boot_seconds, east.configured_boot_seconds) == (9.0, 2.0)
    assert east.clock is after.clock
    east.set_faults(Faults())
    assert east.config.boot_seconds == 2.0


def test_pending_timers_keep_their_remaining_delay(tmp_path: pathlib.Path) -> None:
    before = _emulator(tmp_path, "http://127.0.0.1:8787", 1000.0)
    site = before.add_site(SiteConfig("east"))
    site.schedule(5.0, partial(_set_region_note, "booted"))
    path = persistence.save(before, tmp_path / "state.pickle")
    clock = SteppedClock(20.0)
    after = Emulator("http://127.0.0.1:8787", tmp_path / "data", "t", clock=clock)
    persistence.load(path, after)
    east = after.sites["east"]
    clock.seconds = 24.9
    east.run_due()
    assert east.identity.regions["RegionOne"]["description"] == ""
    clock.seconds = 25.0
    east.run_due()
    assert east.identity.regions["RegionOne"]["description"] == "booted"


def test_sites_move_to_the_new_url_and_data_dir(tmp_path: pathlib.Path) -> None:
    before = _emulator(tmp_path / "old", "http://127.0.0.1:8787", 0.0)
    before.add_site(SiteConfig("east"))
    path = persistence.save(before, tmp_path / "state.pickle")
    after = _emulator(tmp_path / "new", "http://10.0.0.5:9999", 0.0)
    persistence.load(path, after)
    east = after.sites["east"]
    assert east.url == "http://10.0.0.5:9999/east"
    assert east.identity.site_url == east.url
    assert east.data_dir == tmp_path / "new" / "data" / "east"
    urls = [str(e["url"]) for e in east.identity.endpoints.values()]
    assert urls
    assert all(url.startswith("http://10.0.0.5:9999/east/") for url in urls)
    catalog_urls = [e["url"] for s in east.identity.catalog("p1") for e in s["endpoints"]]
    assert "http://10.0.0.5:9999/east/volume/v3/p1" in catalog_urls


def test_data_files_are_saved_beside_the_state_file_and_restored(tmp_path: pathlib.Path) -> None:
    before = _emulator(tmp_path / "old", "http://127.0.0.1:8787", 0.0)
    site = before.add_site(SiteConfig("east"))
    (site.data_dir / "images").mkdir(parents=True)
    (site.data_dir / "images" / "abc").write_bytes(b"disk bytes")
    (before.data_dir / "emulator.json").write_text("{}")
    path = persistence.save(before, tmp_path / "saved" / "state.pickle")
    beside = tmp_path / "saved" / "state.pickle.data"
    assert (beside / "east" / "images" / "abc").exists()
    assert not (beside / "emulator.json").exists()
    after = _emulator(tmp_path / "new", "http://127.0.0.1:8787", 0.0)
    persistence.load(path, after)
    restored_file = after.sites["east"].data_dir / "images" / "abc"
    assert restored_file.read_bytes() == b"disk bytes"


def test_saving_replaces_the_file_atomically(tmp_path: pathlib.Path) -> None:
    emulator = _emulator(tmp_path, "http://127.0.0.1:8787", 0.0)
    emulator.add_site(SiteConfig("east"))
    path = tmp_path / "state.pickle"
    persistence.save(emulator, path)
    emulator.add_site(SiteConfig("west"))
    persistence.save(emulator, path)
    # No data files yet, so no data dir; and no temporary file left behind.
    assert [p.name for p in tmp_path.iterdir()] == ["state.pickle"]
    assert set(persistence.read(path).sites) == {"east", "west"}


def test_a_missing_file_is_a_clear_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(StateFileError, match="no state file at"):
        persistence.read(tmp_path / "absent.pickle")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a pickle at all",
        pickle.dumps({"sites": {}}),
        pickle.dumps(["format", "snapshot"]),
        pickle.dumps({"format": persistence.FORMAT, "snapshot": None}),
    ],
)
def test_a_corrupt_or_foreign_file_is_a_clear_error(tmp_path: pathlib.Path, content: bytes) -> None:
    path = tmp_path / "state.pickle"
    path.write_bytes(content)
    with pytest.raises(StateFileError, match="state file"):
        persistence.load(path, _emulator(tmp_path, "http://127.0.0.1:1", 0.0))


def test_a_truncated_file_is_a_clear_error(tmp_path: pathlib.Path) -> None:
    emulator = _emulator(tmp_path, "http://127.0.0.1:8787", 0.0)
    emulator.add_site(SiteConfig("east"))
    path = persistence.save(emulator, tmp_path / "state.pickle")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(StateFileError, match="corrupt"):
        persistence.read(path)


def test_an_unreadable_path_is_a_clear_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(StateFileError, match="cannot read"):
        persistence.read(tmp_path)
