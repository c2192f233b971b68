"""GET .../cite: an entry, a selection or a list as references in a citation style."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from readinglist.io.bibtex import parse_bibtex
from readinglist.models import Entry, Lab, User
from readinglist.services.accounts import personal_library
from readinglist.services.imports import import_records
from readinglist.services.lists import add_to_list, create_list

FIXTURES = Path(__file__).parents[1] / "io" / "fixtures" / "citations"


def _import(user: User) -> list[Entry]:
    library = personal_library(user)
    records = parse_bibtex((FIXTURES / "entries.bib").read_text())
    import_records(user=user, library=library, records=records)
    return list(Entry.objects.filter(library=library).order_by("added_at", "id"))


@pytest.mark.django_db
def test_an_entry_in_apa_and_ieee_is_the_processors_reference(
    alice: User, alice_client: APIClient
) -> None:
    entries = _import(alice)
    apa = (FIXTURES / "apa.txt").read_text().splitlines()

    response = alice_client.get(f"/api/v1/entries/{entries[1].pk}/cite", {"style": "apa"})

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert (body["style"], body["label"]) == ("apa", "APA (7th edition)")
    assert body["references"][0]["text"] == apa[1]
    assert body["references"][0]["key"] == "hochreiter1997long"
    assert "<i>Neural Computation</i>" in body["references"][0]["html"]
    assert body["text"] == apa[1]
    default = alice_client.get(f"/api/v1/entries/{entries[1].pk}/cite").json()
    assert default["style"] == "apa"


@pytest.mark.django_db
def test_a_selection_is_cited_in_the_order_asked(
    alice: User,
    alice_client: APIClient,
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    entries = _import(alice)
    ieee = (FIXTURES / "ieee.txt").read_text().splitlines()
    ids = ",".join(str(entry.pk) for entry in entries)

    with django_assert_max_num_queries(12):  # the same for 5 entries as for 500
        response = alice_client.get("/api/v1/entries/cite", {"ids": ids, "style": "ieee"})

    assert response.status_code == HTTPStatus.OK
    assert [r["text"] for r in response.json()["references"]] == ieee
    assert response.json()["text"] == "\n\n".join(ieee)
    reversed_ids = ",".join(str(entry.pk) for entry in reversed(entries[:2]))
    swapped = alice_client.get("/api/v1/entries/cite", {"ids": reversed_ids, "style": "ieee"})
    assert swapped.json()["references"][0]["text"].startswith("[1] S. Hochreiter")


@pytest.mark.django_db
def test_bibtex_gives_the_pinned_keys(alice: User, alice_client: APIClient) -> None:
    entries = _import(alice)
    response = alice_client.get(f"/api/v1/entries/{entries[0].pk}/cite", {"style": "bibtex"})
    text = response.json()["text"]
    assert text.startswith("@inproceedings{vaswani2017attention,")
    assert "booktitle = {Advances in Neural Information Processing Systems}" in text


@pytest.mark.django_db
def test_a_list_is_cited_in_list_order(
    alice: User, alice_client: APIClient, bob_client: APIClient, anon_client: APIClient
) -> None:
    entries = _import(alice)
    reading_list = create_list(user=alice, library=personal_library(alice), name="Reading group")
    for entry in (entries[3], entries[0]):
        add_to_list(user=alice, reading_list=reading_list, entry=entry)
    url = f"/api/v1/lists/{reading_list.pk}/cite"

    response = alice_client.get(url, {"style": "nature"})

    assert response.status_code == HTTPStatus.OK
    texts = [r["text"] for r in response.json()["references"]]
    assert texts[0].startswith("1. Goodfellow, I.")
    assert texts[1].startswith("2. Vaswani, A.")
    assert bob_client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert anon_client.get(url).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
def test_others_entries_are_404_and_strangers_401(
    alice: User, bob: User, alice_client: APIClient, bob_client: APIClient, anon_client: APIClient
) -> None:
    mine = _import(alice)[0]
    theirs = _import(bob)[0]
    single = f"/api/v1/entries/{theirs.pk}/cite"

    assert alice_client.get(single).status_code == HTTPStatus.NOT_FOUND
    assert anon_client.get(f"/api/v1/entries/{mine.pk}/cite").status_code == 401
    assert anon_client.get("/api/v1/entries/cite", {"ids": str(mine.pk)}).status_code == 401
    mixed = alice_client.get("/api/v1/entries/cite", {"ids": f"{mine.pk},{theirs.pk}"})
    assert mixed.status_code == HTTPStatus.NOT_FOUND
    assert bob_client.get(f"/api/v1/entries/{theirs.pk}/cite").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_a_lab_members_see_the_labs_entries_cited(
    alice: User, bob_client: APIClient, lab: Lab
) -> None:
    records = parse_bibtex((FIXTURES / "entries.bib").read_text())
    import_records(user=alice, library=lab.library, records=records[:1])
    entry = Entry.objects.get(library=lab.library)
    response = bob_client.get(f"/api/v1/entries/{entry.pk}/cite", {"style": "acm"})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["references"][0]["text"].startswith("[1] Ashish Vaswani")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"style": "harvard-ish"}, "style"),
        ({"ids": ""}, "ids"),
        ({"ids": "1,,2"}, "ids"),
        ({"ids": "x"}, "ids"),
        ({"ids": ",".join(["1"] * 501)}, "ids"),
        ({}, "ids"),
    ],
)
def test_bad_queries_are_400_with_the_field(
    alice: User, alice_client: APIClient, query: dict[str, str], field: str
) -> None:
    entry = _import(alice)[0]
    url = "/api/v1/entries/cite" if field == "ids" else f"/api/v1/entries/{entry.pk}/cite"
    response = alice_client.get(url, query)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()
