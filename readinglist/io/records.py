"""The neutral record that every parser produces and every writer consumes."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from django.core.signing import BadSignature, Signer

from readinglist.metadata import ItemType, clean_text
from readinglist.numbers import ascii_digits

# Schemes a record may carry, in the spelling `PageMetadata.identifiers` uses.
SCHEMES = ("arxiv", "doi", "isbn", "pmid", "pmcid", "openreview", "acl")

# BibTeX-style record kinds (every format's parser speaks them) and the item types they mean.
KIND_ITEM_TYPES = {
    "article": ItemType.ARTICLE,
    "inproceedings": ItemType.CONFERENCE_PAPER,
    "preprint": ItemType.PREPRINT,
    "conference": ItemType.CONFERENCE_PAPER,
    "book": ItemType.BOOK,
    "inbook": ItemType.CHAPTER,
    "incollection": ItemType.CHAPTER,
    "phdthesis": ItemType.THESIS,
    "mastersthesis": ItemType.THESIS,
    "thesis": ItemType.THESIS,
    "techreport": ItemType.REPORT,
    "report": ItemType.REPORT,
    "dataset": ItemType.DATASET,
    "software": ItemType.SOFTWARE,
    "online": ItemType.WEBPAGE,
    "webpage": ItemType.WEBPAGE,
    "electronic": ItemType.WEBPAGE,
    "www": ItemType.WEBPAGE,
}
# The kind every format writes for an item type (each format names it its own way).
ITEM_TYPE_KINDS = {
    ItemType.ARTICLE: "article",
    ItemType.CONFERENCE_PAPER: "inproceedings",
    ItemType.PREPRINT: "preprint",
    ItemType.BOOK: "book",
    ItemType.CHAPTER: "incollection",
    ItemType.THESIS: "phdthesis",
    ItemType.REPORT: "techreport",
    ItemType.DATASET: "dataset",
    ItemType.SOFTWARE: "software",
    ItemType.WEBPAGE: "online",
    ItemType.OTHER: "misc",
}

_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True)
class Record:
    """One bibliographic item as read from (or written to) a file.

    `line` is the 1-based line the item starts on in its file (0 when unknown); `kind` is a
    BibTeX-style entry type (article, inproceedings, misc, ...), or one of the kinds BibTeX
    lacks (preprint, dataset, software, online) that `ITEM_TYPE_KINDS` names.
    """

    title: str = ""
    authors: tuple[str, ...] = ()
    published: str = ""
    venue: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""  # also a thesis's school and a report's institution
    abstract: str = ""
    url: str = ""
    pdf_url: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    kind: str = "misc"
    citekey: str = ""
    aliases: tuple[str, ...] = ()  # other keys documents cite the item by
    arxiv_category: str = ""  # arXiv's primary category (cs.CL), for BibTeX's primaryClass
    line: int = 0

    def comparable(self) -> tuple[object, ...]:
        """Everything that describes the item, without where it came from (line, citekey)."""
        return (
            self.title,
            self.authors,
            self.published,
            self.venue,
            self.volume,
            self.issue,
            self.pages,
            self.publisher,
            self.abstract,
            self.url,
            self.pdf_url,
            tuple(sorted(self.identifiers.items())),
            tuple(sorted(self.tags, key=str.casefold)),
            self.kind,
        )


# Marks a stored file as its records, read already (`records_to_json`), not the file's text.
# The records are signed: an uploaded file that starts with the marker is only a file, never
# records that would skip the parsers' checks.
_PARSED = "parsed-records:1:"
_SIGNER = Signer(salt="readinglist.io.records")


def records_to_json(records: Sequence[Record], errors: Sequence[tuple[int, str]] = ()) -> str:
    """A file's records (and the (line, message) of those that did not read) as signed JSON:
    what a queued import keeps, so the worker does not read the file a second time."""
    body = json.dumps(
        {"records": [asdict(record) for record in records], "errors": [list(e) for e in errors]},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return _PARSED + _SIGNER.sign(body)


def records_from_json(text: str) -> tuple[list[Record], list[tuple[int, str]]] | None:
    """What `records_to_json` wrote; None for any other text (a file not read yet, or one
    that only looks like records)."""
    if not text.startswith(_PARSED):
        return None
    try:
        body = _SIGNER.unsign(text[len(_PARSED) :])
    except BadSignature:
        return None
    data = json.loads(body)
    records = [
        Record(
            **{
                **row,
                "authors": tuple(row["authors"]),
                "tags": tuple(row["tags"]),
                "aliases": tuple(row["aliases"]),
            }
        )
        for row in data["records"]
    ]
    return records, [(int(line), str(message)) for line, message in data["errors"]]


class ImportFileError(ValueError):
    """A file that cannot be read in full; `errors` are (1-based line, message) pairs, and
    `records` the items that did read (a tolerant import imports those)."""

    def __init__(
        self, errors: list[tuple[int, str]], *, records: list[Record] | None = None
    ) -> None:
        self.errors = sorted(errors)
        self.records = records or []
        super().__init__("; ".join(f"line {line}: {message}" for line, message in self.errors))


def split_date(published: str) -> tuple[str, str, str]:
    """(year, month, day) of an ISO date that may be partial; empty strings for what is absent."""
    m = _ISO_DATE.match(published.strip())
    if m is None:
        return "", "", ""
    return m.group(1), m.group(2) or "", m.group(3) or ""


def join_date(year: str, month: str = "", day: str = "") -> str:
    year = year.strip()
    if not re.fullmatch(r"[0-9]{4}", year):
        return ""
    month = month.strip()
    if not ascii_digits(month) or not 1 <= int(month) <= 12:
        return year
    day = day.strip()
    if not ascii_digits(day) or not 1 <= int(day) <= 31:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def cleaned(value: object) -> str:
    return clean_text(value) if isinstance(value, str) else ""
