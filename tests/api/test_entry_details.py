"""Editing what a library sees of a paper: the API's PATCH and the web page's form."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from rest_framework.test import APIClient

from readinglist.metadata import PageMetadata, Source
from readinglist.models import Entry, Lab, Membership, Paper, User
from readinglist.services.entries import save_paper
from readinglist.services.labs import add_member

pytestmark = pytest.mark.django_db

PAGE = PageMetadata(title="From the page", authors=("Ada Lovelace",), source=Source.CITATION)


def details_url(entry: Entry) -> str:
    return f"/api/v1/entries/{entry.pk}/details"


def test_an_edit_changes_this_library_only(
    alice: User, bob: User, lab: Lab, alice_client: APIClient
) -> None:
    mine = save_paper(user=alice, url="arXiv:1706.03762", metadata=PAGE).entry
    lab_entry = save_paper(
        user=bob, url="arXiv:1706.03762", metadata=PAGE, library=lab.library
    ).entry

    response = alice_client.patch(
        details_url(mine),
        {
            "title": "My title",
            "authors": ["Vaswani, Ashish", "Shazeer, Noam"],
            "published": "2017-06",
            "venue": "NeurIPS",
            "item_type": "conference_paper",
            "pdf_url": "https://example.org/a.pdf",
        },
        format="json",
    )

    assert response.status_code == HTTPStatus.OK, response.content
    paper = response.json()["paper"]
    assert (paper["title"], paper["authors"][0], paper["item_type"]) == (
        "My title",
        "Vaswani, Ashish",
        "conference_paper",
    )
    assert response["Last-Modified-Version"] == str(response.json()["version"])
    assert Entry.objects.get(pk=lab_entry.pk).title == "From the page"
    assert Paper.objects.get(pk=mine.paper_id).title == ""
    # Undo one field: the library's own contribution shows again.
    undone = alice_client.patch(details_url(mine), {"title": None}, format="json").json()
    assert undone["paper"]["title"] == "From the page"
    assert undone["paper"]["venue"] == "NeurIPS"


def test_bad_details_are_400_with_field_messages_and_change_nothing(
    alice: User, alice_client: APIClient
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", metadata=PAGE).entry
    for body, field in [
        ({"item_type": "poem"}, "item_type"),
        ({"published": "last year"}, "published"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"authors": "Ada Lovelace"}, "authors"),
        ({"title": "x" * 2001}, "title"),
    ]:
        response = alice_client.patch(details_url(entry), body, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST, body
        assert field in response.json(), response.json()
    assert Entry.objects.get(pk=entry.pk).title == "From the page"
    assert Entry.objects.get(pk=entry.pk).version == entry.version


def test_a_stale_edit_is_412_with_the_current_entry(alice: User, alice_client: APIClient) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", metadata=PAGE).entry
    alice_client.patch(details_url(entry), {"venue": "first"}, format="json")
    response = alice_client.patch(
        details_url(entry), {"venue": "second", "version": entry.version}, format="json"
    )
    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    assert response.json()["current"]["paper"]["venue"] == "first"


def test_who_may_edit(
    alice: User,
    lab: Lab,
    charlie: User,
    anon_client: APIClient,
    charlie_client: APIClient,
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    assert anon_client.patch(details_url(entry), {"title": "x"}, format="json").status_code == 401
    assert (
        charlie_client.patch(details_url(entry), {"title": "x"}, format="json").status_code == 404
    )
    add_member(lab=lab, user=charlie, role=Membership.Role.VIEWER)
    assert (
        charlie_client.patch(details_url(entry), {"title": "x"}, format="json").status_code == 403
    )
    assert Entry.objects.get(pk=entry.pk).title == ""


def test_the_entry_page_edits_and_undoes_details(
    client: Client, alice: User, bob: User, lab: Lab
) -> None:
    entry = save_paper(user=bob, url="arXiv:1706.03762", metadata=PAGE, library=lab.library).entry
    personal = save_paper(user=alice, url="arXiv:1706.03762", metadata=PAGE).entry
    client.force_login(alice)
    page = client.get(f"/entries/{entry.pk}/").content.decode()
    assert "Edit details" in page

    response = client.post(
        f"/entries/{entry.pk}/details",
        {
            "title": "Attention Is All You Need",
            "authors": "Ashish Vaswani\nNoam Shazeer\n",
            "published": "2017",
            "venue": "",
            "item_type": "conference_paper",
            "abstract": "",
            "url": entry.url,
            "pdf_url": "",
            "version": entry.version,
        },
        follow=True,
    )

    html = response.content.decode()
    assert "Details saved for this library." in html
    edited = Entry.objects.get(pk=entry.pk)
    assert (edited.title, edited.authors, edited.published) == (
        "Attention Is All You Need",
        ["Ashish Vaswani", "Noam Shazeer"],
        "2017",
    )
    assert Entry.objects.get(pk=personal.pk).title == "From the page"  # another library

    client.post(f"/entries/{entry.pk}/details/reset")
    assert Entry.objects.get(pk=entry.pk).title == "From the page"


def test_the_entry_page_refuses_viewers_outsiders_and_strangers(
    client: Client, alice: User, charlie: User, lab: Lab
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", metadata=PAGE, library=lab.library).entry
    assert client.post(f"/entries/{entry.pk}/details", {"title": "x"}).status_code == 302
    client.force_login(charlie)
    assert client.post(f"/entries/{entry.pk}/details", {"title": "x"}).status_code == 404
    add_member(lab=lab, user=charlie, role=Membership.Role.VIEWER)
    response = client.post(f"/entries/{entry.pk}/details", {"title": "x"}, follow=True)
    assert "You can read this but not change it." in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).title == "From the page"
