"""What other emulated services ask of Cinder: Nova's volume attach, detach and boot volumes.

Real Nova calls Cinder over REST; here the compute package calls these functions in-process.
Failures are worded as Nova words them to its own client, and every
check runs before anything changes, so a failed call leaves no half-made state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stackfleet.emulator.block_storage import lifecycle
from stackfleet.emulator.block_storage.lifecycle import NewVolume
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.wire import Doc

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


def volume_for_attach(site: Site, project_id: str, volume_id: str) -> Doc:
    """The project's volume, ready to attach; Nova's 404/400 otherwise."""
    volume = site.volume.volumes.get(volume_id)
    if volume is None or volume["_project_id"] != project_id:
        raise ApiError(404, f"Volume {volume_id} could not be found.")
    if volume["status"] != "available":
        raise ApiError(
            400,
            f"Invalid volume: volume '{volume_id}' status must be 'available'. "
            f"Currently in '{volume['status']}'",
        )
    return volume


def create_boot_volume(
    site: Site,
    project_id: str,
    image_id: str,
    size_gb: int,
    name: str,
    user_id: str | None = None,
) -> Doc:
    """A bootable volume made from an image, for block_device_mapping_v2 image → volume.

    Raises Nova's 400 when the image is missing or not active, Cinder's 413 when the project's
    volume quota would be exceeded. The volume is `creating` until the site's boot delay passes.
    """
    from stackfleet.emulator.image import internal as image_internal

    image = image_internal.image_for_boot(site, project_id, image_id)
    return lifecycle.create_volume(
        site,
        NewVolume(
            project_id=project_id,
            user_id=user_id or "",
            size=size_gb,
            volume_type=site.volume.default_type(),
            name=name,
            description="",
            image=image,
            image_data=image_internal.image_file(site, image_id),
        ),
    )


def attach(site: Site, volume_id: str, server_id: str, device: str, host: str) -> str:
    """Attach the volume to a server: in-use, with `attachments` filled; returns its id."""
    volume = site.volume.volumes.get(volume_id)
    if volume is None:
        raise ApiError(404, f"Volume {volume_id} could not be found.")
    return lifecycle.attach(site, volume, server_id, device, host)


def detach(site: Site, volume_id: str, server_id: str) -> None:
    """Detach the volume from a server; it becomes available once no attachment remains."""
    volume = site.volume.volumes.get(volume_id)
    if volume is None:
        return
    lifecycle.detach(site, volume, server_id, None)


def delete_volume(site: Site, volume_id: str) -> None:
    """Delete a volume Nova created for a server (delete_on_termination)."""
    volume = site.volume.volumes.get(volume_id)
    if volume is not None:
        lifecycle.delete_volume(site, volume)
