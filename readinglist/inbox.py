"""Reading a person's notifications: the inbox, its unread count, and what each one says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.urls import reverse

from readinglist.models import Membership, Notification, User

Kind = Notification.Kind
INBOX_PAGE = 50


def visible_notifications(user: User) -> QuerySet[Notification]:
    """The person's notifications, less those of labs they are no longer in."""
    labs = Membership.objects.filter(user=user).values("lab_id")
    return Notification.objects.filter(recipient=user).filter(
        Q(lab__isnull=True) | Q(lab_id__in=labs)
    )


def unread_count(user: User) -> int:
    return visible_notifications(user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class Shown:
    """A notification as the inbox, the API and email show it."""

    id: int
    kind: str
    text: str
    link: str  # a path in the web app
    lab: str
    created_at: datetime
    read: bool


def person(user: User | None) -> str:
    return user.display_name if user is not None else "Someone"


def _title(notification: Notification) -> str:
    entry = notification.entry
    if entry is None:
        return "a paper"
    title = entry.title or entry.url
    return f"“{title[:120]}”"


def sentence(notification: Notification) -> str:
    who = person(notification.actor)
    title = _title(notification)
    kind = notification.kind
    if kind == Kind.MENTION:
        return f"{who} mentioned you on {title}"
    if kind == Kind.REPLY:
        return f"{who} replied to your comment on {title}"
    if kind == Kind.HIGHLIGHT_COMMENT:
        return f"{who} commented on your highlight in {title}"
    if kind == Kind.PRESENTER:
        return f"{who} made you the presenter of {title}"
    if kind == Kind.REMINDER:
        when = notification.session.starts_at if notification.session else None
        at = f" at {when:%H:%M} UTC" if when else ""
        return f"You present {title} at journal club tomorrow{at}"
    if kind == Kind.INVITATION_ACCEPTED:
        return f"{who} accepted your invitation and joined the lab"
    if kind == Kind.NEW_VERSION:
        return f"A new arXiv version (v{notification.detail}) of {title} is out"
    return f"{title[0].upper()}{title[1:]} was published (DOI {notification.detail})"


def link(notification: Notification) -> str:
    if notification.entry_id is not None:
        anchor = f"#comment-{notification.comment_id}" if notification.comment_id else ""
        return reverse("web:entry", args=[notification.entry_id]) + anchor
    if notification.lab_id is not None:
        return reverse("web:lab", args=[notification.lab_id])
    return reverse("web:notifications")


def shown(notification: Notification) -> Shown:
    return Shown(
        id=notification.pk,
        kind=notification.kind,
        text=sentence(notification),
        link=link(notification),
        lab=notification.lab.name if notification.lab is not None else "",
        created_at=notification.created_at,
        read=notification.read_at is not None,
    )


def with_details(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """What `shown` reads, in the same query."""
    return notifications.select_related("actor", "lab", "entry", "session").defer("entry__abstract")


def inbox(user: User, *, unread_only: bool = False, limit: int = INBOX_PAGE) -> list[Shown]:
    rows = visible_notifications(user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return [shown(n) for n in with_details(rows).order_by("-created_at", "-id")[:limit]]
