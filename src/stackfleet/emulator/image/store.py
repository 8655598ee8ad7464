"""Glance's file store: where image data lives on disk, its checksums, and background copies.

Each image's data is one file, `<site data dir>/images/<image id>`; data staged for interoperable
import waits in `<site data dir>/staging/<image id>`. Paths are derived from the image id (never
stored), so a saved state restored into another data dir still finds its files. Slow work (fetching
a web-download URL, copying a volume into an image) runs in a worker thread as a `Job`; the site's
timers poll it (`poll_job`), so the event loop never blocks on disk or network.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import shutil
import struct
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

CHUNK_BYTES = 64 * 1024
HASH_ALGO = "sha512"
"""Glance's default `hashing_algorithm`."""

_QCOW2_MAGIC = b"QFI\xfb"


def data_path(site: Site, image_id: str) -> pathlib.Path:
    return site.data_dir / "images" / image_id


def staging_path(site: Site, image_id: str) -> pathlib.Path:
    return site.data_dir / "staging" / image_id


def remove_files(site: Site, image_id: str) -> None:
    """Delete the image's data and staged data, if any."""
    for path in (data_path(site, image_id), staging_path(site, image_id)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def commit_staged(site: Site, image_id: str) -> None:
    """Move the image's staged data into the store."""
    target = data_path(site, image_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging_path(site, image_id), target)


@dataclass
class Digest:
    """What Glance computes while it stores data: size, md5 `checksum` and `os_hash_value`."""

    size: int = 0
    head: bytes = b""

    def __post_init__(self) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._multihash = hashlib.new(HASH_ALGO)

    def update(self, chunk: bytes) -> None:
        if len(self.head) < 512:
            self.head += chunk[: 512 - len(self.head)]
        self.size += len(chunk)
        self._md5.update(chunk)
        self._multihash.update(chunk)

    def checksums(self, disk_format: str | None, container_format: str | None) -> dict[str, object]:
        """The image attributes Glance sets once the data is stored."""
        return {
            "size": self.size,
            "checksum": self._md5.hexdigest(),
            "os_hash_algo": HASH_ALGO,
            "os_hash_value": self._multihash.hexdigest(),
            "virtual_size": virtual_size(disk_format, container_format, self.head, self.size),
        }

    def __getstate__(self) -> dict[str, object]:
        # Digests only live while data flows; they are never saved with the site.
        return {"size": self.size, "head": self.head}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.__post_init__()


def virtual_size(
    disk_format: str | None, container_format: str | None, head: bytes, size: int
) -> int | None:
    """What Glance Zed's in-flight format inspector finds for bare raw and qcow2 data."""
    if container_format != "bare":
        return None
    if disk_format == "raw":
        return size
    if disk_format == "qcow2" and len(head) >= 32 and head.startswith(_QCOW2_MAGIC):
        return int(struct.unpack(">Q", head[24:32])[0])
    return None


def write_file(source: pathlib.Path | None, target: pathlib.Path, size: int) -> Digest:
    """Copy `source` (or `size` zero bytes when there is none) to `target`, hashing as it goes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = Digest()
    zeros = bytes(CHUNK_BYTES)
    with target.open("wb") as out:
        if source is None:
            remaining = size
            while remaining > 0:
                chunk = zeros[: min(remaining, CHUNK_BYTES)]
                digest.update(chunk)
                out.write(chunk)
                remaining -= len(chunk)
        else:
            with source.open("rb") as data:
                while chunk := data.read(CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
    return digest


def link_or_copy(source: pathlib.Path, target: pathlib.Path) -> None:
    """Give `target` the same bytes as `source`; image data never changes, so a link will do."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="image-data")
_JOBS: dict[str, Future[Digest]] = {}


def _job_key(site: Site, image_id: str) -> str:
    return f"{site.data_dir}/{image_id}"


def start_job(site: Site, image_id: str, work: Callable[[], Digest]) -> None:
    """Run `work` (which writes the image's data) in a worker thread."""
    _JOBS[_job_key(site, image_id)] = _EXECUTOR.submit(work)


def poll_job(site: Site, image_id: str) -> Future[Digest] | None:
    """The image's job if it has finished (and forget it), else None while it still runs.

    A job lost with a restart (state restored from a file) is reported as failed.
    """
    key = _job_key(site, image_id)
    job = _JOBS.get(key)
    if job is None:
        lost: Future[Digest] = Future()
        lost.set_exception(RuntimeError("the emulator restarted while the data was copied"))
        return lost
    if not job.done():
        return None
    del _JOBS[key]
    return job
