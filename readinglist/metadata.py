"""Page metadata as clients send it, and the rule for merging it into a Paper.

Several saves of one paper bring metadata of different quality: a Highwire `citation_title`
beats an `og:title`, and a title cut short with an ellipsis never replaces the full one. Each
Paper remembers which source gave each field (`Paper.field_sources`) so the merge is stable
whatever order the saves arrive in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MERGED_FIELDS = ("title", "authors", "abstract", "published", "venue", "pdf_url")

MAX_LENGTHS = {
    "title": 2000,
    "abstract": 20000,
    "published": 32,
    "venue": 500,
    "pdf_url": 2000,
}
MAX_AUTHORS = 500
MAX_AUTHOR_LENGTH = 300


class Source(StrEnum):
    """Where a value came from, best first. The rank decides which value a Paper keeps."""

    USER = "user"  # typed by a person in the popup or web app
    REGISTRY = "registry"  # arXiv API, Crossref, DataCite
    CITATION = "citation"  # Highwire citation_* meta tags
    JSONLD = "jsonld"  # JSON-LD ScholarlyArticle
    DUBLIN_CORE = "dc"  # dc.* / DC.* / prism.* / eprints.*
    SITE = "site"  # a site adapter reading the page's own markup (arXiv, HF, OpenReview)
    OPEN_GRAPH = "og"  # og:* / twitter:*
    DOCUMENT = "document"  # <title>, the URL, guesses


SOURCE_RANK: dict[Source, int] = {
    Source.USER: 100,
    Source.REGISTRY: 80,
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
    pdf_url: str = ""
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
            pdf_url=(data.get("pdf_url") or "").strip(),
            identifiers=dict(data.get("identifiers") or {}),
            source=Source(data.get("source") or source),
            field_sources={k: Source(v) for k, v in (data.get("field_sources") or {}).items()},
        )

    def source_of(self, name: str) -> Source:
        return self.field_sources.get(name, self.source)

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
