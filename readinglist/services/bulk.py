"""One action applied to many entries of a library, all or nothing, as one library version."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models, transaction

from readinglist.access import require_writable
from readinglist.models import Entry, Library, ReadingList, ReadingState, User
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
    SET_PRIORITY = "priority", "Set priority"
    SET_RATING = "rating", "Set rating"
    DELETE = "delete", "Delete"


STATUS_FOR = {
    BulkAction.MARK_READ: "read",
    BulkAction.MARK_READING: "reading",
    BulkAction.MARK_UNREAD: "unread",
}
# What changes only the person's own reading state, which reading the library allows.
OWN_STATE_ACTIONS = frozenset({*STATUS_FOR, BulkAction.SET_PRIORITY, BulkAction.SET_RATING})


def apply_bulk(
    *,
    user: User,
    library: Library,
    entry_ids: Sequence[int],
    action: BulkAction,
    tag: str = "",
    reading_list: ReadingList | None = None,
    priority: int | None = None,
    rating: int | None = None,
) -> int:
    """Apply `action` to the entries of `library` named by `entry_ids`; returns how many.

    Ids of entries elsewhere (or already gone) are ignored rather than trusted. Setting the
    rating to None clears it.
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
    if action == BulkAction.SET_PRIORITY and priority not in ReadingState.Priority.values:
        raise ValidationError({"priority": "Choose a priority."})
    if action == BulkAction.SET_RATING and rating is not None and not 1 <= rating <= 5:
        raise ValidationError({"rating": "A rating is 1 to 5, or none."})
    with transaction.atomic(), one_version_per_write():
        if action not in OWN_STATE_ACTIONS:
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
            elif action == BulkAction.SET_PRIORITY:
                update_entry(user=user, entry=entry, state={"priority": priority})
            elif action == BulkAction.SET_RATING:
                update_entry(user=user, entry=entry, state={"rating": rating})
            else:
                update_entry(user=user, entry=entry, state={"status": STATUS_FOR[action]})
    return len(entries)
