"""OpenReview: the submission note of a forum (API v2; API v1 for venues that only live there)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from readinglist.enrichment.crossref import load_json
from readinglist.enrichment.http import Fetch, FetchError, fetch, known
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.io.records import cleaned
from readinglist.metadata import ItemType

API_V2 = "https://api2.openreview.net/notes?id={}"
API_V1 = "https://api.openreview.net/notes?id={}"
PDF = "https://openreview.net/pdf?id={}"
# Venue strings of papers that were not (or not yet) accepted: "Submitted to ICLR 2024",
# "ICLR 2024 Conference Withdrawn Submission", "... Desk Rejected Submission", and
# "ICLR 2024 Conference Submission" while under review.
_NOT_ACCEPTED = re.compile(r"^submitted to\b|withdrawn|desk[ _-]rejected|\bsubmission\b", re.I)
# Publication date (acceptance), then the date the note went public, then its creation.
_DATES = ("pdate", "odate", "cdate")


def _value(content: dict[str, Any], name: str) -> Any:
    raw = content.get(name)
    # API v2 wraps every content value as {"value": ...}; API v1 gives it plain.
    return raw.get("value") if isinstance(raw, dict) else raw


def _authors(value: object) -> tuple[str, ...]:
    names = []
    for author in value if isinstance(value, list) else []:
        if isinstance(author, dict):  # newer venues: [{"fullname": ..., "username": ...}]
            author = author.get("fullname")
        if name := cleaned(author):
            names.append(name)
    return tuple(names)


def _published(note: dict[str, Any]) -> str:
    for name in _DATES:
        millis = note.get(name)
        if isinstance(millis, int) and not isinstance(millis, bool) and millis > 0:
            return datetime.fromtimestamp(millis / 1000, tz=UTC).date().isoformat()
    return ""


def _item_type(venue: str) -> str:
    if not venue:
        return ""
    return ItemType.PREPRINT if _NOT_ACCEPTED.search(venue) else ItemType.CONFERENCE_PAPER


def parse_notes(body: bytes, forum_id: str) -> RegistryRecord | None:
    """The record of the forum's note in a /notes answer; None when the answer has no such note."""
    notes = load_json(body, f"OpenReview {forum_id}").get("notes")
    if not isinstance(notes, list):
        raise FetchError(f"OpenReview {forum_id}: malformed response (no notes)")
    note = next((n for n in notes if isinstance(n, dict) and n.get("id") == forum_id), None)
    if note is None:
        return None
    content = note.get("content")
    if not isinstance(content, dict):
        raise FetchError(f"OpenReview {forum_id}: malformed response (note without content)")
    venue = cleaned(_value(content, "venue"))
    return RegistryRecord(
        registry=Registry.OPENREVIEW,
        title=cleaned(_value(content, "title")),
        authors=_authors(_value(content, "authors")),
        abstract=cleaned(_value(content, "abstract")),
        published=_published(note),
        venue=venue,
        pdf_url=PDF.format(quote(forum_id, safe="")) if _value(content, "pdf") else "",
        item_type=_item_type(venue),
    )


def lookup(key: str, *, get: Fetch = fetch) -> RegistryRecord | None:
    """The OpenReview record of a forum id; v1 is asked only when v2 has no such note."""
    for api in (API_V2, API_V1):
        body = known(api.format(quote(key, safe="")), get=get)
        if body is None:
            continue
        record = parse_notes(body, key)
        if record is not None:
            return record
    return None
