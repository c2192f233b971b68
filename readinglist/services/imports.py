"""Importing records into a library: a batch at a time, one version bump each, a report per
record.

Every record is identified exactly as a save is (`identity_for`): by the identifiers it
states, its URL, or, for a work with neither (a book, a thesis, a reference-list entry), its
fingerprint. So the same file imported twice adds nothing (its records come back
"unchanged"), and no work is skipped for lack of an identifier. What a record says about
the work is the library's contribution, never the global paper's.

Records are written a batch at a time, each batch its own transaction and version bump
(every row it writes carries that version), so the library's write lock is held for one
batch, never for the file: another member's save waits for a batch at most, and the changes
feed stays exact. A batch is a fixed number of set-based statements however many records it
holds (`bulk_import.import_batch`); only when a concurrent save took an identifier of a paper
the batch was creating does it go record by record through `save_paper`. A dry run writes
nothing and takes no lock. Files of more than `BACKGROUND_THRESHOLD` records run as an
`ImportJob` on the worker (`start_import`, `run_import_job`), which records each batch's
progress with the batch and resumes after the last one if its worker dies; the job keeps the
records the upload read (`records_to_json`), so the file is read once. Both front doors hand
an uploaded file to `import_file`, which decides which way it goes.

Imports are tolerant by default: the records of a file that read are imported and those that
do not are reported by line ("invalid"); `strict` makes a file with any unreadable record
import nothing. A record of a work already in the library fills in what the library lacks
(authors, venue, pages, ...) and the report names those fields.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone

from readinglist import sql
from readinglist.access import LibraryNotWritable, NotVisible, require_writable
from readinglist.errors import DomainError
from readinglist.io.citekeys import VALID_CITEKEY
from readinglist.io.formats import MAX_UPLOAD_BYTES, PARSERS, Format, guess_format
from readinglist.io.records import ImportFileError, Record, records_from_json, records_to_json
from readinglist.metadata import clean_text
from readinglist.models import MAX_TAG_LENGTH, Entry, EntryTag, ImportJob, Library, User
from readinglist.quotas import check_import_allowance, spend_import_allowance
from readinglist.services.bulk_import import (
    MAX_URL_LENGTH,
    NO_IDENTITY,
    ContendedIdentifier,
    Outcome,
    Prepared,
    filled_fields,
    import_batch,
    metadata_for,
    prepare,
)
from readinglist.services.bulk_import import (
    ImportItem as ImportItem,
)
from readinglist.services.entries import save_paper
from readinglist.services.papers import find_paper, identity_for
from readinglist.services.queue import queue_import
from readinglist.services.versioning import (
    begin_library_write,
    give_back_version,
    library_precondition,
    one_version_per_write,
)
from readinglist.text import fold_tag_name

logger = logging.getLogger(__name__)

# Records per transaction: a batch is a few set-based statements (`bulk_import`), about
# 0.1 s of the library's write lock for 250 records on PostgreSQL.
IMPORT_BATCH_SIZE = 250
# A batch ended by a deadlock is tried again this many times in all.
BATCH_ATTEMPTS = 3
OUTCOMES: tuple[Outcome, ...] = ("added", "merged", "unchanged", "skipped", "invalid")
# More records than this run as a job on the worker (the request answers 202 at once).
BACKGROUND_THRESHOLD = 100
# An interrupted job is run again this many times in all before it is marked failed.
MAX_IMPORT_ATTEMPTS = 3


class UnreadableUpload(DomainError):
    field = "file"
    default_message = "The file must be UTF-8 text."


class UploadTooLarge(DomainError):
    field = "file"
    default_message = "At most 20 MB."


class UnknownFormat(DomainError):
    field = "format"
    default_message = "Cannot tell the file's format; say which it is."


@dataclass
class ImportReport:
    total: int = 0
    items: list[ImportItem] = field(default_factory=list)  # one per record that read
    invalid: list[ImportItem] = field(default_factory=list)  # the records that did not
    dry_run: bool = False
    version: int | None = None
    format: Format | None = None  # where known: the file's, as read

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportReport:
        """The report `as_dict` wrote (a job's report so far, read back to resume it)."""
        items = [ImportItem(**item) for item in data.get("items", [])]
        return cls(
            total=int(data.get("total", 0)),
            items=[item for item in items if item.outcome != "invalid"],
            invalid=[item for item in items if item.outcome == "invalid"],
            dry_run=bool(data.get("dry_run", False)),
            version=data.get("version"),
        )

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.all_items() if item.outcome == outcome)

    def all_items(self) -> list[ImportItem]:
        return sorted([*self.items, *self.invalid], key=lambda item: item.line)

    def as_dict(self) -> dict[str, object]:
        # Written after every batch of a job: counted in one pass, plain dicts (not asdict).
        items = self.all_items()
        counts = Counter(item.outcome for item in items)
        return {
            "total": self.total,
            "dry_run": self.dry_run,
            "version": self.version,
            **{outcome: counts[outcome] for outcome in OUTCOMES},
            "items": [
                {
                    "line": i.line,
                    "title": i.title,
                    "outcome": i.outcome,
                    "reason": i.reason,
                    "paper_id": i.paper_id,
                }
                for i in items
            ],
        }


