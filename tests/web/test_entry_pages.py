"""The entry page: metadata and links, status, tags, notes, lists, lab discussion, journal club."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from readinglist.models import (
    Comment,
    Entry,
    JournalClubSession,
    Lab,
    Membership,
    Note,
    ReadingState,
    User,
)
from readinglist.services.accounts import personal_library
from readinglist.services.annotations import create_note
from readinglist.services.discussion import create_comment
from readinglist.services.labs import add_member
from readinglist.services.lists import create_list
from tests.web.conftest import XSS, XSS_ESCAPED, SaveFn, assert_inert

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client: Client, alice: User, saved: SaveFn) -> None:
    entry = saved(alice, 1)
    response = client.get(f"/entries/{entry.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.post(f"/entries/{entry.pk}/delete").status_code == 302
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_someone_elses_entry_is_404_for_every_action(
    client: Client, alice: User, bob: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    note = create_note(user=alice, entry=entry, body="mine")
    client.force_login(bob)
    assert client.get(f"/entries/{entry.pk}/").status_code == 404
    for action, data in [
        ("status", {"status": "read"}),
        ("tags", {"add": "x"}),
        ("notes", {"body": "hi"}),
        ("lists", {"reading_list": 1}),
        ("comments", {"body": "hi"}),
        ("sessions", {"starts_at": "2030-01-01T10:00"}),
        ("delete", {}),
    ]:
        assert client.post(f"/entries/{entry.pk}/{action}", data).status_code == 404, action
    assert client.post(f"/notes/{note.pk}/edit", {"body": "theirs"}).status_code == 404
    assert client.post(f"/notes/{note.pk}/delete").status_code == 404
    assert Note.objects.get(pk=note.pk).body == "mine"
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_page_shows_metadata_identifier_and_code_links(
    client: Client, alice: User, saved: SaveFn
) -> None:
    entry = saved(
        alice,
        3,
        title="Deep things",
        authors=["Grace Hopper", "Edsger Dijkstra"],
        abstract="Code is at https://github.com/example/deep-things. Enjoy.",
    )
    client.force_login(alice)
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert '<h1 id="paper-title">Deep things</h1>' in html
    assert "Grace Hopper, Edsger Dijkstra" in html
    assert 'href="https://arxiv.org/abs/2401.00003"' in html
    assert 'href="https://github.com/example/deep-things"' in html


def test_status_tags_and_lists(client: Client, alice: User, saved: SaveFn) -> None:
    entry = saved(alice, 1, tags=("old",))
    reading_list = create_list(user=alice, library=personal_library(alice), name="Queue")
    client.force_login(alice)
    client.post(f"/entries/{entry.pk}/status", {"status": "reading"})
    assert ReadingState.objects.get(entry=entry, user=alice).status == "reading"
    client.post(f"/entries/{entry.pk}/tags", {"add": "new, Fresh"})
    client.post(f"/entries/{entry.pk}/tags", {"remove": "OLD"})
    assert sorted(entry.tags.values_list("name", flat=True)) == ["Fresh", "new"]
    client.post(f"/entries/{entry.pk}/lists", {"reading_list": reading_list.pk})
    client.post(f"/entries/{entry.pk}/lists", {"reading_list": reading_list.pk})
    assert reading_list.items.count() == 1
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert f'href="/lists/{reading_list.pk}/">Queue</a>' in html


def test_bad_status_is_a_message_and_changes_nothing(
    client: Client, alice: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    client.force_login(alice)
    response = client.post(f"/entries/{entry.pk}/status", {"status": "devoured"}, follow=True)
    assert "Select a valid choice" in response.content.decode()
    assert not ReadingState.objects.filter(entry=entry, user=alice).exists()


def test_notes_are_written_edited_and_deleted_by_their_author(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    client.force_login(alice)
    client.post(f"/entries/{entry.pk}/notes", {"body": "**Key** idea"})
    note = Note.objects.get(entry=entry)
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert "<strong>Key</strong> idea" in html
    client.post(f"/notes/{note.pk}/edit", {"body": "Revised", "version": note.version})
    assert Note.objects.get(pk=note.pk).body == "Revised"
    # An edit based on an old version is refused, and nothing changes.
    response = client.post(
        f"/notes/{note.pk}/edit", {"body": "Stale", "version": note.version}, follow=True
    )
    assert "changed this meanwhile" in response.content.decode()
    assert Note.objects.get(pk=note.pk).body == "Revised"
    # A lab colleague sees the note but may not change it.
    client.force_login(bob)
    response = client.post(f"/notes/{note.pk}/edit", {"body": "Bob's"}, follow=True)
    assert response.status_code == 200
    assert Note.objects.get(pk=note.pk).body == "Revised"
    client.force_login(alice)
    client.post(f"/notes/{note.pk}/delete")
    assert not Note.objects.filter(pk=note.pk).exists()


def test_empty_note_is_refused(client: Client, alice: User, saved: SaveFn) -> None:
    entry = saved(alice, 1)
    client.force_login(alice)
    response = client.post(f"/entries/{entry.pk}/notes", {"body": "   "}, follow=True)
    assert "required" in response.content.decode()
    assert not Note.objects.exists()


def test_lab_discussion_and_who_read_it(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    client.force_login(bob)
    client.post(f"/entries/{entry.pk}/status", {"status": "read"})
    client.post(f"/entries/{entry.pk}/comments", {"body": "What do you think, @alice?"})
    comment = Comment.objects.get(entry=entry)
    assert list(comment.mentions.all()) == [alice]
    client.post(f"/entries/{entry.pk}/comments", {"body": "Agreed", "parent": comment.pk})
    assert Comment.objects.filter(parent=comment).count() == 1
    client.force_login(alice)
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert "What do you think" in html
    assert 'class="comment reply"' in html
    assert "Who read it" in html
    assert 'status-read">Read</span>' in html


def test_comments_are_for_lab_entries_only(client: Client, alice: User, saved: SaveFn) -> None:
    entry = saved(alice, 1)
    client.force_login(alice)
    response = client.post(f"/entries/{entry.pk}/comments", {"body": "hello"}, follow=True)
    assert "lab library" in response.content.decode()
    assert not Comment.objects.exists()


def test_only_the_author_deletes_a_comment(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    comment = create_comment(user=alice, entry=entry, body="mine")
    client.force_login(bob)
    client.post(f"/comments/{comment.pk}/delete")
    assert Comment.objects.filter(pk=comment.pk).exists()
    client.force_login(alice)
    client.post(f"/comments/{comment.pk}/delete")
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_journal_club_scheduling(
    client: Client, alice: User, bob: User, charlie: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    when = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(alice)
    client.post(
        f"/entries/{entry.pk}/sessions",
        {"starts_at": when, "presenter": bob.pk, "location": "Room 4"},
    )
    session = JournalClubSession.objects.get(entry=entry)
    assert session.presenter == bob
    assert session.location == "Room 4"
    # Someone outside the lab cannot present, and nothing is scheduled.
    response = client.post(
        f"/entries/{entry.pk}/sessions", {"starts_at": when, "presenter": charlie.pk}, follow=True
    )
    assert 'class="message message-error"' in response.content.decode()
    assert JournalClubSession.objects.count() == 1
    response = client.post(f"/entries/{entry.pk}/sessions", {"starts_at": "soon"}, follow=True)
    assert "valid date" in response.content.decode()


def test_viewer_cannot_tag_or_delete(
    client: Client, alice: User, charlie: User, lab: Lab, saved: SaveFn
) -> None:
    add_member(lab=lab, user=charlie, role=Membership.Role.VIEWER)
    entry = saved(alice, 1, library=lab.library)
    client.force_login(charlie)
    client.post(f"/entries/{entry.pk}/tags", {"add": "mine"})
    client.post(f"/entries/{entry.pk}/delete")
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert not entry.tags.exists()


def test_delete_returns_to_the_library(client: Client, alice: User, saved: SaveFn) -> None:
    entry = saved(alice, 1)
    client.force_login(alice)
    response = client.post(f"/entries/{entry.pk}/delete")
    assert response["Location"] == f"/library/?library={entry.library_id}"
    assert not Entry.objects.exists()


def test_entry_page_query_count_is_fixed(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entry = saved(alice, 1, library=lab.library, tags=("a",))
    create_note(user=alice, entry=entry, body="first")
    create_comment(user=bob, entry=entry, body="first @alice")
    client.force_login(alice)
    client.get(f"/entries/{entry.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/entries/{entry.pk}/")
    for n in range(5):
        create_note(user=alice, entry=entry, body=f"note {n}")
        create_comment(user=bob, entry=entry, body=f"comment {n} @alice")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/entries/{entry.pk}/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_stored_markup_is_inert_on_the_entry_page(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(
        alice, 1, title=XSS, authors=[XSS], tags=(XSS[:60],), library=lab.library, abstract=XSS
    )
    create_note(user=alice, entry=entry, body=XSS)
    create_comment(user=bob, entry=entry, body=XSS)
    client.force_login(alice)
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert html.count(XSS_ESCAPED) >= 5
    assert_inert(html)


def test_journal_club_session_discussed_and_cancelled(
    client: Client, alice: User, bob: User, charlie: User, lab: Lab, saved: SaveFn
) -> None:
    from readinglist.models import Activity, Tombstone
    from readinglist.services.journal_club import schedule_session

    entry = saved(alice, 1, library=lab.library)
    when = timezone.now() + timedelta(days=2)
    first = schedule_session(user=alice, entry=entry, starts_at=when)
    second = schedule_session(user=alice, entry=entry, starts_at=when + timedelta(days=7))
    # Outsiders get 404 and change nothing.
    client.force_login(charlie)
    assert client.post(f"/sessions/{first.pk}/discussed").status_code == 404
    assert client.post(f"/sessions/{second.pk}/cancel").status_code == 404
    first.refresh_from_db()
    assert first.discussed_at is None
    client.force_login(bob)
    client.post(f"/sessions/{first.pk}/discussed")
    first.refresh_from_db()
    assert first.discussed_at is not None
    assert Activity.objects.filter(lab=lab, verb="discussed", actor=bob).exists()
    client.post(f"/sessions/{second.pk}/cancel")
    assert not JournalClubSession.objects.filter(pk=second.pk).exists()
    assert Tombstone.objects.filter(key=second.key).exists()
