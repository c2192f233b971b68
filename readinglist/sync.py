"""The changes feed: everything in a library that changed after a version, in one ordered feed.

Order is (version, type, key), ties impossible, so a keyset position is exact. The upper bound
`until` is the library version read on the first page and kept for every later page: rows
written while a client pages have higher versions and arrive on its next sync, none is lost.
Versions are handed out under the library row lock in commit order (see
`services.versioning`), so a reader that saw `until` has every change up to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Model, Prefetch, Q, QuerySet

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
    obj: Model | None
    merged_into: UUID | None = None  # a deleted entry's successor (the same work)


@dataclass(frozen=True)
class ChangesPage:
    until: int
    changes: list[Change]
    has_more: bool


def _live_sources(library: Library, user: User) -> dict[str, QuerySet[Any]]:
    """Every synced type, by feed type name. Reading states are private: only the caller's."""
    own_state = Prefetch("states", ReadingState.objects.filter(user=user), to_attr="my_states")
    return {
        "comment": Comment.objects.filter(library=library)
        .select_related("author")
        .prefetch_related("mentions"),
        "entry": Entry.objects.filter(library=library)
        .select_related("paper")
        .prefetch_related("tags", "paper__identifiers", own_state),
        "highlight": Highlight.objects.filter(library=library).select_related("entry"),
        "list": ReadingList.objects.filter(library=library),
        "list_item": ReadingListItem.objects.filter(library=library).select_related("entry"),
        "note": Note.objects.filter(library=library).select_related("entry"),
        "session": JournalClubSession.objects.filter(library=library)
        .select_related("entry", "presenter")
        .prefetch_related("notes"),
        "state": ReadingState.objects.filter(library=library, user=user).select_related("entry"),
        "tag": Tag.objects.filter(library=library),
    }


def _after(type_name: str, after: Position | None) -> Q:
    """Rows of one type that sort after `after` (the type is fixed within a table)."""
    if after is None:
        return Q()
    same_version = Q()
    if type_name == after.type:
        same_version = Q(version=after.version, key__gt=UUID(hex=after.key))
    elif type_name > after.type:
        same_version = Q(version=after.version)
    else:
        return Q(version__gt=after.version)
    return Q(version__gt=after.version) | same_version


def _tombstones_after(after: Position | None) -> Q:
    if after is None:
        return Q()
    return (
        Q(version__gt=after.version)
        | Q(version=after.version, object_type__gt=after.type)
        | Q(version=after.version, object_type=after.type, key__gt=UUID(hex=after.key))
    )


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
    window = Q(version__gt=since, version__lte=until)
    candidates: list[Change] = []
    # Each type contributes at most limit + 1 rows; merging them and cutting at `limit` gives
    # the next `limit` rows of the combined order, and the extra one says whether more remain.
    for type_name, rows in _live_sources(library, user).items():
        page = rows.filter(window, _after(type_name, after)).order_by("version", "key")
        candidates.extend(
            Change(Position.of(row.version, type_name, row.key), False, row)
            for row in page[: limit + 1]
        )
    tombstones = Tombstone.objects.filter(
        window, _tombstones_after(after), library=library
    ).order_by("version", "object_type", "key")
    candidates.extend(
        Change(Position.of(row.version, row.object_type, row.key), True, None, row.merged_into)
        for row in tombstones[: limit + 1]
    )
    candidates.sort(key=lambda change: change.position)
    return ChangesPage(until=until, changes=candidates[:limit], has_more=len(candidates) > limit)
