"""Image members: sharing an image (visibility `shared`) with other projects.

As `glance.api.v2.image_members` in Zed: the owner adds and removes members; a member accepts or
rejects the share (`PUT .../members/{member_id}` with a status); members see the image once
accepted in the default listing. Routes under `/v2/images/{image_id}/members`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stackfleet.emulator import context
from stackfleet.emulator.image import records
from stackfleet.emulator.image.faults import error, read_body
from stackfleet.emulator.image.images import viewer
from stackfleet.emulator.image.state import Viewer
from stackfleet.emulator.wire import Doc, json_response

MEMBER_QUOTA = 128
STATUSES = ("pending", "accepted", "rejected")


def _image(request: Request) -> tuple[Doc, Viewer]:
    site = context.site(request)
    who = viewer(request)
    image_id = request.path_params["image_id"]
    image = site.image.images.get(image_id)
    if image is None or not site.image.is_visible(image, who):
        raise error(404, f"Image {image_id} not found.")
    return image, who


def _shared_only(image: Doc) -> str | None:
    return None if image["visibility"] == "shared" else "Only shared images have members."


def _lookup(request: Request, image: Doc) -> Doc:
    member_id = request.path_params["member_id"]
    member = context.site(request).image.member(image["id"], member_id)
    if member is None:
        raise error(404, f"{member_id} not found in the member list of the image {image['id']}.")
    return member


async def list_members(request: Request) -> Response:
    image, who = _image(request)
    problem = _shared_only(image)
    if problem:
        raise error(403, f"Not allowed to list members for image {image['id']}: {problem}")
    members = context.site(request).image.members.get(image["id"], {})
    shown = [
        member
        for member in members.values()
        if who.is_admin or image["owner"] == who.project_id or member["member_id"] == who.project_id
    ]
    return json_response({"members": shown, "schema": "/v2/schemas/members"})


async def show_member(request: Request) -> Response:
    image, _ = _image(request)
    problem = _shared_only(image)
    if problem:
        raise error(404, problem)
    return json_response(_lookup(request, image))


async def add_member(request: Request) -> Response:
    body = await read_body(request)
    if not isinstance(body, dict):
        raise error(400, 'Expected a member in the form: {"member": "image_id"}')
    if "member" not in body:
        raise error(400, "Member to be added not specified")
    member_id = body["member"]
    if not member_id:
        raise error(400, "Member can't be empty")
    image, who = _image(request)
    site = context.site(request)
    image_id = image["id"]
    owned = who.is_admin or (image["owner"] is not None and image["owner"] == who.project_id)
    if _shared_only(image) or not owned:
        raise error(403, f"Not allowed to create members for image {image_id}.")
    members = site.image.members.setdefault(image_id, {})
    if member_id in members:
        raise error(409, f"Member {member_id} is duplicated for image {image_id}")
    if len(members) + 1 > MEMBER_QUOTA:
        raise error(
            413,
            f"Image member limit exceeded for image {image_id}: The limit has been exceeded on "
            "the number of allowed image members for this image. "
            f"Attempted: {len(members) + 1}, Maximum: {MEMBER_QUOTA}:",
        )
    created = records.now(site)
    member: Doc = {
        "member_id": member_id,
        "image_id": image_id,
        "status": "pending",
        "created_at": created,
        "updated_at": created,
        "schema": "/v2/schemas/member",
    }
    members[member_id] = member
    return json_response(member)


async def update_member(request: Request) -> Response:
    body = await read_body(request)
    if not isinstance(body, dict):
        raise error(400, 'Expected a status in the form: {"status": "status"}')
    if "status" not in body:
        raise error(400, "Status not specified")
    image, who = _image(request)
    if _shared_only(image) or (not who.is_admin and image["owner"] == who.project_id):
        raise error(403, f"Not allowed to update members for image {image['id']}.")
    member = _lookup(request, image)
    if not who.is_admin and member["member_id"] != who.project_id:
        raise error(403, f"Not allowed to update members for image {image['id']}.")
    status = body["status"]
    if status not in STATUSES:
        raise error(400, 'Incorrect request: Status must be "pending", "accepted" or "rejected".')
    member["status"] = status
    member["updated_at"] = records.now(context.site(request))
    return json_response(member)


async def delete_member(request: Request) -> Response:
    image, who = _image(request)
    owned = who.is_admin or image["owner"] == who.project_id
    if _shared_only(image) or not owned:
        raise error(403, f"Not allowed to delete members for image {image['id']}.")
    member = _lookup(request, image)
    del context.site(request).image.members[image["id"]][member["member_id"]]
    return Response(status_code=204)


ROUTES = [
    Route("/images/{image_id}/members", list_members, methods=["GET"]),
    Route("/images/{image_id}/members", add_member, methods=["POST"]),
    Route("/images/{image_id}/members/{member_id}", show_member, methods=["GET"]),
    Route("/images/{image_id}/members/{member_id}", update_member, methods=["PUT"]),
    Route("/images/{image_id}/members/{member_id}", delete_member, methods=["DELETE"]),
]
