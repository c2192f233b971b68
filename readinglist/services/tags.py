"""Tags: create, rename, recolor, merge and delete them, and put them on entries.

A tag's name is part of every tagged entry's tag list, so renaming, merging or deleting a tag
stamps those entries with the write's version: a syncing client then refetches them.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readinglist.access import require_writable
from readinglist.errors import DomainError, ErrorKind
from readinglist.metadata import clean_text
from readinglist.models import MAX_TAG_LENGTH, Entry, EntryTag, Library, Tag, Tombstone, User
from readinglist.services.versioning import begin_library_write, current_row, delete_with_tombstone
from readinglist.text import fold_tag_name

COLOR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}")


class TagNameTaken(DomainError):
    """Another tag in the library already has this name (names compare case-insensitively)."""

    kind = ErrorKind.CONFLICT
    field = "name"

    def __init__(self, existing: Tag) -> None:
        super().__init__(f"This library already has a tag called {existing.name!r}.")
        self.existing = existing


def clean_tag_name(name: str) -> str:
    cleaned = clean_text(name)
    if not cleaned:
        raise ValidationError({"name": "A tag needs a name."})
    if len(cleaned) > MAX_TAG_LENGTH:
        raise ValidationError({"name": f"At most {MAX_TAG_LENGTH} characters."})
    return cleaned


def clean_color(color: str) -> str:
    """`#rrggbb` (stored lower-case) or empty for "no color"."""
    if color and not COLOR_PATTERN.fullmatch(color):
        raise ValidationError({"color": "Use the form #rrggbb, or an empty string."})
    return color.lower()


def create_tag(*, user: User, library: Library, name: str, color: str = "") -> Tag:
    name, color = clean_tag_name(name), clean_color(color)
    with transaction.atomic():
        require_writable(user=user, library_id=library.pk)
        library = begin_library_write(library_id=library.pk)
        _check_name_free(library_id=library.pk, name=name)
        return Tag.objects.create(
            library=library,
            name=name,
            folded=fold_tag_name(name),
            color=color,
            version=library.version,
        )


def update_tag(*, user: User, tag: Tag, name: str | None = None, color: str | None = None) -> Tag:
    """Rename and/or recolor. A new name that another tag has raises `TagNameTaken`."""
    name = None if name is None else clean_tag_name(name)
    color = None if color is None else clean_color(color)
    with transaction.atomic():
        require_writable(user=user, library_id=tag.library_id)
        library = begin_library_write(library_id=tag.library_id)
        # Re-read under the lock: a tag deleted meanwhile is gone (404), not a failed write.
        tag = current_row(tag)
        tag.library = library
        if name is not None and name != tag.name:
            _check_name_free(library_id=library.pk, name=name, exclude=tag)
            tag.name, tag.folded = name, fold_tag_name(name)
            _stamp_entries_tagged(tags=[tag], library=library)
        if color is not None:
            tag.color = color
        tag.version = library.version
        tag.save(update_fields=["name", "folded", "color", "version", "updated_at"])
    return tag


def merge_tags(*, user: User, source: Tag, target: Tag) -> Tag:
    """Move every entry of `source` onto `target`, then delete `source` (with a tombstone)."""
    if source.library_id != target.library_id:
        raise ValidationError({"into": "Tags can only be merged within one library."})
    if source.pk == target.pk:
        raise ValidationError({"into": "A tag cannot be merged into itself."})
    with transaction.atomic():
        require_writable(user=user, library_id=source.library_id)
        library = begin_library_write(library_id=source.library_id)
        source, target = current_row(source), current_row(target)
        _stamp_entries_tagged(tags=[source], library=library)
        EntryTag.objects.bulk_create(
            [
                EntryTag(entry_id=entry_id, tag=target)
                for entry_id in EntryTag.objects.filter(tag=source).values_list(
                    "entry_id", flat=True
                )
            ],
            ignore_conflicts=True,
        )
        delete_with_tombstone(
            source, library=library, object_type=Tombstone.ObjectType.TAG, deleted_by=user
        )
    target.library = library
    return target


def delete_tag(*, user: User, tag: Tag) -> Library:
    """Delete a tag (untagging its entries); returns the library at the write's version."""
    with transaction.atomic():
        require_writable(user=user, library_id=tag.library_id)
        library = begin_library_write(library_id=tag.library_id)
        tag = current_row(tag)
        _stamp_entries_tagged(tags=[tag], library=library)
        delete_with_tombstone(
            tag, library=library, object_type=Tombstone.ObjectType.TAG, deleted_by=user
        )
    return library


def tag_entry(*, user: User, tag: Tag, entry: Entry) -> bool:
    """Put `tag` on `entry`; True if it was not there yet (adding twice changes nothing)."""
    return _set_tagged(user=user, tag=tag, entry=entry, tagged=True)


def untag_entry(*, user: User, tag: Tag, entry: Entry) -> bool:
    """Take `tag` off `entry`; True if it was there (removing twice changes nothing)."""
    return _set_tagged(user=user, tag=tag, entry=entry, tagged=False)


def _set_tagged(*, user: User, tag: Tag, entry: Entry, tagged: bool) -> bool:
    if entry.library_id != tag.library_id:
        raise ValidationError({"entry": "The entry is not in this tag's library."})
    with transaction.atomic():
        require_writable(user=user, library_id=tag.library_id)
        link = EntryTag.objects.filter(entry=entry, tag=tag)
        # Checked before taking the lock so a repeated request writes nothing and leaves the
        # library version alone; a concurrent change in between only makes this one a no-op.
        if link.exists() == tagged:
            return False
        library = begin_library_write(library_id=tag.library_id)
        tag, entry = current_row(tag), current_row(entry)
        if tagged:
            EntryTag.objects.bulk_create([EntryTag(entry=entry, tag=tag)], ignore_conflicts=True)
        else:
            link.delete()
        entry.version = library.version
        entry.save(update_fields=["version", "updated_at"])
        tag.library = library
    return True


def _check_name_free(*, library_id: int, name: str, exclude: Tag | None = None) -> None:
    """Runs under the library lock, so no other write can take the name before we commit."""
    clashing = Tag.objects.filter(library_id=library_id, folded=fold_tag_name(name))
    if exclude is not None:
        clashing = clashing.exclude(pk=exclude.pk)
    existing = clashing.first()
    if existing is not None:
        raise TagNameTaken(existing)


def _stamp_entries_tagged(*, tags: list[Tag], library: Library) -> None:
    Entry.objects.filter(library=library, tags__in=tags).update(
        version=library.version, updated_at=timezone.now()
    )
