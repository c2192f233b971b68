"""Importing records into a library: all or nothing, one version bump, a report per record.

Every record is identified exactly as a save is (`identity_for`): by the identifiers it
states, its URL, or, for a work with neither (a book, a thesis, a reference-list entry), its
fingerprint. So the same file imported twice adds nothing (its records come back
"unchanged"), and no work is skipped for lack of an identifier. What a record says about
the work is the library's contribution, never the global paper's.

Large files run as an `ImportJob` on the worker (`start_import`, `run_import_job`). Both
front doors hand an uploaded file to `import_file`, which decides which way it goes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from readinglist.access import require_writable
from readinglist.errors import DomainError
from readinglist.io.formats import MAX_UPLOAD_BYTES, PARSERS, Format, guess_format
from readinglist.io.records import KIND_ITEM_TYPES, ImportFileError, Record
from readinglist.metadata import (
    MAX_AUTHOR_LENGTH,
    MAX_AUTHORS,
    MAX_LENGTHS,
    PageMetadata,
    Source,
)
from readinglist.models import MAX_TAG_LENGTH, Entry, EntryTag, ImportJob, Library, User
from readinglist.services.entries import save_paper
from readinglist.services.papers import find_paper, identity_for
from readinglist.services.queue import queue_import
from readinglist.services.versioning import one_version_per_write

logger = logging.getLogger(__name__)

Outcome = Literal["added", "merged", "unchanged", "skipped"]
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 100
MAX_URL_LENGTH = 2000
# More records than this run as a job on the worker (the request answers 202 at once).
BACKGROUND_THRESHOLD = 500
# An interrupted job is run again this many times in all before it is marked failed.
MAX_IMPORT_ATTEMPTS = 3
# Files are what people typed or a reference manager kept: better than <title>.
IMPORT_SOURCE = Source.CITATION


class UnreadableUpload(DomainError):
    field = "file"
    default_message = "The file must be UTF-8 text."


class UploadTooLarge(DomainError):
    field = "file"
    default_message = "At most 20 MB."


class UnknownFormat(DomainError):
    field = "format"
    default_message = "Cannot tell the file's format; say which it is."


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
    format: Format | None = None  # where known: the file's, as read

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
    """The record as page metadata, cut to what an entry can hold."""
    return PageMetadata(
        title=record.title[: MAX_LENGTHS["title"]],
        authors=tuple(a[:MAX_AUTHOR_LENGTH] for a in record.authors[:MAX_AUTHORS]),
        abstract=record.abstract[: MAX_LENGTHS["abstract"]],
        published=record.published[: MAX_LENGTHS["published"]],
        venue=record.venue[: MAX_LENGTHS["venue"]],
        pdf_url=record.pdf_url if len(record.pdf_url) <= MAX_LENGTHS["pdf_url"] else "",
        item_type=KIND_ITEM_TYPES.get(record.kind, ""),
        identifiers={k: v for k, v in record.identifiers.items() if v and len(v) <= 500},
        source=IMPORT_SOURCE,
    )


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
    import would do. Only records with nothing at all to identify them by (no identifier, no
    link, no title) are skipped, with a reason.
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
    url = record.url if len(record.url) <= MAX_URL_LENGTH else ""
    metadata = metadata_for(record)
    identity = identity_for(url=url, metadata=metadata)
    if not identity.keys():
        return ImportItem(
            record.line, title, "skipped", "no identifier, link or title to identify it by"
        )
    tags = [t[:MAX_TAG_LENGTH] for t in record.tags]
    paper = find_paper(identity=identity, library_id=library.pk)
    existing = Entry.objects.filter(library=library, paper=paper).first() if paper else None
    if existing is not None:
        if existing.paper_id in seen:
            line = seen[existing.paper_id]
            return ImportItem(
                record.line, title, "skipped", f"same paper as line {line}", existing.paper_id
            )
        seen[existing.paper_id] = record.line
        if _has_tags(existing, tags) and not _adds_metadata(existing, metadata):
            return ImportItem(record.line, title, "unchanged", "", existing.paper_id)
    result = save_paper(user=user, url=url, metadata=metadata, library=library, tags=tags)
    seen.setdefault(result.paper.pk, record.line)
    outcome: Outcome = "added" if result.created else "merged"
    return ImportItem(record.line, title, outcome, "", result.paper.pk)


def _adds_metadata(entry: Entry, metadata: PageMetadata) -> bool:
    """Whether the record would fill a field the library has nothing for yet (an entry
    saved by id before its registry answered, imported again with its authors)."""
    return any(
        metadata.value_of(name) and not getattr(entry, name)
        for name in ("title", "authors", "abstract", "published", "venue")
    )


def upload_text(raw: bytes) -> str:
    """An uploaded file's text (a byte-order mark dropped), refused unless UTF-8 and at
    most `MAX_UPLOAD_BYTES`."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableUpload() from None


