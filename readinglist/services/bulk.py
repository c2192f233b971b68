"""One action applied to many entries of a library, all or nothing, as one library version."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models, transaction

from readinglist.access import require_writable
from readinglist.models import Entry, Library, ReadingList, User
from readinglist.services.entries import delete_entry, update_entry
from readinglist.services.lists import add_to_list
from readinglist.services.versioning import begin_library_write, one_version_per_write

MAX_BULK = 500


class BulkAction(models.TextChoices):
    TAG = "tag", "Add tag"
    UNTAG = "untag", "Remove tag"
    ADD_TO_LIST = "list", "Add to list"
    MARK_READ = "read", "Mark read"
    MARK_READING = "reading", "Mark reading"
    MARK_UNREAD = "unread", "Mark unread"
    DELETE = "delete", "Delete"


STATUS_FOR = {
    BulkAction.MARK_READ: "read",
    BulkAction.MARK_READING: "reading",
    BulkAction.MARK_UNREAD: "unread",
}


def apply_bulk(
    *,
    user: User,
    library: Library,
    entry_ids: Sequence[int],
    action: BulkAction,
    tag: str = "",
    reading_list: ReadingList | None = None,
) -> int:
    """Apply `action` to the entries of `library` named by `entry_ids`; returns how many.

    Ids of entries elsewhere (or already gone) are ignored rather than trusted.
    """
    if not entry_ids:
        raise ValidationError({"entries": "Select at least one entry."})
    if len(entry_ids) > MAX_BULK:
        raise ValidationError({"entries": f"At most {MAX_BULK} entries at a time."})
    if action in (BulkAction.TAG, BulkAction.UNTAG) and not tag.strip():
        raise ValidationError({"tag": "Name the tag."})
    if action == BulkAction.ADD_TO_LIST:
        if reading_list is None:
            raise ValidationError({"list": "Choose a list."})
        if reading_list.library_id != library.pk:
            raise ValidationError({"list": "The list is in another library."})
    with transaction.atomic(), one_version_per_write():
        if action not in STATUS_FOR:  # one's own reading status needs only read access
            require_writable(user=user, library_id=library.pk)
        begin_library_write(library_id=library.pk)
        entries = list(
            Entry.objects.filter(library=library, pk__in=entry_ids).select_related("library")
        )
        for entry in entries:
            if action == BulkAction.TAG:
                update_entry(user=user, entry=entry, add=[tag])
            elif action == BulkAction.UNTAG:
                update_entry(user=user, entry=entry, remove=[tag])
            elif action == BulkAction.ADD_TO_LIST:
                assert reading_list is not None
                add_to_list(user=user, reading_list=reading_list, entry=entry)
            elif action == BulkAction.DELETE:
                delete_entry(user=user, entry=entry)
            else:
                update_entry(user=user, entry=entry, state={"status": STATUS_FOR[action]})
    return len(entries)
