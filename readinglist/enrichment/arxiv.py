"""The arXiv API (Atom): metadata, the latest version, and a journal DOI once published."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

from readinglist import identifiers as ids
from readinglist.enrichment.http import Fetch, FetchError, fetch, known
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.metadata import ItemType, clean_text

API = "https://export.arxiv.org/api/query?id_list={}"
PDF = "https://arxiv.org/pdf/{}"
_NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_ERROR_ENTRY = "/api/errors"  # the <id> of the entry arXiv sends instead of an error status
_DOCTYPE = re.compile(r"<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", re.DOTALL)


def parse_xml(body: bytes, source: str) -> ET.Element:
    """The root of an XML response, or FetchError if it is not well-formed XML.

    No DTD is ever read: the DOCTYPE line (PubMed sends one) is dropped, and a body declaring
    entities is refused outright, so neither external entities nor entity expansion can happen.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FetchError(f"{source}: malformed response (not UTF-8)") from error
    if "<!ENTITY" in text:
        raise FetchError(f"{source}: malformed response (declares XML entities)")
    text = _DOCTYPE.sub("", text, count=1)
    try:
        return ET.fromstring(text)
    except ET.ParseError as error:
        raise FetchError(f"{source}: malformed XML: {error}") from error


# "cs.CL", "hep-th", "q-bio.NC", "math-ph": what BibTeX's primaryClass names.
ARXIV_CATEGORY = re.compile(r"[a-z]+(-[a-z]+)?(\.[A-Za-z-]+)?")


def _text(node: ET.Element, path: str) -> str:
    found = node.find(path, _NS)
    return clean_text("".join(found.itertext())) if found is not None else ""


def parse_atom(body: bytes, arxiv_id: str) -> RegistryRecord | None:
    root = parse_xml(body, f"arXiv {arxiv_id}")
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise FetchError(f"arXiv {arxiv_id}: malformed response (no Atom feed)")
    entry = root.find("atom:entry", _NS)
    if entry is None:
        return None
    entry_id = _text(entry, "atom:id")
    # Besides an empty feed, "no such paper" is an error entry (an id arXiv cannot read) or,
    # from older API versions, an entry without a title.
    if _ERROR_ENTRY in entry_id or entry.find("atom:title", _NS) is None:
        return None
    found = ids.parse_arxiv(entry_id)
    if found is None or found.id != arxiv_id:
        # Attaching another paper's metadata would be worse than trying again later.
        raise FetchError(f"arXiv {arxiv_id}: malformed response (entry {entry_id!r})")
    doi = ids.clean_doi(_text(entry, "arxiv:doi"))
    return RegistryRecord(
        registry=Registry.ARXIV,
        title=_text(entry, "atom:title"),
        authors=tuple(
            name
            for node in entry.findall("atom:author/atom:name", _NS)
            if (name := clean_text(node.text or ""))
        ),
        abstract=_text(entry, "atom:summary"),
        published=_text(entry, "atom:published")[:10],
        venue=_text(entry, "arxiv:journal_ref") or "arXiv",
        pdf_url=PDF.format(arxiv_id),
        item_type=ItemType.PREPRINT,
        identifiers={"doi": doi} if doi else {},
        latest_arxiv_version=found.version,
        arxiv_category=_primary_category(entry),
    )


def _primary_category(entry: ET.Element) -> str:
    node = entry.find("arxiv:primary_category", _NS)
    term = clean_text(node.get("term") or "") if node is not None else ""
    return term if ARXIV_CATEGORY.fullmatch(term) else ""


def lookup(key: str, *, get: Fetch = fetch) -> RegistryRecord | None:
    """The arXiv record of an unversioned arXiv id ("1706.03762", "hep-th/9901001")."""
    body = known(API.format(quote(key, safe="")), get=get)
    return parse_atom(body, key) if body is not None else None
