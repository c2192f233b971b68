"""/api/v1/highlights/ names each highlight's author and links its discussion (for the
extension, which draws lab members' highlights on the paper's page)."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from readinglist.models import Entry, Highlight, Lab, Library, User
from readinglist.services.annotations import create_highlight
from readinglist.services.labs import add_member
from tests.factories import EntryFactory, UserFactory

NumQueries = Callable[[int], AbstractContextManager[object]]
SELECTORS: list[dict[str, Any]] = [
    {
        "type": "TextQuoteSelector",
        "exact": "all you need",
        "prefix": "Attention is ",
        "suffix": ".",
    },
    {"type": "TextPositionSelector", "start": 13, "end": 25},
]


@pytest.fixture
def lab_entry(alice: User, lab: Lab) -> Entry:
    entry: Entry = EntryFactory(added_by=alice, library=Library.objects.get(lab=lab))
    return entry


def highlight_by(author: User, entry: Entry) -> Highlight:
    return create_highlight(user=author, entry=entry, selectors=SELECTORS)


@pytest.mark.django_db
def test_list_names_every_author_and_links_the_discussion_in_three_queries(
    alice: User,
    bob: User,
    alice_client: APIClient,
    lab_entry: Entry,
    django_assert_num_queries: NumQueries,
) -> None:
    made = [highlight_by(author, lab_entry) for author in (alice, bob, bob)]

    # The entry, the page count, the highlights with their authors: not one more per author.
    with django_assert_num_queries(3):
        response = alice_client.get("/api/v1/highlights/", {"entry": lab_entry.pk})

    assert response.status_code == HTTPStatus.OK
    results = response.json()["results"]
    assert [h["author_name"] for h in results] == ["Alice", "Bob", "Bob"]
    assert [h["discussion_url"] for h in results] == [
        f"http://testserver/entries/{lab_entry.pk}/#highlight-{h.pk}" for h in made
    ]


@pytest.mark.django_db
def test_a_nameless_author_shows_as_the_local_part_never_the_address(
    alice: User, lab: Lab, lab_entry: Entry, alice_client: APIClient
) -> None:
    nameless = UserFactory(email="dana.k@example.org", name="")
    add_member(lab=lab, user=nameless)
    highlight = highlight_by(nameless, lab_entry)

    body = alice_client.get(f"/api/v1/highlights/{highlight.pk}/").json()

    assert body["author_name"] == "dana.k"
    assert "example.org" not in str(body)


@pytest.mark.django_db
def test_a_former_members_highlight_has_no_author_name(
    alice: User, bob: User, lab_entry: Entry, alice_client: APIClient
) -> None:
    highlight = highlight_by(bob, lab_entry)
    bob.delete()

    body = alice_client.get(f"/api/v1/highlights/{highlight.pk}/").json()

    assert (body["author"], body["author_name"]) == (None, None)


@pytest.mark.django_db
def test_create_and_change_answer_with_the_name_and_link(
    bob_client: APIClient, lab_entry: Entry
) -> None:
    created = bob_client.post(
        "/api/v1/highlights/",
        {"entry": lab_entry.pk, "selectors": SELECTORS, "comment": "Key claim"},
        format="json",
    )
    changed = bob_client.patch(
        f"/api/v1/highlights/{created.json()['id']}/", {"comment": "Checked"}, format="json"
    )

    assert created.status_code == HTTPStatus.CREATED
    assert (created.json()["author_name"], created.json()["comment"]) == ("Bob", "Key claim")
    assert (changed.json()["author_name"], changed.json()["comment"]) == ("Bob", "Checked")
    assert changed.json()["discussion_url"].endswith(
        f"/entries/{lab_entry.pk}/#highlight-{created.json()['id']}"
    )


@pytest.mark.django_db
def test_the_changes_feed_keeps_the_plain_shape(
    alice: User, alice_client: APIClient, lab_entry: Entry
) -> None:
    highlight_by(alice, lab_entry)

    feed = alice_client.get(f"/api/v1/libraries/{lab_entry.library_id}/changes", {"since": 0})

    shown = [c["data"] for c in feed.json()["changes"] if c["type"] == "highlight"]
    assert len(shown) == 1
    assert "author_name" not in shown[0]
    assert "discussion_url" not in shown[0]


@pytest.mark.django_db
def test_anonymous_gets_401_and_an_outsider_404(
    alice: User, charlie_client: APIClient, lab_entry: Entry
) -> None:
    highlight = highlight_by(alice, lab_entry)

    assert APIClient().get(f"/api/v1/highlights/{highlight.pk}/").status_code == 401
    assert charlie_client.get(f"/api/v1/highlights/{highlight.pk}/").status_code == 404
