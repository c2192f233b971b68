"""What a registry answers about one work: the shape every registry client returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Registry(StrEnum):
    """The registries the server asks, by the identifier scheme each one owns."""

    ARXIV = "arxiv"  # export.arxiv.org API (arXiv ids)
    CROSSREF = "crossref"  # api.crossref.org (DOIs)
    DATACITE = "datacite"  # api.datacite.org (DOIs Crossref does not hold: arXiv, Zenodo)
    OPENREVIEW = "openreview"  # api2.openreview.net (OpenReview forum ids)
    ACL = "acl"  # aclanthology.org (ACL Anthology ids)
    PUBMED = "pubmed"  # NCBI E-utilities (PMIDs, PMCIDs)
    OPEN_LIBRARY = "openlibrary"  # openlibrary.org Books API (ISBNs)


@dataclass(frozen=True)
class RegistryRecord:
    """Authoritative metadata of one work, as its registry states it.

    Empty strings and tuples mean "the registry did not say". `identifiers` holds the other
    identifiers the registry ties to this work, in the spelling `PageMetadata.identifiers`
    uses (``{"doi": "10.1145/...", "arxiv": "1706.03762", "pmid": "...", "pmcid": "PMC...",
    "isbn": "978...", "url": "https://landing.page/..."}``); they are confirmed by the registry,
    so the server may attach them to the global paper.
    """

    registry: Registry
    title: str = ""
    authors: tuple[str, ...] = ()
    abstract: str = ""
    published: str = ""  # ISO 8601 date, possibly partial: "2017", "2017-06", "2017-06-12"
    venue: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""  # also a thesis's school, a report's institution
    pdf_url: str = ""
    item_type: str = ""  # an `ItemType` value, or "" when the registry does not say
    identifiers: dict[str, str] = field(default_factory=dict)
    latest_arxiv_version: int | None = None  # arXiv only: the newest version number
    arxiv_category: str = ""  # arXiv only: its primary category ("cs.CL")
