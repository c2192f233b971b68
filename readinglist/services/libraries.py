"""Library-level changes."""

from __future__ import annotations

from django.db import transaction

from readinglist.access import LibraryNotWritable, role_in_library
from readinglist.models import Library, User
from readinglist.services.versioning import begin_library_write


class NotLibraryAdmin(LibraryNotWritable):
    default_message = "Only an owner or admin can rename this library."


def rename_library(*, user: User, library: Library, name: str) -> Library:
    """Owners (and a lab's admins) rename a library; a write that clients see in the list."""
    role = role_in_library(user, library)
    if role is None or not role.can_moderate:
        raise NotLibraryAdmin()
    with transaction.atomic():
        locked = begin_library_write(library_id=library.pk)
        locked.name = name.strip()
        locked.save(update_fields=["name"])
    return locked
