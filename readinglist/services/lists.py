"""Reading lists: named, ordered selections of a library's entries.

Items are ordered by (position, id). Positions leave gaps of `POSITION_GAP` so that inserting
or moving an item normally writes that one row; only when two neighbours are adjacent is the
whole list renumbered, in the same write, with every renumbered item stamped.
"""

from __future__ import annotations

import secrets
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from readinglist.access import require_list_curator, require_writable
from readinglist.models import (
    Entry,
    Library,
    ListFeedToken,
    ReadingList,
    ReadingListItem,
    Tombstone,
    User,
)
from readinglist.services.versioning import (
    begin_library_write,
    current_row,
    delete_with_tombstone,
    write_tombstones,
)
from readinglist.text import require_storable

POSITION_GAP = 1024
MAX_LIST_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000
MAX_PUBLIC_NOTE_LENGTH = 2_000

Edge = Literal["first", "last"]


def clean_list_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ValidationError({"name": "A list needs a name."})
    if len(cleaned) > MAX_LIST_NAME_LENGTH:
        raise ValidationError({"name": f"At most {MAX_LIST_NAME_LENGTH} characters."})
    return cleaned


def clean_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError({"description": f"At most {MAX_DESCRIPTION_LENGTH} characters."})
    return description


def create_list(*, user: User, library: Library, name: str, description: str = "") -> ReadingList:
    name, description = clean_list_name(name), clean_description(description)
    with transaction.atomic():
        require_writable(user=user, library_id=library.pk)
        library = begin_library_write(library_id=library.pk)
        return ReadingList.objects.create(
            library=library, name=name, description=description, version=library.version
        )


def update_list(
    *,
    user: User,
    reading_list: ReadingList,
    name: str | None = None,
    description: str | None = None,
) -> ReadingList:
    """Change the given fields; None leaves a field as it is."""
    if name is not None:
        name = clean_list_name(name)
    if description is not None:
        description = clean_description(description)
    with transaction.atomic():
        require_writable(user=user, library_id=reading_list.library_id)
        library = begin_library_write(library_id=reading_list.library_id)
        # Re-read under the lock: a list deleted meanwhile is gone (404), not a failed write.
        reading_list = current_row(reading_list)
        reading_list.library = library
        if name is not None:
            reading_list.name = name
        if description is not None:
            reading_list.description = description
        reading_list.version = reading_list.library.version
        reading_list.save(update_fields=["name", "description", "version", "updated_at"])
    return reading_list


def set_public_note(
    *, user: User, item: ReadingListItem, note: str, base_version: int | None = None
) -> ReadingListItem:
    """What the list shows about this paper where it is public (Markdown; "" for nothing).
    Only the list's curators (`require_list_curator`) write it: it is published text."""
    note = require_storable(note.strip(), field="public_note")
    if len(note) > MAX_PUBLIC_NOTE_LENGTH:
        raise ValidationError({"public_note": f"At most {MAX_PUBLIC_NOTE_LENGTH} characters."})
    with transaction.atomic():
        require_list_curator(user=user, reading_list=item.reading_list)
        library = begin_library_write(library_id=item.library_id)
        item = current_row(item, base_version=base_version)
        item.public_note = note
        item.version = library.version
        item.save(update_fields=["public_note", "version", "updated_at"])
    return item


def delete_list(*, user: User, reading_list: ReadingList) -> Library:
    """Delete a list and its items (the entries stay); tombstones for both."""
    with transaction.atomic():
        require_writable(user=user, library_id=reading_list.library_id)
        library = begin_library_write(library_id=reading_list.library_id)
        reading_list = current_row(reading_list)
        item_keys = list(reading_list.items.values_list("key", flat=True))
        kind = Tombstone.ObjectType.LIST_ITEM
        write_tombstones(library=library, object_type=kind, keys=item_keys, deleted_by=user)
        delete_with_tombstone(
            reading_list,
            library=library,
            object_type=Tombstone.ObjectType.READING_LIST,
            deleted_by=user,
        )
    return library


def add_to_list(
    *,
    user: User,
    reading_list: ReadingList,
    entry: Entry,
    before: ReadingListItem | None = None,
    after: ReadingListItem | None = None,
    to: Edge | None = None,
) -> tuple[ReadingListItem, bool]:
    """Put `entry` in the list (at the end unless told otherwise); True if it was not there.

    An entry already in the list stays where it is: adding is idempotent, moving is explicit.
    """
    if entry.library_id != reading_list.library_id:
        raise ValidationError({"entry": "The entry is not in this list's library."})
    _check_one_placement(before=before, after=after, to=to)
    with transaction.atomic():
        require_writable(user=user, library_id=reading_list.library_id)
        # Checked before locking too, so a repeated add writes nothing at all.
        existing = reading_list.items.filter(entry=entry).first()
        if existing is not None:
            return existing, False
        library = begin_library_write(library_id=reading_list.library_id)
        reading_list, entry = current_row(reading_list), current_row(entry)
        existing = reading_list.items.filter(entry=entry).first()
        if existing is not None:
            return existing, False
        item = ReadingListItem(
            library=library, reading_list=reading_list, entry=entry, version=library.version
        )
        _place(item=item, library=library, before=before, after=after, to=to)
        item.save()
    return item, True


