"""The arXiv API (Atom): metadata, the latest version, and a journal DOI once published."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import quote

from readinglist.enrichment.http import Fetch, fetch
from readinglist.metadata import PageMetadata, Source, clean_text

API = "https://export.arxiv.org/api/query?id_list={}"
_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
}
_VERSION = re.compile(r"v(\d+)$")


@dataclass(frozen=True)
class ArxivRecord:
    metadata: PageMetadata
    latest_version: int | None
    journal_doi: str | None


def parse_atom(body: bytes) -> ArxivRecord | None:
    root = ET.fromstring(body)  # arXiv's own API, no DTDs
    entry = root.find("atom:entry", _NS)
    if entry is None or entry.find("atom:title", _NS) is None:
        return None

    def text(path: str) -> str:
        node = entry.find(path, _NS)
        return clean_text(node.text or "") if node is not None else ""

    entry_id = text("atom:id")
    m = _VERSION.search(entry_id)
    doi = text("arxiv:doi") or None
    return ArxivRecord(
        metadata=PageMetadata(
            title=text("atom:title"),
            authors=tuple(
                clean_text(n.text or "")
                for n in entry.findall("atom:author/atom:name", _NS)
                if n.text
            ),
            abstract=text("atom:summary"),
            published=text("atom:published")[:10],
            venue=text("arxiv:journal_ref"),
            source=Source.REGISTRY,
        ),
        latest_version=int(m.group(1)) if m else None,
        journal_doi=doi,
    )


def lookup(arxiv_id: str, *, get: Fetch = fetch) -> ArxivRecord | None:
    return parse_atom(get(API.format(quote(arxiv_id, safe=""))))
