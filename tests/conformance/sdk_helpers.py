"""Typed openstacksdk proxies and the block-storage waits that several conformance modules share.

openstacksdk types `conn.block_storage` and `conn.image` as unions of API versions; `cinder` and
`glance` narrow them for mypy. `ready` and `delete_volume` are the waits the block-storage
modules' fixtures and tests use, with timeouts generous enough for a real cloud; `error_text`
reads an error body whatever format the service chose.
"""

from __future__ import annotations

import html
from typing import TypeVar

import requests
from openstack.block_storage.v3._proxy import Proxy as BlockStorageProxy
from openstack.block_storage.v3.volume import Volume
from openstack.connection import Connection
from openstack.image.v2._proxy import Proxy as ImageProxy
from openstack.resource import Resource

WAIT = 120
"""Seconds to wait for a status; the emulator settles in well under a second."""

INTERVAL = 0.2

ResourceT = TypeVar("ResourceT", bound=Resource)


def cinder(conn: Connection) -> BlockStorageProxy:
    """The v3 block-storage proxy (typed; the attribute is a v2/v3 union)."""
    proxy = conn.block_storage
    assert isinstance(proxy, BlockStorageProxy)
    return proxy


def glance(conn: Connection) -> ImageProxy:
    """The connection's Image v2 proxy (openstacksdk types it as v1 or v2)."""
    proxy = conn.image
    assert isinstance(proxy, ImageProxy)
    return proxy


def error_text(response: requests.Response) -> str:
    """An error body's text, unescaped: Glance answers HTML unless asked for JSON (webob)."""
    return html.unescape(response.text)


def wait_ready(conn: Connection, resource: ResourceT, status: str = "available") -> ResourceT:
    """Wait until a block-storage resource (volume, snapshot, backup) reaches `status`."""
    return cinder(conn).wait_for_status(resource, status, wait=WAIT, interval=INTERVAL)


def delete_volume(conn: Connection, volume: Volume, *, cascade: bool = False) -> None:
    """Delete the volume if it still exists (with its snapshots if `cascade`) and wait."""
    cinder(conn).delete_volume(volume, ignore_missing=True, cascade=cascade)
    cinder(conn).wait_for_delete(volume, wait=WAIT, interval=INTERVAL)
