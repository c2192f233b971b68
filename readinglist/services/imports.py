"""Importing records into a library: all or nothing, one version bump, a report per record.

Every record goes through `save_paper`, so identity is resolved exactly as for a save from the
extension: the same file imported twice adds nothing (its records come back "unchanged").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from django.db import transaction

from readinglist import identifiers as ids
from readinglist.io.records import Record
from readinglist.metadata import (
    MAX_AUTHOR_LENGTH,
    MAX_AUTHORS,
    MAX_LENGTHS,
    PageMetadata,
    Source,
)
from readinglist.models import MAX_TAG_LENGTH, Entry, EntryTag, Library, Paper, User
from readinglist.services.entries import require_writable, save_paper
from readinglist.services.papers import identifiers_for
from readinglist.services.versioning import one_version_per_write

Outcome = Literal["added", "merged", "unchanged", "skipped"]
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 100
MAX_URL_LENGTH = 2000
# Files are what people typed or a reference manager kept: better than <title>, below a registry.
IMPORT_SOURCE = Source.CITATION
_URL_FOR: dict[str, Callable[[str], str]] = {
    "arxiv": lambda v: f"https://arxiv.org/abs/{v}",
    "doi": ids.doi_url,
    "openreview": ids.openreview_url,
    "acl": ids.acl_url,
    "pmid": lambda v: f"https://pubmed.ncbi.nlm.nih.gov/{v}/",
    "pmcid": lambda v: f"https://pmc.ncbi.nlm.nih.gov/articles/{v}/",
}


@dataclass(frozen=True)
class ImportItem:
    line: int
    title: str
    outcome: Outcome
    reason: str = ""
    paper_id: int | None = None


@dataclass
class ImportReport:
    total: int = 0
    items: list[ImportItem] = field(default_factory=list)
    dry_run: bool = False
    version: int | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "dry_run": self.dry_run,
            "version": self.version,
            "added": self.count("added"),
            "merged": self.count("merged"),
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"),
            "items": [asdict(item) for item in self.items],
        }


def metadata_for(record: Record) -> PageMetadata:
    """The record as page metadata, cut to what a Paper can hold."""
    return PageMetadata(
        title=record.title[: MAX_LENGTHS["title"]],
        authors=tuple(a[:MAX_AUTHOR_LENGTH] for a in record.authors[:MAX_AUTHORS]),
        abstract=record.abstract[: MAX_LENGTHS["abstract"]],
        published=record.published[: MAX_LENGTHS["published"]],
        venue=record.venue[: MAX_LENGTHS["venue"]],
        pdf_url=record.pdf_url if len(record.pdf_url) <= MAX_LENGTHS["pdf_url"] else "",
        identifiers={k: v for k, v in record.identifiers.items() if v and len(v) <= 500},
        source=IMPORT_SOURCE,
    )


def url_for(record: Record) -> str:
    """The URL to save the record by: its own, else one built from its strongest identifier."""
    if record.url:
        return record.url
    for scheme in ("arxiv", "doi", "acl", "openreview", "pmid", "pmcid"):
        if scheme in record.identifiers:
            return _URL_FOR[scheme](record.identifiers[scheme])
    return ""


def _existing_entry(library: Library, found: ids.Identifiers) -> Entry | None:
    paper = Paper.objects.matching(found).order_by("id").first()
    if paper is None:
        return None
    return Entry.objects.filter(library=library, paper=paper).first()


def _has_tags(entry: Entry, tags: Sequence[str]) -> bool:
    wanted = {t.strip().casefold() for t in tags if t.strip()}
    if not wanted:
        return True
    present = {
        name.casefold()
        for name in EntryTag.objects.filter(entry=entry).values_list("tag__name", flat=True)
    }
    return wanted <= present


def import_records(
    *,
    user: User,
    library: Library,
    records: Sequence[Record],
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Save every record into `library` in one transaction (one version bump); all or nothing.

    With `dry_run` the same work is done and rolled back, so the report is exactly what a real
    import would do. Records with nothing to identify them by are skipped with a reason.
    """
    report = ImportReport(total=len(records), dry_run=dry_run)
    seen: dict[int, int] = {}  # paper id -> line that brought it
    with transaction.atomic(), one_version_per_write() as bumped:
        require_writable(user=user, library_id=library.pk)
        for done, record in enumerate(records, start=1):
            report.items.append(_import_one(user, library, record, seen))
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(records)):
                progress(done, len(records))
        if library.pk in bumped:
            report.version = bumped[library.pk].version
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_one(user: User, library: Library, record: Record, seen: dict[int, int]) -> ImportItem:
    title = record.title[:200]
    url = url_for(record)
    if not url:
        return ImportItem(record.line, title, "skipped", "no DOI, arXiv id or URL to identify it")
    if len(url) > MAX_URL_LENGTH:
        return ImportItem(record.line, title, "skipped", "URL longer than 2000 characters")
    metadata = metadata_for(record)
    found = identifiers_for(url=url, metadata=metadata)
    if not found.lookup_keys():
        return ImportItem(record.line, title, "skipped", f"cannot identify a paper by {url[:100]}")
    tags = [t[:MAX_TAG_LENGTH] for t in record.tags]
    existing = _existing_entry(library, found)
    if existing is not None:
        if existing.paper_id in seen:
            line = seen[existing.paper_id]
            return ImportItem(
                record.line, title, "skipped", f"same paper as line {line}", existing.paper_id
            )
        seen[existing.paper_id] = record.line
        if _has_tags(existing, tags):
            return ImportItem(record.line, title, "unchanged", "", existing.paper_id)
    result = save_paper(user=user, url=url, metadata=metadata, library=library, tags=tags)
    seen.setdefault(result.paper.pk, record.line)
    outcome: Outcome = "added" if result.created else "merged"
    return ImportItem(record.line, title, outcome, "", result.paper.pk)
