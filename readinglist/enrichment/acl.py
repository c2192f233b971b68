"""The ACL Anthology: the BibTeX it publishes for each paper."""

from __future__ import annotations

from urllib.parse import quote

from readinglist import identifiers as ids
from readinglist.enrichment.http import Fetch, FetchError, fetch, known
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.io.bibtex import parse_bibtex
from readinglist.io.records import ImportFileError
from readinglist.metadata import ItemType

BIB = "https://aclanthology.org/{}.bib"
PDF = "https://aclanthology.org/{}.pdf"
KIND_ITEM_TYPES = {"inproceedings": ItemType.CONFERENCE_PAPER, "article": ItemType.ARTICLE}


def parse_bib(body: bytes, acl_id: str) -> RegistryRecord:
    source = f"ACL Anthology {acl_id}"
    try:
        records = parse_bibtex(body.decode("utf-8"))
    except (UnicodeDecodeError, ImportFileError) as error:
        raise FetchError(f"{source}: malformed BibTeX: {error}") from error
    if not records:  # an HTML page or an empty body parses as no entry at all
        raise FetchError(f"{source}: malformed response (no BibTeX entry)")
    record = records[0]
    doi = record.identifiers.get("doi")
    identifiers = {"doi": doi} if doi else {}
    identifiers["url"] = ids.acl_url(acl_id)
    return RegistryRecord(
        registry=Registry.ACL,
        title=record.title,
        # The Anthology writes every name "Family, Given", which is what we store.
        authors=record.authors,
        abstract=record.abstract,
        published=record.published,
        venue=record.venue,
        pdf_url=PDF.format(quote(acl_id, safe="")),
        item_type=KIND_ITEM_TYPES.get(record.kind, ItemType.OTHER),
        identifiers=identifiers,
    )


def lookup(key: str, *, get: Fetch = fetch) -> RegistryRecord | None:
    """The Anthology's record of an ACL id ("P18-1001", "2021.naacl-main.208")."""
    body = known(BIB.format(quote(key, safe="")), get=get)
    return parse_bib(body, key) if body is not None else None
