"""Paper identity: turn a URL plus page metadata into exactly one Paper."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import CombinedExpression
from django.utils import timezone

from readinglist import identifiers as ids
from readinglist.metadata import PageMetadata, Source, merge_into
from readinglist.models import Paper, PaperIdentifier
from readinglist.search import SEARCHED_FIELDS, search_vector_of

# How a scheme named in page metadata is spelled so `identify` recognises the bare value.
_METADATA_PREFIX = {
    "arxiv": "arXiv:",
    "doi": "doi:",
    "pmid": "PMID:",
    "pmcid": "",
    "openreview": "https://openreview.net/forum?id=",
    "acl": "https://aclanthology.org/",
}


class UnidentifiablePaper(ValueError):
    """Neither the URL nor the metadata names anything a paper can be found by."""


def identifiers_for(*, url: str, metadata: PageMetadata | None) -> ids.Identifiers:
    """Everything the URL and the page's stated identifiers say about the paper's identity.

    The URL is kept as an identity key only when it implies no stronger identifier, so the
    many URL forms of an arXiv paper do not pile up while a publisher page stays findable.
    """
    from_url = ids.identify(url)
    found = from_url
    for scheme, raw in (metadata.identifiers if metadata else {}).items():
        prefix = _METADATA_PREFIX.get(scheme)
        if prefix is None or not raw:
            continue
        found = found.merged(ids.identify(prefix + raw.strip()))
    found = ids.without_derived_arxiv_doi(found)
    if found.url and any(scheme is not ids.Scheme.URL for scheme, _ in from_url.lookup_keys()):
        found = replace(found, url=None)
    return found


def _display_values(found: ids.Identifiers) -> dict[str, str]:
    display = {}
    if found.doi:
        display[ids.Scheme.DOI.value] = found.doi
    return display


def resolve_paper(
    *, found: ids.Identifiers, metadata: PageMetadata | None = None
) -> tuple[Paper, bool]:
    """The one Paper these identifiers name, created if none does; `(paper, created)`.

    A new paper is inserted with `metadata` already merged (as `apply_metadata` would) and
    carries `identifier_map`, the identifiers it claimed: a save needs no further write or
    read for it. An existing paper is returned as found.

    Safe under concurrency: two transactions creating the same paper race on the unique
    (scheme, value) index. The loser's insert of a contested key does nothing (it waits for
    the winner's commit), so it sees that it claimed fewer keys than it asked for, removes
    its own new paper and finds the winner's.
    """
    keys = found.lookup_keys()
    if not keys:
        raise UnidentifiablePaper("no identifier or URL to identify the paper by")
    for _attempt in range(3):
        paper = _existing_paper(keys)
        if paper is not None:
            _attach_missing_identifiers(paper, found)
            return paper, False
        paper = _insert_paper(found, metadata)
        claimed = _claim_identifiers(paper, found)
        if len(claimed) == len(keys):
            paper.identifier_map = dict(claimed)  # type: ignore[attr-defined]
            return paper, True
        PaperIdentifier.objects.filter(paper=paper).delete()
        Paper.objects.filter(pk=paper.pk).delete()
    raise RuntimeError("paper identity kept changing under concurrent saves")


def _insert_paper(found: ids.Identifiers, metadata: PageMetadata | None) -> Paper:
    paper = Paper(url=_primary_url(found))
    vector = _vector_after(paper, _merge_metadata(paper, found, metadata))
    if vector is not None:
        paper.search_vector = vector
    paper.save(force_insert=True)
    if vector is not None:
        del paper.search_vector  # the expression, not its value: read it back if asked
    return paper


def _claim_identifiers(paper: Paper, found: ids.Identifiers) -> list[tuple[str, str]]:
    """Insert the paper's identifiers, skipping any another paper holds; the (scheme, shown
    value) pairs it got.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING, PostgreSQL and SQLite) where
    bulk_create would need a second query to count what it inserted.
    """
    display = _display_values(found)
    rows = [
        (paper.pk, scheme.value, value, display.get(scheme.value, value))
        for scheme, value in found.lookup_keys()
    ]
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    table = PaperIdentifier._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (paper_id, scheme, value, display) VALUES {values}"
            " ON CONFLICT DO NOTHING RETURNING scheme, value, display",
            [part for row in rows for part in row],
        )
        return [(scheme, display or value) for scheme, value, display in cursor.fetchall()]


def _existing_paper(keys: list[tuple[ids.Scheme, str]]) -> Paper | None:
    condition = Q()
    for scheme, value in keys:
        condition |= Q(scheme=scheme.value, value=value)
    owners = {
        (row.scheme, row.value): row.paper_id
        for row in PaperIdentifier.objects.filter(condition).only("scheme", "value", "paper_id")
    }
    # The most specific identifier decides when two papers claim different ones.
    for scheme, value in keys:
        paper_id = owners.get((scheme.value, value))
        if paper_id is not None:
            return Paper.objects.get(pk=paper_id)
    return None


def _attach_missing_identifiers(paper: Paper, found: ids.Identifiers) -> None:
    display = _display_values(found)
    PaperIdentifier.objects.bulk_create(
        [
            PaperIdentifier(
                paper=paper,
                scheme=scheme.value,
                value=value,
                display=display.get(scheme.value, value),
            )
            for scheme, value in found.lookup_keys()
        ],
        # Keys that another paper already holds stay with it; merging papers is a separate job.
        ignore_conflicts=True,
    )


def _primary_url(found: ids.Identifiers) -> str:
    if found.arxiv:
        return ids.canonical_arxiv_url(ids.ArxivId(found.arxiv.id, None))
    if found.acl:
        return ids.acl_url(found.acl.id)
    if found.openreview:
        return ids.openreview_url(found.openreview)
    if found.doi:
        return ids.doi_url(found.doi)
    return found.url or ""


def _merge_metadata(
    paper: Paper, found: ids.Identifiers, metadata: PageMetadata | None
) -> list[str]:
    """Merge page metadata into the paper in memory, keeping the best value per field; the
    names of the fields it changed."""
    update_fields: list[str] = []
    if metadata is not None:
        current = {name: getattr(paper, name) for name in ("title", "authors", "abstract")}
        current.update(published=paper.published, venue=paper.venue, pdf_url=paper.pdf_url)
        for name, (value, source) in merge_into(current, paper.field_sources, metadata).items():
            setattr(paper, name, value)
            paper.field_sources[name] = source.value
            update_fields.append(name)
        if update_fields:
            update_fields.append("field_sources")
    newer = found.arxiv.version if found.arxiv else None
    if newer and (paper.arxiv_version is None or newer > paper.arxiv_version):
        paper.arxiv_version = newer
        update_fields.append("arxiv_version")
    if not paper.pdf_url and found.arxiv:
        paper.pdf_url = f"https://arxiv.org/pdf/{found.arxiv.id}"
        paper.field_sources["pdf_url"] = Source.DOCUMENT.value
        update_fields += ["pdf_url", "field_sources"]
    return update_fields


def _vector_after(paper: Paper, changed: list[str]) -> CombinedExpression | None:
    """The paper's new search vector if a searched field changed (PostgreSQL only)."""
    if not SEARCHED_FIELDS & set(changed):
        return None
    return search_vector_of(title=paper.title, authors=paper.authors, abstract=paper.abstract)


def apply_metadata(*, paper: Paper, found: ids.Identifiers, metadata: PageMetadata | None) -> bool:
    """Merge page metadata into a stored paper, keeping the best value per field; True if
    anything changed."""
    update_fields = _merge_metadata(paper, found, metadata)
    if update_fields:
        changes: dict[str, Any] = {name: getattr(paper, name) for name in update_fields}
        paper.updated_at = changes["updated_at"] = timezone.now()
        vector = _vector_after(paper, update_fields)
        if vector is not None:
            changes["search_vector"] = vector
        # One UPDATE for the fields and the search vector (save() and a refresh would be two).
        Paper.objects.filter(pk=paper.pk).update(**changes)
    return bool(update_fields)
