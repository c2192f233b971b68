"""The one place library versions move.

A write transaction calls `begin_library_write` before it touches anything in a library: the
row lock serialises writers per library, so versions are handed out in commit order and a
reader that saw version V has seen every change up to V (no late commits below a cursor).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol
from uuid import UUID

from django.db import transaction
from django.db.models import Model, QuerySet

from readinglist import sql
from readinglist.errors import DomainError, ErrorKind
from readinglist.models import Comment, Library, Tombstone, User


class LibraryVersionConflict(DomainError):
    """The client's `If-Unmodified-Since-Version` is older than the library."""

    kind = ErrorKind.STALE

    def __init__(self, current_version: int) -> None:
        super().__init__(f"The library is at version {current_version}; sync, then try again.")
        self.current_version = current_version


class StaleObject(DomainError):
    """The object changed after the version the client based its write on."""

    kind = ErrorKind.STALE
    default_message = "Someone changed this meanwhile; reload and try again."

    def __init__(self, current: Model) -> None:
        super().__init__()
        self.current = current


class ObjectGone(DomainError):
    """The object was deleted by a write that committed while this one waited for the lock."""

    kind = ErrorKind.NOT_FOUND
    default_message = "This was deleted meanwhile."


def current_row[M: Model](obj: M, *, base_version: int | None = None) -> M:
    """Re-read `obj` under the library lock (so the check and the write are atomic).

    Raises ObjectGone if it was deleted meanwhile, StaleObject if its version moved past
    `base_version` (the version the client last saw; None skips the check).
    """
    current = type(obj)._default_manager.filter(pk=obj.pk).first()
    if current is None:
        raise ObjectGone()
    if base_version is not None and getattr(current, "version", 0) > base_version:
        raise StaleObject(current)
    return current


# The version a client says it last saw (`If-Unmodified-Since-Version`), checked under the lock.
_expected_version: ContextVar[int | None] = ContextVar("expected_library_version", default=None)
# Inside `one_version_per_write`, libraries already locked and bumped by this write.
_bumped: ContextVar[dict[int, Library] | None] = ContextVar("bumped_libraries", default=None)


@contextmanager
def library_precondition(expected_version: int | None) -> Iterator[None]:
    """Make every library write in this block require the library to be at `expected_version`."""
    token = _expected_version.set(expected_version)
    try:
        yield
    finally:
        _expected_version.reset(token)


@contextmanager
def one_version_per_write() -> Iterator[dict[int, Library]]:
    """Let several service calls share one version bump per library (a batch is one write).

    Callers must lock the libraries before opening savepoints, so a rolled-back savepoint can
    never undo a bump that later operations still stamp with.
    """
    bumped: dict[int, Library] = {}
    token = _bumped.set(bumped)
    try:
        yield bumped
    finally:
        _bumped.reset(token)


def begin_library_write(*, library_id: int, expected_version: int | None = None) -> Library:
    """Lock the library row and return it with `version` already bumped for this write.

    Must run inside `transaction.atomic`; the new version becomes visible at commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("begin_library_write needs an enclosing transaction.atomic()")
    bumped = _bumped.get()
    if bumped is not None and library_id in bumped:
        return bumped[library_id]
    if expected_version is None:
        expected_version = _expected_version.get()
    if expected_version is None:
        library = _lock_and_bump(library_id)
    else:
        library = Library.objects.select_for_update().get(pk=library_id)
        if library.version != expected_version:
            raise LibraryVersionConflict(library.version)
        library.version += 1
        library.save(update_fields=["version"])
    if bumped is not None:
        bumped[library_id] = library
    return library


def give_back_version(library: Library) -> None:
    """Undo this write's bump when it changed nothing (a batch of no-ops): no client needs to
    see a new version. Only in the write that bumped it, while it holds the lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("give_back_version needs the write's transaction.atomic()")
    library.version -= 1
    Library.objects.filter(pk=library.pk).update(version=library.version)


def _lock_and_bump(library_id: int) -> Library:
    """One `UPDATE … RETURNING` instead of `SELECT … FOR UPDATE` then `UPDATE`: every save
    runs this. The UPDATE's row lock (FOR NO KEY UPDATE) blocks every other writer of the
    library the same way; only foreign-key checks from inserts still pass, as they should."""
    columns = ", ".join(str(field.column) for field in Library._meta.concrete_fields)
    found = sql.instances(
        Library,
        f"UPDATE {Library._meta.db_table} SET version = version + 1"
        f" WHERE id = %s RETURNING {columns}",
        [library_id],
    )
    if not found:
        raise Library.DoesNotExist(f"no library {library_id}")
    return found[0]


class SyncedRow(Protocol):
    """A row the changes feed reports by its key (entries, notes, lists, tags, ...)."""

    @property
    def key(self) -> UUID: ...

    def delete(self) -> object: ...


def delete_with_tombstone(
    row: SyncedRow,
    *,
    library: Library,
    object_type: str,
    deleted_by: User | None,
    merged_into: UUID | None = None,
) -> None:
    """Delete `row` and leave its tombstone, so every device's next sync deletes it too."""
    write_tombstones(
        library=library,
        object_type=object_type,
        keys=[row.key],
        deleted_by=deleted_by,
        merged_into=merged_into,
    )
    row.delete()


def comment_thread_keys(roots: QuerySet[Comment]) -> list[UUID]:
    """The keys of the comments `roots` and of every reply under them, however deep (one
    query per level): what deleting them (or what they hang on) removes, each needing its
    tombstone."""
    found = dict(roots.values_list("pk", "key"))
    level = list(found)
    while level:
        # A reply may itself be among the roots (a reply on a highlight names it too).
        rows = Comment.objects.filter(parent_id__in=level).exclude(pk__in=list(found))
        replies = dict(rows.values_list("pk", "key"))
        found.update(replies)
        level = list(replies)
    return list(found.values())


def write_tombstones(
    *,
    library: Library,
    object_type: str,
    keys: Iterable[UUID],
    deleted_by: User | None,
    merged_into: UUID | None = None,
) -> None:
    """Record deletions at the library's current (bumped) version, in one statement (none
    for no keys).

    `merged_into` names the object that took the deleted ones' place (entries of one work).
    """
    Tombstone.objects.bulk_create(
        [
            Tombstone(
                library=library,
                object_type=object_type,
                key=key,
                version=library.version,
                deleted_by=deleted_by,
                merged_into=merged_into,
            )
            for key in keys
        ],
        update_conflicts=True,
        unique_fields=["library", "object_type", "key"],
        update_fields=["version", "deleted_by", "deleted_at", "merged_into"],
    )
