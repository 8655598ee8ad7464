"""The inventory in SQL: the `InventoryRepository` the inventory service refreshes and queries.

Built by `bootstrap.py` with the `Database`. One refresh of one site is one transaction
(`apply`), so a crash mid-refresh leaves the previous rows. Queries filter on indexed columns,
search a lower-cased `search` column by substring, and page with keyset cursors (`cursor.py`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, delete, func, literal, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stackfleet.adapters.sql import cursor
from stackfleet.adapters.sql.database import Database
from stackfleet.adapters.sql.tables import inventory, inventory_marks, sites
from stackfleet.inventory.models import (
    Collected,
    CountRow,
    InventoryItem,
    InventoryQuery,
    Page,
    ResourceType,
)
from stackfleet.kernel.errors import Conflict, InvalidInput
from stackfleet.kernel.ids import SiteId

MAX_LIMIT = 1000
CHUNK = 500
"""Rows per executemany / ids per DELETE ... IN: well under SQLite's and psycopg's bind limits."""

_TIE = (inventory.c.site_id, inventory.c.type, inventory.c.resource_id)
"""Every sort ends with the primary key, so equal sort values still page stably."""
_SORTS: Mapping[str, tuple[Any, ...]] = {
    "name": (inventory.c.name, *_TIE),
    "status": (inventory.c.status, *_TIE),
    "type": (inventory.c.type, inventory.c.site_id, inventory.c.resource_id),
    "site": (sites.c.name, *_TIE),
    "observed_at": (inventory.c.observed_at, *_TIE),
}
_GROUPS: Mapping[str, Any] = {
    "site": inventory.c.site_id,
    "type": inventory.c.type,
    "status": inventory.c.status,
    "project": inventory.c.project_id,
}
_KEY_COLUMNS = frozenset({"site_id", "type", "resource_id"})
T = TypeVar("T")


class SqlInventoryRepository:
    """Inventory rows of every site, one row per (site, type, resource id)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._upsert_item, self._upsert_mark = _upserts(db.dialect)

    def apply(
        self, site_id: SiteId, batch: Sequence[Collected], observed_at: dt.datetime
    ) -> tuple[int, int]:
        """Apply one refresh of a site in one transaction; return (upserted, removed)."""
        rows = _rows(site_id, batch)
        try:
            with self.db.session() as session:
                self._upsert_items(session, rows)
                removed = _remove_gone(session, site_id, batch)
                self._mark(session, site_id, batch, observed_at)
        except IntegrityError as failed:
            raise Conflict(
                f"Could not store the inventory of site {site_id}: {failed.orig}. "
                "Nothing was changed; if the site was removed during the refresh this is "
                "expected, otherwise refresh it again."
            ) from failed
        return len(rows), removed

    def marks(self, site_id: SiteId) -> Mapping[ResourceType, dt.datetime]:
        stmt = select(inventory_marks.c.type, inventory_marks.c.marked_at).where(
            inventory_marks.c.site_id == site_id
        )
        with self.db.session() as session:
            rows = session.execute(stmt).all()
        known = {t.value for t in ResourceType}
        return {ResourceType(t): at for t, at in rows if t in known}

    def last_refreshed(self) -> Mapping[SiteId, dt.datetime]:
        stmt = select(inventory_marks.c.site_id, func.max(inventory_marks.c.marked_at)).group_by(
            inventory_marks.c.site_id
        )
        with self.db.session() as session:
            rows = session.execute(stmt).all()
        return {SiteId(site_id): at for site_id, at in rows}

    def query(self, query: InventoryQuery) -> Page:
        """One page of matching rows, in `query.sort` order, after `query.cursor`; no raw docs."""
        if not 1 <= query.limit <= MAX_LIMIT:
            raise InvalidInput(f"Invalid limit {query.limit}: ask for 1 to {MAX_LIMIT} rows.")
        name, descending = _parse_sort(query.sort)
        keys = _SORTS[name]
        # Lists never show the raw documents (`get` does): reading and decoding them is most
        # of a search's time.
        listed = [c for c in inventory.c if c is not inventory.c.raw]
        stmt: Select[Any] = select(*listed, *keys[:1]).where(*_filters(query))
        if name == "site":
            stmt = stmt.join(sites, sites.c.id == inventory.c.site_id)
        if query.cursor is not None:
            stmt = stmt.where(_after(keys, query, descending))
        order = [k.desc() if descending else k.asc() for k in keys]
        with self.db.session() as session:
            rows = session.execute(stmt.order_by(*order).limit(query.limit + 1)).all()
        items = tuple(_item(row) for row in rows[: query.limit])
        if len(rows) <= query.limit:
            return Page(items)
        last = rows[query.limit - 1]._mapping
        values = [_jsonable(last[k]) for k in keys]
        return Page(items, cursor.encode(query.sort, values))

    def count(self, query: InventoryQuery, group_by: Sequence[str]) -> list[CountRow]:
        """Matching rows counted per value of `group_by`; the site is given by its id."""
        unknown = [g for g in group_by if g not in _GROUPS]
        if unknown:
            raise InvalidInput(
                f"Cannot group by {', '.join(unknown)}: group by any of {', '.join(_GROUPS)}."
            )
        columns = [_GROUPS[g] for g in group_by]
        stmt = select(*columns, func.count()).select_from(inventory).where(*_filters(query))
        if columns:
            stmt = stmt.group_by(*columns).order_by(*columns)
        with self.db.session() as session:
            rows = session.execute(stmt).all()
        return [
            CountRow({g: str(v) for g, v in zip(group_by, row[:-1], strict=True)}, row[-1])
            for row in rows
        ]

    def get(self, site_id: SiteId, type_: ResourceType, resource_id: str) -> InventoryItem | None:
        stmt = select(inventory).where(
            inventory.c.site_id == site_id,
            inventory.c.type == type_.value,
            inventory.c.resource_id == resource_id,
        )
        with self.db.session() as session:
            row = session.execute(stmt).first()
        return None if row is None else _item(row)

    def _upsert_items(self, session: Session, rows: list[dict[str, Any]]) -> None:
        for chunk in _chunks(rows):
            session.execute(self._upsert_item, chunk)

    def _mark(
        self, session: Session, site_id: SiteId, batch: Sequence[Collected], at: dt.datetime
    ) -> None:
        marks = [
            {"site_id": site_id, "type": t, "marked_at": at} for t in {c.type.value for c in batch}
        ]
        if marks:
            session.execute(self._upsert_mark, marks)


