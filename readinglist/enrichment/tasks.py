"""After a save: complete a paper from registries and watch for new versions / a journal DOI.

`enqueue_enrichment(paper_id)` runs the task once the saving transaction commits. Changes are
stamped on every entry of the paper (one version bump per library), so everyone who saved it
sees the update in their changes feed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.tasks import task

from readinglist import identifiers as ids
from readinglist.enrichment import arxiv, crossref
from readinglist.enrichment.http import Fetch, FetchError, fetch
from readinglist.metadata import PageMetadata
from readinglist.models import Entry, Paper, PaperIdentifier
from readinglist.services.papers import apply_metadata
from readinglist.services.versioning import begin_library_write


@dataclass(frozen=True)
class EnrichmentResult:
    changed: bool
    new_version: int | None = None
    published_doi: str | None = None


def enrich_paper(*, paper_id: int, get: Fetch = fetch) -> EnrichmentResult:
    """Fetch registry metadata for the paper (network outside the transaction), then apply it."""
    paper = Paper.objects.get(pk=paper_id)
    keys = dict(paper.identifiers.values_list("scheme", "value"))
    displays = dict(paper.identifiers.values_list("scheme", "display"))
    from_arxiv: arxiv.ArxivRecord | None = None
    from_doi: PageMetadata | None = None
    try:
        if "arxiv" in keys:
            from_arxiv = arxiv.lookup(keys["arxiv"], get=get)
        doi = displays.get("doi") or (from_arxiv.journal_doi if from_arxiv else None)
        if doi:
            from_doi = crossref.lookup(doi, get=get)
    except (FetchError, ValueError):
        pass  # registries are best effort; the next save tries again
    with transaction.atomic():
        paper = Paper.objects.select_for_update().get(pk=paper_id)
        changed = False
        new_version = None
        published_doi = None
        for metadata in (from_doi, from_arxiv.metadata if from_arxiv else None):
            if metadata is not None:
                changed |= apply_metadata(paper=paper, found=ids.Identifiers(), metadata=metadata)
        latest = from_arxiv.latest_version if from_arxiv else None
        if latest and (paper.arxiv_version is None or latest > paper.arxiv_version):
            paper.arxiv_version = new_version = latest
            paper.save(update_fields=["arxiv_version", "updated_at"])
            changed = True
        journal = from_arxiv.journal_doi if from_arxiv else None
        if journal and (clean := ids.clean_doi(journal)) and "doi" not in keys:
            _, created = PaperIdentifier.objects.get_or_create(
                scheme="doi", value=ids.doi_key(clean), defaults={"paper": paper, "display": clean}
            )
            if created:
                published_doi = clean
                changed = True
        if changed:
            _stamp_entries(paper)
    return EnrichmentResult(changed, new_version, published_doi)


def _stamp_entries(paper: Paper) -> None:
    for library_id in sorted(
        Entry.objects.filter(paper=paper).values_list("library_id", flat=True).distinct()
    ):
        library = begin_library_write(library_id=library_id)
        Entry.objects.filter(paper=paper, library_id=library_id).update(version=library.version)


@task()
def enrich_paper_task(paper_id: int) -> None:
    if Paper.objects.filter(pk=paper_id).exists():
        enrich_paper(paper_id=paper_id)


def enqueue_enrichment(paper_id: int) -> None:
    """Enrich the paper in the background once the current transaction commits.

    Off unless ENRICHMENT_ENABLED: with the immediate tasks backend it would make the saving
    request wait on arXiv/Crossref, so turn it on together with a worker backend.
    """
    if settings.ENRICHMENT_ENABLED:
        transaction.on_commit(lambda: enrich_paper_task.enqueue(paper_id))
