"""Who may write where: the one check the write services make before touching a library."""

from __future__ import annotations

from readinglist.models import Library, User


class LibraryNotWritable(PermissionError):
    """The user may not add to this library (not theirs, or a viewer in the lab)."""


def require_writable(*, user: User, library_id: int) -> None:
    if not Library.objects.editable_by(user).filter(pk=library_id).exists():
        raise LibraryNotWritable(f"library {library_id} is not writable by this user")
