"""A public list publishes what its curators wrote for the public, never the library's
notes: members' notes stay inside the lab."""

from http import HTTPStatus

import pytest
from django.test import Client
from rest_framework.test import APIClient

from readinglist.io.backup import dump_library, restore_library
from readinglist.models import Lab, Library, ReadingList, ReadingListItem, User
from readinglist.services.annotations import create_note
from readinglist.services.entries import save_paper
from readinglist.services.labs import create_lab, publish_list
from readinglist.services.lists import add_to_list, create_list, set_public_note
from tests.conftest import client_for

INTERNAL = "Bob internal: reviewer 2 hated this"


@pytest.fixture
def published(alice: User, bob: User, lab: Lab) -> tuple[ReadingList, ReadingListItem, str]:
    entry = save_paper(user=bob, url="arXiv:1706.03762", library=lab.library, note=INTERNAL).entry
    create_note(user=alice, entry=entry, body="Alice internal: skip section 4")
    reading_list = create_list(user=alice, library=lab.library, name="Reading group")
    item, _ = add_to_list(user=alice, reading_list=reading_list, entry=entry)
    token = publish_list(user=alice, reading_list=reading_list).public_token
    assert token
    return reading_list, item, token


def item_url(item: ReadingListItem) -> str:
    return f"/api/v1/lists/{item.reading_list_id}/items/{item.pk}/"


@pytest.mark.django_db
def test_library_notes_never_reach_the_public_page_or_feed(
    anon_client: APIClient, published: tuple[ReadingList, ReadingListItem, str]
) -> None:
    _, _, token = published
    for url in (f"/api/v1/public/lists/{token}/", f"/api/v1/public/lists/{token}/feed.atom"):
        body = anon_client.get(url).content.decode()
        assert "Attention" in body or "1706.03762" in body
        assert "internal" not in body


@pytest.mark.django_db
def test_a_curator_writes_the_public_note_and_a_plain_member_cannot(
    alice_client: APIClient,
    bob_client: APIClient,
    anon_client: APIClient,
    published: tuple[ReadingList, ReadingListItem, str],
) -> None:
    reading_list, item, token = published
    library = Library.objects.get(pk=reading_list.library_id)

    refused = bob_client.patch(item_url(item), {"public_note": "Bob's take"}, format="json")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert ReadingListItem.objects.get(pk=item.pk).public_note == ""

    written = alice_client.patch(item_url(item), {"public_note": "Start **here**."}, format="json")
    assert written.status_code == HTTPStatus.OK
    assert written.json()["public_note"] == "Start **here**."
    assert written.json()["version"] == library.version + 1
    page = anon_client.get(f"/api/v1/public/lists/{token}/").content.decode()
    assert "Start <strong>here</strong>." in page

    stale = alice_client.patch(
        item_url(item), {"public_note": "Older", "version": library.version}, format="json"
    )
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED


@pytest.mark.django_db
def test_public_note_endpoint_hides_other_peoples_lists(
    charlie: User, anon_client: APIClient, published: tuple[ReadingList, ReadingListItem, str]
) -> None:
    _, item, _ = published
    assert anon_client.patch(item_url(item), {"public_note": "x"}).status_code == 401
    outsider = client_for(charlie).patch(item_url(item), {"public_note": "x"}, format="json")
    assert outsider.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_the_list_page_offers_the_public_note_form_to_curators_only(
    alice: User, bob: User, published: tuple[ReadingList, ReadingListItem, str]
) -> None:
    reading_list, item, _ = published
    as_alice, as_bob = Client(), Client()
    as_alice.force_login(alice)
    as_bob.force_login(bob)
    form_marker = 'name="public_note"'
    assert form_marker in as_alice.get(f"/lists/{reading_list.pk}/").content.decode()
    assert form_marker not in as_bob.get(f"/lists/{reading_list.pk}/").content.decode()

    response = as_alice.post(
        f"/lists/{reading_list.pk}/public-note", {"item": item.pk, "public_note": "Read first"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert ReadingListItem.objects.get(pk=item.pk).public_note == "Read first"
    as_bob.post(f"/lists/{reading_list.pk}/public-note", {"item": item.pk, "public_note": "Mine"})
    assert ReadingListItem.objects.get(pk=item.pk).public_note == "Read first"


@pytest.mark.django_db
def test_a_backup_keeps_the_public_notes_and_restores_them(
    alice: User, published: tuple[ReadingList, ReadingListItem, str]
) -> None:
    reading_list, item, _ = published
    set_public_note(user=alice, item=item, note="Start here")
    dumped = dump_library(library=reading_list.library, exported_by=alice)
    (place,) = dumped["lists"][0]["items"]
    assert place["public_note"] == "Start here"

    fresh = create_lab(owner=alice, name="Restored").library
    restore_library(user=alice, library=fresh, data=dumped)
    restored = ReadingListItem.objects.get(library=fresh)
    assert restored.public_note == "Start here"
