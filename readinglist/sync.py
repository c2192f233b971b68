"""The changes feed: everything in a library that changed after a version, in one ordered feed.

Order is (version, type, key), ties impossible, so a keyset position is exact. The upper bound
`until` is the library version read on the first page and kept for every later page: rows
written while a client pages have higher versions and arrive on its next sync, none is lost.
Versions are handed out under the library row lock in commit order (see
`services.versioning`), so a reader that saw `until` has every change up to it.

A page is read in two steps, so a first sync of a large library reads each row once: one
statement finds the page's positions (each type's next `limit + 1` positions after the cursor,
merged and cut in the database; index-only data, no row is built), then each type present
reads exactly its rows of the page, as values: no model instances (bar comments and
sessions, whose Markdown and people are shown by their serializers), no search vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Model, QuerySet

from readinglist import sql
from readinglist.entry_rows import ListingDetails, listing_page
from readinglist.errors import DomainError, ErrorKind
from readinglist.models import (
    Comment,
    Entry,
    Highlight,
    JournalClubSession,
    Library,
    Note,
    ReadingList,
    ReadingListItem,
    ReadingState,
    Tag,
    Tombstone,
    User,
)

MAX_PAGE_SIZE = 500
# Sorts after every key: "no row of this version" in a keyset bound.
_LAST_KEY = UUID(int=2**128 - 1)

# Every synced type by feed type name. Reading states are private: only the caller's.
FEED_MODELS: dict[str, type[Model]] = {
    "comment": Comment,
    "entry": Entry,
    "highlight": Highlight,
    "list": ReadingList,
    "list_item": ReadingListItem,
    "note": Note,
    "session": JournalClubSession,
    "state": ReadingState,
    "tag": Tag,
}

# What the feed shows of the types read as values, as `values()` names (API names follow
# `api.serializers.sync`). Entries are listing rows (`entry_rows.listing_page`).
_COMMON = ("id", "key", "library_id", "version")
FEED_VALUES: dict[str, tuple[str, ...]] = {
    "highlight": (
        *_COMMON,
        *("entry_id", "author_id", "selectors", "offset_unit", "exact", "color", "comment"),
        *("created_at", "updated_at"),
    ),
    "list": (*_COMMON, "name", "description", "created_at", "updated_at"),
    "list_item": (
        *_COMMON,
        *("reading_list_id", "entry_id", "entry__title", "position", "public_note"),
        *("created_at", "updated_at"),
    ),
    "note": (*_COMMON, "entry_id", "author_id", "body", "created_at", "updated_at"),
    "state": (
        *_COMMON,
        *("entry_id", "status", "priority", "rating", "private_note", "read_at"),
    ),
    "tag": (*_COMMON, "name", "color", "created_at", "updated_at"),
}


class FullSyncRequired(DomainError):
    """`since` is older than the oldest tombstone still kept: deletions may have been missed."""

    kind = ErrorKind.GONE


@dataclass(frozen=True, order=True)
class Position:
    version: int
    type: str
    key: str  # uuid hex: sorts like the database's uuid / char(32) column

    @classmethod
    def of(cls, version: int, type_name: str, key: UUID) -> Position:
        return cls(version, type_name, key.hex)


@dataclass(frozen=True)
class Change:
    position: Position
    deleted: bool
    # A live object's row: a `FEED_VALUES` dict, an entry's listing row, or (comments and
    # sessions) the model instance with what its serializer reads.
    row: Any = None
    merged_into: UUID | None = None  # a deleted entry's successor (the same work)


@dataclass(frozen=True)
class ChangesPage:
    until: int
    changes: list[Change]
    has_more: bool
    # Tags and identifiers of the page's entries (`entry_rows.ListingDetails`).
    entry_details: ListingDetails = field(default_factory=lambda: ListingDetails({}, {}, {}))
    # Where the next page starts: the last position read (its row may have moved on since).
    last: Position | None = None


def _live_sources(library: Library, user: User) -> dict[str, QuerySet[Any]]:
    """Every live synced row of the library, by feed type name (states: the caller's own)."""
    sources: dict[str, QuerySet[Any]] = {
        name: model._default_manager.filter(library=library) for name, model in FEED_MODELS.items()
    }
    sources["state"] = sources["state"].filter(user=user)
    return sources


@cache
def _positions_sql() -> str:
    """The page's positions: per type its next rows after its keyset bound, merged by
    (version, type, key). Parameters: per live type (library, since, until, bound version
    twice, bound key[, user], limit), then the tombstones' (library, since, until, version
    twice, version, type twice, key, limit) and the page's limit."""
    branches = []
    for name, model in sorted(FEED_MODELS.items()):
        own = " AND user_id = %s" if name == "state" else ""
        branches.append(
            f"SELECT version, '{name}' AS kind, key, id, 0 AS deleted,"
            " CAST(NULL AS uuid) AS merged_into"
            f" FROM {model._meta.db_table}"
            " WHERE library_id = %s AND version > %s AND version <= %s"
            f" AND version >= %s AND (version > %s OR key > %s){own}"
            " ORDER BY version, key LIMIT %s"
        )
    branches.append(
        "SELECT version, object_type AS kind, key, id, 1 AS deleted, merged_into"
        f" FROM {Tombstone._meta.db_table}"
        " WHERE library_id = %s AND version > %s AND version <= %s AND version >= %s"
        " AND (version > %s OR object_type > %s OR (object_type = %s AND key > %s))"
        " ORDER BY version, object_type, key LIMIT %s"
    )
    merged = " UNION ALL ".join(
        f"SELECT * FROM ({branch}) AS b{n}" for n, branch in enumerate(branches)
    )
    return f"{merged} ORDER BY 1, 2, 3 LIMIT %s"


def _db_key(key: UUID) -> Any:
    """A key as the database compares it (uuid on PostgreSQL, hex text on SQLite)."""
    return Tombstone._meta.get_field("key").get_db_prep_value(key, connection)


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(hex=value)


def _positions(
    *, library: Library, user: User, since: int, until: int, after: Position | None, count: int
) -> list[tuple[Position, int, bool, UUID | None]]:
    """The next `count` positions after `after`: (position, row id, deleted, merged_into)."""
    params: list[Any] = []
    for name in sorted(FEED_MODELS):
        # Rows of this type after `after` are those with (version, key) > (bound, key).
        if after is None:
            bound, key = since, _LAST_KEY
        elif name == after.type:
            bound, key = after.version, UUID(hex=after.key)
        elif name > after.type:
            bound, key = after.version - 1, _LAST_KEY  # all of after.version
        else:
            bound, key = after.version, _LAST_KEY  # none of after.version
        params += [library.pk, since, until, bound, bound, _db_key(key)]
        params += [user.pk] if name == "state" else []
        params.append(count)
    if after is None:
        bound, type_name, key = since, "", _LAST_KEY
    else:
        bound, type_name, key = after.version, after.type, UUID(hex=after.key)
    params += [library.pk, since, until, bound, bound, type_name, type_name, _db_key(key)]
    params += [count, count]
    return [
        (
            Position(version, kind, _as_uuid(row_key).hex),
            row_id,
            bool(deleted),
            None if merged is None else _as_uuid(merged),
        )
        for version, kind, row_key, row_id, deleted, merged in sql.rows(_positions_sql(), params)
    ]


def _read_rows(
    type_name: str, ids: Sequence[int], *, user: User
) -> tuple[dict[int, Any], ListingDetails | None]:
    """The rows of one type the page shows, by id."""
    if type_name == "entry":
        rows, details = listing_page(ids, user_id=user.pk)
        return {row["id"]: row for row in rows}, details
    if type_name == "comment":
        comments = Comment.objects.select_related("author", "resolved_by")
        return comments.prefetch_related("mentions").in_bulk(ids), None
    if type_name == "session":
        sessions = JournalClubSession.objects.select_related("entry", "presenter")
        sessions = sessions.prefetch_related("notes")
        return sessions.in_bulk(ids), None
    found = FEED_MODELS[type_name]._default_manager.filter(pk__in=ids)
    return {row["id"]: row for row in found.values(*FEED_VALUES[type_name])}, None


def changes(
    *,
    library: Library,
    user: User,
    since: int,
    until: int | None = None,
    after: Position | None = None,
    limit: int = 100,
) -> ChangesPage:
    """One page of changes with `since < version <= until`, after `after`, at most `limit`."""
    if 0 < since < library.tombstone_floor:
        raise FullSyncRequired(f"since={since} is older than {library.tombstone_floor}")
    until = library.version if until is None else until
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if since >= until:
        return ChangesPage(until=until, changes=[], has_more=False)
    # Each type contributes at most limit + 1 positions; merged and cut at limit + 1 they are
    # the next `limit` of the feed and whether more remain.
    found = _positions(
        library=library, user=user, since=since, until=until, after=after, count=limit + 1
    )
    page = found[:limit]
    ids: dict[str, list[int]] = {}
    for position, row_id, deleted, _ in page:
        if not deleted:
            ids.setdefault(position.type, []).append(row_id)
    rows: dict[str, dict[int, Any]] = {}
    details = ListingDetails({}, {}, {})
    for type_name, type_ids in ids.items():
        rows[type_name], entry_details = _read_rows(type_name, type_ids, user=user)
        details = entry_details or details
    shown: list[Change] = []
    for position, row_id, deleted, merged_into in page:
        if deleted:
            shown.append(Change(position, True, None, merged_into))
            continue
        row = rows[position.type].get(row_id)
        # Deleted or changed since its position was read: its tombstone or its new version
        # is above `until`, so the next sync brings it.
        version = (
            getattr(row, "version", None) if isinstance(row, Model) else (row or {}).get("version")
        )
        if version == position.version:
            shown.append(Change(position, False, row))
    return ChangesPage(
        until=until,
        changes=shown,
        has_more=len(found) > limit,
        entry_details=details,
        last=page[-1][0] if page else None,
    )
