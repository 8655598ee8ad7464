"""How Cinder Zed renders volumes, snapshots and backups, per microversion and caller.

The stored documents hold every field; these functions pick what the negotiated microversion and
the caller's role show (cinder/api/v2/views, cinder/api/v3/views and the contrib extensions that
add `os-vol-*` attributes). Called by the block_storage route modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from stackfleet.emulator.block_storage import lookup
from stackfleet.emulator.block_storage.common import Ctx, Page
from stackfleet.emulator.wire import Doc

_VISIBLE_ADMIN_METADATA = ("readonly", "attached_mode")


_SNAPSHOT_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "name",
    "description",
    "volume_id",
    "status",
    "size",
    "metadata",
)


def _summary(c: Ctx, collection: str, doc: Doc) -> Doc:
    return {"id": doc["id"], "name": doc["name"], "links": c.links(collection, doc["id"])}


def volume_summary(c: Ctx, volume: Doc) -> Doc:
    return _summary(c, "volumes", volume)


def volume_detail(c: Ctx, volume: Doc) -> Doc:
    """`views.volumes.ViewBuilder.detail` for the request's microversion, with extensions."""
    metadata = dict(volume["metadata"])
    for key in _VISIBLE_ADMIN_METADATA:
        if key in volume["_admin_metadata"]:
            metadata[key] = volume["_admin_metadata"][key]
    view: Doc = {
        key: volume[key]
        for key in (
            "id",
            "status",
            "size",
            "availability_zone",
            "created_at",
            "updated_at",
            "name",
            "description",
            "snapshot_id",
            "source_volid",
            "user_id",
            "bootable",
            "encrypted",
            "replication_status",
            "consistencygroup_id",
            "multiattach",
        )
    }
    view["volume_type"] = lookup.type_name(c, volume)
    view["metadata"] = metadata
    view["links"] = c.links("volumes", volume["id"])
    view["attachments"] = _attachments(c, volume)
    view["os-vol-tenant-attr:tenant_id"] = volume["_project_id"]
    if volume["_image_metadata"]:
        view["volume_image_metadata"] = dict(volume["_image_metadata"])
    if c.is_admin:
        view["migration_status"] = volume["migration_status"]
        view["os-vol-host-attr:host"] = volume["_host"]
        view["os-vol-mig-status-attr:migstat"] = volume["migration_status"]
        view["os-vol-mig-status-attr:name_id"] = None
    _add_versioned(c, volume, view)
    return view


def _add_versioned(c: Ctx, volume: Doc, view: Doc) -> None:
    if c.at_least(3, 13):
        view["group_id"] = volume["group_id"]
    if c.is_admin and c.at_least(3, 21):
        view["provider_id"] = volume["provider_id"]
    if c.at_least(3, 48):
        view["shared_targets"] = volume["shared_targets"]
        view["service_uuid"] = volume["service_uuid"]
    if c.is_admin and c.at_least(3, 61):
        view["cluster_name"] = volume["cluster_name"]
    if c.at_least(3, 63):
        view["volume_type_id"] = volume["volume_type_id"]
    if c.at_least(3, 65):
        view["consumes_quota"] = volume["_use_quota"]


def _attachments(c: Ctx, volume: Doc) -> list[Doc]:
    return [
        {
            "id": a["volume_id"],
            "attachment_id": a["id"],
            "volume_id": a["volume_id"],
            "server_id": a["instance_uuid"],
            "host_name": a["attached_host"] if c.is_admin else None,
            "device": a["mountpoint"],
            "attached_at": a["attach_time"],
        }
        for a in c.state.attachments.values()
        if a["volume_id"] == volume["id"] and a["attach_status"] == "attached"
    ]


def snapshot_summary(c: Ctx, snapshot: Doc) -> Doc:
    """The v2 summary view, used by `GET /snapshots`."""
    del c
    return {key: snapshot[key] for key in _SNAPSHOT_FIELDS}


def snapshot_detail(c: Ctx, snapshot: Doc) -> Doc:
    """The v3 detail view with the extended-snapshot-attributes extension."""
    view: Doc = {key: snapshot[key] for key in _SNAPSHOT_FIELDS}
    view["os-extended-snapshot-attributes:project_id"] = snapshot["_project_id"]
    view["os-extended-snapshot-attributes:progress"] = snapshot["progress"]
    if c.at_least(3, 14):
        view["group_snapshot_id"] = None
    if c.at_least(3, 41):
        view["user_id"] = snapshot["user_id"]
    if c.at_least(3, 65):
        view["consumes_quota"] = True
    return view


def backup_summary(c: Ctx, backup: Doc) -> Doc:
    return _summary(c, "backups", backup)


def backup_detail(c: Ctx, backup: Doc) -> Doc:
    view: Doc = {
        key: backup[key]
        for key in (
            "id",
            "status",
            "size",
            "object_count",
            "availability_zone",
            "container",
            "created_at",
            "updated_at",
            "name",
            "description",
            "fail_reason",
            "volume_id",
            "is_incremental",
            "has_dependent_backups",
            "snapshot_id",
            "data_timestamp",
        )
    }
    view["links"] = c.links("backups", backup["id"])
    if c.at_least(3, 43):
        view["metadata"] = dict(backup["metadata"])
    if c.is_admin and c.at_least(3, 18):
        view["os-backup-project-attr:project_id"] = backup["_project_id"]
    if c.is_admin and c.at_least(3, 56):
        view["user_id"] = backup["user_id"]
    return view


def list_body(
    c: Ctx,
    collection: str,
    items: Sequence[Doc],
    render: Callable[[Ctx, Doc], Doc],
    paging: tuple[Page, Mapping[str, str], int | None],
) -> Doc:
    """A list response: items, the `<collection>_links` next link, and `count` when asked.

    Args:
        c: the request context.
        collection: "volumes", "snapshots" or "backups".
        items: the page of documents.
        render: the per-item view.
        paging: (what was asked, the query parameters, the total when `with_count` was set).
        The next-link path is `collection` plus `/detail` for detail lists (given by the caller
        through `collection`, e.g. "volumes/detail").
    """
    page, params, count = paging
    key = collection.split("/")[0]
    body: Doc = {key: [render(c, item) for item in items]}
    seen = count if count else len(items)
    if items and page.limit <= seen:
        body[f"{key}_links"] = [c.next_link(collection, params, items[-1]["id"])]
    if count is not None:
        body["count"] = count
    return body
