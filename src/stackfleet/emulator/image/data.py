"""Image data over HTTP: upload (`PUT /file`), download (`GET /file`) and staging (`PUT /stage`).

As `glance.api.v2.image_data` with the file store: uploads stream to disk (never whole in memory)
while md5, sha512 and the size are computed; the image is saving during the upload and active
after it. Downloads stream the file back with Content-MD5, honouring a single byte Range.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.image import records, store
from stackfleet.emulator.image.faults import detailed, error, not_found, unsupported_media_type
from stackfleet.emulator.image.images import viewer
from stackfleet.emulator.image.state import is_mutable
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

OCTET_STREAM = "application/octet-stream"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _require_octet_stream(request: Request) -> None:
    raw_type = request.headers.get("content-type")
    if (raw_type or "").split(";")[0].strip().lower() != OCTET_STREAM:
        raise unsupported_media_type(raw_type)


async def receive(request: Request, target: pathlib.Path) -> store.Digest:
    """Stream the request body into `target`, hashing it; remove the file if the client leaves."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = store.Digest()
    try:
        async with await anyio.open_file(target, "wb") as out:
            async for chunk in request.stream():
                if chunk:
                    digest.update(chunk)
                    await out.write(chunk)
    except (ClientDisconnect, OSError):
        await anyio.Path(target).unlink(missing_ok=True)
        raise
    return digest


async def upload(request: Request) -> Response:
    _require_octet_stream(request)
    site = context.site(request)
    who = viewer(request)
    image_id = request.path_params["image_id"]
    image = records.find(site, who, image_id)
    if not is_mutable(image, who):
        raise error(403, f"Not allowed to upload image data for image {image_id}")
    _start_saving(site, image)
    partial_file = store.data_path(site, image_id).with_suffix(".part")
    try:
        digest = await receive(request, partial_file)
    except (ClientDisconnect, OSError):
        if site.image.images.get(image_id) is image and image["status"] == "saving":
            records.set_status(site, image, "queued")
        raise
    if site.image.images.get(image_id) is not image or image["status"] != "saving":
        with contextlib.suppress(FileNotFoundError):
            partial_file.unlink()
        raise error(
            410,
            f"Image {image_id} could not be found after upload. The image may have been "
            "deleted during the upload, cleaning up the chunks uploaded.",
        )
    os.replace(partial_file, store.data_path(site, image_id))  # same directory: atomic
    records.store_data(site, image, digest)
    return Response(status_code=204)


def _start_saving(site: Site, image: Doc) -> None:
    try:
        records.set_status(site, image, "saving")
    except records.InvalidTransition as exc:
        raise error(409, str(exc)) from None
    except records.MissingFormats as exc:
        raise error(400, str(exc)) from None


async def stage(request: Request) -> Response:
    _require_octet_stream(request)
    site = context.site(request)
    who = viewer(request)
    image_id = request.path_params["image_id"]
    image = records.find(site, who, image_id)
    if not is_mutable(image, who):
        raise error(403, "You do not own this image")
    target = store.staging_path(site, image_id)
    if target.exists():
        raise error(409, f"The image {image_id} has data on staging")
    try:
        records.set_status(site, image, "uploading")
    except records.InvalidTransition as exc:
        raise error(409, str(exc)) from None
    try:
        digest = await receive(request, target)
    except (ClientDisconnect, OSError):
        if site.image.images.get(image_id) is image and image["status"] == "uploading":
            records.set_status(site, image, "queued")
        raise
    if site.image.images.get(image_id) is not image:
        store.remove_files(site, image_id)
        raise not_found(image_id)
    image["size"] = digest.size
    image["_staged"] = digest.checksums(image["disk_format"], image["container_format"])
    return Response(status_code=204)


async def download(request: Request) -> Response:
    site = context.site(request)
    who = viewer(request)
    image = records.find(site, who, request.path_params["image_id"])
    if image["status"] == "deactivated" and not who.is_admin:
        raise error(
            403,
            "The requested image has been deactivated. Image data download is forbidden.",
        )
    path = store.data_path(site, image["id"])
    if not image.get("_has_data") or not path.exists():
        return Response(status_code=204)
    size = path.stat().st_size
    offset, length, status = 0, size, 200
    headers = {"Content-Type": OCTET_STREAM}
    window = _range(request, size)
    if window is not None:
        offset, end = window
        length = end - offset + 1
        status = 206
        headers["Content-Range"] = f"bytes {offset}-{end}/{size}"
    if image["checksum"]:
        headers["Content-MD5"] = image["checksum"]
    headers["Content-Length"] = str(length)
    return StreamingResponse(_read(path, offset, length), status, headers)


def _range(request: Request, size: int) -> tuple[int, int] | None:
    """Glance's handling of a Range header: (first byte, last byte), or None for all of it."""
    raw = request.headers.get("range")
    if raw is None:
        return None
    if "," in raw:
        raise error(
            400,
            "Requests with multiple ranges are not supported in Glance. You may make multiple "
            "single-range requests instead.",
        )
    match = _RANGE.match(raw.strip())
    if match is None or match.group(1) == match.group(2) == "":
        raise detailed(416, "Invalid Range header.")
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        offset = size - suffix if 0 < suffix < size else 0
        return offset, size - 1
    start = int(first)
    if last != "" and int(last) < start:
        raise detailed(416, "Invalid Range header.")
    if start >= size:
        raise detailed(
            416,
            "Invalid start position in Range header. Start position MUST be in the inclusive "
            f"range [0, {size - 1}].",
        )
    end = size - 1 if last == "" or int(last) + 1 >= size else int(last)
    return start, end


async def _read(path: pathlib.Path, offset: int, length: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as data:
        await data.seek(offset)
        remaining = length
        while remaining > 0:
            chunk = await data.read(min(store.CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


ROUTES = [
    Route("/images/{image_id}/file", upload, methods=["PUT"]),
    Route("/images/{image_id}/file", download, methods=["GET"]),
    Route("/images/{image_id}/stage", stage, methods=["PUT"]),
]
