"""Crossref (and DataCite, for DOIs Crossref does not hold) metadata by DOI."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from readinglist.enrichment.http import Fetch, FetchError, fetch
from readinglist.metadata import PageMetadata, Source, clean_text

CROSSREF = "https://api.crossref.org/works/{}"
DATACITE = "https://api.datacite.org/dois/{}"


def _date(parts: Any) -> str:
    try:
        numbers = [int(p) for p in parts["date-parts"][0]]
    except (KeyError, IndexError, TypeError, ValueError):
        return ""
    return "-".join(f"{n:02d}" if i else f"{n:04d}" for i, n in enumerate(numbers[:3]))


def parse_crossref(body: bytes) -> PageMetadata | None:
    message = json.loads(body).get("message")
    if not isinstance(message, dict):
        return None
    authors = []
    for a in message.get("author") or []:
        family, given = clean_text(a.get("family", "")), clean_text(a.get("given", ""))
        name = f"{family}, {given}" if family and given else family or clean_text(a.get("name", ""))
        if name:
            authors.append(name)
    issued = message.get("published") or message.get("issued") or {}
    return PageMetadata(
        title=clean_text(" ".join(message.get("title") or [])),
        authors=tuple(authors),
        published=_date(issued),
        venue=clean_text(" ".join(message.get("container-title") or [])),
        source=Source.REGISTRY,
    )


def parse_datacite(body: bytes) -> PageMetadata | None:
    data = json.loads(body).get("data", {}).get("attributes")
    if not isinstance(data, dict):
        return None
    titles = data.get("titles") or [{}]
    authors = [clean_text(c.get("name", "")) for c in data.get("creators") or [] if c.get("name")]
    abstracts = [d.get("description", "") for d in data.get("descriptions") or []]
    return PageMetadata(
        title=clean_text(titles[0].get("title", "")),
        authors=tuple(authors),
        abstract=clean_text(abstracts[0]) if abstracts else "",
        published=str(data.get("publicationYear") or ""),
        venue=clean_text(data.get("publisher") or "")
        if isinstance(data.get("publisher"), str)
        else "",
        source=Source.REGISTRY,
    )


def lookup(doi: str, *, get: Fetch = fetch) -> PageMetadata | None:
    """Crossref first; DataCite when Crossref does not know the DOI (arXiv, Zenodo DOIs)."""
    try:
        return parse_crossref(get(CROSSREF.format(quote(doi, safe="/"))))
    except FetchError:
        return parse_datacite(get(DATACITE.format(quote(doi, safe="/"))))
