"""Glance v2 image records over HTTP: create, show, list and delete (`/v2/images[/{id}]`).

Exact to `glance.api.v2.images` in Zed with its default configuration and policies (owner or admin
may change an image, only admins may publicize one). Updates (JSON patch) are in `patch.py`,
listing filters and sorting in `listing.py`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.image import listing, patch, records, store
from stackfleet.emulator.image.faults import error, read_body
from stackfleet.emulator.image.rules import (
    RESERVED_NAMESPACE,
    check_minimum,
    check_quotas,
    check_visibility,
)
from stackfleet.emulator.image.schemas import validate
from stackfleet.emulator.image.state import BASE_PROPERTIES, Viewer, is_mutable
from stackfleet.emulator.wire import json_response

IMPORT_METHODS = ("glance-direct", "web-download", "copy-image")
"""Glance Zed's default `enabled_import_methods`."""


_DISALLOWED = ("direct_url", "self", "file", "schema", "stores")
_RESERVED = ("location", "deleted", "deleted_at")
_READONLY_ON_CREATE = (
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "size",
    "virtual_size",
)
_FACTORY_RESERVED = ("owner", "locations", "deleted", "deleted_at", "direct_url", "self", "file")


def viewer(request: Request) -> Viewer:
    caller = context.caller(request)
    return Viewer(caller.project_id, caller.user_id, caller.is_admin)


async def create_image(request: Request) -> Response:
    body = await read_body(request)
    if not isinstance(body, dict):
        raise error(400, "Provided object does not match schema 'image': body is not an object")
    who = viewer(request)
    base, custom, tags = _split(body, who)
    site = context.site(request)
    image_id = base.pop("id", None)
    if image_id is not None and (
        image_id in site.image.images or image_id in site.image.deleted_ids
    ):
        raise error(409, f"Image ID {image_id} already exists!")
    attributes: dict[str, Any] = {**base, **custom, "tags": tags}
    if image_id is not None:
        attributes["id"] = image_id
    image = records.new_image(site, base["owner"], attributes)
    headers = {
        "Location": f"{site.service_url('image')}/v2/images/{image['id']}",
        "OpenStack-image-import-methods": ",".join(IMPORT_METHODS),
    }
    return json_response(records.render(image), 201, headers)


async def show_image(request: Request) -> Response:
    site = context.site(request)
    image = records.find(site, viewer(request), request.path_params["image_id"])
    return json_response(records.render(image))


async def delete_image(request: Request) -> Response:
    site = context.site(request)
    who = viewer(request)
    image_id = request.path_params["image_id"]
    image = site.image.images.get(image_id)
    if image is None or not site.image.is_visible(image, who):
        raise error(404, f"Failed to find image {image_id} to delete")
    if not is_mutable(image, who):
        raise error(403, "You do not own this image")
    if image["protected"]:
        raise error(403, f"Image {image_id} is protected and cannot be deleted.")
    remove_image(request, image_id)
    return Response(status_code=204)


def remove_image(request: Request, image_id: str) -> None:
    site = context.site(request)
    del site.image.images[image_id]
    site.image.members.pop(image_id, None)
    site.image.deleted_ids.add(image_id)
    store.remove_files(site, image_id)


def _split(body: dict[str, Any], who: Viewer) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Check a create body; return its base attributes, custom properties and tags."""
    for key in _DISALLOWED:
        if key in body:
            raise error(403, f"Attribute '{key}' is read-only.")
    validate(body)
    tags = _unique(body.pop("tags", []))
    base = {key: body.pop(key) for key in BASE_PROPERTIES if key in body}
    _check_custom_keys(body)
    owner = base.setdefault("owner", who.project_id)
    check_visibility(who, base.get("visibility"))
    if not who.is_admin and owner != who.project_id:
        raise error(403, f"You are not permitted to create images owned by '{owner}'.")
    for key in _READONLY_ON_CREATE:
        if key in base:
            raise error(403, f"Attribute '{key}' is read-only.")
    for key in _FACTORY_RESERVED:
        if key in body:
            raise error(403, f"Attribute '{key}' is reserved.")
    for key in ("min_disk", "min_ram"):
        check_minimum(key, base.get(key))
    check_quotas(body, tags)
    return base, body, tags


def _check_custom_keys(properties: dict[str, Any]) -> None:
    for key in properties:
        if len(key) > 255:
            raise error(400, "Custom property should not be greater than 255 characters.")
        if key in _RESERVED or key.startswith(RESERVED_NAMESPACE):
            raise error(403, f"Attribute '{key}' is reserved.")


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


async def list_images(request: Request) -> Response:
    site = context.site(request)
    return json_response(listing.list_images(site, viewer(request), request))


async def update_image(request: Request) -> Response:
    changes = await patch.read_changes(request)
    site = context.site(request)
    image = records.find(site, viewer(request), request.path_params["image_id"])
    patch.apply(site, image, viewer(request), changes)
    return json_response(records.render(image))


ROUTES = [
    Route("/images", create_image, methods=["POST"]),
    Route("/images", list_images, methods=["GET"]),
    Route("/images/{image_id}", show_image, methods=["GET"]),
    Route("/images/{image_id}", update_image, methods=["PATCH"]),
    Route("/images/{image_id}", delete_image, methods=["DELETE"]),
]
