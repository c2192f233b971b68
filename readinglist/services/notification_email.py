"""Notification email: at most one message an hour per person, their choices, unsubscribing.

The worker's sweep calls `send_due_emails`. A person's unread notifications that no email
has carried yet go out together once their last email is an hour old, so a busy thread is
one message, not fifty. Each message carries a signed one-click unsubscribe link (RFC 8058).
Only what the inbox shows is written: the sentence and a link, never a note or a comment
body, so nothing private to a library or a person travels by email.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from readinglist.inbox import link, sentence, visible_notifications, with_details
from readinglist.models import Notification, NotificationSettings, User

UNSUBSCRIBE_SALT = "readinglist.notifications.unsubscribe"
EMAIL_INTERVAL = timedelta(hours=1)
SUBJECT = "What happened in your reading list"
# At most this many people are emailed per sweep; the rest go in the next ones.
PEOPLE_PER_SWEEP = 200


def email_settings_of(user: User) -> NotificationSettings:
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def save_email_settings(*, user: User, email: bool, muted_kinds: Sequence[str]) -> None:
    kinds = [kind for kind in muted_kinds if kind in Notification.Kind.values]
    NotificationSettings.objects.update_or_create(
        user=user, defaults={"email": email, "muted_kinds": kinds}
    )


def unsubscribe(*, user_id: int) -> None:
    """No more notification email for this person (the inbox stays)."""
    if User.objects.filter(pk=user_id).exists():
        NotificationSettings.objects.update_or_create(user_id=user_id, defaults={"email": False})


def unsubscribe_url(user: User) -> str:
    token = signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL + reverse("web:notifications-unsubscribe", args=[token])


def send_due_emails(*, now: datetime | None = None) -> int:
    """Email everyone who has notifications waiting and was not emailed in the last hour;
    how many messages went out."""
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()[:PEOPLE_PER_SWEEP]
    )
    sent = 0
    for user_id in list(waiting):
        if _email_one(user_id, now):
            sent += 1
    return sent


def _email_one(user_id: int, now: datetime) -> bool:
    with transaction.atomic():
        NotificationSettings.objects.get_or_create(user_id=user_id)
        # Two workers sweeping at once: the second skips this person.
        row = (
            NotificationSettings.objects.select_for_update(skip_locked=True)
            .filter(user_id=user_id)
            .select_related("user")
            .first()
        )
        if row is None:
            return False
        if row.last_emailed_at is not None and row.last_emailed_at > now - EMAIL_INTERVAL:
            return False
        due = list(
            with_details(
                visible_notifications(row.user).filter(
                    read_at__isnull=True, emailed_at__isnull=True, created_at__lte=now
                )
            ).order_by("created_at", "id")
        )
        # Whatever is due is settled now, mailed or not (muted kinds, email off): a later
        # change of mind does not send a backlog.
        Notification.objects.filter(
            recipient_id=user_id, read_at__isnull=True, emailed_at__isnull=True, created_at__lte=now
        ).update(emailed_at=now)
        wanted = [n for n in due if row.email and n.kind not in row.muted_kinds]
        if not wanted or not row.user.is_active:
            return False
        row.last_emailed_at = now
        row.save(update_fields=["last_emailed_at"])
        # Sent before the commit: if sending fails, nothing is marked and the next sweep
        # tries again (at worst a message twice, never one lost).
        _message(row.user, wanted).send()
    return True


def _message(user: User, notifications: Sequence[Notification]) -> EmailMessage:
    lines = [f"- {sentence(n)}\n  {settings.SITE_URL}{link(n)}" for n in notifications]
    stop = unsubscribe_url(user)
    body = (
        f"{len(notifications)} new in your reading list:\n\n"
        + "\n".join(lines)
        + f"\n\nYour inbox: {settings.SITE_URL}{reverse('web:notifications')}\n"
        f"No more of these emails: {stop}\n"
    )
    return EmailMessage(
        subject=SUBJECT,
        body=body,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
