"""Image actions and tags: deactivate/reactivate (`/actions/*`) and `PUT`/`DELETE /tags/{tag}`.

As `glance.api.v2.image_actions` and `glance.api.v2.image_tags` in Zed: owner or admin only,
204 on success, Glance's own 403/404/413 wording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.image import records
from stackfleet.emulator.image.faults import error
from stackfleet.emulator.image.images import viewer
from stackfleet.emulator.image.rules import TAG_QUOTA
from stackfleet.emulator.image.schemas import validate
from stackfleet.emulator.image.state import is_mutable
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


async def deactivate(request: Request) -> Response:
    return _switch(request, "active", "deactivated", "deactivate")


async def reactivate(request: Request) -> Response:
    return _switch(request, "deactivated", "active", "reactivate")


def _switch(request: Request, source: str, target: str, verb: str) -> Response:
    site = context.site(request)
    who = viewer(request)
    image = records.find(site, who, request.path_params["image_id"])
    if not is_mutable(image, who):
        raise error(403, "You do not own this image")
    if image["status"] == source:
        records.set_status(site, image, target)
    elif image["status"] != target:
        raise error(403, f"Not allowed to {verb} image in status '{image['status']}'")
    return Response(status_code=204)


def _taggable(request: Request, verb: str) -> tuple[Site, Doc]:
    """The image whose tags the caller may `verb` ("update", "delete"), or Glance's 404/403."""
    site = context.site(request)
    who = viewer(request)
    image_id = request.path_params["image_id"]
    image = site.image.images.get(image_id)
    if image is None or not site.image.is_visible(image, who):
        raise error(404, f"Image {image_id} not found.")
    if not is_mutable(image, who):
        raise error(403, f"Not allowed to {verb} tags for image {image_id}.")
    return site, image


async def add_tag(request: Request) -> Response:
    tag = request.path_params["tag_value"]
    validate({"tags": [tag]})
    site, image = _taggable(request, "update")
    image_id = image["id"]
    if tag not in image["tags"]:
        if len(image["tags"]) + 1 > TAG_QUOTA:
            raise error(
                413,
                f"Image tag limit exceeded for image {image_id}: The limit has been exceeded on "
                f"the number of allowed image tags. Attempted: {len(image['tags']) + 1}, "
                f"Maximum: {TAG_QUOTA}:",
            )
        image["tags"].append(tag)
    image["updated_at"] = records.now(site)
    return Response(status_code=204)


async def delete_tag(request: Request) -> Response:
    tag = request.path_params["tag_value"]
    site, image = _taggable(request, "delete")
    if tag not in image["tags"]:
        raise error(404)
    image["tags"].remove(tag)
    image["updated_at"] = records.now(site)
    return Response(status_code=204)


ROUTES = [
    Route("/images/{image_id}/actions/deactivate", deactivate, methods=["POST"]),
    Route("/images/{image_id}/actions/reactivate", reactivate, methods=["POST"]),
    Route("/images/{image_id}/tags/{tag_value}", add_tag, methods=["PUT"]),
    Route("/images/{image_id}/tags/{tag_value}", delete_tag, methods=["DELETE"]),
]
