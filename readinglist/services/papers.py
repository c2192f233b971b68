"""Paper identity: which global Paper a save, an import record or a restore is about.

Identifiers come from two places. The server reads some from the URL itself (`from_url`:
an arXiv abstract page names its arXiv id whoever sends it); the client states others (a
page's `citation_doi`, an import record's fields: `stated`), and a client may state
anything. So a stated identifier helps find the paper, but becomes a global key of a Paper
only when it is the key a new paper was created by, or when a registry confirms it
(`readinglist.enrichment`). Every other key a save brings stays with the library that sent it
(`EntryIdentifier`) and finds the entry in that library only. A work with no identifier at
all is found by its fingerprint (normalized title, first author, year).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from django.db import connection
from django.utils import timezone

from readinglist import identifiers as ids
from readinglist import sql
from readinglist.errors import DomainError
from readinglist.metadata import ItemType, PageMetadata, fingerprint
from readinglist.models import Entry, EntryIdentifier, Paper, PaperIdentifier
from readinglist.services.queue import REGISTRY_SCHEMES

Key = tuple[str, str]  # (scheme, normalized value)

# How a scheme named in page metadata is spelled so `identify` recognises the bare value.
_METADATA_PREFIX = {
    "arxiv": "arXiv:",
    "doi": "doi:",
    "pmid": "PMID:",
    "pmcid": "",
    "openreview": "https://openreview.net/forum?id=",
    "acl": "https://aclanthology.org/",
    "isbn": "ISBN ",
}
# Which stated identifier names a new paper when the URL names none: the DOI of a publisher
# page first (the page is its landing page), then the others.
_STATED_PREFERENCE = ("doi", "arxiv", "pmid", "pmcid", "openreview", "acl", "isbn")


class UnidentifiablePaper(DomainError, ValueError):
    """Neither the URL nor the metadata names anything a paper can be found by."""

    field = "url"
    default_message = "no identifier or URL to identify the paper by"


@dataclass(frozen=True)
class Identity:
    """What a save says about which work it is about."""

    from_url: ids.Identifiers
    stated: ids.Identifiers
    fingerprint: str | None = None
    # Why the URL names nothing, when it says more than "not a paper" (an ISBN with a typo).
    problem: str = ""

    def keys(self) -> list[Key]:
        """Every key, strongest first: the URL's own, then the stated ones, then the
        fingerprint (only for a work named by nothing else)."""
        found: list[Key] = []
        for scheme, value in (*self.from_url.lookup_keys(), *self.stated.lookup_keys()):
            if (scheme.value, value) not in found:
                found.append((scheme.value, value))
        if not found and self.fingerprint:
            found.append((PaperIdentifier.Scheme.FINGERPRINT.value, self.fingerprint))
        return found

    def creating_keys(self) -> list[Key]:
        """The keys a new paper is created with: the URL's own identifiers when it names any
        besides itself; else the strongest stated identifier; else the URL; else the
        fingerprint."""
        own = [(s.value, v) for s, v in self.from_url.lookup_keys() if s is not ids.Scheme.URL]
        if own:
            return own
        stated = {s.value: v for s, v in self.stated.lookup_keys()}
        for scheme in _STATED_PREFERENCE:
            if scheme in stated:
                return [(scheme, stated[scheme])]
        if self.from_url.url:
            return [(ids.Scheme.URL.value, self.from_url.url)]
        if self.fingerprint:
            return [(PaperIdentifier.Scheme.FINGERPRINT.value, self.fingerprint)]
        return []

    def display(self, key: Key) -> str:
        """How a key is shown: a DOI keeps the case it was given in."""
        scheme, value = key
        if scheme == ids.Scheme.DOI.value:
            for found in (self.from_url, self.stated):
                if found.doi is not None and ids.doi_key(found.doi) == value:
                    return found.doi
        return value


def stated_identifiers(metadata: PageMetadata | None) -> ids.Identifiers:
    found = ids.Identifiers()
    for scheme, raw in (metadata.identifiers if metadata else {}).items():
        prefix = _METADATA_PREFIX.get(scheme)
        if prefix is None or not raw:
            continue
        parsed = ids.identify(prefix + raw.strip())
        found = found.merged(replace(parsed, url=None))
    return ids.without_derived_arxiv_doi(found)


def identity_for(*, url: str, metadata: PageMetadata | None) -> Identity:
    """Everything the URL, the stated identifiers and the metadata say about the work.

    The URL is kept as a key only when it implies no stronger identifier, so the many URL
    forms of an arXiv paper do not pile up while a publisher page stays findable.
    """
    from_url = ids.without_derived_arxiv_doi(ids.identify(url)) if url else ids.Identifiers()
    if from_url.url and any(s is not ids.Scheme.URL for s, _ in from_url.lookup_keys()):
        from_url = replace(from_url, url=None)
    print_ = None
    if metadata is not None:
        print_ = fingerprint(
            title=metadata.title, authors=metadata.authors, published=metadata.published
        )
    return Identity(
        from_url=from_url,
        stated=stated_identifiers(metadata),
        fingerprint=print_,
        problem=(ids.isbn_problem(url) or "") if url else "",
    )


@dataclass(frozen=True)
class Resolution:
    paper: Paper
    created: bool
    # Keys of this save that the paper does not hold globally: they stay with the library.
    local_keys: list[tuple[str, str, str]]  # (scheme, value, display)


def resolve_paper(*, identity: Identity, library_id: int | None) -> Resolution:
    """The one Paper this identity names (as seen from `library_id`), created if none does.

    Global keys decide first, then keys this library stated for one of its entries; by key
    strength either way. Safe under concurrency: two transactions creating the same paper
    race on the unique (scheme, value) index. The loser's insert of a contested key does
    nothing (it waits for the winner's commit), so it sees that it claimed fewer keys than
    it asked for, removes its own new paper and finds the winner's.
    """
    keys = identity.keys()
    if not keys:
        raise UnidentifiablePaper(identity.problem)
    for _attempt in range(3):
        paper, global_keys = _existing_paper(keys, library_id)
        if paper is not None:
            return Resolution(paper, False, _local(identity, keys, global_keys))
        creating = identity.creating_keys()
        paper = _insert_paper(identity, creating)
        claimed = _claim_identifiers(paper, identity, creating)
        if len(claimed) == len(creating):
            paper.identifier_map = dict(claimed)  # type: ignore[attr-defined]
            return Resolution(paper, True, _local(identity, keys, set(creating)))
        PaperIdentifier.objects.filter(paper=paper).delete()
        Paper.objects.filter(pk=paper.pk).delete()
    raise RuntimeError("paper identity kept changing under concurrent saves")


def find_paper(*, identity: Identity, library_id: int | None) -> Paper | None:
    """The paper `resolve_paper` would find, or None where it would create one."""
    keys = identity.keys()
    return _existing_paper(keys, library_id)[0] if keys else None


def _local(
    identity: Identity, keys: list[Key], global_keys: set[Key]
) -> list[tuple[str, str, str]]:
    return [(*key, identity.display(key)) for key in keys if key not in global_keys]


def _existing_paper(keys: list[Key], library_id: int | None) -> tuple[Paper | None, set[Key]]:
    """The paper the strongest known key names, and the keys of `keys` it holds globally."""
    owners, local = key_owners(keys, library_id)
    for key in keys:
        paper_id = owners.get(key) or local.get(key)
        if paper_id is not None:
            paper = _follow_merges(Paper.objects.get(pk=paper_id))
            return paper, {k for k, owner in owners.items() if owner == paper.pk}
    return None, set()


# A save states a few keys; more than this are an import's batch.
_FEW_KEYS = 16


def key_owners(
    keys: Sequence[Key], library_id: int | None
) -> tuple[dict[Key, int], dict[Key, int]]:
    """Which paper holds each of `keys` globally, and which paper's entry in `library_id` the
    library stated it for, in one statement (an import asks for a whole batch's keys)."""
    if not keys:
        return {}, {}
    if connection.vendor == "postgresql" and len(keys) > _FEW_KEYS:
        # Hundreds of keys: one pair of arrays, where an OR of hundreds of pairs took the
        # planner longer than the lookups.
        condition = "(scheme, value) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
        params: list[object] = [[scheme for scheme, _ in keys], [value for _, value in keys]]
    else:
        condition = " OR ".join(["(scheme = %s AND value = %s)"] * len(keys))
        params = [part for key in keys for part in key]
    local_condition = condition.replace("scheme", "li.scheme").replace("value", "li.value")
    statement = (
        f"SELECT scheme, value, paper_id, 0 FROM {PaperIdentifier._meta.db_table} WHERE {condition}"
    )
    if library_id is not None:
        statement += (
            f" UNION ALL SELECT li.scheme, li.value, e.paper_id, 1"
            f" FROM {EntryIdentifier._meta.db_table} li"
            f" JOIN {Entry._meta.db_table} e ON e.id = li.entry_id"
            f" WHERE li.library_id = %s AND ({local_condition})"
        )
        params += [library_id, *params]
    owners: dict[Key, int] = {}
    local: dict[Key, int] = {}
    for scheme, value, paper_id, stated in sql.rows(statement, params):
        (local if stated else owners).setdefault((scheme, value), paper_id)
    return owners, local


def _follow_merges(paper: Paper) -> Paper:
    seen = {paper.pk}
    while paper.merged_into_id is not None and paper.merged_into_id not in seen:
        seen.add(paper.merged_into_id)
        paper = Paper.objects.get(pk=paper.merged_into_id)
    return paper


def _insert_paper(identity: Identity, creating: list[Key]) -> Paper:
    paper = unsaved_paper(identity, creating)
    sql.insert(paper)
    return paper


def unsaved_paper(identity: Identity, creating: list[Key]) -> Paper:
    """A new paper (not saved yet) with what its identifiers alone say (links, an arXiv
    paper's type): what `resolve_paper` creates, and an import creates a batch of at once."""
    schemes = {scheme for scheme, _ in creating}
    arxiv = identity.from_url.arxiv if "arxiv" in schemes else None
    if arxiv is None and "arxiv" in schemes:
        arxiv = identity.stated.arxiv
    asked = bool(schemes & REGISTRY_SCHEMES)
    return Paper(
        url=_primary_url(identity, creating),
        pdf_url=f"https://arxiv.org/pdf/{arxiv.id}" if arxiv else "",
        item_type=_item_type_of(identity, schemes),
        enrichment=Paper.Enrichment.PENDING if asked else Paper.Enrichment.NONE,
        enrichment_retry_at=timezone.now() if asked else None,
    )


# Hosts that publish only conference proceedings (PMLR, NeurIPS, CVF, IJCAI, AAAI).
_PROCEEDINGS_HOSTS = frozenset(
    {
        "proceedings.mlr.press",
        "papers.nips.cc",
        "papers.neurips.cc",
        "proceedings.neurips.cc",
        "openaccess.thecvf.com",
        "www.ijcai.org",
        "ojs.aaai.org",
    }
)
# ACL Anthology ids of its journals (TACL, Computational Linguistics): new and old forms.
_ACL_JOURNAL = re.compile(r"\d{4}\.(tacl|cl)-|[QJ]\d\d-", re.IGNORECASE)


def _item_type_of(identity: Identity, schemes: set[str]) -> str:
    """What kind of work the identifiers alone say it is (a registry may say better): an
    arXiv paper a preprint, OpenReview's and the ACL Anthology's conference papers (but
    the Anthology's journals' articles), a work with an ISBN a book."""
    found = identity.from_url.merged(identity.stated)
    if "arxiv" in schemes:
        return ItemType.PREPRINT.value
    if "acl" in schemes and found.acl is not None:
        journal = _ACL_JOURNAL.match(found.acl.id) is not None
        return (ItemType.ARTICLE if journal else ItemType.CONFERENCE_PAPER).value
    if "openreview" in schemes:
        return ItemType.CONFERENCE_PAPER.value
    if "isbn" in schemes:
        return ItemType.BOOK.value
    host = urlsplit(identity.from_url.url or "").hostname or ""
    if host in _PROCEEDINGS_HOSTS:
        return ItemType.CONFERENCE_PAPER.value
    return ""


def _claim_identifiers(paper: Paper, identity: Identity, keys: list[Key]) -> list[Key]:
    """Insert the paper's identifiers, skipping any another paper holds; the (scheme, shown
    value) pairs it got.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING, PostgreSQL and SQLite) where
    bulk_create would need a second query to count what it inserted.
    """
    rows = [(paper.pk, scheme, value, identity.display((scheme, value))) for scheme, value in keys]
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    table = PaperIdentifier._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (paper_id, scheme, value, display) VALUES {values}"
            " ON CONFLICT DO NOTHING RETURNING scheme, value, display",
            [part for row in rows for part in row],
        )
        return [(scheme, display or value) for scheme, value, display in cursor.fetchall()]


def _primary_url(identity: Identity, creating: list[Key]) -> str:
    schemes = {scheme for scheme, _ in creating}
    for found in (identity.from_url, identity.stated):
        if found.arxiv and "arxiv" in schemes:
            return ids.canonical_arxiv_url(ids.ArxivId(found.arxiv.id, None))
        if found.acl and "acl" in schemes:
            return ids.acl_url(found.acl.id)
        if found.openreview and "openreview" in schemes:
            return ids.openreview_url(found.openreview)
        if found.doi and "doi" in schemes:
            return ids.doi_url(found.doi)
        if found.pmid and "pmid" in schemes:
            return f"https://pubmed.ncbi.nlm.nih.gov/{found.pmid}/"
        if found.pmcid and "pmcid" in schemes:
            return f"https://pmc.ncbi.nlm.nih.gov/articles/{found.pmcid}/"
        if found.isbn and "isbn" in schemes:
            return ids.isbn_url(found.isbn)
    return identity.from_url.url or ""
