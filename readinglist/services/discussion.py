"""Threaded comments on lab entries (and on their highlights), with @mentions.

Comments belong to the lab: every member sees them; members and above write them; authors
edit and delete their own, and owners and admins may delete anyone's (moderation). A reply
sits in its parent's thread on the same entry. Deleting a comment deletes its replies.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readinglist.access import LabPermissionDenied
from readinglist.errors import DomainError, ErrorKind
from readinglist.markdown import mentioned_handles
from readinglist.models import Activity, Comment, Entry, Highlight, Library, Tombstone, User
from readinglist.roles import Role
from readinglist.services.labs import record_activity, role_of
from readinglist.services.versioning import (
    begin_library_write,
    comment_thread_keys,
    current_row,
    write_tombstones,
)
from readinglist.text import require_storable

MAX_COMMENT_BODY = 20_000
MAX_THREAD_DEPTH = 20


class NotCommentAuthor(DomainError, PermissionError):
    """Only the author edits a comment; the author or a lab admin deletes it."""

    kind = ErrorKind.FORBIDDEN

    def __init__(self, reason: str) -> None:
        super().__init__(f"Your role in this lab does not allow this: {reason}.")


def clean_body(body: str) -> str:
    if not body.strip():
        raise ValidationError({"body": "A comment needs a body."})
    if len(body) > MAX_COMMENT_BODY:
        raise ValidationError({"body": f"At most {MAX_COMMENT_BODY} characters."})
    return require_storable(body, field="body")


def lab_role_for_library(*, user: User, library: Library) -> Role:
    """The user's role in the lab owning `library`; comments exist only in lab libraries."""
    if library.lab_id is None:
        raise ValidationError({"entry": "Comments are for entries in a lab library."})
    role = role_of(user=user, lab=library.lab)  # type: ignore[arg-type]
    if role is None:
        raise LabPermissionDenied("not a member")
    return role


def handle_map(members: Iterable[User]) -> dict[str, User]:
    """Which @handles name whom: the full email always; the part before @ when unambiguous."""
    handles: dict[str, User] = {}
    local_counts: dict[str, int] = {}
    people = list(members)
    for person in people:
        local = person.email.split("@", 1)[0].casefold()
        local_counts[local] = local_counts.get(local, 0) + 1
    for person in people:
        handles[person.email.casefold()] = person
        local = person.email.split("@", 1)[0].casefold()
        if local_counts[local] == 1:
            handles.setdefault(local, person)
    return handles


def lab_members(library: Library) -> list[User]:
    return list(User.objects.filter(memberships__lab_id=library.lab_id or 0).order_by("id"))


def resolve_mentions(*, body: str, library: Library) -> list[User]:
    handles = handle_map(lab_members(library))
    found: dict[int, User] = {}
    for handle in mentioned_handles(body):
        person = handles.get(handle)
        if person is not None:
            found.setdefault(person.pk, person)
    return list(found.values())


def create_comment(
    *,
    user: User,
    entry: Entry,
    body: str,
    parent: Comment | None = None,
    highlight: Highlight | None = None,
) -> Comment:
    body = clean_body(body)
    with transaction.atomic():
        role = lab_role_for_library(user=user, library=entry.library)
        if not role.can_edit:
            raise LabPermissionDenied("viewers read the discussion but do not write in it")
        if parent is not None:
            if parent.entry_id != entry.pk:
                raise ValidationError({"parent": "A reply must be on the same entry."})
            highlight = highlight or parent.highlight
        if highlight is not None and highlight.entry_id != entry.pk:
            raise ValidationError({"highlight": "That highlight is on another entry."})
        library = begin_library_write(library_id=entry.library_id)
        comment = Comment.objects.create(
            library=library,
            entry=entry,
            highlight=highlight,
            parent=parent,
            author=user,
            body=body,
            version=library.version,
        )
        comment.mentions.set(resolve_mentions(body=body, library=library))
        record_activity(
            lab_id=library.lab_id,  # type: ignore[arg-type]
            actor=user,
            verb=Activity.Verb.COMMENTED,
            entry_id=entry.pk,
        )
    return comment


def update_comment(
    *, user: User, comment: Comment, body: str, base_version: int | None = None
) -> Comment:
    body = clean_body(body)
    with transaction.atomic():
        role = lab_role_for_library(user=user, library=comment.library)
        if comment.author_id != user.pk or not role.can_edit:
            raise NotCommentAuthor("only the author can edit a comment")
        library = begin_library_write(library_id=comment.library_id)
        comment = current_row(comment, base_version=base_version)
        comment.body = body
        comment.edited_at = timezone.now()
        comment.version = library.version
        comment.save(update_fields=["body", "edited_at", "version", "updated_at"])
        comment.mentions.set(resolve_mentions(body=body, library=library))
    return comment


def _thread_keys(comment: Comment) -> list[UUID]:
    """The comment and all its replies, however deep."""
    return comment_thread_keys(Comment.objects.filter(pk=comment.pk))


def delete_comment(*, user: User, comment: Comment, base_version: int | None = None) -> Library:
    with transaction.atomic():
        role = lab_role_for_library(user=user, library=comment.library)
        if not role.can_moderate and (comment.author_id != user.pk or not role.can_edit):
            raise NotCommentAuthor("only the author or a lab admin can delete a comment")
        library = begin_library_write(library_id=comment.library_id)
        comment = current_row(comment, base_version=base_version)
        write_tombstones(
            library=library,
            object_type=Tombstone.ObjectType.COMMENT,
            keys=_thread_keys(comment),
            deleted_by=user,
        )
        comment.delete()
    return library