def move_item(
    *,
    user: User,
    item: ReadingListItem,
    before: ReadingListItem | None = None,
    after: ReadingListItem | None = None,
    to: Edge | None = None,
) -> ReadingListItem:
    """Move an item just before or after another item of its list, or to either end."""
    _check_one_placement(before=before, after=after, to=to)
    if before is None and after is None and to is None:
        raise ValidationError("Say where to move the item: before, after or position.")
    for field, anchor in (("before", before), ("after", after)):
        if anchor is not None and anchor.pk == item.pk:
            raise ValidationError({field: "An item cannot be moved relative to itself."})
    with transaction.atomic():
        require_writable(user=user, library_id=item.library_id)
        library = begin_library_write(library_id=item.library_id)
        item = current_row(item)
        item.library = library
        _place(item=item, library=library, before=before, after=after, to=to)
        item.version = library.version
        item.save(update_fields=["position", "version", "updated_at"])
    return item


def remove_from_list(*, user: User, item: ReadingListItem) -> Library:
    with transaction.atomic():
        require_writable(user=user, library_id=item.library_id)
        library = begin_library_write(library_id=item.library_id)
        item = current_row(item)
        delete_with_tombstone(
            item, library=library, object_type=Tombstone.ObjectType.LIST_ITEM, deleted_by=user
        )
    return library


def _check_one_placement(
    *, before: ReadingListItem | None, after: ReadingListItem | None, to: Edge | None
) -> None:
    if sum(choice is not None for choice in (before, after, to)) > 1:
        raise ValidationError("Give at most one of before, after and position.")


def _place(
    *,
    item: ReadingListItem,
    library: Library,
    before: ReadingListItem | None,
    after: ReadingListItem | None,
    to: Edge | None,
) -> None:
    """Set `item.position` so the item sorts at the requested place (the end by default).

    Runs under the library lock; anchors are re-read here because another write may have
    moved them since the request loaded them.
    """
    others = ReadingListItem.objects.filter(reading_list_id=item.reading_list_id)
    if item.pk is not None:
        others = others.exclude(pk=item.pk)
    ascending, descending = others.order_by("position", "id"), others.order_by("-position", "-id")
    lower: ReadingListItem | None
    upper: ReadingListItem | None
    if before is not None:
        upper = _reread_anchor(before, reading_list_id=item.reading_list_id, field="before")
        lower = descending.filter(_sorts_before(upper)).first()
    elif after is not None:
        lower = _reread_anchor(after, reading_list_id=item.reading_list_id, field="after")
        upper = ascending.filter(_sorts_after(lower)).first()
    elif to == "first":
        lower, upper = None, ascending.first()
    else:
        lower, upper = descending.first(), None
    position = _position_between(
        None if lower is None else lower.position, None if upper is None else upper.position
    )
    if position is not None:
        item.position = position
        return
    # No integer fits between the two neighbours: renumber the list with the item put just
    # before `upper` (which `lower` immediately precedes).
    assert upper is not None
    ordered = list(ascending)
    ordered.insert(next(i for i, other in enumerate(ordered) if other.pk == upper.pk), item)
    now = timezone.now()
    renumbered = []
    for rank, member in enumerate(ordered, start=1):
        position = rank * POSITION_GAP
        if member is item:
            item.position = position
        elif member.position != position:
            member.position, member.version, member.updated_at = position, library.version, now
            renumbered.append(member)
    ReadingListItem.objects.bulk_update(renumbered, ["position", "version", "updated_at"])


def _position_between(lower: int | None, upper: int | None) -> int | None:
    if lower is None and upper is None:
        return POSITION_GAP
    if lower is None:
        assert upper is not None
        return upper - POSITION_GAP
    if upper is None:
        return lower + POSITION_GAP
    if upper - lower >= 2:
        return (lower + upper) // 2
    return None


def _sorts_before(item: ReadingListItem) -> Q:
    return Q(position__lt=item.position) | Q(position=item.position, id__lt=item.pk)


def _sorts_after(item: ReadingListItem) -> Q:
    return Q(position__gt=item.position) | Q(position=item.position, id__gt=item.pk)


def _reread_anchor(anchor: ReadingListItem, *, reading_list_id: int, field: str) -> ReadingListItem:
    fresh = ReadingListItem.objects.filter(pk=anchor.pk, reading_list_id=reading_list_id).first()
    if fresh is None:
        raise ValidationError({field: "No such item in this list."})
    return fresh


# The secret live .bib URL of a list (for LaTeX tools that fetch by URL, e.g. Overleaf).


def rotate_feed_link(*, user: User, reading_list: ReadingList) -> ListFeedToken:
    """Give the list a new secret .bib URL (the old one stops working); like publishing it,
    this is for the list's curators (`require_list_curator`)."""
    with transaction.atomic():
        require_list_curator(user=user, reading_list=reading_list)
        link, _ = ListFeedToken.objects.update_or_create(
            reading_list=reading_list,
            defaults={"token": secrets.token_urlsafe(32), "created_by": user},
        )
    return link


def feed_link(*, user: User, reading_list: ReadingList) -> ListFeedToken | None:
    """The list's secret .bib URL, shown to those who may make one."""
    require_list_curator(user=user, reading_list=reading_list)
    return ListFeedToken.objects.filter(reading_list=reading_list).first()


def revoke_feed_link(*, user: User, reading_list: ReadingList) -> None:
    with transaction.atomic():
        require_list_curator(user=user, reading_list=reading_list)
        ListFeedToken.objects.filter(reading_list=reading_list).delete()
