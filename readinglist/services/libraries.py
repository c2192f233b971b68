"""Library-level changes."""

from __future__ import annotations

from django.db import transaction

from readinglist.models import Library
from readinglist.services.versioning import begin_library_write


def rename_library(*, library: Library, name: str) -> Library:
    with transaction.atomic():
        locked = begin_library_write(library_id=library.pk)
        locked.name = name.strip()
        locked.save(update_fields=["name"])
    return locked
