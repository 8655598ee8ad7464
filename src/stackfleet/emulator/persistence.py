"""Saving an emulator's sites to a file and restoring them, so a restart keeps every cloud's state.

Called by the admin API (`POST /_admin/save`) and by `stackfleet emulator up --state FILE`, which
restores the file on start and saves it on exit. The state file is a pickle of the sites, written
atomically (temporary file, then rename). The files the sites keep in the data dir (image data,
backups) are copied into a directory beside the state file, `<state file>.data/`, so the two
together are the whole saved state and can be moved or restored into another data dir.
"""

from __future__ import annotations

import os
import pathlib
import pickle
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any

from stackfleet.emulator.site import Emulator, Site

FORMAT = "stackfleet-emulator-state/1"
"""Written into every state file; a file without it is not ours (or from an older format)."""


class StateFileError(Exception):
    """The state file is missing, unreadable, or not an emulator state file."""


@dataclass
class Snapshot:
    """What a state file holds: the sites and the clocks they were saved under."""

    sites: dict[str, Site]
    base_url: str
    monotonic: float
    """The emulator's monotonic clock when saved; timers are due relative to it."""


def data_dir_beside(path: pathlib.Path) -> pathlib.Path:
    """Where the data files saved with the state file `path` live."""
    return path.with_name(path.name + ".data")


def dumps(emulator: Emulator) -> bytes:
    """Serialize every site of `emulator` (call from the event loop: no request runs meanwhile)."""
    snapshot = Snapshot(emulator.sites, emulator.base_url, emulator.clock.monotonic())
    return pickle.dumps({"format": FORMAT, "snapshot": snapshot}, pickle.HIGHEST_PROTOCOL)


def write(
    data: bytes, data_dir: pathlib.Path, sites: list[str], path: pathlib.Path
) -> pathlib.Path:
    """Write serialized state to `path` atomically, copy the sites' data beside it; return path."""
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        pathlib.Path(temporary).replace(path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise
    _copy_sites(data_dir, data_dir_beside(path), sites)
    return path


def save(emulator: Emulator, path: pathlib.Path) -> pathlib.Path:
    """Save every site of `emulator` to `path` (and its data files to `<path>.data/`)."""
    return write(dumps(emulator), emulator.data_dir, list(emulator.sites), path)


def read(path: pathlib.Path) -> Snapshot:
    """Read a state file; raises `StateFileError` if it is missing or not a state file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise StateFileError(f"no state file at {path}") from exc
    except OSError as exc:
        raise StateFileError(f"cannot read the state file {path}: {exc.strerror}") from exc
    try:
        # The file is one the operator chose and this emulator wrote, like a database file.
        document: Any = pickle.loads(raw)  # noqa: S301
    except Exception as exc:
        raise StateFileError(
            f"{path} is not an emulator state file (or it is corrupt): {exc!r}"
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateFileError(f"{path} is not an emulator state file in format {FORMAT}")
    snapshot = document.get("snapshot")
    if not isinstance(snapshot, Snapshot):
        raise StateFileError(f"{path} is an emulator state file without sites; it is corrupt")
    return snapshot


def load(path: pathlib.Path, emulator: Emulator) -> list[Site]:
    """Restore the sites saved in `path` into `emulator`, replacing any of the same name.

    The sites are moved onto `emulator`'s URL, data dir and clock: endpoints in each catalog
    point at the new URL and pending timers (a server still in BUILD) keep their remaining delay.
    Returns the restored sites.
    """
    snapshot = read(path)
    shift = emulator.clock.monotonic() - snapshot.monotonic
    for site in snapshot.sites.values():
        _rebase(site, snapshot.base_url, emulator)
        for timer in site.timers:
            timer.due += shift
        emulator.sites[site.name] = site
    _copy_sites(data_dir_beside(path.resolve()), emulator.data_dir, list(snapshot.sites))
    return list(snapshot.sites.values())


def _rebase(site: Site, old_base: str, emulator: Emulator) -> None:
    site.clock = emulator.clock
    site.data_dir = emulator.data_dir / site.name
    site.url = f"{emulator.base_url}/{site.name}"
    site.identity.site_url = site.url
    if old_base == emulator.base_url:
        return
    for endpoint in site.identity.endpoints.values():
        url = str(endpoint["url"])
        if url.startswith(old_base + "/"):
            endpoint["url"] = emulator.base_url + url[len(old_base) :]


def _copy_sites(source: pathlib.Path, target: pathlib.Path, sites: list[str]) -> None:
    # Only the sites' own directories: the data dir also holds the running emulator's files.
    if source.resolve() == target.resolve():
        return
    for name in sites:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, dirs_exist_ok=True)
