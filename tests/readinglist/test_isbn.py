"""ISBNs: parsing, check digits, one key for ISBN-10 and ISBN-13, and saves and lookups by them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist.identifiers import (
    Identifiers,
    Scheme,
    identify,
    isbn_problem,
    isbn_url,
    parse_isbn,
)
from readinglist.lookup import lookup
from readinglist.models import Paper, User
from readinglist.services.entries import save_paper
from readinglist.services.papers import UnidentifiablePaper

DEEP_LEARNING = "9780262035613"  # Goodfellow, Bengio, Courville; ISBN-10 0-262-03561-8


@pytest.mark.parametrize(
    "value",
    [
        "isbn:9780262035613",
        "isbn:978-0-262-03561-3",
        "ISBN 978-0-262-03561-3",
        "ISBN: 978 0 262 03561 3",
        "ISBN-13: 978-0-262-03561-3",
        "ISBN-10: 0-262-03561-8",
        "ISBN 0-262-03561-8",
        "isbn:0262035618",
        "urn:isbn:9780262035613",
        "  ISBN 0262035618  ",
        "9780262035613",
        "978-0-262-03561-3",
        "https://openlibrary.org/isbn/9780262035613",
        "https://openlibrary.org/isbn/0262035618",
        "openlibrary.org/isbn/9780262035613",
        "https://www.worldcat.org/isbn/9780262035613",
        "https://worldcat.org/isbn/0262035618",
        "https://search.worldcat.org/isbn/9780262035613",
        "https://books.google.com/books?vid=ISBN9780262035613",
        "https://books.google.co.uk/books?vid=ISBN0262035618",
        "https://isbnsearch.org/isbn/9780262035613",
        "https://isbnsearch.org/isbn/0262035618",
    ],
)
def test_every_spelling_of_one_isbn_is_one_key(value: str) -> None:
    assert parse_isbn(value) == DEEP_LEARNING
    assert identify(value) == Identifiers(isbn=DEEP_LEARNING)
    assert identify(value).lookup_keys() == [(Scheme.ISBN, DEEP_LEARNING)]
    assert isbn_problem(value) is None


@pytest.mark.parametrize(
    ("value", "isbn13"),
    [
        ("ISBN 0-8044-2957-X", "9780804429573"),  # X is the check digit 10
        ("isbn:080442957x", "9780804429573"),
        ("ISBN 979-10-90636-07-1", "9791090636071"),  # 979-10: no ISBN-10 exists
        ("9798602405453", "9798602405453"),
        ("ISBN 1-56619-909-3", "9781566199094"),
    ],
)
def test_isbn10_with_x_and_979_isbns(value: str, isbn13: str) -> None:
    assert parse_isbn(value) == isbn13


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("isbn:9780262035614", "check digit is wrong"),
        ("ISBN 0-262-03561-9", "check digit is wrong"),
        ("ISBN 0-262-03561-X", "check digit is wrong"),
        ("9780262035614", "check digit is wrong"),
        ("https://openlibrary.org/isbn/9780262035614", "check digit is wrong"),
        ("https://books.google.com/books?vid=ISBN0262035619", "check digit is wrong"),
        ("isbn:12345", "10 or 13 digits"),
        ("isbn:978-0-262-03561-3-1", "10 or 13 digits"),
        ("isbn:--9780262035613", "10 or 13 digits"),
        ("isbn:X262035618", "10 or 13 digits"),
        ("ISBN 1234567890123", "starts with 978 or 979"),
        ("isbn:9790260000438", "ISMNs"),  # valid EAN, but printed music
    ],
)
def test_a_wrong_isbn_names_nothing_and_says_why(value: str, problem: str) -> None:
    assert parse_isbn(value) is None
    assert identify(value) == Identifiers()
    message = isbn_problem(value)
    assert message is not None
    assert problem in message


@pytest.mark.parametrize(
    "value",
    [
        "0262035618",  # a bare ten-digit number could be anything
        "1234567890123",
        "arXiv:1706.03762",
        "PMID: 17641166",
        "doi:10.1145/3448016.3452841",
        "https://openlibrary.org/works/OL17930368W",
        "https://books.google.com/books?id=Np9SDQAAQBAJ",
        "https://www.worldcat.org/title/955778308",
        "https://example.org/isbn/9780262035613",
    ],
)
def test_what_is_not_meant_as_an_isbn_is_not_one_and_no_problem(value: str) -> None:
    assert parse_isbn(value) is None
    assert isbn_problem(value) is None
    assert identify(value).isbn is None


def test_other_books_pages_keep_their_url_key() -> None:
    found = identify("https://openlibrary.org/works/OL17930368W/Deep_Learning")
    assert found == Identifiers(url="https://openlibrary.org/works/OL17930368W/Deep_Learning")


def test_isbn_merges_like_the_other_schemes() -> None:
    mine = Identifiers(isbn=DEEP_LEARNING)
    theirs = Identifiers(isbn="9781778041303", doi="10.1000/x")
    assert mine.merged(theirs) == Identifiers(isbn=DEEP_LEARNING, doi="10.1000/x")
    assert isbn_url(DEEP_LEARNING) == "https://openlibrary.org/isbn/9780262035613"


def _isbn13_check(first12: str) -> str:
    return str(-sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12)) % 10)


def _isbn10_check(first9: str) -> str:
    check = -sum((10 - i) * int(d) for i, d in enumerate(first9)) % 11
    return "X" if check == 10 else str(check)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_an_isbn10_and_its_isbn13_are_one_key(first9: str) -> None:
    isbn10 = first9 + _isbn10_check(first9)
    isbn13 = "978" + first9 + _isbn13_check("978" + first9)
    assert parse_isbn(f"ISBN {isbn10}") == isbn13
    assert parse_isbn(isbn13) == isbn13


@given(
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.integers(min_value=3, max_value=12),
    st.integers(min_value=1, max_value=9),
)
def test_one_mistyped_digit_is_caught(first9: str, position: int, shift: int) -> None:
    isbn13 = "978" + first9 + _isbn13_check("978" + first9)
    wrong = isbn13[:position] + str((int(isbn13[position]) + shift) % 10) + isbn13[position + 1 :]
    assert parse_isbn(wrong) is None
    assert isbn_problem(wrong) is not None


# --------------------------------------------------------------------------------------------
# Saves and lookups


@pytest.mark.django_db
def test_a_book_saved_by_isbn10_and_by_isbn13_url_is_one_paper(alice: User) -> None:
    first = save_paper(user=alice, url="ISBN 0-262-03561-8")
    again = save_paper(user=alice, url="https://www.worldcat.org/isbn/9780262035613")

    assert first.created
    assert not again.created
    assert again.entry.pk == first.entry.pk
    paper = Paper.objects.get()
    assert list(paper.identifiers.values_list("scheme", "value", "display")) == [
        ("isbn", DEEP_LEARNING, DEEP_LEARNING)
    ]
    assert paper.url == "https://openlibrary.org/isbn/9780262035613"
    assert paper.enrichment == Paper.Enrichment.PENDING  # Open Library will be asked


@pytest.mark.django_db
def test_a_save_with_a_wrong_check_digit_says_so(alice: User) -> None:
    with pytest.raises(UnidentifiablePaper, match="check digit is wrong"):
        save_paper(user=alice, url="isbn:978-0-262-03561-4")
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_lookup_finds_a_saved_book_by_any_spelling_of_its_isbn(alice: User, bob: User) -> None:
    save_paper(user=alice, url="isbn:9780262035613")

    found, wrong = lookup(
        user=alice, values=["https://books.google.com/books?vid=ISBN0262035618", "9780262035614"]
    )
    [outsider] = lookup(user=bob, values=["isbn:9780262035613"])

    assert found.paper_id == Paper.objects.get().pk
    assert [e.library_kind for e in found.entries] == ["personal"]
    assert not wrong.identified
    assert outsider.identified
    assert outsider.entries == []