def _has_tags(entry: Entry, tags: Sequence[str]) -> bool:
    wanted = {fold_tag_name(clean_text(t)) for t in tags if t.strip()}
    if not wanted:
        return True
    present = set(EntryTag.objects.filter(entry=entry).values_list("tag__folded", flat=True))
    return wanted <= present


def import_records(
    *,
    user: User,
    library: Library,
    records: Sequence[Record],
    dry_run: bool = False,
    report: ImportReport | None = None,
    on_batch: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Save every record into `library`, `IMPORT_BATCH_SIZE` records per transaction.

    Each batch is all or nothing and bumps the version once (none when it changes nothing);
    a failure keeps the batches before it, and `report` (what an earlier run got through)
    makes this run go on after them. `on_batch` runs inside each batch's transaction, so
    what it records (a job's progress) commits with the batch. A record with nothing to
    identify it by, or of a paper an earlier record already brought, is skipped with the
    reason; the others go on. With `dry_run` nothing is written and no lock is taken: each
    record is looked up, and the report says what an import would do with it.
    """
    report = report or ImportReport(total=len(records), dry_run=dry_run)
    require_writable(user=user, library_id=library.pk)
    if dry_run:
        _preview(library, records[len(report.items) :], report, on_batch)
        return report
    seen = {i.paper_id: i.line for i in report.items if i.paper_id and i.outcome != "skipped"}
    for start in range(len(report.items), len(records), IMPORT_BATCH_SIZE):
        # Identities and metadata need no database: worked out before the lock is taken.
        batch = [prepare(record) for record in records[start : start + IMPORT_BATCH_SIZE]]
        for attempt in range(1, BATCH_ATTEMPTS + 1):
            before = dict(seen)
            # A client's If-Unmodified-Since-Version is about the library before the import.
            expectation = nullcontext() if start == 0 else library_precondition(None)
            try:
                with expectation, transaction.atomic(), one_version_per_write() as bumped:
                    items = _write_batch(user, library, batch, seen, bumped)
                    report.items.extend(items)
                    try:
                        if library.pk in bumped:
                            report.version = bumped[library.pk].version
                        if on_batch is not None:
                            on_batch(report)
                    except BaseException:
                        del report.items[-len(items) :]
                        raise
                break
            except OperationalError as error:
                # A save of the same new paper inserts its identifier before it waits for
                # the library lock this batch holds: PostgreSQL ends one of the two. Rolled
                # back, the batch lets that save commit, then finds its paper.
                seen.clear()
                seen.update(before)
                if attempt == BATCH_ATTEMPTS or not sql.is_deadlock(error):
                    raise
    return report


def _write_batch(
    user: User,
    library: Library,
    batch: list[Prepared],
    seen: dict[int, int],
    bumped: dict[int, Library],
) -> list[ImportItem]:
    """One batch under the library's lock: set-based (`import_batch`); record by record
    through `save_paper` when a concurrent save took an identifier of a paper the batch
    created (`resolve_paper` settles who has it)."""
    locked = begin_library_write(library_id=library.pk)
    # Checked again for every batch, under the lock: a member demoted or removed while a
    # long import runs stops it at the next batch.
    require_writable(user=user, library_id=library.pk)
    before = dict(seen)
    try:
        with transaction.atomic():
            items, wrote = import_batch(user=user, library=locked, batch=batch, seen=seen)
    except ContendedIdentifier:
        seen.clear()
        seen.update(before)
        items = [_import_or_skip(user, locked, prepared.record, seen) for prepared in batch]
        wrote = any(item.outcome in ("added", "merged") for item in items)
    if not wrote:  # nothing changed: no client needs a new version
        give_back_version(locked)
        del bumped[library.pk]
    return items


def _import_or_skip(
    user: User, library: Library, record: Record, seen: dict[int, int]
) -> ImportItem:
    try:
        with transaction.atomic():
            return _import_one(user, library, record, seen)
    except (LibraryNotWritable, NotVisible):
        raise  # the import as a whole may not go on
    except (DomainError, ValidationError) as error:
        return ImportItem(record.line, record.title[:200], "skipped", _reason(error))


def _reason(error: DomainError | ValidationError) -> str:
    if isinstance(error, DomainError):
        return error.message
    return " ".join(error.messages)


def _import_one(user: User, library: Library, record: Record, seen: dict[int, int]) -> ImportItem:
    title = record.title[:200]
    url = record.url if len(record.url) <= MAX_URL_LENGTH else ""
    metadata = metadata_for(record)
    identity = identity_for(url=url, metadata=metadata)
    if not identity.keys():
        return ImportItem(record.line, title, "skipped", NO_IDENTITY)
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
        filled = _filled_fields(existing, metadata)
        if _has_tags(existing, tags) and not filled and _knows_key(existing, record.citekey):
            return ImportItem(record.line, title, "unchanged", "", existing.paper_id)
    else:
        filled = []
    result = save_paper(
        user=user,
        url=url,
        metadata=metadata,
        library=library,
        tags=tags,
        citekey=record.citekey,
    )
    seen.setdefault(result.paper.pk, record.line)
    outcome: Outcome = "added" if result.created else "merged"
    reason = f"filled in {', '.join(filled)}" if filled and not result.created else ""
    return ImportItem(record.line, title, outcome, reason, result.paper.pk)


def _preview(
    library: Library,
    records: Sequence[Record],
    report: ImportReport,
    on_batch: Callable[[ImportReport], None] | None,
) -> None:
    """What importing `records` would do, read without writing or locking anything. Works
    the file names twice by the same key are one, as an import would make them."""
    seen_papers: dict[int, int] = {}
    seen_keys: dict[tuple[str, str], int] = {}
    for done, record in enumerate(records, start=1):
        if on_batch is not None and done % IMPORT_BATCH_SIZE == 0:
            on_batch(report)
        title = record.title[:200]
        url = record.url if len(record.url) <= MAX_URL_LENGTH else ""
        metadata = metadata_for(record)
        identity = identity_for(url=url, metadata=metadata)
        keys = identity.keys()
        if not keys:
            report.items.append(ImportItem(record.line, title, "skipped", NO_IDENTITY))
            continue
        paper = find_paper(identity=identity, library_id=library.pk)
        earlier = seen_papers.get(paper.pk) if paper is not None else None
        earlier = earlier or next((seen_keys[k] for k in keys if k in seen_keys), None)
        paper_id = paper.pk if paper is not None else None
        if earlier is not None:
            reason = f"same paper as line {earlier}"
            report.items.append(ImportItem(record.line, title, "skipped", reason, paper_id))
            continue
        if paper is not None:
            seen_papers[paper.pk] = record.line
        seen_keys.update(dict.fromkeys(keys, record.line))
        existing = Entry.objects.filter(library=library, paper=paper).first() if paper else None
        tags = [t[:MAX_TAG_LENGTH] for t in record.tags]
        filled = _filled_fields(existing, metadata) if existing is not None else []
        reason = ""
        if existing is None:
            outcome: Outcome = "added"
        elif _has_tags(existing, tags) and not filled and _knows_key(existing, record.citekey):
            outcome = "unchanged"
        else:
            outcome = "merged"
            reason = f"would fill in {', '.join(filled)}" if filled else ""
        report.items.append(ImportItem(record.line, title, outcome, reason, paper_id))


_filled_fields = filled_fields


def _knows_key(entry: Entry, citekey: str) -> bool:
    """Whether the entry already answers to the file's key (as its key or an alias)."""
    wanted = citekey.strip()
    if not wanted or VALID_CITEKEY.fullmatch(wanted) is None:
        return True  # no key the library could take
    if wanted.lower() in {key.lower() for key in [entry.citekey, *entry.citekey_aliases]}:
        return True
    # Another entry's key already (a file with one key twice): this one cannot take it.
    return Entry.objects.filter(library_id=entry.library_id, citekey__iexact=wanted).exists()


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
    strict: bool = False,
) -> ImportReport | ImportJob:
    """Import a whole file: in this request (a report) unless it has more than
    `BACKGROUND_THRESHOLD` records, then as a job on the worker. Its format is `format`, else
    told by its name and content (`UnknownFormat` if neither tells). Records that do not
    read are reported as "invalid" and the others imported; a file with none that reads,
    or with any that does not when `strict`, raises `ImportFileError` with every problem's
    line, and nothing is imported. A person who used up their allowance of imported records
    is refused (`AllowanceSpent`)."""
    if len(text.encode()) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    check_import_allowance(user)
    chosen = format or guess_format(filename, text)
    if chosen is None:
        raise UnknownFormat()
    records, invalid = read_records(chosen, text, strict=strict)
    if not dry_run:
        spend_import_allowance(user, len(records))
    if len(records) > BACKGROUND_THRESHOLD:
        job = start_import(
            user=user,
            library=library,
            format=chosen,
            text=records_to_json(records, [(item.line, item.reason) for item in invalid]),
            total=len(records) + len(invalid),
            dry_run=dry_run,
            strict=strict,
        )
        # A tasks backend that runs tasks at once has run it by now: say where it got.
        job.refresh_from_db()
        return job
    report = ImportReport(total=len(records) + len(invalid), dry_run=dry_run, invalid=invalid)
    import_records(user=user, library=library, records=records, dry_run=dry_run, report=report)
    report.format = chosen
    return report


def read_records(
    format: Format, text: str, *, strict: bool
) -> tuple[list[Record], list[ImportItem]]:
    """The file's records that read, and a report item for each that does not; raises
    `ImportFileError` when none reads, or any does not and `strict`. `text` may be records
    read already (`records_to_json`): a queued job's, read when it was uploaded."""
    parsed = records_from_json(text)
    if parsed is not None:  # read when it was uploaded
        records, errors = parsed
        return records, [ImportItem(line, "", "invalid", message) for line, message in errors]
    try:
        return PARSERS[format](text), []
    except ImportFileError as error:
        if strict or not error.records:
            raise
        invalid = [ImportItem(line, "", "invalid", message) for line, message in error.errors]
        return error.records, invalid


# --- jobs on the worker ---------------------------------------------------------------------


def start_import(
    *,
    user: User,
    library: Library,
    format: Format,
    text: str,
    total: int,
    dry_run: bool = False,
    strict: bool = False,
) -> ImportJob:
    """Queue an import of `text` (a file, or its records as `records_to_json` keeps them)
    as a job on the worker; it starts once this commits."""
    with transaction.atomic():
        require_writable(user=user, library_id=library.pk)
        job = ImportJob.objects.create(
            user=user,
            library=library,
            format=format,
            total=total,
            content=text,
            dry_run=dry_run,
            strict=strict,
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
                **job.report,
                "detail": f"The import was interrupted {job.attempts} times and has stopped "
                f"after {job.done} of {job.total} records; those are in the library. "
                "Import the file again to add the rest (what is there already stays unchanged).",
            }
            job.save(update_fields=["status", "finished_at", "content", "report"])
            return False
        # `done` and the report stay: a resumed job goes on after its last committed batch.
        job.status, job.attempts, job.heartbeat_at = ImportJob.Status.RUNNING, job.attempts + 1, now
        job.save(update_fields=["status", "attempts", "heartbeat_at"])
    return True


def _record_progress(job_id: int) -> Callable[[ImportReport], None]:
    """Writes a job's progress, report so far and heartbeat; inside a batch's transaction
    they commit with the batch, so a resumed job knows exactly where to go on."""

    def record(report: ImportReport) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            done=len(report.items) + len(report.invalid),
            report=report.as_dict(),
            heartbeat_at=timezone.now(),
        )

    return record


