"""Who is notified of what: every trigger, never one's own action, never a lab one left; the
hourly email batch and one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.enrichment.worker import Answers, apply_answers
from readinglist.inbox import inbox, unread_count
from readinglist.models import Lab, Notification, NotificationSettings, Paper, User
from readinglist.services.annotations import create_highlight
from readinglist.services.discussion import create_comment, update_comment
from readinglist.services.entries import save_paper
from readinglist.services.journal_club import schedule_session, update_session
from readinglist.services.labs import (
    accept_invitation,
    add_member,
    create_invitation,
    leave_lab,
)
from readinglist.services.notification_email import send_due_emails, unsubscribe_url
from readinglist.services.notifications import mark_read, remind_presenters
from tests.factories import UserFactory

Kind = Notification.Kind


def _kinds(user: User) -> list[str]:
    return [n.kind for n in Notification.objects.filter(recipient=user).order_by("id")]


@pytest.fixture
def entry(alice: User, lab: Lab):  # type: ignore[no-untyped-def]
    return save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry


@pytest.mark.django_db
def test_a_mention_notifies_the_member_and_not_the_author(
    alice: User, bob: User, lab: Lab, entry: object
) -> None:
    charlie = UserFactory(email="charlie@example.org")  # not in the lab
    create_comment(user=alice, entry=entry, body="@bob and @alice and @charlie: read this")  # type: ignore[arg-type]

    assert _kinds(bob) == [Kind.MENTION]
    assert _kinds(alice) == []
    assert _kinds(charlie) == []
    (shown,) = inbox(bob)
    assert shown.text.startswith("Alice mentioned you on “")
    assert shown.link.startswith(f"/entries/{entry.pk}/#comment-")  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_reply_notifies_the_parent_author_once_even_when_mentioned(
    alice: User, bob: User, lab: Lab, entry: object
) -> None:
    root = create_comment(user=bob, entry=entry, body="What about section 3?")  # type: ignore[arg-type]
    create_comment(user=alice, entry=entry, body="@bob see the appendix", parent=root)  # type: ignore[arg-type]
    create_comment(user=alice, entry=entry, body="and also this", parent=root)  # type: ignore[arg-type]
    create_comment(user=bob, entry=entry, body="thanks", parent=root)  # type: ignore[arg-type]

    assert _kinds(bob) == [Kind.MENTION, Kind.REPLY]
    assert _kinds(alice) == []  # bob replied to his own thread, not to alice's comment


@pytest.mark.django_db
def test_a_comment_on_my_highlight_notifies_me(
    alice: User, bob: User, lab: Lab, entry: object
) -> None:
    highlight = create_highlight(
        user=bob,
        entry=entry,  # type: ignore[arg-type]
        selectors=[{"type": "TextQuoteSelector", "exact": "attention"}],
    )
    create_comment(user=alice, entry=entry, body="Good catch", highlight=highlight)  # type: ignore[arg-type]
    assert _kinds(bob) == [Kind.HIGHLIGHT_COMMENT]


@pytest.mark.django_db
def test_an_edit_notifies_only_the_newly_mentioned(
    alice: User, bob: User, lab: Lab, entry: object
) -> None:
    dave = UserFactory(email="dave@example.org")
    add_member(lab=lab, user=dave)
    comment = create_comment(user=alice, entry=entry, body="@bob look")  # type: ignore[arg-type]
    update_comment(user=alice, comment=comment, body="@bob look, @dave too")
    update_comment(user=alice, comment=comment, body="@bob look, @dave too!")
    assert _kinds(bob) == [Kind.MENTION]
    assert _kinds(dave) == [Kind.MENTION]


@pytest.mark.django_db
def test_presenters_hear_when_named_and_the_day_before(
    alice: User, bob: User, lab: Lab, entry: object
) -> None:
    soon = timezone.now() + timedelta(days=3)
    session = schedule_session(user=alice, entry=entry, starts_at=soon, presenter=bob)  # type: ignore[arg-type]
    mine = schedule_session(user=alice, entry=entry, starts_at=soon, presenter=alice)  # type: ignore[arg-type]
    assert _kinds(bob) == [Kind.PRESENTER]
    assert _kinds(alice) == []

    assert remind_presenters(now=timezone.now()) == 0  # three days ahead: not yet
    two_days_later = timezone.now() + timedelta(days=2, hours=1)
    assert remind_presenters(now=two_days_later) == 2
    assert remind_presenters(now=two_days_later) == 0  # once per session
    assert _kinds(bob) == [Kind.PRESENTER, Kind.REMINDER]
    assert _kinds(alice) == [Kind.REMINDER]  # a reminder is no one's action

    update_session(user=bob, session=session, changes={"presenter": alice})
    assert _kinds(alice) == [Kind.REMINDER, Kind.PRESENTER]
    del mine


@pytest.mark.django_db
def test_the_inviter_hears_that_the_invitation_was_accepted(alice: User, lab: Lab) -> None:
    newcomer = UserFactory(email="new@example.org", name="")  # shown by the email's local part
    issued = create_invitation(user=alice, lab=lab, email="new@example.org")
    accept_invitation(user=newcomer, token=issued.token)
    assert _kinds(alice) == [Kind.INVITATION_ACCEPTED]
    assert inbox(alice)[0].text == "new accepted your invitation and joined the lab"


@pytest.mark.django_db
def test_savers_hear_of_a_new_version_and_the_publication_once(alice: User, bob: User) -> None:
    saved = save_paper(user=alice, url="arXiv:2108.04010")
    save_paper(user=bob, url="https://arxiv.org/abs/2108.04010v1")
    Paper.objects.filter(pk=saved.paper.pk).update(arxiv_version=1)
    answer = Answers(
        records=[
            RegistryRecord(
                registry=Registry.ARXIV,
                title="Measurement",
                latest_arxiv_version=3,
                identifiers={"doi": "10.1088/1674-1137/ac2a95"},
            )
        ]
    )
    apply_answers(saved.paper.pk, answer)
    apply_answers(saved.paper.pk, answer)

    for person in (alice, bob):
        assert sorted(_kinds(person)) == [Kind.PUBLISHED, Kind.NEW_VERSION]
    texts = {n.text for n in inbox(alice)}
    assert "A new arXiv version (v3) of “Measurement” is out" in texts


@pytest.mark.django_db
def test_nothing_from_a_lab_one_left(alice: User, bob: User, lab: Lab, entry: object) -> None:
    create_comment(user=alice, entry=entry, body="@bob hello")  # type: ignore[arg-type]
    assert unread_count(bob) == 1
    leave_lab(user=bob, lab=lab)

    assert unread_count(bob) == 0
    assert inbox(bob) == []
    create_comment(user=alice, entry=entry, body="@bob are you there?")  # type: ignore[arg-type]
    assert Notification.objects.filter(recipient=bob).count() == 1
    send_due_emails(now=timezone.now() + timedelta(minutes=1))
    assert mail.outbox == []


@pytest.mark.django_db
def test_email_is_batched_at_most_hourly_and_skips_what_was_read(
    alice: User, bob: User, lab: Lab, entry: object
) -> None:
    for n in range(3):
        create_comment(user=alice, entry=entry, body=f"@bob point {n}")  # type: ignore[arg-type]
    now = timezone.now() + timedelta(seconds=1)

    assert send_due_emails(now=now) == 1
    (message,) = mail.outbox
    assert message.to == ["bob@example.org"]
    assert message.body.count("Alice mentioned you on") == 3
    assert "point 0" not in message.body  # the sentence and a link, never the comment
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    create_comment(user=alice, entry=entry, body="@bob one more")  # type: ignore[arg-type]
    create_comment(user=alice, entry=entry, body="@bob and another")  # type: ignore[arg-type]
    assert send_due_emails(now=now + timedelta(minutes=30)) == 0  # within the hour
    mark_read(user=bob, ids=[Notification.objects.filter(recipient=bob).latest("id").pk])
    assert send_due_emails(now=now + timedelta(minutes=61)) == 1
    assert mail.outbox[1].body.count("mentioned you") == 1  # the read one is not mailed
    assert send_due_emails(now=now + timedelta(hours=3)) == 0  # nothing is mailed twice


@pytest.mark.django_db
def test_muted_kinds_and_email_off_are_respected(
    alice: User, bob: User, lab: Lab, entry: object
) -> None:
    NotificationSettings.objects.create(user=bob, muted_kinds=[Kind.MENTION])
    create_comment(user=alice, entry=entry, body="@bob hi")  # type: ignore[arg-type]
    assert send_due_emails(now=timezone.now() + timedelta(seconds=1)) == 0
    assert mail.outbox == []
    assert unread_count(bob) == 1  # the inbox still has it


@pytest.mark.django_db
def test_one_click_unsubscribe(alice: User, bob: User, lab: Lab, entry: object) -> None:
    url = unsubscribe_url(bob).removeprefix("http://localhost:8000")
    client = Client(enforce_csrf_checks=True)

    page = client.get(url)
    assert page.status_code == 200
    assert b"Unsubscribe" in page.content
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert NotificationSettings.objects.get(user=bob).email is False
    assert client.get(url[:-3] + "xyz").status_code == 404  # a tampered token

    create_comment(user=alice, entry=entry, body="@bob hi")  # type: ignore[arg-type]
    assert send_due_emails(now=timezone.now() + timedelta(seconds=1)) == 0
