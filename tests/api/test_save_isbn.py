"""POST /api/v1/save with an ISBN: a book is saved, and Open Library fills in its details."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.enrichment.http import NotFound
from readinglist.models import Entry, Lab, Paper
from tests.registries import FIXTURES
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

OPEN_LIBRARY = "https://openlibrary.org/api/books?bibkeys=ISBN:{}&format=json&jscmd=data"
RECORDED = {
    OPEN_LIBRARY.format("9780262035613"): "openlibrary_9780262035613.json",
    OPEN_LIBRARY.format("9780000000002"): "openlibrary_not_found.json",
}


@pytest.fixture
def open_library(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Open Library answers from its recordings (tests/enrichment/fixtures); the URLs asked."""
    asked: list[str] = []

    def get(url: str) -> bytes:
        asked.append(url)
        if url not in RECORDED:
            raise NotFound(url)
        return (FIXTURES / RECORDED[url]).read_bytes()

    monkeypatch.setattr("readinglist.enrichment.http.fetch", get)
    return asked


def test_saving_an_isbn_creates_an_entry_for_the_book(alice_client: APIClient) -> None:
    response = alice_client.post("/api/v1/save", {"url": "isbn:978-0-262-03561-3"})

    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert body["created"] is True
    assert body["paper"]["identifiers"] == {"isbn": "9780262035613"}
    assert body["paper"]["url"] == "https://openlibrary.org/isbn/9780262035613"
    again = alice_client.post("/api/v1/save", {"url": "ISBN 0-262-03561-8"})
    assert again.status_code == HTTPStatus.OK
    assert again.json()["id"] == body["id"]


def test_open_library_fills_the_books_details_in_every_library_that_saved_it(
    alice_client: APIClient, bob_client: APIClient, lab: Lab, open_library: list[str]
) -> None:
    mine = alice_client.post("/api/v1/save", {"url": "isbn:9780262035613"}).json()
    labs = bob_client.post(
        "/api/v1/save",
        {"url": "https://openlibrary.org/isbn/0262035618", "library": lab.library.pk},
    ).json()
    assert mine["paper"]["title"] == ""  # the save did not wait for Open Library

    run_queued_tasks()

    assert open_library == [OPEN_LIBRARY.format("9780262035613")]
    for client, saved in ((alice_client, mine), (bob_client, labs)):
        paper = client.get(f"/api/v1/entries/{saved['id']}/").json()["paper"]
        assert paper["title"] == "Deep Learning"
        assert paper["authors"] == ["Ian Goodfellow", "Yoshua Bengio", "Aaron Courville"]
        assert paper["item_type"] == "book"
        assert paper["venue"] == "MIT Press"
        assert paper["published"] == "2016-11-18"
    assert Paper.objects.get().enrichment == Paper.Enrichment.DONE
    assert Entry.objects.count() == 2


def test_an_isbn_open_library_does_not_know_leaves_the_entry_as_saved(
    alice_client: APIClient, open_library: list[str]
) -> None:
    saved = alice_client.post("/api/v1/save", {"url": "isbn:9780000000002"}).json()

    run_queued_tasks()

    paper = alice_client.get(f"/api/v1/entries/{saved['id']}/").json()["paper"]
    assert paper["title"] == ""
    assert Paper.objects.get().enrichment == Paper.Enrichment.NOT_FOUND


@pytest.mark.parametrize(
    ("isbn", "problem"),
    [
        ("isbn:978-0-262-03561-4", "check digit is wrong"),
        ("https://openlibrary.org/isbn/0262035619", "check digit is wrong"),
        ("ISBN 12345", "10 or 13 digits"),
    ],
)
def test_a_wrong_isbn_is_400_saying_what_is_wrong(
    alice_client: APIClient, isbn: str, problem: str
) -> None:
    response = alice_client.post("/api/v1/save", {"url": isbn})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert problem in response.json()["url"][0]
    assert not Entry.objects.exists()


def test_lookup_by_isbn_finds_the_saved_book(alice_client: APIClient) -> None:
    alice_client.post("/api/v1/save", {"url": "isbn:9780262035613"})

    response = alice_client.get(
        "/api/v1/papers/", {"identifier": "https://books.google.com/books?vid=ISBN0262035618"}
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json()["identifiers"] == {"isbn": "9780262035613"}
