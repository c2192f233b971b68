"""Library-level changes."""

from __future__ import annotations

from django.db import transaction

from readinglist.access import LibraryNotWritable, role_in_library
from readinglist.models import CitekeyPattern, Library, User
from readinglist.services.versioning import begin_library_write


class NotLibraryAdmin(LibraryNotWritable):
    default_message = "Only an owner or admin can change this library."


def rename_library(
    *, user: User, library: Library, name: str, citekey_pattern: str | None = None
) -> Library:
    """Owners (and a lab's admins) rename a library, or choose how its new citation keys
    are made (keys already given stay); a write that clients see in the list."""
    role = role_in_library(user, library)
    if role is None or not role.can_moderate:
        raise NotLibraryAdmin()
    with transaction.atomic():
        locked = begin_library_write(library_id=library.pk)
        locked.name = name.strip()
        if citekey_pattern is not None:
            locked.citekey_pattern = CitekeyPattern(citekey_pattern)
        locked.save(update_fields=["name", "citekey_pattern"])
    return locked
