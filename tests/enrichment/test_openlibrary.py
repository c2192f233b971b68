"""Open Library's Books API client against recorded answers (fixtures/README.md, "Open Library").

Pure parsing: no network, no database. URLs without a recording answer NotFound.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest

from readinglist.enrichment import openlibrary
from readinglist.enrichment.http import Fetch, FetchError, NotFound
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.enrichment.worker import ask_registries, combine, confirmed_keys
from tests.registries import FIXTURES

API = "https://openlibrary.org/api/books?bibkeys=ISBN:{}&format=json&jscmd=data"
DEEP_LEARNING = "9780262035613"
PLAGUE = "9781778041303"
UNKNOWN = "9780000000002"
RECORDED = {
    API.format(DEEP_LEARNING): "openlibrary_9780262035613.json",
    API.format(PLAGUE): "openlibrary_9781778041303.json",
    API.format(UNKNOWN): "openlibrary_not_found.json",
}


def recorded(url: str) -> bytes:
    if url not in RECORDED:
        raise NotFound(url)
    return (FIXTURES / RECORDED[url]).read_bytes()


def serving(answers: dict[str, bytes], asked: list[str] | None = None) -> Fetch:
    """`recorded`, except for the URLs in `answers`; notes each URL asked."""

    def get(url: str) -> bytes:
        if asked is not None:
            asked.append(url)
        return answers[url] if url in answers else recorded(url)

    return get


def edited(isbn: str, edit: Callable[[dict[str, Any]], None]) -> Fetch:
    """The recorded answer for `isbn` with its book record changed by `edit`."""
    url = API.format(isbn)
    data = json.loads(recorded(url))
    edit(data[f"ISBN:{isbn}"])
    return serving({url: json.dumps(data).encode()})


def test_a_book_by_isbn13() -> None:
    asked: list[str] = []

    record = openlibrary.lookup(DEEP_LEARNING, get=serving({}, asked))

    assert record == RegistryRecord(
        registry=Registry.OPEN_LIBRARY,
        title="Deep Learning",
        authors=("Ian Goodfellow", "Yoshua Bengio", "Aaron Courville"),
        published="2016-11-18",
        venue="MIT Press",
        publisher="MIT Press",
        item_type="book",
        identifiers={"url": "https://openlibrary.org/books/OL26455783M/Deep_Learning"},
    )
    assert asked == [
        "https://openlibrary.org/api/books?bibkeys=ISBN:9780262035613&format=json&jscmd=data"
    ]


def test_an_isbn10_is_asked_as_its_isbn13() -> None:
    asked: list[str] = []

    record = openlibrary.lookup("0-262-03561-8", get=serving({}, asked))

    assert record is not None
    assert record.title == "Deep Learning"
    assert asked == [API.format(DEEP_LEARNING)]


def test_the_subtitle_joins_the_title() -> None:
    record = openlibrary.lookup(PLAGUE, get=recorded)

    assert record is not None
    assert record.title == (
        "Plague of Models: How Computer Modeling Corrupted Environmental, Health, and Safety"
        " Regulations"
    )
    assert record.authors == ("Kenneth P. Green", "Benjamin Zycher", "Steven F. Hayward")
    assert record.venue == "Matos, Melissa"
    assert record.published == "2023"
    assert record.item_type == "book"


def test_a_subtitle_the_title_already_holds_is_not_repeated() -> None:
    def repeat(book: dict[str, Any]) -> None:
        book["title"] = "Deep Learning: Adaptive Computation"
        book["subtitle"] = "adaptive computation"

    record = openlibrary.lookup(DEEP_LEARNING, get=edited(DEEP_LEARNING, repeat))

    assert record is not None
    assert record.title == "Deep Learning: Adaptive Computation"


def test_the_empty_answer_is_an_unknown_isbn() -> None:
    assert openlibrary.lookup(UNKNOWN, get=recorded) is None


def test_not_found_is_an_unknown_isbn() -> None:
    assert openlibrary.lookup("9781234567897", get=recorded) is None


def test_missing_and_odd_fields_say_nothing() -> None:
    def strip(book: dict[str, Any]) -> None:
        book["authors"] = "Ian Goodfellow"  # not a list of {"name": ...}
        book["publishers"] = [{}, {"name": "  "}, "MIT Press"]
        book["publish_date"] = 2016  # not text
        book["url"] = "/books/OL26455783M"  # not an http URL
        book.pop("subtitle", None)

    record = openlibrary.lookup(DEEP_LEARNING, get=edited(DEEP_LEARNING, strip))

    assert record is not None
    assert (record.authors, record.venue, record.published) == ((), "", "")
    assert record.identifiers == {}
    assert record.title == "Deep Learning"


def test_an_answer_about_another_isbn_is_malformed() -> None:
    other = recorded(API.format(PLAGUE))

    with pytest.raises(FetchError, match="malformed"):
        openlibrary.lookup(DEEP_LEARNING, get=serving({API.format(DEEP_LEARNING): other}))


@pytest.mark.parametrize(
    "body",
    [
        (FIXTURES / "html_error_page.html").read_bytes(),
        b'{"ISBN:9780262035613": {"title": "Deep',
        b"[]",
        b'{"ISBN:9780262035613": "Deep Learning"}',
        b"\xff\xfe",
    ],
)
def test_an_answer_that_is_not_a_books_object_is_malformed(body: bytes) -> None:
    with pytest.raises(FetchError, match="malformed"):
        openlibrary.lookup(DEEP_LEARNING, get=serving({API.format(DEEP_LEARNING): body}))


def test_a_transient_failure_propagates() -> None:
    def timeout(url: str) -> bytes:
        raise FetchError(f"{url}: timed out")

    with pytest.raises(FetchError, match="timed out"):
        openlibrary.lookup(DEEP_LEARNING, get=timeout)


@pytest.mark.parametrize(
    ("publish_date", "published"),
    [
        ("2016", "2016"),
        ("November 18, 2016", "2016-11-18"),
        ("Nov 18, 2016", "2016-11-18"),
        ("18 November 2016", "2016-11-18"),
        ("3 January 2017", "2017-01-03"),
        ("March 2009", "2009-03"),
        ("Nov. 2016", "2016-11"),
        ("Sept 2001", "2001-09"),
        ("2016-11-18", "2016-11-18"),
        ("2016-11", "2016-11"),
        ("c1990", "1990"),
        ("[2016]", "2016"),
        ("Summer 2016", "2016"),
        ("February 30, 2016", "2016-02"),
        ("n.d.", ""),
        ("", ""),
    ],
)
def test_publish_date_becomes_an_iso_date_as_precise_as_it_says(
    publish_date: str, published: str
) -> None:
    assert openlibrary.published_date(publish_date) == published


# --------------------------------------------------------------------------------------------
# The worker asks Open Library for a paper's ISBN


def test_the_worker_asks_open_library_about_an_isbn() -> None:
    asked: list[str] = []

    answers = ask_registries({"isbn": DEEP_LEARNING}, get=serving({}, asked))

    assert asked == [API.format(DEEP_LEARNING)]
    assert answers.asked == {"isbn"}
    assert [r.registry for r in answers.records] == [Registry.OPEN_LIBRARY]
    values, sources = combine(answers.records)
    assert values["item_type"] == "book"
    assert values["venue"] == "MIT Press"
    assert sources["title"] == "openlibrary"


def test_the_worker_notes_open_library_not_answering() -> None:
    def down(url: str) -> bytes:
        raise FetchError(f"{url}: HTTP 503")

    answers = ask_registries({"isbn": DEEP_LEARNING}, get=down)

    assert answers.records == []
    assert answers.failures[0].startswith("Open Library: ")


def test_a_books_doi_record_outranks_open_library() -> None:
    book = openlibrary.lookup(DEEP_LEARNING, get=recorded)
    assert book is not None
    crossref = RegistryRecord(registry=Registry.CROSSREF, title="Deep learning", venue="")

    values, sources = combine([book, crossref])

    assert (values["title"], sources["title"]) == ("Deep learning", "crossref")
    assert (values["venue"], sources["venue"]) == ("MIT Press", "openlibrary")


def test_confirmed_isbns_are_keyed_as_isbn13_and_wrong_ones_dropped() -> None:
    book = openlibrary.lookup(DEEP_LEARNING, get=recorded)
    assert book is not None
    stated = RegistryRecord(registry=Registry.OPEN_LIBRARY, identifiers={"isbn": "0-262-03561-8"})
    wrong = RegistryRecord(registry=Registry.OPEN_LIBRARY, identifiers={"isbn": "0262035619"})

    assert confirmed_keys([book, stated, wrong]) == [
        (
            "url",
            "https://openlibrary.org/books/OL26455783M/Deep_Learning",
            "https://openlibrary.org/books/OL26455783M/Deep_Learning",
        ),
        ("isbn", DEEP_LEARNING, DEEP_LEARNING),
    ]
