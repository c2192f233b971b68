"""The changes feed as a first sync reads it: every type in its serializer's shape, any page
size gives the same feed, and a page costs the same number of queries however big the library."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from api.serializers.content import (
    HighlightSerializer,
    NoteSerializer,
    ReadingListItemSerializer,
    ReadingListSerializer,
    TagSerializer,
)
from api.serializers.core import EntrySerializer
from api.serializers.labs import CommentSerializer, SessionSerializer
from readinglist.models import (
    Comment,
    Entry,
    Highlight,
    JournalClubSession,
    Lab,
    Library,
    Note,
    ReadingList,
    ReadingListItem,
    ReadingState,
    Tag,
    User,
)
from readinglist.services import discussion
from readinglist.services.annotations import create_highlight, create_note
from readinglist.services.entries import delete_entry, save_paper, update_entry
from readinglist.services.journal_club import mark_discussed, schedule_session
from readinglist.services.lists import add_to_list, create_list

SELECTORS = [
    {"type": "TextQuoteSelector", "exact": "attention", "prefix": "all ", "suffix": " is"},
    {"type": "TextPositionSelector", "start": 10, "end": 19},
]


class StateSerializer(serializers.ModelSerializer[ReadingState]):
    class Meta:
        model = ReadingState
        fields = (
            "id",
            "key",
            "library",
            "version",
            "entry",
            "status",
            "priority",
            "rating",
            "private_note",
            "read_at",
        )


# What each object looks like through the API's own serializers (the feed's shape before it
# was built from rows): the feed must match them field for field, in order.
SERIALIZERS: dict[str, tuple[type[Any], type[serializers.BaseSerializer[Any]]]] = {
    "comment": (Comment, CommentSerializer),
    "entry": (Entry, EntrySerializer),
    "highlight": (Highlight, HighlightSerializer),
    "list": (ReadingList, ReadingListSerializer),
    "list_item": (ReadingListItem, ReadingListItemSerializer),
    "note": (Note, NoteSerializer),
    "session": (JournalClubSession, SessionSerializer),
    "state": (ReadingState, StateSerializer),
    "tag": (Tag, TagSerializer),
}


def fill(library: Library, alice: User, bob: User, *, papers: int, start: int = 0) -> None:
    """`papers` entries in `library`, each with every kind of object the feed carries."""
    reading_list = create_list(user=alice, library=library, name=f"Reading group {start}")
    for n in range(start, start + papers):
        entry = save_paper(
            user=alice,
            url=f"arXiv:2401.{n:05d}",
            library=library,
            tags=[f"topic-{n % 3}", "Shared"],
            note=f"Note *{n}*",
            status="read" if n % 2 else "reading",
        ).entry
        save_paper(user=bob, url=f"arXiv:2401.{n:05d}", library=library, status="unread")
        update_entry(user=alice, entry=entry, state={"rating": 4, "priority": 2})
        create_highlight(user=alice, entry=entry, selectors=SELECTORS, color="#ffee00")
        create_note(user=bob, entry=entry, body=f"Bob on {n}")
        add_to_list(user=alice, reading_list=reading_list, entry=entry)
        thread = discussion.create_comment(user=bob, entry=entry, body=f"@alice see **{n}**")
        discussion.create_comment(user=alice, entry=entry, body="Agreed", parent=thread)
        discussion.resolve_thread(user=alice, comment=thread)
        session = schedule_session(
            user=alice, entry=entry, starts_at=timezone.now() + timedelta(days=n + 1), presenter=bob
        )
        mark_discussed(
            user=alice, session=session, notes=list(Note.objects.filter(entry=entry)[:1])
        )
    gone = save_paper(user=alice, url=f"arXiv:2402.{start:05d}", library=library).entry
    delete_entry(user=alice, entry=gone)


@pytest.fixture
def rich_lab(alice: User, bob: User, lab: Lab) -> Library:
    fill(lab.library, alice, bob, papers=3)
    lab.library.refresh_from_db()
    return lab.library


def whole_feed(client: APIClient, library: Library, limit: int, since: int = 0) -> dict[str, Any]:
    changes: list[dict[str, Any]] = []
    params: dict[str, Any] = {"since": since, "limit": limit}
    pages = 0
    while True:
        response = client.get(f"/api/v1/libraries/{library.pk}/changes", params)
        assert response.status_code == HTTPStatus.OK, response.content
        body = response.json()
        pages += 1
        changes += body["changes"]
        if body["next"] is None:
            return {"until": body["until"], "changes": changes, "pages": pages}
        params = {"cursor": body["next"], "limit": limit}


@pytest.mark.django_db
def test_every_type_reads_as_its_serializer_shows_it(
    rich_lab: Library, alice_client: APIClient, alice: User
) -> None:
    changes = whole_feed(alice_client, rich_lab, limit=500)["changes"]

    seen = set()
    for change in changes:
        if change["deleted"]:
            continue
        model, serializer = SERIALIZERS[change["type"]]
        expected = dict(serializer(model.objects.get(key=change["key"])).data)
        if change["type"] == "entry":
            expected.pop("state")
        assert list(change["data"].items()) == list(expected.items()), change["type"]
        seen.add(change["type"])
    assert seen == set(SERIALIZERS)
    states = [c["data"] for c in changes if c["type"] == "state"]
    assert {s["rating"] for s in states} == {4}  # alice's only
    assert len(states) == 3
    assert [c["type"] for c in changes if c["deleted"]] == ["entry"]


@pytest.mark.django_db
def test_any_page_size_gives_the_same_feed(rich_lab: Library, alice_client: APIClient) -> None:
    whole = whole_feed(alice_client, rich_lab, limit=500)
    positions = [(c["version"], c["type"], c["key"]) for c in whole["changes"]]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions) > 30

    for limit in (1, 2, 3, 7, 40):
        paged = whole_feed(alice_client, rich_lab, limit=limit)
        assert paged["changes"] == whole["changes"], limit
        assert paged["pages"] == -(-len(positions) // limit)
    middle = whole["changes"][len(positions) // 2]["version"]
    later = whole_feed(alice_client, rich_lab, limit=5, since=middle)
    assert later["changes"] == [c for c in whole["changes"] if c["version"] > middle]


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_however_big_the_library(
    alice: User,
    bob: User,
    alice_client: APIClient,
    lab: Lab,
    django_assert_num_queries: Any,
) -> None:
    library = lab.library
    url = f"/api/v1/libraries/{library.pk}/changes"
    # The library, the page's positions, then one read per type on the page (entries: one
    # statement on PostgreSQL, four elsewhere; comments and sessions: rows and a prefetch).
    entry_reads = 1 if connection.vendor == "postgresql" else 4
    reads = {"entry": entry_reads, "comment": 2, "session": 2}
    expected = 2 + sum(reads.get(name, 1) for name in SERIALIZERS)

    until = 0
    for papers, start in ((1, 0), (12, 100)):
        fill(library, alice, bob, papers=papers, start=start)
        with django_assert_num_queries(expected):
            body = alice_client.get(url, {"limit": 500}).json()
        assert {c["type"] for c in body["changes"]} == set(SERIALIZERS)
        # A catch-up reads only what changed after `since`, however much came before.
        with django_assert_num_queries(expected):
            caught_up = alice_client.get(url, {"since": until}).json()
        assert {c["type"] for c in caught_up["changes"]} == set(SERIALIZERS)
        until = body["until"]
    assert len(body["changes"]) > 100
