"""Who may write where: the one check the write services make before touching a library."""

from __future__ import annotations

from readinglist.errors import DomainError, ErrorKind
from readinglist.models import Library, User


class LibraryNotWritable(DomainError, PermissionError):
    """The user may not add to this library (not theirs, or a viewer in the lab)."""

    kind = ErrorKind.FORBIDDEN
    default_message = "You can read this but not change it."


def require_writable(*, user: User, library_id: int) -> None:
    if not Library.objects.editable_by(user).filter(pk=library_id).exists():
        raise LibraryNotWritable()
