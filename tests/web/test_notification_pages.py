"""The inbox page, its header count, marking read and the email choices."""

from __future__ import annotations

import pytest
from django.test import Client

from readinglist.models import Lab, Notification, NotificationSettings, User
from readinglist.services.discussion import create_comment
from readinglist.services.entries import save_paper


def _mention(alice: User, lab: Lab) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    create_comment(user=alice, entry=entry, body="@bob have a look")


@pytest.mark.django_db
def test_the_inbox_and_the_header_count(client: Client, alice: User, bob: User, lab: Lab) -> None:
    _mention(alice, lab)
    client.force_login(bob)

    page = client.get("/library/").content.decode()
    assert 'id="unread-count" aria-label="1 unread">1</span>' in page
    inbox = client.get("/notifications/").content.decode()
    assert "Alice mentioned you on" in inbox
    assert 'class="notification unread"' in inbox

    client.post("/notifications/read", {})
    assert Notification.objects.get(recipient=bob).read_at is not None
    assert 'id="unread-count"' not in client.get("/library/").content.decode()


@pytest.mark.django_db
def test_marking_someone_elses_notification_changes_nothing(
    client: Client, alice: User, bob: User, lab: Lab
) -> None:
    _mention(alice, lab)
    theirs = Notification.objects.get(recipient=bob)
    client.force_login(alice)
    client.post("/notifications/read", {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Alice mentioned you" not in client.get("/notifications/").content.decode()


@pytest.mark.django_db
def test_email_choices_are_saved(client: Client, bob: User) -> None:
    client.force_login(bob)
    client.post("/notifications/email", {"email": "on", "kinds": ["mention", "reply"]})
    saved = NotificationSettings.objects.get(user=bob)
    assert saved.email is True
    assert "mention" not in saved.muted_kinds
    assert "presenter" in saved.muted_kinds
    client.post("/notifications/email", {})
    assert NotificationSettings.objects.get(user=bob).email is False


@pytest.mark.django_db
def test_strangers_are_sent_to_sign_in(client: Client) -> None:
    assert client.get("/notifications/")["Location"].startswith("/accounts/login/")
    assert client.post("/notifications/read", {}).status_code in (302, 403)
    assert not Notification.objects.exists()
