"""POST /api/v1/comments/{id}/resolve/ and /reopen/: who may settle a thread, and sync sees it."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from readinglist.models import Comment, Entry, Lab, Library, User
from readinglist.roles import Role
from readinglist.services import discussion
from readinglist.services.labs import add_member, create_lab
from tests.api.test_sync import feed
from tests.conftest import client_for
from tests.factories import EntryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab_library(lab: Lab) -> Library:
    return Library.objects.get(lab=lab)


@pytest.fixture
def entry(bob: User, lab_library: Library) -> Entry:
    made: Entry = EntryFactory(library=lab_library, added_by=bob)
    return made


@pytest.fixture
def thread(bob: User, alice: User, entry: Entry) -> Comment:
    root = discussion.create_comment(user=bob, entry=entry, body="Is Table 2 right?")
    discussion.create_comment(user=alice, entry=entry, body="Fixed in v2.", parent=root)
    return root


def member(lab: Lab, role: Role, email: str) -> APIClient:
    person: User = UserFactory(email=email, name="")
    add_member(lab=lab, user=person, role=role)
    return client_for(person)


def post(client: APIClient, comment: Comment, action: str) -> Any:
    return client.post(f"/api/v1/comments/{comment.pk}/{action}/")


def version_of(library: Library) -> int:
    return Library.objects.get(pk=library.pk).version


def test_author_resolves_and_reopens_and_asking_twice_changes_nothing(
    bob: User, bob_client: APIClient, thread: Comment, lab_library: Library
) -> None:
    resolved = post(bob_client, thread, "resolve")
    assert resolved.status_code == HTTPStatus.OK, resolved.content
    body = resolved.json()
    assert body["resolved_at"] is not None
    assert body["resolved_by"] == {"id": bob.pk, "name": "Bob"}
    assert body["version"] == version_of(lab_library) == int(resolved["Last-Modified-Version"])

    again = post(bob_client, thread, "resolve")
    assert again.status_code == HTTPStatus.OK
    assert again.json() == body
    assert version_of(lab_library) == body["version"]

    reopened = post(bob_client, thread, "reopen")
    assert reopened.status_code == HTTPStatus.OK
    assert (reopened.json()["resolved_at"], reopened.json()["resolved_by"]) == (None, None)
    assert reopened.json()["version"] == body["version"] + 1
    assert post(bob_client, thread, "reopen").json() == reopened.json()
    assert version_of(lab_library) == body["version"] + 1


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owner_and_admin_settle_anyones_thread(
    role: Role, alice_client: APIClient, lab: Lab, thread: Comment
) -> None:
    client = alice_client if role is Role.OWNER else member(lab, role, "dora@example.org")
    assert post(client, thread, "resolve").status_code == HTTPStatus.OK
    assert post(client, thread, "reopen").status_code == HTTPStatus.OK


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_a_member_who_did_not_start_the_thread_is_403(
    role: Role, lab: Lab, thread: Comment, lab_library: Library
) -> None:
    client = member(lab, role, "erin@example.org")
    before = version_of(lab_library)
    for action in ("resolve", "reopen"):
        assert post(client, thread, action).status_code == HTTPStatus.FORBIDDEN
    thread.refresh_from_db()
    assert thread.resolved_at is None
    assert version_of(lab_library) == before


def test_a_reply_is_not_a_thread(alice_client: APIClient, thread: Comment) -> None:
    reply = Comment.objects.get(parent=thread)
    response = post(alice_client, reply, "resolve")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert Comment.objects.filter(resolved_at__isnull=False).count() == 0


def test_unauthenticated_is_401(anon_client: APIClient, thread: Comment) -> None:
    for action in ("resolve", "reopen"):
        assert post(anon_client, thread, action).status_code == HTTPStatus.UNAUTHORIZED


def test_someone_elses_or_missing_comment_is_404(
    charlie: User, charlie_client: APIClient, thread: Comment
) -> None:
    # Being an owner in a lab of his own gives Charlie no say in Alice's lab.
    create_lab(owner=charlie, name="Charlie Lab")
    for action in ("resolve", "reopen"):
        assert post(charlie_client, thread, action).status_code == HTTPStatus.NOT_FOUND
        missing = charlie_client.post(f"/api/v1/comments/{thread.pk + 1000}/{action}/")
        assert missing.status_code == HTTPStatus.NOT_FOUND
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_resolution_travels_in_the_changes_feed(
    alice: User, alice_client: APIClient, bob_client: APIClient, thread: Comment
) -> None:
    library = thread.library
    since = version_of(library)
    post(alice_client, thread, "resolve")
    changes = feed(bob_client, library, since=since)["changes"]
    assert [(c["type"], c["key"]) for c in changes] == [("comment", str(thread.key))]
    assert changes[0]["data"]["resolved_by"] == {"id": alice.pk, "name": "Alice"}
    assert changes[0]["data"]["resolved_at"] is not None

    since = version_of(library)
    post(bob_client, thread, "reopen")
    (change,) = feed(bob_client, library, since=since)["changes"]
    assert change["data"]["resolved_at"] is None
    assert change["version"] == version_of(library)
    # Asking again is no change: nothing new to sync.
    post(bob_client, thread, "reopen")
    assert feed(bob_client, library, since=change["version"])["changes"] == []


def test_a_nameless_person_shows_as_their_email_local_part(
    lab: Lab, thread: Comment, lab_library: Library
) -> None:
    client = member(lab, Role.ADMIN, "frank.o@example.org")
    body = post(client, thread, "resolve").json()
    assert body["resolved_by"]["name"] == "frank.o"