def run_import_job(job_id: int) -> None:
    """The task: run a queued (or abandoned) import; it ends done (with the report) or
    failed (with a reason the person can act on)."""
    if not _claim(job_id):
        return
    job = ImportJob.objects.select_related("user", "library").get(pk=job_id)
    so_far = ImportReport.from_dict(job.report) if job.report.get("items") else None
    try:
        records, invalid = read_records(Format(job.format), job.content, strict=job.strict)
        if so_far is None:
            so_far = ImportReport(total=job.total, dry_run=job.dry_run, invalid=invalid)
        report = import_records(
            user=job.user,
            library=job.library,
            records=records,
            dry_run=job.dry_run,
            report=so_far,
            on_batch=_record_progress(job_id),
        )
    except ImportFileError as error:
        job.status, job.report = ImportJob.Status.FAILED, file_errors(error)
    except Exception:  # the job must end in a state the person can see, without internals
        logger.exception("import job %s failed", job_id)
        job.refresh_from_db(fields=["done", "report"])
        job.status = ImportJob.Status.FAILED
        detail = (
            "The dry run failed on the server; nothing was written."
            if job.dry_run
            else f"The import failed on the server after {job.done} of {job.total} records; "
            "those are in the library. Import the file again to add the rest."
        )
        job.report = {**job.report, "detail": detail}
    else:
        job.status, job.report, job.done = ImportJob.Status.DONE, report.as_dict(), job.total
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
