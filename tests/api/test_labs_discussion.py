"""/api/v1/comments/ and /api/v1/labs/{id}/sessions/: lab threads, mentions, journal club."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from readinglist.models import Comment, Entry, Lab, Library, Note, Tombstone, User
from readinglist.services import discussion
from readinglist.services.accounts import personal_library
from tests.factories import EntryFactory, UserFactory

NumQueries = Callable[[int], AbstractContextManager[object]]


@pytest.fixture
def lab_library(lab: Lab) -> Library:
    return Library.objects.get(lab=lab)


@pytest.fixture
def entry(bob: User, lab_library: Library) -> Entry:
    made: Entry = EntryFactory(library=lab_library, added_by=bob)
    return made


@pytest.mark.django_db
def test_threaded_comments_with_mentions_and_safe_markdown(
    alice: User,
    bob: User,
    alice_client: APIClient,
    bob_client: APIClient,
    entry: Entry,
    lab_library: Library,
    django_assert_num_queries: NumQueries,
) -> None:
    first = bob_client.post(
        "/api/v1/comments/",
        {"entry": entry.pk, "body": "@alice what do you think? <img src=x onerror=alert(1)>"},
    )
    assert first.status_code == HTTPStatus.CREATED
    body = first.json()
    assert body["mentions"] == [alice.pk]
    assert '<span class="mention">@alice</span>' in body["body_html"]
    assert "<img" not in body["body_html"]
    assert body["version"] == int(first["Last-Modified-Version"])
    reply = alice_client.post(
        "/api/v1/comments/",
        {"entry": entry.pk, "parent": body["id"], "body": "**Love it** @charlie"},
    )
    assert reply.status_code == HTTPStatus.CREATED
    assert reply.json()["parent"] == body["id"]
    assert reply.json()["mentions"] == []  # charlie is not in the lab

    # entry, count, comments with authors, mentions.
    with django_assert_num_queries(4):
        listed = bob_client.get("/api/v1/comments/", {"entry": entry.pk})
    rows = listed.json()["results"]
    assert [(r["id"], r["parent"]) for r in rows] == [
        (body["id"], None),
        (reply.json()["id"], body["id"]),
    ]


@pytest.mark.django_db
def test_edit_and_delete_own_comment_leaves_tombstones_for_the_thread(
    alice_client: APIClient, bob_client: APIClient, entry: Entry, lab_library: Library
) -> None:
    root = bob_client.post("/api/v1/comments/", {"entry": entry.pk, "body": "v1"}).json()
    child = alice_client.post(
        "/api/v1/comments/", {"entry": entry.pk, "parent": root["id"], "body": "reply"}
    ).json()
    stale = root["version"]
    edited = bob_client.patch(f"/api/v1/comments/{root['id']}/", {"body": "v2", "version": stale})
    assert edited.status_code == HTTPStatus.OK
    assert edited.json()["edited_at"] is not None
    again = bob_client.patch(f"/api/v1/comments/{root['id']}/", {"body": "v3", "version": stale})
    assert again.status_code == HTTPStatus.PRECONDITION_FAILED
    assert alice_client.patch(f"/api/v1/comments/{root['id']}/", {"body": "x"}).status_code == 403

    assert bob_client.delete(f"/api/v1/comments/{root['id']}/").status_code == 204
    assert not Comment.objects.exists()
    keys = Tombstone.objects.filter(library=lab_library, object_type="comment").values_list(
        "key", flat=True
    )
    assert {str(key) for key in keys} == {root["key"], child["key"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"entry": "x", "body": "hi"}, "entry"),
        ({"body": "hi"}, "entry"),
        ({"entry": "ENTRY", "body": ""}, "body"),
        ({"entry": "ENTRY", "body": "   "}, "body"),
        ({"entry": "ENTRY", "body": "x" * 20_001}, "body"),
        ({"entry": "ENTRY", "body": "hi", "parent": 10**9}, "parent"),
        ({"entry": "ENTRY", "body": "hi", "highlight": 10**9}, "highlight"),
    ],
)
def test_bad_comments_are_400(
    bob_client: APIClient, entry: Entry, body: dict[str, object], field: str
) -> None:
    data = {k: (entry.pk if v == "ENTRY" else v) for k, v in body.items()}
    response = bob_client.post("/api/v1/comments/", data, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()


@pytest.mark.django_db
def test_comments_on_personal_entries_are_not_a_thing(alice: User, alice_client: APIClient) -> None:
    mine = EntryFactory(library=personal_library(alice), added_by=alice)
    response = alice_client.post("/api/v1/comments/", {"entry": mine.pk, "body": "hi"})
    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_reply_must_be_on_the_same_entry(
    bob: User, bob_client: APIClient, entry: Entry, lab_library: Library
) -> None:
    other = EntryFactory(library=lab_library, added_by=bob)
    parent = discussion.create_comment(user=bob, entry=other, body="elsewhere")
    response = bob_client.post(
        "/api/v1/comments/", {"entry": entry.pk, "parent": parent.pk, "body": "x"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_journal_club_schedule_list_discuss(
    alice: User,
    bob: User,
    bob_client: APIClient,
    lab: Lab,
    entry: Entry,
    lab_library: Library,
    django_assert_num_queries: NumQueries,
) -> None:
    base = f"/api/v1/labs/{lab.pk}/sessions/"
    soon = (timezone.now() + timedelta(days=1)).isoformat()
    later = (timezone.now() + timedelta(days=8)).isoformat()
    past = (timezone.now() - timedelta(days=8)).isoformat()
    first = bob_client.post(base, {"entry": entry.pk, "starts_at": later, "presenter": alice.pk})
    assert first.status_code == HTTPStatus.CREATED, first.content
    assert first.json()["presenter"] == {"id": alice.pk, "name": "Alice"}
    bob_client.post(base, {"entry": entry.pk, "starts_at": soon})
    bob_client.post(base, {"entry": entry.pk, "starts_at": past})

    # lab+role, count, sessions with entry/paper/presenter, notes.
    with django_assert_num_queries(4):
        upcoming = bob_client.get(base).json()["results"]
    assert [s["starts_at"][:10] for s in upcoming] == [soon[:10], later[:10]]
    assert len(bob_client.get(base, {"when": "all"}).json()["results"]) == 3

    note = Note.objects.create(library=lab_library, entry=entry, author=bob, body="We liked it")
    done = bob_client.post(f"{base}{first.json()['id']}/discussed/", {"notes": [note.pk]})
    assert done.status_code == HTTPStatus.OK
    assert done.json()["notes"] == [note.pk]
    assert done.json()["discussed_at"] is not None
    assert len(bob_client.get(base).json()["results"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": "2031-01-01T10:00:00Z", "duration_minutes": 0}, "duration_minutes"),
        ({"starts_at": "2031-01-01T10:00:00Z", "presenter": "OUTSIDER"}, "presenter"),
        ({"starts_at": "2031-01-01T10:00:00Z", "entry": "PERSONAL"}, "entry"),
    ],
)
def test_bad_sessions_are_400(
    alice: User, bob_client: APIClient, lab: Lab, entry: Entry, body: dict[str, object], field: str
) -> None:
    outsider = UserFactory()
    personal = EntryFactory(library=personal_library(alice), added_by=alice)
    data: dict[str, object] = {"entry": entry.pk, **body}
    data = {
        k: {"OUTSIDER": outsider.pk, "PERSONAL": personal.pk}.get(v, v) if isinstance(v, str) else v
        for k, v in data.items()
    }
    response = bob_client.post(f"/api/v1/labs/{lab.pk}/sessions/", data, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()
