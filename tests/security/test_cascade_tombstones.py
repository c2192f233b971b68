"""A deletion that takes other synced objects with it leaves a tombstone for each of them,
so a device syncing incrementally deletes them too (no ghost comments or sessions)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from readinglist.models import Lab, Library, User
from readinglist.services import discussion, journal_club
from readinglist.services.annotations import create_highlight
from readinglist.services.entries import save_paper
from tests.api.test_sync import feed

QUOTE: dict[str, Any] = {"type": "TextQuoteSelector", "exact": "Attention"}


def deleted_since(client: APIClient, library: Library, since: int) -> set[tuple[str, str]]:
    return {
        (change["type"], change["key"])
        for change in feed(client, library, since=since)["changes"]
        if change["deleted"]
    }


@pytest.mark.django_db
def test_deleting_an_entry_leaves_tombstones_for_its_comments_and_sessions(
    alice: User, bob: User, alice_client: APIClient, lab: Lab
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    thread = discussion.create_comment(user=bob, entry=entry, body="Worth a session?")
    reply = discussion.create_comment(user=alice, entry=entry, body="Yes", parent=thread)
    session = journal_club.schedule_session(
        user=alice, entry=entry, starts_at=timezone.now() + timedelta(days=3)
    )
    library = Library.objects.get(pk=lab.library.pk)

    assert alice_client.delete(f"/api/v1/entries/{entry.pk}/").status_code == 204

    deleted = deleted_since(alice_client, library, library.version)
    assert {
        ("comment", str(thread.key)),
        ("comment", str(reply.key)),
        ("session", str(session.key)),
        ("entry", str(entry.key)),
    } <= deleted


@pytest.mark.django_db
def test_deleting_a_highlight_leaves_tombstones_for_the_thread_anchored_on_it(
    alice: User, bob: User, alice_client: APIClient, lab: Lab
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    highlight = create_highlight(user=alice, entry=entry, selectors=[QUOTE])
    anchored = discussion.create_comment(
        user=bob, entry=entry, body="Is this right?", highlight=highlight
    )
    reply = discussion.create_comment(user=alice, entry=entry, body="See 3.2", parent=anchored)
    elsewhere = discussion.create_comment(user=bob, entry=entry, body="Unrelated")
    library = Library.objects.get(pk=lab.library.pk)

    assert alice_client.delete(f"/api/v1/highlights/{highlight.pk}/").status_code == 204

    deleted = deleted_since(alice_client, library, library.version)
    assert deleted == {
        ("highlight", str(highlight.key)),
        ("comment", str(anchored.key)),
        ("comment", str(reply.key)),
    }
    assert ("comment", str(elsewhere.key)) not in deleted
