"""Many writes to one library as one: one lock, one version, each write on its own.

The library is locked and its version bumped once, before any operation runs; each operation
then runs in its own savepoint, so a refused one rolls back only itself. A batch that changed
nothing gives its version back. Operations arrive parsed (`Operation`); one its sender could
not parse arrives as the refusal that says why, and is answered in its place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from readinglist.access import NotVisible
from readinglist.errors import DomainError, ErrorKind
from readinglist.metadata import PageMetadata
from readinglist.models import Entry, Highlight, Library, Note, ReadingList, Tag, Tombstone, User
from readinglist.services.annotations import create_note, delete_highlight, delete_note, update_note
from readinglist.services.entries import delete_entry, save_paper, update_entry
from readinglist.services.lists import delete_list
from readinglist.services.tags import delete_tag
from readinglist.services.versioning import (
    StaleObject,
    begin_library_write,
    give_back_version,
    one_version_per_write,
)

Kind = Literal["entry", "note", "highlight", "tag", "list"]
DELETABLE: tuple[Kind, ...] = ("entry", "note", "highlight", "tag", "list")
_MODELS: dict[str, Any] = {
    "entry": Entry,
    "note": Note,
    "highlight": Highlight,
    "tag": Tag,
    "list": ReadingList,
}


class NoteDeleted(DomainError):
    kind = ErrorKind.GONE
    default_message = "This note was deleted."


@dataclass(frozen=True)
class SavePaper:
    url: str
    metadata: PageMetadata | None = None
    tags: Sequence[str] = ()
    note: str = ""
    status: str | None = None


@dataclass(frozen=True)
class Delete:
    kind: Kind
    key: UUID
    version: int | None = None


@dataclass(frozen=True)
class CreateNote:
    key: UUID
    entry_key: UUID
    body: str


@dataclass(frozen=True)
class UpdateEntry:
    key: UUID
    version: int | None = None
    state: Mapping[str, object] = field(default_factory=dict)
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()


@dataclass(frozen=True)
class UpdateNote:
    key: UUID
    body: str
    version: int | None = None


Operation = SavePaper | Delete | CreateNote | UpdateEntry | UpdateNote

# The refusals an operation is answered with; anything else is a bug and fails the batch.
REFUSALS = (DomainError, ValidationError, IntegrityError)


@dataclass(frozen=True)
class Applied:
    status: Literal["created", "updated", "unchanged"]
    kind: Kind
    key: UUID
    id: int | None = None
    deleted: bool = False


@dataclass(frozen=True)
class Refused:
    error: Exception  # one of `REFUSALS`


@dataclass
class BatchResult:
    version: int
    outcomes: list[Applied | Refused]


def apply_batch(
    *, user: User, library: Library, operations: Sequence[Operation | Exception]
) -> BatchResult:
    """Apply `operations` in order, one outcome each; an exception in the list is an
    operation already refused, answered as it is."""
    with transaction.atomic(), one_version_per_write():
        locked = begin_library_write(library_id=library.pk)
        outcomes: list[Applied | Refused] = []
        for operation in operations:
            if isinstance(operation, Exception):
                outcomes.append(Refused(operation))
                continue
            try:
                with transaction.atomic():
                    outcomes.append(_apply(user, locked, operation))
            except REFUSALS as error:
                outcomes.append(Refused(error))
        if not any(isinstance(o, Applied) and o.status != "unchanged" for o in outcomes):
            give_back_version(locked)
    return BatchResult(version=locked.version, outcomes=outcomes)


def _apply(user: User, library: Library, operation: Operation) -> Applied:
    match operation:
        case SavePaper():
            return _save(user, library, operation)
        case Delete():
            return _delete(user, library, operation)
        case CreateNote():
            return _create_note(user, library, operation)
        case UpdateEntry():
            return _update_entry(user, library, operation)
        case UpdateNote():
            return _update_note(user, library, operation)


def _find(library: Library, kind: Kind, key: UUID) -> Any:
    found = _MODELS[kind].objects.filter(library=library, key=key).first()
    if found is None:
        raise NotVisible(f"No {kind} with this key.")
    return found


def _save(user: User, library: Library, operation: SavePaper) -> Applied:
    result = save_paper(
        user=user,
        url=operation.url,
        metadata=operation.metadata,
        library=library,
        tags=operation.tags,
        note=operation.note,
        status=operation.status,
    )
    status: Literal["created", "updated"] = "created" if result.created else "updated"
    return Applied(status, "entry", result.entry.key, result.entry.pk)


def _delete(user: User, library: Library, operation: Delete) -> Applied:
    kind, key, version = operation.kind, operation.key, operation.version
    found = _MODELS[kind].objects.filter(library=library, key=key).first()
    if found is None:
        if Tombstone.objects.filter(library=library, object_type=kind, key=key).exists():
            return Applied("unchanged", kind, key)
        raise NotVisible(f"No {kind} with this key.")
    if kind == "entry":
        delete_entry(user=user, entry=found, base_version=version)
    elif kind == "note":
        delete_note(user=user, note=found, base_version=version)
    elif kind == "highlight":
        delete_highlight(user=user, highlight=found, base_version=version)
    else:
        if version is not None and found.version > version:
            raise StaleObject(found)
        if kind == "tag":
            delete_tag(user=user, tag=found)
        else:
            delete_list(user=user, reading_list=found)
    return Applied("updated", kind, key, deleted=True)


def _create_note(user: User, library: Library, operation: CreateNote) -> Applied:
    key = operation.key
    existing = Note.objects.filter(library=library, key=key).first()
    if existing is not None:
        # The client retried a creation the server already has: nothing to do.
        return Applied("unchanged", "note", key, existing.pk)
    if Tombstone.objects.filter(library=library, object_type="note", key=key).exists():
        raise NoteDeleted()
    entry = _find(library, "entry", operation.entry_key)
    note = create_note(user=user, entry=entry, body=operation.body, key=key)
    return Applied("created", "note", key, note.pk)


def _update_entry(user: User, library: Library, operation: UpdateEntry) -> Applied:
    entry = _find(library, "entry", operation.key)
    update_entry(
        user=user,
        entry=entry,
        state=dict(operation.state),
        add=operation.add_tags,
        remove=operation.remove_tags,
        base_version=operation.version,
    )
    return Applied("updated", "entry", operation.key, entry.pk)


def _update_note(user: User, library: Library, operation: UpdateNote) -> Applied:
    note = _find(library, "note", operation.key)
    if operation.body == note.body:
        return Applied("unchanged", "note", operation.key, note.pk)
    update_note(user=user, note=note, body=operation.body, base_version=operation.version)
    return Applied("updated", "note", operation.key, note.pk)
