"""Opaque keyset cursors for inventory pages: the last row's sort key and tie-breakers.

Used by `inventory.py`. A cursor is url-safe base64 of a small JSON array naming the sort it was
made for, so a cursor reused with another sort is refused instead of skipping rows.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

import orjson

from stackfleet.kernel.errors import InvalidInput


def encode(sort: str, values: Sequence[Any]) -> str:
    """The cursor after a row whose sort-key values are `values` (JSON-able)."""
    payload = orjson.dumps([sort, *values])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode(cursor: str, sort: str, width: int) -> list[Any]:
    """The key values in `cursor`; InvalidInput if it is not one of ours for this sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as bad:
        raise _invalid(cursor) from bad
    if not isinstance(decoded, list) or len(decoded) != width + 1:
        raise _invalid(cursor)
    if decoded[0] != sort:
        raise InvalidInput(
            f"The cursor was made for sort {decoded[0]!r}, not {sort!r}: "
            "repeat the query with the same sort, or start again without a cursor."
        )
    return decoded[1:]


def _invalid(cursor: str) -> InvalidInput:
    shown = cursor if len(cursor) <= 40 else cursor[:40] + "..."
    return InvalidInput(
        f"Invalid cursor {shown!r}: pass the next_cursor of the previous page unchanged, "
        "or start again without a cursor."
    )
