"""Page metadata as clients send it, and the rules for what a library sees of a paper.

Metadata comes in three layers. *Authoritative*: what a registry says (on the global Paper).
*Contributed*: what a library's saves and imports brought (on its Entry); several saves bring
metadata of different quality, so a Highwire `citation_title` beats an `og:title` and a title
cut short with an ellipsis never replaces the full one, whatever order the saves arrive in
(`Entry.contributed_sources` remembers where each value came from). *Overrides*: a person's
edits in that library. `effective_metadata` combines them: an override always wins in its
library, then the registry, then the library's best contribution.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

# Where a work appeared, beyond its venue: what a citation needs (BibTeX's volume, number,
# pages, and publisher, which is also a thesis's school and a report's institution).
PUBLICATION_FIELDS = ("volume", "issue", "pages", "publisher")
MERGED_FIELDS = (
    "title",
    "authors",
    "abstract",
    "published",
    "venue",
    *PUBLICATION_FIELDS,
    "pdf_url",
    "item_type",
)
# Everything a library sees of a paper, and what a person may edit in their library.
DESCRIPTIVE_FIELDS = (*MERGED_FIELDS[:-1], "url", "item_type")

MAX_LENGTHS = {
    "title": 2000,
    "abstract": 20000,
    "published": 32,
    "venue": 500,
    "volume": 50,
    "issue": 50,
    "pages": 50,
    "publisher": 300,
    "pdf_url": 2000,
    "url": 2000,
}
MAX_AUTHORS = 500
MAX_AUTHOR_LENGTH = 300


class ItemType(StrEnum):
    """What kind of work a paper is. Registries say it; a library may override it."""

    ARTICLE = "article"  # a journal article
    CONFERENCE_PAPER = "conference_paper"
    PREPRINT = "preprint"
    BOOK = "book"
    CHAPTER = "chapter"
    THESIS = "thesis"
    REPORT = "report"
    DATASET = "dataset"
    SOFTWARE = "software"
    WEBPAGE = "webpage"
    OTHER = "other"


class Source(StrEnum):
    """Where a client's value came from, best first. The rank decides which value a library
    keeps among its own contributions; "user" (typed by a person) is an override instead."""

    USER = "user"  # typed by a person in the popup or web app: this library's override
    CITATION = "citation"  # Highwire citation_* meta tags
    JSONLD = "jsonld"  # JSON-LD ScholarlyArticle
    DUBLIN_CORE = "dc"  # dc.* / DC.* / prism.* / eprints.*
    SITE = "site"  # a site adapter reading the page's own markup (arXiv, HF, OpenReview)
    OPEN_GRAPH = "og"  # og:* / twitter:*
    DOCUMENT = "document"  # <title>, the URL, guesses


SOURCE_RANK: dict[Source, int] = {
    Source.USER: 100,
    Source.CITATION: 70,
    Source.JSONLD: 60,
    Source.DUBLIN_CORE: 50,
    Source.SITE: 45,
    Source.OPEN_GRAPH: 20,
    Source.DOCUMENT: 10,
}

_ELLIPSIS = re.compile(r"\s*(\.\.\.|…)\s*$")
_SPACES = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """NFC, no control characters, NBSP and runs of white space folded to one space."""
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    return _SPACES.sub(" ", value).strip()


def is_truncation_of(candidate: str, full: str) -> bool:
    """True when `candidate` is `full` cut short (with or without a trailing ellipsis)."""
    stem = _ELLIPSIS.sub("", candidate).casefold()
    return bool(stem) and len(stem) < len(full) and full.casefold().startswith(stem)


@dataclass(frozen=True)
class PageMetadata:
    """What a client read off a page. Empty fields mean "not known", never "erase"."""

    title: str = ""
    authors: tuple[str, ...] = ()
    abstract: str = ""
    published: str = ""
    venue: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""
    pdf_url: str = ""
    item_type: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)
    source: Source = Source.DOCUMENT
    # Per-field override of `source`, e.g. {"abstract": "site"} when the abstract came from DOM.
    field_sources: dict[str, Source] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: Source = Source.DOCUMENT) -> PageMetadata:
        """Build from already validated input (the API serializer checks types and lengths)."""
        return cls(
            title=clean_text(data.get("title") or ""),
            authors=tuple(
                cleaned for name in data.get("authors") or () if (cleaned := clean_text(name))
            ),
            abstract=clean_text(data.get("abstract") or ""),
            published=clean_text(data.get("published") or data.get("date") or ""),
            venue=clean_text(data.get("venue") or ""),
            **{name: clean_text(data.get(name) or "") for name in PUBLICATION_FIELDS},
            pdf_url=(data.get("pdf_url") or "").strip(),
            item_type=data.get("item_type") or "",
            identifiers=dict(data.get("identifiers") or {}),
            source=Source(data.get("source") or source),
            field_sources={k: Source(v) for k, v in (data.get("field_sources") or {}).items()},
        )

    def source_of(self, name: str) -> Source:
        return self.field_sources.get(name, self.source)

    def contributed(self) -> PageMetadata:
        """The fields a person typed ("user") removed: what merges into `contributed`."""
        if self.source is not Source.USER and Source.USER not in self.field_sources.values():
            return self
        blank = {
            name: () if name == "authors" else ""
            for name in MERGED_FIELDS
            if self.source_of(name) is Source.USER
        }
        kept = {k: v for k, v in self.field_sources.items() if v is not Source.USER}
        base = Source.DOCUMENT if self.source is Source.USER else self.source
        return replace(self, **blank, source=base, field_sources=kept)  # type: ignore[arg-type]

    def overrides(self) -> dict[str, Any]:
        """The non-empty fields a person typed ("user"): this library's overrides."""
        return {
            name: self.value_of(name)
            for name in MERGED_FIELDS
            if self.source_of(name) is Source.USER and self.value_of(name)
        }

    def value_of(self, name: str) -> Any:
        return list(self.authors) if name == "authors" else getattr(self, name)


