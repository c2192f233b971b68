"""Who may see and change what: one helper per object, for the API and the pages alike.

Each helper takes the person and the id as a request gave it (any text), and returns the
object or raises a domain error: `NotVisible` for anything the person may not see (another
account's object and a made-up id are told apart by nobody), `LibraryNotWritable` or
`LabPermissionDenied` when they may see it but their role does not allow the write. The role
rule itself lives on `Role` (`readinglist.roles`).
"""

from __future__ import annotations

from django.db.models import Model, QuerySet

from readinglist.errors import DomainError, ErrorKind
from readinglist.models import (
    Comment,
    Entry,
    Highlight,
    JournalClubSession,
    Lab,
    Library,
    Membership,
    Note,
    ReadingList,
    User,
)
from readinglist.roles import Role

# Database ids are 64-bit signed integers.
MAX_ID = 2**63 - 1


class NotVisible(DomainError):
    """There is no such object, as far as this person may know."""

    kind = ErrorKind.NOT_FOUND
    default_message = "Not found."


class LibraryNotWritable(DomainError, PermissionError):
    """The user may not add to this library (not theirs, or a viewer in the lab)."""

    kind = ErrorKind.FORBIDDEN
    default_message = "You can read this but not change it."


class LabPermissionDenied(DomainError, PermissionError):
    """The user is in the lab but their role does not allow this."""

    kind = ErrorKind.FORBIDDEN

    def __init__(self, reason: str) -> None:
        super().__init__(f"Your role in this lab does not allow this: {reason}.")


def parse_id(value: object) -> int | None:
    """An id from a URL or a form: ASCII digits naming a possible row, else None. (`"²"` is a
    digit to `str.isdigit` but no number `int` reads.)"""
    text = str(value)
    if not (text.isascii() and text.isdecimal()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def role_in_library(user: User, library: Library) -> Role | None:
    """The user's role in a library: owner of their own, their lab role in a lab's."""
    if library.lab_id is None:
        return Role.OWNER if library.owner_id == user.pk else None
    role = (
        Membership.objects.filter(lab_id=library.lab_id, user=user)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role is not None else None


def require_list_curator(*, user: User, reading_list: ReadingList) -> None:
    """Who may make a list readable outside the library (a public link, a secret .bib URL):
    the owner of a personal library, a lab's owners and admins."""
    role = role_in_library(user, reading_list.library)
    if role is None or not role.can_moderate:
        raise LabPermissionDenied("only the lab's owners and admins share lists outside it")


def require_writable(*, user: User, library_id: int) -> None:
    if not Library.objects.editable_by(user).filter(pk=library_id).exists():
        raise LibraryNotWritable()


def library_for(user: User, library_id: object, *, write: bool = False) -> Library:
    wanted = parse_id(library_id)
    library = Library.objects.visible_one(user, wanted) if wanted is not None else None
    if library is None:
        raise NotVisible("No such library.")
    if write:
        require_writable(user=user, library_id=library.pk)
    return library


def _one_of[M: Model](rows: QuerySet[M], object_id: object, what: str) -> M:
    wanted = parse_id(object_id)
    found = rows.filter(pk=wanted).first() if wanted is not None else None
    if found is None:
        raise NotVisible(f"No such {what}.")
    return found


def entry_for(user: User, entry_id: object, *, write: bool = False) -> Entry:
    """The entry with its paper and library loaded."""
    entry = _one_of(
        Entry.objects.visible_to(user).select_related("paper", "library"), entry_id, "entry"
    )
    if write:
        require_writable(user=user, library_id=entry.library_id)
    return entry


def list_for(user: User, list_id: object, *, write: bool = False) -> ReadingList:
    """The reading list with its library (and lab) loaded."""
    visible = ReadingList.objects.filter(library__in=Library.objects.visible_to(user).values("id"))
    found = _one_of(visible.select_related("library", "library__lab"), list_id, "list")
    if write:
        require_writable(user=user, library_id=found.library_id)
    return found


def in_visible_libraries[M: Model](rows: QuerySet[M], user: User) -> QuerySet[M]:
    """The rows of `rows` (of a model with a `library`) in libraries `user` sees."""
    return rows.filter(library__in=Library.objects.visible_to(user).values("id"))


def note_for(user: User, note_id: object) -> Note:
    return _one_of(in_visible_libraries(Note.objects.all(), user), note_id, "note")


def highlight_for(user: User, highlight_id: object) -> Highlight:
    return _one_of(in_visible_libraries(Highlight.objects.all(), user), highlight_id, "highlight")


def comment_for(user: User, comment_id: object) -> Comment:
    """A lab discussion comment, with its library loaded."""
    comments = in_visible_libraries(Comment.objects.select_related("library"), user)
    return _one_of(comments, comment_id, "comment")


def session_for(user: User, session_id: object) -> JournalClubSession:
    """A journal club session, with its library loaded."""
    sessions = in_visible_libraries(JournalClubSession.objects.select_related("library"), user)
    return _one_of(sessions, session_id, "session")


def lab_for(user: User, lab_id: object, *, at_least: Role = Role.VIEWER) -> Lab:
    """A lab the user is in, annotated with their `role` and its `member_count`; outsiders
    never learn it exists; a member below `at_least` is refused."""
    lab = _one_of(Lab.objects.of_member(user), lab_id, "lab")
    require_lab_role(lab, at_least)
    return lab


def require_lab_role(lab: Lab, at_least: Role) -> None:
    """For a lab as `lab_for` returns it (the user's `role` annotated)."""
    if not Role(lab.role).at_least(at_least):  # type: ignore[attr-defined]
        raise LabPermissionDenied(f"needs the {at_least.label.lower()} role or above")
