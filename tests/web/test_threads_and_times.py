"""The entry page: resolved threads fold, who may resolve them; journal club in a chosen zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from readinglist.models import Comment, Entry, JournalClubSession, Lab, User
from readinglist.roles import Role
from readinglist.services.discussion import create_comment, resolve_thread
from readinglist.services.labs import add_member
from tests.factories import UserFactory
from tests.web.conftest import SaveFn

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year + 1


@pytest.fixture
def entry(alice: User, lab: Lab, saved: SaveFn) -> Entry:
    return saved(alice, 1, library=lab.library)


@pytest.fixture
def thread(bob: User, alice: User, entry: Entry) -> Comment:
    root = create_comment(user=bob, entry=entry, body="Root remark")
    create_comment(user=alice, entry=entry, body="A reply", parent=root)
    return root


def page(client: Client, entry: Entry) -> str:
    return client.get(f"/entries/{entry.pk}/").content.decode()


def test_author_resolves_and_the_thread_folds_then_reopens(
    client: Client, bob: User, entry: Entry, thread: Comment
) -> None:
    client.force_login(bob)
    html = page(client, entry)
    assert f'action="/comments/{thread.pk}/resolve"' in html
    assert '<details class="thread resolved"' not in html

    response = client.post(f"/comments/{thread.pk}/resolve")
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.resolved_by == bob
    html = page(client, entry)
    # The fold holds the whole thread (its replies' forms nest their own <details>).
    folded = html.split('<details class="thread resolved"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"<summary>Resolved by Bob · .* · 2 comments</summary>", folded)
    assert "Root remark" in folded
    assert "A reply" in folded
    assert f'action="/comments/{thread.pk}/reopen"' in folded

    client.post(f"/comments/{thread.pk}/reopen")
    thread.refresh_from_db()
    assert thread.resolved_at is None
    assert '<details class="thread resolved"' not in page(client, entry)


def test_a_member_who_is_not_the_author_gets_no_buttons_and_is_refused(
    client: Client, lab: Lab, entry: Entry, thread: Comment
) -> None:
    erin: User = UserFactory(email="erin@example.org", name="")
    add_member(lab=lab, user=erin, role=Role.MEMBER)
    client.force_login(erin)
    html = page(client, entry)
    assert f"/comments/{thread.pk}/resolve" not in html
    response = client.post(f"/comments/{thread.pk}/resolve", follow=True)
    assert "message-error" in response.content.decode()
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_an_admin_may_reopen_and_the_fold_names_a_nameless_resolver(
    client: Client, lab: Lab, entry: Entry, thread: Comment
) -> None:
    frank: User = UserFactory(email="frank@example.org", name="")
    add_member(lab=lab, user=frank, role=Role.ADMIN)
    resolve_thread(user=frank, comment=thread)
    client.force_login(frank)
    html = page(client, entry)
    assert "Resolved by frank" in html
    assert f'action="/comments/{thread.pk}/reopen"' in html
    client.post(f"/comments/{thread.pk}/reopen")
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_outsiders_get_404_and_anonymous_the_login(
    client: Client, charlie: User, thread: Comment
) -> None:
    for action in ("resolve", "reopen"):
        response = client.post(f"/comments/{thread.pk}/{action}")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    client.force_login(charlie)
    for action in ("resolve", "reopen"):
        assert client.post(f"/comments/{thread.pk}/{action}").status_code == 404
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_scheduling_in_a_zone_stores_utc_and_shows_both(
    client: Client, alice: User, entry: Entry
) -> None:
    client.force_login(alice)
    html = page(client, entry)
    assert 'name="time_zone"' in html
    assert '<option value="America/New_York">' in html
    assert '<option value="UTC" selected>' in html
    client.post(
        f"/entries/{entry.pk}/sessions",
        {"starts_at": f"{YEAR}-01-15T14:00", "time_zone": "America/New_York"},
    )
    session = JournalClubSession.objects.get(entry=entry)
    assert session.starts_at == datetime(YEAR, 1, 15, 19, 0, tzinfo=UTC)
    assert session.time_zone == "America/New_York"
    html = page(client, entry)
    assert f"15 Jan {YEAR}, 14:00 America/New_York" in html
    assert "(19:00 UTC)" in html
    lab_page = client.get(f"/labs/{entry.library.lab_id}/").content.decode()
    assert "14:00 America/New_York" in lab_page


def test_scheduling_without_a_zone_means_utc_and_a_bad_zone_is_refused(
    client: Client, alice: User, entry: Entry
) -> None:
    client.force_login(alice)
    client.post(f"/entries/{entry.pk}/sessions", {"starts_at": f"{YEAR}-01-15T14:00"})
    session = JournalClubSession.objects.get(entry=entry)
    assert (session.starts_at, session.time_zone) == (datetime(YEAR, 1, 15, 14, tzinfo=UTC), "UTC")
    response = client.post(
        f"/entries/{entry.pk}/sessions",
        {"starts_at": f"{YEAR}-01-15T14:00", "time_zone": "Mars/Olympus"},
        follow=True,
    )
    assert "message-error" in response.content.decode()
    assert JournalClubSession.objects.count() == 1
