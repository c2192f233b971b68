"""Writing notifications: who hears about what, decided where the action happens.

Each function runs inside the action's transaction, so a notification exists exactly when
its cause committed. Nobody is told about their own action, nor about a lab they are not
(or no longer) in; reading an inbox and sending email apply the same rule again
(`readinglist.inbox`), for someone who left after the fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from readinglist.models import (
    Comment,
    Entry,
    Invitation,
    JournalClubSession,
    Membership,
    Notification,
    Paper,
    User,
)

Kind = Notification.Kind
# Presenters hear about their session once, when it is this close.
REMINDER_AHEAD = timedelta(hours=24)


def _members(lab_id: int, user_ids: Iterable[int | None]) -> set[int]:
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return set()
    return set(
        Membership.objects.filter(lab_id=lab_id, user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )


def notify_comment(*, comment: Comment, mentioned: Iterable[User]) -> int:
    """A new comment: the people it mentions, the author of the comment it answers and the
    author of the highlight it is on, each once (a mention says the most)."""
    lab_id = comment.library.lab_id
    if lab_id is None:
        return 0
    actor_id = comment.author_id
    wanted: dict[int, str] = {}
    for person in mentioned:
        wanted.setdefault(person.pk, Kind.MENTION)
    if comment.parent_id is not None:
        parent_author = Comment.objects.filter(pk=comment.parent_id).values_list(
            "author_id", flat=True
        )
        for author_id in parent_author:
            if author_id is not None:
                wanted.setdefault(author_id, Kind.REPLY)
    highlight = comment.highlight if comment.highlight_id is not None else None
    if highlight is not None and highlight.author_id is not None:
        wanted.setdefault(highlight.author_id, Kind.HIGHLIGHT_COMMENT)
    if actor_id is not None:
        wanted.pop(actor_id, None)
    members = _members(lab_id, wanted)
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            actor_id=actor_id,
            lab_id=lab_id,
            entry_id=comment.entry_id,
            comment=comment,
        )
        for user_id, kind in wanted.items()
        if user_id in members
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notify_new_mentions(*, comment: Comment, before: set[int], mentioned: Iterable[User]) -> int:
    """An edited comment: only the people it mentions now and did not before."""
    lab_id = comment.library.lab_id
    if lab_id is None:
        return 0
    fresh = {p.pk for p in mentioned} - before - {comment.author_id}
    members = _members(lab_id, fresh)
    rows = [
        Notification(
            recipient_id=user_id,
            kind=Kind.MENTION,
            actor_id=comment.author_id,
            lab_id=lab_id,
            entry_id=comment.entry_id,
            comment=comment,
        )
        for user_id in sorted(fresh & members)
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notify_presenter(*, session: JournalClubSession, actor: User) -> bool:
    """Someone else made this person the presenter of a session."""
    lab_id = session.library.lab_id
    presenter_id = session.presenter_id
    if lab_id is None or presenter_id is None or presenter_id == actor.pk:
        return False
    if not _members(lab_id, [presenter_id]):
        return False
    Notification.objects.create(
        recipient_id=presenter_id,
        kind=Kind.PRESENTER,
        actor=actor,
        lab_id=lab_id,
        entry_id=session.entry_id,
        session=session,
    )
    return True


def notify_invitation_accepted(*, invitation: Invitation, joined: User) -> bool:
    inviter_id = invitation.invited_by_id
    if inviter_id is None or inviter_id == joined.pk:
        return False
    if not _members(invitation.lab_id, [inviter_id]):
        return False
    Notification.objects.create(
        recipient_id=inviter_id,
        kind=Kind.INVITATION_ACCEPTED,
        actor=joined,
        lab_id=invitation.lab_id,
    )
    return True


def notify_paper_news(*, paper: Paper, new_version: int | None, published_doi: str | None) -> int:
    """A registry said a saved preprint has a new version or was published: everyone who
    saved it (the person who added each entry) hears it once, with their own entry."""
    news = []
    if new_version is not None:
        news.append((Kind.NEW_VERSION, str(new_version)))
    if published_doi:
        news.append((Kind.PUBLISHED, published_doi))
    if not news:
        return 0
    savers: dict[int, tuple[int, int | None]] = {}
    for entry_id, added_by, lab_id in Entry.objects.filter(
        paper=paper, added_by__isnull=False
    ).values_list("id", "added_by_id", "library__lab_id"):
        savers.setdefault(added_by, (entry_id, lab_id))
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            lab_id=lab_id,
            entry_id=entry_id,
            detail=detail[:300],
            once_key=f"{paper.pk}:{detail}"[:100],
        )
        for user_id, (entry_id, lab_id) in savers.items()
        for kind, detail in news
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def remind_presenters(*, now: datetime | None = None) -> int:
    """Tell each presenter the day before their session (once per session): the worker's
    sweep runs this; a session scheduled less than a day ahead is reminded at once."""
    now = now or timezone.now()
    due = (
        JournalClubSession.objects.filter(
            presenter__isnull=False,
            discussed_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + REMINDER_AHEAD,
        )
        # Still in the lab: a presenter who left hears nothing.
        .filter(library__lab__memberships__user_id=F("presenter_id"))
        .exclude(
            id__in=Notification.objects.filter(kind=Kind.REMINDER, session__isnull=False).values(
                "session_id"
            )
        )
        .values_list("id", "presenter_id", "library__lab_id", "entry_id")
    )
    rows = [
        Notification(
            recipient_id=presenter_id,
            kind=Kind.REMINDER,
            lab_id=lab_id,
            entry_id=entry_id,
            session_id=session_id,
            once_key=f"session:{session_id}",
        )
        for session_id, presenter_id, lab_id, entry_id in due
    ]
    with transaction.atomic():
        # Two sweeps at once: the unique once_key keeps it to one reminder.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (these ids, or all); how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
