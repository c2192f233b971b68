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
from readinglist.services.notifications import notify_comment, notify_new_mentions
from readinglist.services.versioning import (
    begin_library_write,
    comment_thread_keys,
    current_row,
    give_back_version,
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
        mentioned = resolve_mentions(body=body, library=library)
        comment.mentions.set(mentioned)
        notify_comment(comment=comment, mentioned=mentioned)
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
        before = set(comment.mentions.values_list("pk", flat=True))
        mentioned = resolve_mentions(body=body, library=library)
        comment.mentions.set(mentioned)
        notify_new_mentions(comment=comment, before=before, mentioned=mentioned)
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


def _set_resolution(*, user: User, comment: Comment, resolve: bool) -> Comment:
    with transaction.atomic():
        role = lab_role_for_library(user=user, library=comment.library)
        if not role.can_moderate and (comment.author_id != user.pk or not role.can_edit):
            raise NotCommentAuthor("only the thread's author or a lab admin can resolve it")
        if comment.parent_id is not None:
            raise ValidationError({"comment": "Resolve the thread's first comment."})
        # Asking twice is not a change: no version bump, so clients have nothing to sync.
        if (comment.resolved_at is not None) == resolve:
            return comment
        library = begin_library_write(library_id=comment.library_id)
        comment = current_row(comment)
        if (comment.resolved_at is not None) == resolve:
            give_back_version(library)  # a concurrent request did it first
            return comment
        comment.resolved_at = timezone.now() if resolve else None
        comment.resolved_by = user if resolve else None
        comment.version = library.version
        comment.save(update_fields=["resolved_at", "resolved_by", "version", "updated_at"])
    return comment


def resolve_thread(*, user: User, comment: Comment) -> Comment:
    """Mark a thread settled; its author or a lab admin may. Resolving twice changes nothing."""
    return _set_resolution(user=user, comment=comment, resolve=True)


def reopen_thread(*, user: User, comment: Comment) -> Comment:
    """Undo `resolve_thread`; the same people may. Reopening an open thread changes nothing."""
    return _set_resolution(user=user, comment=comment, resolve=False)