def _upserts(dialect: str) -> tuple[Any, Any]:
    """The item and mark upserts, built once (building them is a measurable part of apply)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    items = insert(inventory)
    changes = {c.name: items.excluded[c.name] for c in inventory.c if c.name not in _KEY_COLUMNS}
    upsert_item = items.on_conflict_do_update(index_elements=list(_TIE), set_=changes)
    marks = insert(inventory_marks)
    upsert_mark = marks.on_conflict_do_update(
        index_elements=[inventory_marks.c.site_id, inventory_marks.c.type],
        set_={"marked_at": marks.excluded.marked_at},
    )
    return upsert_item, upsert_mark


def _rows(site_id: SiteId, batch: Sequence[Collected]) -> list[dict[str, Any]]:
    """The batch's items as rows, the last of any duplicate key winning."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for collected in batch:
        for item in collected.items:
            if item.site_id != site_id or item.type != collected.type:
                raise InvalidInput(
                    f"Inventory item {item.type} {item.resource_id!r} of site {item.site_id} "
                    f"was collected as a {collected.type} of site {site_id}; nothing was stored."
                )
            rows[item.type.value, item.resource_id] = _row(item)
    return list(rows.values())


def _row(item: InventoryItem) -> dict[str, Any]:
    return {
        "site_id": item.site_id,
        "type": item.type.value,
        "resource_id": item.resource_id,
        "name": item.name or "",
        "project_id": item.project_id or "",
        "status": item.status or "",
        "addresses": " ".join(item.addresses),
        "search": " ".join([item.name or "", item.resource_id or "", *item.addresses]).lower(),
        "attributes": dict(item.attributes),
        "raw": dict(item.raw),
        "updated_at": item.updated_at,
        "observed_at": item.observed_at,
    }


