"""Open Library: a book's edition record by ISBN (the Books API with ``jscmd=data``).

The answer is a JSON object keyed by the bibkey asked for (``{"ISBN:9780262035613": {...}}``)
and ``{}`` when Open Library has no edition with that ISBN: it never answers 404 here.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import quote

from readinglist import identifiers as ids
from readinglist.enrichment.crossref import is_http_url, load_json
from readinglist.enrichment.http import Fetch, FetchError, fetch, known
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.io.records import cleaned, join_date
from readinglist.metadata import ItemType

API = "https://openlibrary.org/api/books?bibkeys=ISBN:{}&format=json&jscmd=data"

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Full names and the abbreviations catalogues use ("Nov", "Sept"), never any other word, so
# "Summer 2016" or "Marvel 2016" keep only their year.
_MONTHS = {
    **{name: n for n, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: n for n, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
# publish_date is free text typed by catalogers: "2016", "November 18, 2016", "18 November
# 2016", "Nov. 2016", "2016-11-18", "c1990", "[2016]".
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I)
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})", re.I)
_MONTH_YEAR = re.compile(r"([a-z]+)\.?,?\s+(\d{4})", re.I)
_ANY_YEAR = re.compile(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)")


def _iso(year: str, month: int | None = None, day: str = "") -> str:
    published = join_date(year, str(month or ""), day)
    if len(published) == 10:
        try:
            date.fromisoformat(published)
        except ValueError:  # "February 30" is a typo: keep what is certain
            return published[:7]
    return published


def published_date(value: object) -> str:
    """An ISO date, as precise as Open Library's free-text `publish_date` says; "" for none."""
    text = cleaned(value)
    if m := _ISO_DATE.fullmatch(text):
        return _iso(m.group(1), int(m.group(2)) if m.group(2) else None, m.group(3) or "")
    if (m := _MONTH_DAY_YEAR.fullmatch(text)) and (month := _MONTHS.get(m.group(1).lower())):
        return _iso(m.group(3), month, m.group(2))
    if (m := _DAY_MONTH_YEAR.fullmatch(text)) and (month := _MONTHS.get(m.group(2).lower())):
        return _iso(m.group(3), month, m.group(1))
    if (m := _MONTH_YEAR.fullmatch(text)) and (month := _MONTHS.get(m.group(1).lower())):
        return _iso(m.group(2), month)
    m = _ANY_YEAR.search(text)
    return join_date(m.group(1)) if m is not None else ""


def _names(value: object) -> tuple[str, ...]:
    """The `name` of each {"name": ..., "url": ...} in a list, as Open Library spells it."""
    names = []
    for person in value if isinstance(value, list) else []:
        if isinstance(person, dict) and (name := cleaned(person.get("name"))):
            names.append(name)
    return tuple(names)


def _title(book: dict[str, Any]) -> str:
    title, subtitle = cleaned(book.get("title")), cleaned(book.get("subtitle"))
    if title and subtitle and subtitle.casefold() not in title.casefold():
        return f"{title}: {subtitle}"
    return title


def parse_books(body: bytes, isbn: str) -> RegistryRecord | None:
    """The record of `isbn` in a Books API answer; None for the empty answer (no such book)."""
    source = f"Open Library {isbn}"
    data = load_json(body, source)
    if not data:
        return None
    book = data.get(f"ISBN:{isbn}")
    if not isinstance(book, dict):
        raise FetchError(f"{source}: malformed response (no ISBN:{isbn} record)")
    identifiers: dict[str, str] = {}
    if is_http_url(book.get("url")):
        identifiers["url"] = str(book["url"]).strip()
    return RegistryRecord(
        registry=Registry.OPEN_LIBRARY,
        title=_title(book),
        authors=_names(book.get("authors")),
        published=published_date(book.get("publish_date")),
        # Open Library has no venue for a book; the publisher is what a citation names instead.
        venue=next(iter(_names(book.get("publishers"))), ""),
        publisher=next(iter(_names(book.get("publishers"))), ""),
        item_type=ItemType.BOOK,
        identifiers=identifiers,
    )


def lookup(key: str, *, get: Fetch = fetch) -> RegistryRecord | None:
    """Open Library's edition record of an ISBN ("9780262035613"; an ISBN-10 is asked as its
    ISBN-13, the form the answer is keyed by)."""
    isbn = ids.parse_isbn(f"ISBN {key}") or key
    body = known(API.format(quote(isbn, safe="")), get=get)
    return parse_books(body, isbn) if body is not None else None
