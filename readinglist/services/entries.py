"""Saving papers into libraries, and removing them again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from readinglist.metadata import PageMetadata, clean_text
from readinglist.models import (
    Activity,
    Entry,
    EntryTag,
    Library,
    Note,
    Paper,
    ReadingState,
    Tag,
    Tombstone,
    User,
)
from readinglist.services.accounts import personal_library
from readinglist.services.papers import apply_metadata, identifiers_for, resolve_paper
from readinglist.services.versioning import (
    StaleObject,
    begin_library_write,
    current_row,
    write_tombstones,
)


class LibraryNotWritable(PermissionError):
    """The user may not add to this library (not theirs, or a viewer in the lab)."""


def require_writable(*, user: User, library_id: int) -> None:
    if not Library.objects.editable_by(user).filter(pk=library_id).exists():
        raise LibraryNotWritable(f"library {library_id} is not writable by this user")


@dataclass(frozen=True)
class SaveResult:
    entry: Entry
    paper: Paper
    created: bool
    paper_created: bool
    tags: tuple[Tag, ...] = ()  # the tags this save attached
    state: ReadingState | None = None  # the user's state, if this save set it


def save_paper(
    *,
    user: User,
    url: str,
    metadata: PageMetadata | None = None,
    library: Library | None = None,
    tags: Sequence[str] = (),
    note: str = "",
    status: str | None = None,
) -> SaveResult:
    """Save the paper at `url` into `library` (the user's personal one by default).

    Resolves to one Paper whatever URL or identifier form is used, creates or updates the
    Entry, and applies tags, a note and the user's reading status. Saving again is safe: tags
    are added (never removed), an identical note is not repeated.
    """
    with transaction.atomic():
        target = library or personal_library(user)
        if target.owner_id != user.pk:  # one's own library needs no membership lookup
            require_writable(user=user, library_id=target.pk)
        found = identifiers_for(url=url, metadata=metadata)
        paper, paper_created = resolve_paper(found=found, metadata=metadata)
        if not paper_created:  # a new paper was inserted with the metadata merged
            apply_metadata(paper=paper, found=found, metadata=metadata)

        target = begin_library_write(library_id=target.pk)
        if paper_created:  # a paper made in this transaction is in no library yet
            entry = Entry.objects.create(
                library=target, paper=paper, added_by=user, version=target.version
            )
            created = True
        else:
            entry, created = Entry.objects.get_or_create(
                library=target,
                paper=paper,
                defaults={"added_by": user, "version": target.version},
            )
            entry.paper, entry.library = paper, target
        if not created:
            entry.version = target.version
            entry.save(update_fields=["version", "updated_at"])
        elif target.lab_id is not None:
            Activity.objects.create(
                lab_id=target.lab_id, actor=user, verb=Activity.Verb.SAVED, entry=entry
            )
        attached = add_tags(entry=entry, names=tags)
        body = note.strip()
        if body and not Note.objects.filter(entry=entry, author=user, body=body).exists():
            Note.objects.create(
                library=target, entry=entry, author=user, body=body, version=target.version
            )
        state = None
        if status is not None:
            state = set_reading_status(entry=entry, user=user, status=status)
    return SaveResult(
        entry=entry,
        paper=paper,
        created=created,
        paper_created=paper_created,
        tags=tuple(attached),
        state=state,
    )


def tags_by_folded_name(*, library_id: int) -> dict[str, Tag]:
    """The library's tags by case-folded name, folded in Python: SQLite's LOWER() only knows
    ASCII, so a database-side comparison would miss "Über" for "über" there."""
    return {tag.name.casefold(): tag for tag in Tag.objects.filter(library_id=library_id)}


def add_tags(*, entry: Entry, names: Sequence[str]) -> list[Tag]:
    """Attach tags by name (case-insensitive, created on first use) inside a library write.

    The caller holds the library lock (`begin_library_write`), so tag creation cannot race.
    """
    wanted: dict[str, str] = {}
    for name in names:
        cleaned = clean_text(name)
        if cleaned:
            wanted.setdefault(cleaned.casefold(), cleaned)
    if not wanted:
        return []
    library = entry.library
    existing = tags_by_folded_name(library_id=library.pk)
    missing = [
        Tag(library=library, name=name, version=library.version)
        for folded, name in wanted.items()
        if folded not in existing
    ]
    if missing:
        Tag.objects.bulk_create(missing)
        existing.update((tag.name.casefold(), tag) for tag in missing)
    tags = [existing[folded] for folded in wanted if folded in existing]
    EntryTag.objects.bulk_create(
        [EntryTag(entry=entry, tag=tag) for tag in tags], ignore_conflicts=True
    )
    return tags


def set_reading_status(*, entry: Entry, user: User, status: str) -> ReadingState:
    """Set the user's own status on an entry inside a library write."""
    state, _ = ReadingState.objects.get_or_create(
        library_id=entry.library_id,
        entry=entry,
        user=user,
        defaults={"version": entry.library.version},
    )
    was_read = state.status == ReadingState.Status.READ
    state.status = ReadingState.Status(status)
    state.read_at = timezone.now() if state.status == ReadingState.Status.READ else None
    state.version = entry.library.version
    state.save()
    if (
        entry.library.lab_id is not None
        and state.status == ReadingState.Status.READ
        and not was_read
    ):
        Activity.objects.create(
            lab_id=entry.library.lab_id, actor=user, verb=Activity.Verb.READ, entry=entry
        )
    return state


def delete_entry(*, user: User, entry: Entry, base_version: int | None = None) -> None:
    """Remove an entry and everything hanging off it, leaving tombstones for the sync feed.

    With `base_version`, an entry edited after that version is kept (StaleObject): an edit
    wins over a delete its author had not seen.
    """
    with transaction.atomic():
        require_writable(user=user, library_id=entry.library_id)
        library = begin_library_write(library_id=entry.library_id)
        entry = current_row(entry, base_version=base_version)
        dependants: list[tuple[str, list[UUID]]] = [
            (Tombstone.ObjectType.NOTE, list(entry.notes.values_list("key", flat=True))),
            (Tombstone.ObjectType.HIGHLIGHT, list(entry.highlights.values_list("key", flat=True))),
            (Tombstone.ObjectType.LIST_ITEM, list(entry.list_items.values_list("key", flat=True))),
            (Tombstone.ObjectType.READING_STATE, list(entry.states.values_list("key", flat=True))),
            (Tombstone.ObjectType.ENTRY, [entry.key]),
        ]
        for object_type, keys in dependants:
            if keys:
                write_tombstones(
                    library=library, object_type=object_type, keys=keys, deleted_by=user
                )
        entry.delete()


def update_entry(
    *,
    user: User,
    entry: Entry,
    state: dict[str, object] | None = None,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    base_version: int | None = None,
) -> Entry:
    """Change the user's own reading state and the entry's tags (add/remove, so edits merge).

    Anyone who can see the entry may change their own state (it is private to them); tag
    changes need write access to the library. `base_version` is the version of the user's
    state the client last saw: a stale state change raises StaleObject. Tag operations merge
    and never conflict.
    """
    with transaction.atomic():
        if add or remove:
            require_writable(user=user, library_id=entry.library_id)
        library = begin_library_write(library_id=entry.library_id)
        entry = current_row(entry)
        entry.library = library
        if state:
            if base_version is not None:
                mine = ReadingState.objects.filter(entry=entry, user=user).first()
                if mine is not None and mine.version > base_version:
                    raise StaleObject(entry)
            _apply_state(entry=entry, user=user, changes=state)
        if add:
            add_tags(entry=entry, names=add)
        if remove:
            by_name = tags_by_folded_name(library_id=library.pk)
            doomed = [by_name[f] for n in remove if (f := clean_text(n).casefold()) in by_name]
            EntryTag.objects.filter(entry=entry, tag__in=doomed).delete()
        if add or remove:
            entry.version = library.version
            entry.save(update_fields=["version", "updated_at"])
    return entry


def _apply_state(*, entry: Entry, user: User, changes: dict[str, object]) -> ReadingState:
    if "status" in changes:
        set_reading_status(entry=entry, user=user, status=str(changes["status"]))
    state, _ = ReadingState.objects.get_or_create(
        library_id=entry.library_id, entry=entry, user=user
    )
    for name in ("priority", "rating", "private_note"):
        if name in changes:
            setattr(state, name, changes[name])
    state.version = entry.library.version
    state.save()
    return state