def merge_into(
    current: dict[str, Any], sources: dict[str, str], incoming: PageMetadata
) -> dict[str, tuple[Any, Source]]:
    """The fields `incoming` should overwrite in `current`, with the source each comes from.

    `current` maps field names to the paper's values and `sources` to where they came from.
    A field is replaced when the incoming source ranks higher, or ranks the same and the
    current value is empty, and never by a truncated copy of the current value. A value that
    is the full form of a truncated current value replaces it whatever the ranks.
    """
    changes: dict[str, tuple[Any, Source]] = {}
    for name in MERGED_FIELDS:
        new = incoming.value_of(name)
        if not new:
            continue
        old = current.get(name) or ("" if name != "authors" else [])
        if new == old:
            continue
        new_source = incoming.source_of(name)
        old_rank = SOURCE_RANK.get(Source(sources[name]), 0) if name in sources else -1
        new_rank = SOURCE_RANK[new_source]
        if isinstance(new, str) and isinstance(old, str) and old:
            if is_truncation_of(new, old):
                continue
            if is_truncation_of(old, new):
                changes[name] = (new, new_source)
                continue
        if not old or new_rank > old_rank:
            changes[name] = (new, new_source)
    return changes


def empty_value(name: str) -> Any:
    return [] if name == "authors" else ""


def effective_metadata(
    *,
    authoritative: Mapping[str, Any],
    contributed: Mapping[str, Any],
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """What a library sees of a paper: per field, its override, else the registry's value,
    else its own best contribution. The registry's value gives way only to the same text in
    a fuller form: the page's "Title: Subtitle" when the registry has only "Title", the
    page's abstract when the registry's is cut short, a page's "Deep Learning" over a
    registry's "DEEP LEARNING"."""
    seen: dict[str, Any] = {}
    for name in DESCRIPTIVE_FIELDS:
        if name in overrides:
            seen[name] = overrides[name]
        elif name == "item_type" and _only_on_arxiv(authoritative, contributed):
            seen[name] = contributed[name]
        elif authoritative.get(name):
            own = contributed.get(name)
            seen[name] = (
                own if _fuller_form(name, own, of=authoritative[name]) else authoritative[name]
            )
        else:
            seen[name] = contributed.get(name) or empty_value(name)
    return seen


_SUBTITLE = re.compile(r"\s*[:.?!]\s+\S")


def _fuller_form(name: str, own: Any, *, of: Any) -> bool:
    """Whether a library's own text is the registry's text, only whole or properly cased.
    A title's extra words count only as a subtitle (": …"): " | Site" is a page's tail."""
    if name not in ("title", "abstract", "venue") or not isinstance(of, str):
        return False
    if not isinstance(own, str) or not own:
        return False
    if of.isupper() and not own.isupper() and of.casefold() == own.casefold():
        return True
    if not is_truncation_of(of, own):
        return False
    if name == "abstract":
        return True
    stem = _ELLIPSIS.sub("", of)
    return name == "title" and bool(_SUBTITLE.match(own[len(stem) :]))


def _only_on_arxiv(authoritative: Mapping[str, Any], contributed: Mapping[str, Any]) -> bool:
    """Whether the registry's type says no more than "it is on arXiv" (arXiv calls
    everything a preprint) while the library knows it as something else: the ICLR paper a
    reference list cites as @inproceedings stays a conference paper."""
    return authoritative.get("item_type") == ItemType.PREPRINT and contributed.get(
        "item_type"
    ) not in (None, "", ItemType.PREPRINT)


_NOT_WORD = re.compile(r"[^\w]+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", bare).replace("_", " ").strip()


def family_name(author: str) -> str:
    """The family name of "Family, Given" or "Given Family" (the last word)."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    words = author.split()
    return words[-1] if words else ""


def fingerprint(*, title: str, authors: tuple[str, ...] | list[str], published: str) -> str | None:
    """The identity of a work that has no identifier: normalized title, the first author's
    family name and the year ("attention is all you need|vaswani|2017"). None without a
    title; author and year may be empty."""
    folded_title = " ".join(_fold(title).split())
    if len(folded_title) < 3:
        return None
    family = _fold(family_name(authors[0])) if authors else ""
    year = _YEAR.search(published)
    return f"{folded_title}|{family}|{year.group(1) if year else ''}"