def _remove_gone(session: Session, site_id: SiteId, batch: Sequence[Collected]) -> int:
    """Delete what complete listings no longer have and what incremental ones say is deleted."""
    listed: dict[str, set[str]] = defaultdict(set)
    for collected in batch:
        listed[collected.type.value].update(i.resource_id for i in collected.items)
    complete = {c.type.value for c in batch if c.complete}
    reported = {c.type.value: c.deleted_ids for c in batch if c.deleted_ids}
    if not complete and not reported:
        return 0
    stmt = select(inventory.c.type, inventory.c.resource_id).where(
        inventory.c.site_id == site_id, inventory.c.type.in_(complete | reported.keys())
    )
    stored: dict[str, set[str]] = defaultdict(set)
    for type_, resource_id in session.execute(stmt):
        stored[type_].add(resource_id)
    removed = 0
    for type_, ids in stored.items():
        gone = (ids - listed[type_]) if type_ in complete else set()
        gone |= ids & reported.get(type_, frozenset())
        removed += _delete(session, site_id, type_, sorted(gone))
    return removed


def _delete(session: Session, site_id: SiteId, type_: str, ids: list[str]) -> int:
    for chunk in _chunks(ids):
        session.execute(
            delete(inventory).where(
                inventory.c.site_id == site_id,
                inventory.c.type == type_,
                inventory.c.resource_id.in_(chunk),
            )
        )
    return len(ids)


def _chunks(values: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _filters(query: InventoryQuery) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a query; labels are already turned into site ids by the service."""
    where: list[ColumnElement[bool]] = []
    # A text search names every type when none is asked for, so it can use the (type, search)
    # index instead of reading every row.
    types = query.types or (tuple(ResourceType) if query.text else ())
    if types:
        where.append(inventory.c.type.in_([t.value for t in types]))
    if query.site_ids:
        where.append(inventory.c.site_id.in_(list(query.site_ids)))
    if query.project_ids:
        where.append(inventory.c.project_id.in_(list(query.project_ids)))
    if query.statuses:
        where.append(inventory.c.status.in_(list(query.statuses)))
    if query.text:
        where.append(inventory.c.search.contains(query.text.strip().lower(), autoescape=True))
    return where


def _parse_sort(sort: str) -> tuple[str, bool]:
    name = sort.removeprefix("-")
    if name not in _SORTS:
        raise InvalidInput(
            f"Cannot sort by {sort!r}: sort by any of {', '.join(_SORTS)}, "
            "with a leading '-' for descending order."
        )
    return name, sort.startswith("-")


def _after(keys: tuple[Any, ...], query: InventoryQuery, descending: bool) -> ColumnElement[bool]:
    """Rows strictly after the cursor's row in sort order (a row-value comparison)."""
    assert query.cursor is not None  # noqa: S101 (checked by the caller)
    values = cursor.decode(query.cursor, query.sort, len(keys))
    if keys[0] is inventory.c.observed_at:
        values[0] = _parse_time(values[0], query.cursor)
    if not all(isinstance(v, str) for v in values[1:]):
        raise InvalidInput(f"Invalid cursor {query.cursor!r}: pass next_cursor unchanged.")
    bound = tuple_(*[literal(v, k.type) for k, v in zip(keys, values, strict=True)])
    return tuple_(*keys) < bound if descending else tuple_(*keys) > bound


def _parse_time(value: Any, raw: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as bad:
        raise InvalidInput(f"Invalid cursor {raw!r}: pass next_cursor unchanged.") from bad


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _item(row: Row[Any]) -> InventoryItem:
    m = row._mapping
    return InventoryItem(
        site_id=SiteId(m[inventory.c.site_id]),
        type=ResourceType(m[inventory.c.type]),
        resource_id=m[inventory.c.resource_id],
        name=m[inventory.c.name] or None,
        project_id=m[inventory.c.project_id] or None,
        status=m[inventory.c.status] or None,
        observed_at=m[inventory.c.observed_at],
        addresses=tuple(m[inventory.c.addresses].split()),
        attributes=m[inventory.c.attributes],
        raw=m.get(inventory.c.raw) or {},
        updated_at=m[inventory.c.updated_at],
    )
