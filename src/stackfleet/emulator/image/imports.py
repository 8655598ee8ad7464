"""Interoperable image import: `POST /v2/images/{id}/import` and the `/v2/info/*` discovery.

As `glance.api.v2.images.import_image` and `glance.api.v2.discovery` in Zed with a single file
store: glance-direct imports data staged with `PUT /stage`; web-download fetches a URL (which must
match the site's `web_download_allowlist`) with the stdlib in a worker thread, streaming to disk.
The image is importing meanwhile, holding the `os_glance_import_task` lock, and active after.
"""

from __future__ import annotations

import contextlib
import pathlib
import urllib.parse
import urllib.request
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.image import records, store
from stackfleet.emulator.image.faults import error, read_body
from stackfleet.emulator.image.images import IMPORT_METHODS, viewer
from stackfleet.emulator.image.state import Viewer, is_mutable
from stackfleet.emulator.wire import Doc, json_response, new_id

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site

POLL_SECONDS = 0.05
FETCH_TIMEOUT_SECONDS = 60
_LOCK = "os_glance_import_task"


async def import_methods(request: Request) -> Response:
    del request
    body = {
        "import-methods": {
            "description": "Import methods available.",
            "type": "array",
            "value": list(IMPORT_METHODS),
        }
    }
    return json_response(body)


async def stores(request: Request) -> Response:
    del request
    raise error(404, "Multi backend is not supported at this site.")


async def import_image(request: Request) -> Response:
    body = await read_body(request)
    method, uri = _method(body)
    site = context.site(request)
    who = viewer(request)
    image = records.find(site, who, request.path_params["image_id"])
    _check_importable(image, method, who)
    if not body.get("all_stores_must_succeed", True):
        raise error(400, f"All_stores_must_succeed can only be set with enabled_backends {uri}")
    if method == "copy-image":
        # With one store the image is already everywhere it can be copied to.
        return Response(status_code=202)
    if method == "web-download" and not allowed(site, uri):
        raise error(400, f"URI for web-download does not pass filtering: {uri}")
    image[_LOCK] = new_id()
    records.set_status(site, image, "importing")
    image["os_glance_importing_to_stores"] = ""
    image["os_glance_failed_import"] = ""
    if method == "glance-direct":
        site.schedule(site.config.boot_seconds / 2, partial(_finish_staged, image["id"]))
    else:
        target = store.staging_path(site, image["id"])
        store.start_job(site, image["id"], partial(fetch, str(uri), target))
        site.schedule(POLL_SECONDS, partial(_poll_download, image["id"]))
    return Response(status_code=202)


def _method(body: Any) -> tuple[str, Any]:
    if not isinstance(body, dict) or "method" not in body:
        raise error(400, "Import request requires a 'method' field.")
    method = body["method"]
    if not isinstance(method, dict) or "name" not in method:
        raise error(400, "Import request requires a 'name' field.")
    name = method["name"]
    if name not in IMPORT_METHODS:
        raise error(400, f"Unknown import method name '{name}'.")
    for key, default in (("all_stores_must_succeed", True), ("all_stores", False)):
        if not isinstance(body.get(key, default), bool):
            raise error(400, f"'{key}' must be boolean value only")
    return str(name), method.get("uri")


def _check_importable(image: Doc, method: str, who: Viewer) -> None:
    _check_status(image, method)
    for key in ("container_format", "disk_format"):
        if not image.get(key):
            raise error(409, f"'{key}' needs to be set before import")
    if method == "copy-image":
        if not who.is_admin:
            raise error(403, "You are not authorized to complete copy_image action.")
    elif not is_mutable(image, who):
        raise error(403, "You do not own this image")
    if _LOCK in image:
        raise error(409, "Image has active task")


def _check_status(image: Doc, method: str) -> None:
    status = image["status"]
    if status == "active" and method != "copy-image":
        raise error(409, "Image with status active cannot be target for import")
    if status != "active" and method == "copy-image":
        raise error(409, "Only images with status active can be targeted for copying")
    if status != "queued" and method in ("web-download", "glance-download"):
        raise error(409, f"Image needs to be in 'queued' state to use '{method}' method")
    if status != "uploading" and method == "glance-direct":
        raise error(409, "Image needs to be staged before 'glance-direct' method can be used")


def allowed(site: Site, uri: Any) -> bool:
    """Whether web-download may fetch `uri`: its scheme, host and port match an allow-list entry."""
    if not isinstance(uri, str) or not uri:
        return False
    try:
        target = urllib.parse.urlsplit(uri)
        port = target.port
    except ValueError:
        return False
    for entry in site.config.web_download_allowlist:
        allowed_url = urllib.parse.urlsplit(entry)
        if (
            target.scheme == allowed_url.scheme
            and target.hostname == allowed_url.hostname
            and (allowed_url.port is None or port == allowed_url.port)
        ):
            return True
    return False


def fetch(uri: str, target: pathlib.Path) -> store.Digest:
    """Download `uri` to `target` (runs in a worker thread), hashing as it streams."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = store.Digest()
    opener = urllib.request.build_opener(_NoRedirect())
    with opener.open(uri, timeout=FETCH_TIMEOUT_SECONDS) as response, target.open("wb") as out:
        while chunk := response.read(store.CHUNK_BYTES):
            digest.update(chunk)
            out.write(chunk)
    return digest


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects, so a fetch never leaves the allow-listed host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        del args, kwargs


def _finish_staged(image_id: str, site: Site) -> None:
    image = site.image.images.get(image_id)
    if image is None or image["status"] != "importing":
        return
    staged = store.staging_path(site, image_id)
    checksums = image.pop("_staged", None)
    if checksums is None or not staged.exists():
        _fail(site, image)
        return
    store.commit_staged(site, image_id)
    _succeed(site, image, checksums)


def _poll_download(image_id: str, site: Site) -> None:
    job = store.poll_job(site, image_id)
    if job is None:
        site.schedule(POLL_SECONDS, partial(_poll_download, image_id))
        return
    image = site.image.images.get(image_id)
    staged = store.staging_path(site, image_id)
    if image is None or image["status"] != "importing" or job.exception() is not None:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        if image is not None and image["status"] == "importing":
            _fail(site, image)
        return
    store.commit_staged(site, image_id)
    _succeed(site, image, job.result())


def _succeed(site: Site, image: Doc, digest: store.Digest | dict[str, Any]) -> None:
    image.pop(_LOCK, None)
    records.store_data(site, image, digest)


def _fail(site: Site, image: Doc) -> None:
    """A failed import leaves the image queued, its lock released, as Glance's revert does."""
    image.pop(_LOCK, None)
    image.pop("_staged", None)
    records.set_status(site, image, "queued")


ROUTES = [
    Route("/info/import", import_methods, methods=["GET"]),
    Route("/info/stores", stores, methods=["GET"]),
    Route("/images/{image_id}/import", import_image, methods=["POST"]),
]