def import_file(
    *,
    user: User,
    library: Library,
    text: str,
    format: Format | None = None,
    filename: str = "",
    dry_run: bool = False,
) -> ImportReport | ImportJob:
    """Import a whole file: in this request (a report) unless it has more than
    `BACKGROUND_THRESHOLD` records, then as a job on the worker. Its format is `format`, else
    told by its name and content (`UnknownFormat` if neither tells); a file that does not
    parse raises `ImportFileError` with every problem's line, and nothing is imported."""
    if len(text.encode()) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    chosen = format or guess_format(filename, text)
    if chosen is None:
        raise UnknownFormat()
    records = PARSERS[chosen](text)
    if len(records) > BACKGROUND_THRESHOLD and not dry_run:
        return start_import(
            user=user, library=library, format=chosen, text=text, total=len(records)
        )
    report = import_records(user=user, library=library, records=records, dry_run=dry_run)
    report.format = chosen
    return report


# --- jobs on the worker ---------------------------------------------------------------------


def start_import(
    *, user: User, library: Library, format: Format, text: str, total: int
) -> ImportJob:
    """Queue an import of `text` as a job on the worker; it starts once this commits."""
    with transaction.atomic():
        require_writable(user=user, library_id=library.pk)
        job = ImportJob.objects.create(
            user=user, library=library, format=format, total=total, content=text
        )
        queue_import(job.pk)
    return job


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.IMPORT_STALE_SECONDS)


def _claim(job_id: int) -> bool:
    """Take the job if it is queued, or running with a heartbeat so old that its worker must
    have died; False if another worker has it or it is finished."""
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            return False
        alive = job.heartbeat_at is not None and job.heartbeat_at > now - _stale_after()
        if job.status == ImportJob.Status.RUNNING and alive:
            return False
        if job.attempts >= MAX_IMPORT_ATTEMPTS:
            job.status, job.finished_at, job.content = ImportJob.Status.FAILED, now, ""
            job.report = {
                "detail": f"The import was interrupted {job.attempts} times and has stopped; "
                "nothing from it was saved. Try a smaller file."
            }
            job.save(update_fields=["status", "finished_at", "content", "report"])
            return False
        job.status, job.attempts, job.heartbeat_at, job.done = (
            ImportJob.Status.RUNNING,
            job.attempts + 1,
            now,
            0,
        )
        job.save(update_fields=["status", "attempts", "heartbeat_at", "done"])
    return True


class _ProgressWriter:
    """Writes a job's progress and heartbeat where other requests can see it while the import
    transaction is still open: through a second connection on PostgreSQL (SQLite allows one
    writer only, so there the job shows its progress when it ends)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.other = (
            connections.create_connection("default") if connection.vendor == "postgresql" else None
        )

    def __call__(self, done: int, total: int) -> None:
        if self.other is None:
            return
        with self.other.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET done = %s, heartbeat_at = %s WHERE id = %s",
                [done, timezone.now(), self.job_id],
            )

    def close(self) -> None:
        if self.other is not None:
            self.other.close()


def run_import_job(job_id: int) -> None:
    """The task: run a queued (or abandoned) import; it ends done (with the report) or
    failed (with a reason the person can act on)."""
    if not _claim(job_id):
        return
    job = ImportJob.objects.select_related("user", "library").get(pk=job_id)
    writer = _ProgressWriter(job_id)
    try:
        records = PARSERS[Format(job.format)](job.content)
        report = import_records(
            user=job.user, library=job.library, records=records, progress=writer
        )
    except ImportFileError as error:
        job.status, job.report = ImportJob.Status.FAILED, file_errors(error)
    except Exception:  # the job must end in a state the person can see, without internals
        logger.exception("import job %s failed", job_id)
        job.status = ImportJob.Status.FAILED
        job.report = {"detail": "The import failed on the server; nothing from it was saved."}
    else:
        job.status, job.report, job.done = ImportJob.Status.DONE, report.as_dict(), job.total
    finally:
        writer.close()
    job.content = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "report", "done", "content", "finished_at"])


def file_errors(error: ImportFileError) -> dict[str, object]:
    return {
        "detail": "The file could not be read; nothing was imported.",
        "errors": [{"line": line, "message": message} for line, message in error.errors[:200]],
    }


def resume_stalled_imports() -> int:
    """Queue again every job whose worker stopped beating (killed, or its machine gone);
    `_claim` decides which run may have it. Returns how many."""
    stalled = list(
        ImportJob.objects.filter(
            status=ImportJob.Status.RUNNING, heartbeat_at__lt=timezone.now() - _stale_after()
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        for job_id in stalled:
            queue_import(job_id)
    return len(stalled)
