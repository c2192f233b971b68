"""Imports write a batch in set-based statements: the same outcome as a save per record, a
fixed number of queries per batch, exact versions for the changes feed, one read of the file."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from readinglist.io.bibtex import parse_bibtex
from readinglist.io.formats import PARSERS, Format
from readinglist.io.records import ImportFileError, Record, records_from_json, records_to_json
from readinglist.metadata import DESCRIPTIVE_FIELDS
from readinglist.models import (
    Entry,
    EntryContribution,
    EntryIdentifier,
    ImportJob,
    Lab,
    Library,
    Paper,
    Tag,
    User,
)
from readinglist.services import bulk_import, imports
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.sync import changes
from tests.worker import queued, run_queued_tasks

FIXTURES = Path(__file__).parent / "fixtures"
ENRICH = "readinglist.tasks.enrich_paper"


def bib(count: int, offset: int = 0, *, tags: str = "nlp, bench") -> str:
    """`count` works, half by DOI and half by arXiv id, with authors, a venue and tags."""
    chunks = []
    for n in range(offset, offset + count):
        ident = (
            f"eprint={{2101.{n:05d}}}, archivePrefix={{arXiv}}"
            if n % 2
            else f"doi={{10.5555/w{n}}}"
        )
        chunks.append(
            f"@article{{key{n}, title={{Work number {n}}}, author={{Author, A{n} and Other, B}},"
            f" journal={{Journal {n % 3}}}, year={{2020}}, keywords={{{tags}}}, {ident}}}"
        )
    return "\n".join(chunks)


def legacy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every batch go record by record through `save_paper` (the path before)."""

    def record_by_record(**kwargs: Any) -> Any:
        raise bulk_import.ContendedIdentifier()

    monkeypatch.setattr(imports, "import_batch", record_by_record)


def snapshot(library: Library, report: imports.ImportReport) -> dict[str, Any]:
    """What an import left, in terms that do not depend on row ids or keys."""

    def work(paper: Paper) -> tuple[str, ...]:
        return tuple(sorted(f"{i.scheme}:{i.value}" for i in paper.identifiers.all()))

    entries = {}
    for entry in Entry.objects.filter(library=library).select_related("paper"):
        contribution = EntryContribution.objects.filter(entry=entry).first()
        entries[work(entry.paper)] = {
            "fields": [getattr(entry, name) for name in DESCRIPTIVE_FIELDS],
            "citekey": (entry.citekey, entry.citekey_aliases, entry.arxiv_version),
            "tags": sorted(entry.tags.values_list("name", flat=True)),
            "local": sorted(
                EntryIdentifier.objects.filter(entry=entry).values_list("scheme", "value")
            ),
            "contribution": contribution
            and (contribution.contributed, contribution.sources, contribution.overrides),
            "version": entry.version - Library.objects.get(pk=library.pk).version,
        }
    papers = {
        work(paper): (paper.url, paper.pdf_url, paper.item_type, paper.enrichment, paper.title)
        for paper in Paper.objects.all()
    }
    items = [
        (item.line, item.outcome, item.reason, work(Paper.objects.get(pk=item.paper_id)))
        if item.paper_id
        else (item.line, item.outcome, item.reason)
        for item in report.all_items()
    ]
    return {
        "entries": entries,
        "papers": papers,
        "items": items,
        "tags": sorted(Tag.objects.filter(library=library).values_list("name", "folded")),
        "version": Library.objects.get(pk=library.pk).version,
        "enrichment_tasks": sorted(
            work(Paper.objects.get(pk=task.args_kwargs["args"][0])) for task in queued(ENRICH)
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("batch", [4, 250])
def test_the_batch_path_leaves_what_a_save_per_record_leaves(
    alice: User, bob: User, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", batch)
    # A real-shaped file, twice over (the second copy is all duplicates of the first), with
    # works the library has (one lacking metadata), one a file key already names, and a
    # paper another library sees.
    records = [
        *PARSERS[Format.BIBTEX]((FIXTURES / "ml_references.bib").read_text()),
        *PARSERS[Format.BIBTEX]((FIXTURES / "references.bib").read_text()),
        *PARSERS[Format.BIBTEX]((FIXTURES / "sample.bib").read_text()),
        Record(title="No identifier at all", authors=("Knuth, Donald",), line=9000),
        Record(venue="Nothing but a venue", line=9001),
    ]
    records += [Record(**{**r.__dict__, "line": r.line + 10000}) for r in records[:10]]
    library = personal_library(alice)

    def run() -> dict[str, Any]:
        with transaction.atomic():
            save_paper(user=alice, url="https://arxiv.org/abs/1706.03762", tags=["Mine"])
            save_paper(user=alice, url="https://doi.org/10.1162/neco.1997.9.8.1735")
            other = save_paper(user=bob, url="arXiv:1810.04805", tags=["bob"])
            Paper.objects.filter(pk=other.paper.pk).update(enrichment=Paper.Enrichment.FAILED)
            report = imports.import_records(user=alice, library=library, records=records)
            again = imports.import_records(user=alice, library=library, records=records)
            seen = snapshot(library, report)
            seen["again"] = [(i.line, i.outcome, i.reason) for i in again.all_items()]
            seen["bobs"] = snapshot(personal_library(bob), again)["entries"]
            transaction.set_rollback(True)
        return seen

    bulk = run()
    legacy(monkeypatch)
    before = run()

    assert bulk == before
    outcomes = [item[1] for item in bulk["items"]]
    assert {"added", "merged", "skipped"} <= set(outcomes)
    reasons = [item[2] for item in bulk["items"]]
    assert "filled in title, authors, published, venue, volume, issue, pages, publisher" in reasons
    # Bob's paper, whose registries had given up, is asked again (it is in the file).
    assert ("arxiv:1810.04805",) in bulk["enrichment_tasks"]
    assert bulk["papers"][("arxiv:1810.04805",)][3] == "pending"
    assert {outcome for _, outcome, _ in bulk["again"]} <= {"unchanged", "skipped"}


@pytest.mark.django_db
def test_a_shared_paper_keeps_its_fields_and_another_library_sees_none_of_the_import(
    alice: User, bob: User
) -> None:
    saved = save_paper(user=bob, url="https://doi.org/10.5555/w0", library=personal_library(bob))
    paper_before = Paper.objects.filter(pk=saved.paper.pk).values().get()

    report = imports.import_records(
        user=alice, library=personal_library(alice), records=parse_bibtex(bib(2))
    )

    assert report.items[0].paper_id == saved.paper.pk  # the same work, found by its DOI
    assert Paper.objects.filter(pk=saved.paper.pk).values().get() == paper_before
    bobs = Entry.objects.get(library=personal_library(bob))
    assert (bobs.title, bobs.authors, bobs.venue) == ("", [], "")
    alices = Entry.objects.get(library=personal_library(alice), paper=saved.paper)
    assert (alices.title, alices.venue) == ("Work number 0", "Journal 0")


def _queries(user: User, text: str, monkeypatch: pytest.MonkeyPatch, lab: Lab | None) -> int:
    library = lab.library if lab else personal_library(user)
    records = parse_bibtex(text)
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", len(records))
    with CaptureQueriesContext(connection) as captured:
        imports.import_records(user=user, library=library, records=records)
    return len(captured)


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_however_many_records_it_holds(
    alice: User,
    bob: User,
    lab: Lab,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Any,
) -> None:
    small = _queries(alice, bib(5), monkeypatch, lab=None)
    # More than twice the records, into a lab, some of them already there: entries to merge
    # (their tags are read) and activity rows to write.
    save_paper(user=bob, url="https://doi.org/10.5555/w100", library=lab.library)
    save_paper(user=bob, url="arXiv:2101.00101", library=lab.library)
    in_a_lab = _queries(bob, bib(12, offset=100), monkeypatch, lab=lab)
    save_paper(user=bob, url="https://doi.org/10.5555/w200", library=lab.library)
    save_paper(user=bob, url="arXiv:2101.00201", library=lab.library)
    records = parse_bibtex(bib(30, offset=200, tags="deep, learning"))  # new tags again
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", len(records))

    with django_assert_num_queries(in_a_lab):
        imports.import_records(user=bob, library=lab.library, records=records)

    # Access check, lock and bump, the access check again under the lock, keys, citation
    # keys, papers, identifiers, entries, contributions, tags read, tags made, tag links,
    # queued enrichment, 4 savepoint lines.
    assert small == 17
    # The papers found, their entries and the entries' tags read, the entries updated, the
    # lab's activity.
    assert in_a_lab == small + 5


@pytest.mark.django_db
def test_a_file_imported_again_writes_nothing_and_keeps_the_version(alice: User) -> None:
    library = personal_library(alice)
    records = parse_bibtex(bib(8))
    first = imports.import_records(user=alice, library=library, records=records)
    version = Library.objects.get(pk=library.pk).version
    again = imports.import_records(user=alice, library=library, records=records)
    assert first.count("added") == 8
    assert again.count("unchanged") == 8
    assert Library.objects.get(pk=library.pk).version == version


def _sync(library_id: int, user: User, since: int, held: dict[str, int]) -> int:
    """One sync as a client makes it: every page after `since`; the new `since`."""
    library = Library.objects.get(pk=library_id)
    until, after = None, None
    while True:
        page = changes(library=library, user=user, since=since, until=until, after=after)
        for change in page.changes:
            if change.position.type == "entry":
                held[change.position.key] = change.position.version
        until, after = page.until, page.last
        if not page.has_more:
            return page.until


@pytest.mark.django_db
def test_every_imported_entry_and_tag_is_in_the_feed_after_the_version_before(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 3)
    library = personal_library(alice)
    save_paper(user=alice, url="https://doi.org/10.5555/w0")  # merged into by the first record
    since = Library.objects.get(pk=library.pk).version
    held: dict[str, int] = {}

    report = imports.import_records(user=alice, library=library, records=parse_bibtex(bib(10)))

    _sync(library.pk, alice, since, held)
    entries = Entry.objects.filter(library=library)
    assert held == {entry.key.hex: entry.version for entry in entries}
    assert len(held) == 10
    # One version per batch of three, every row of a batch at it.
    assert sorted(set(held.values())) == [since + 1, since + 2, since + 3, since + 4]
    assert report.version == since + 4
    tags = Tag.objects.filter(library=library)
    assert {tag.version for tag in tags} == {since + 1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_a_client_syncing_while_an_import_runs_ends_with_every_entry(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 7)
    library = personal_library(alice)
    records = parse_bibtex(bib(120))
    batches = threading.Event()

    def slow(report: imports.ImportReport) -> None:
        batches.set()
        time.sleep(0.01)  # commits interleave with the client's syncs

    def run() -> None:
        try:
            imports.import_records(user=alice, library=library, records=records, on_batch=slow)
        finally:
            connection.close()

    importer = threading.Thread(target=run)
    importer.start()
    assert batches.wait(timeout=30)
    held: dict[str, int] = {}
    since, syncs = 0, 0
    while importer.is_alive():
        since = _sync(library.pk, alice, since, held)
        syncs += 1
    importer.join()
    _sync(library.pk, alice, since, held)

    assert syncs > 1
    assert held == {e.key.hex: e.version for e in Entry.objects.filter(library=library)}
    assert len(held) == 120


@pytest.mark.django_db
def test_a_strict_job_with_a_bad_record_imports_nothing(alice: User) -> None:
    text = bib(3) + "\n@article{broken,\n  title = {Unclosed\n\n" + bib(2, offset=3)
    with pytest.raises(ImportFileError) as error:
        imports.import_file(user=alice, library=personal_library(alice), text=text, strict=True)
    assert [line for line, _ in error.value.errors] == [4]
    assert not Entry.objects.exists()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_job_reads_the_file_once_and_keeps_its_invalid_records(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BACKGROUND_THRESHOLD", 2)
    text = bib(3) + "\n@article{broken,\n  title = {Unclosed\n\n" + bib(2, offset=3)
    reads: list[str] = []
    real = PARSERS[Format.BIBTEX]

    def counted(text: str) -> list[Record]:
        reads.append(text)
        return real(text)

    monkeypatch.setitem(PARSERS, Format.BIBTEX, counted)

    job = imports.import_file(user=alice, library=personal_library(alice), text=text)
    assert isinstance(job, ImportJob)
    imports.run_import_job(job.pk)

    job.refresh_from_db()
    assert len(reads) == 1
    assert (job.status, job.done, job.total) == ("done", 6, 6)
    assert (job.report["added"], job.report["invalid"]) == (5, 1)
    assert [i["line"] for i in job.report["items"] if i["outcome"] == "invalid"] == [4]


def test_records_survive_the_round_trip_a_queued_job_keeps_them_in() -> None:
    records = PARSERS[Format.BIBTEX]((FIXTURES / "ml_references.bib").read_text())
    stored = records_to_json(records, [(3, "bad")])
    assert records_from_json(stored) == (records, [(3, "bad")])
    assert records_from_json("@article{a, title={A}}") is None
    assert records_from_json('[{"title": "CSL-JSON"}]') is None


class WorkerKilled(BaseException):
    """What a killed worker looks like to the job: it stops, and nothing after runs."""


@pytest.mark.django_db
def test_a_job_resumed_after_its_worker_died_adds_nothing_twice(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BACKGROUND_THRESHOLD", 2)
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 4)
    library = personal_library(alice)
    job = imports.import_file(user=alice, library=library, text=bib(10))
    assert isinstance(job, ImportJob)
    real = imports._record_progress
    calls: list[int] = []

    def dies_in_the_second_batch(job_id: int) -> Any:
        record = real(job_id)

        def note(report: imports.ImportReport) -> None:
            calls.append(len(report.items))
            if len(calls) == 2:
                raise WorkerKilled()
            record(report)

        return note

    monkeypatch.setattr(imports, "_record_progress", dies_in_the_second_batch)
    with pytest.raises(WorkerKilled):
        imports.run_import_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done) == ("running", 4)
    assert Entry.objects.filter(library=library).count() == 4

    # Its heartbeat goes stale; the sweep's rerun goes on after the last committed batch.
    monkeypatch.setattr(imports, "_record_progress", real)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=None)
    imports.run_import_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == ("done", 10, 2)
    assert [i["outcome"] for i in job.report["items"]] == ["added"] * 10
    assert Entry.objects.filter(library=library).count() == 10


@pytest.mark.django_db
def test_new_papers_queue_their_enrichment_in_one_statement(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = personal_library(alice)
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 50)
    imports.import_records(user=alice, library=library, records=parse_bibtex(bib(6)))
    asked = {task.args_kwargs["args"][0] for task in queued(ENRICH)}
    assert asked == set(Paper.objects.values_list("pk", flat=True))
    assert len(queued(ENRICH)) == 6
    # They are tasks the worker runs like any other (the registries are offline here).
    assert run_queued_tasks().count(ENRICH) == 6


def test_an_upload_that_only_looks_like_stored_records_is_read_as_a_file(alice: User) -> None:
    records = PARSERS[Format.BIBTEX](bib(2))
    stored = records_to_json(records)
    forged = stored.replace("Work number 0", "Forged work")  # body changed, signature kept
    assert forged != stored
    assert records_from_json(forged) is None
    assert records_from_json("parsed-records:1:" + '{"records":[],"errors":[]}') is None
    # Through the front door, such a file goes to the BibTeX parser, which finds no entry in
    # it: nothing is imported.
    try:
        report = imports.import_file(
            user=alice, library=personal_library(alice), text=forged, format=Format.BIBTEX
        )
    except ImportFileError:
        pass
    else:
        assert isinstance(report, imports.ImportReport)
        assert report.count("added") == 0
    assert not Entry.objects.exists()


def test_a_member_demoted_during_an_import_stops_it_at_the_next_batch(
    alice: User, bob: User, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readinglist.access import LibraryNotWritable
    from readinglist.models import Membership
    from readinglist.services.labs import change_role

    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 4)
    records = PARSERS[Format.BIBTEX](bib(12))

    def demote_after_first_batch(report: imports.ImportReport) -> None:
        if len(report.items) == 4:
            change_role(user=alice, lab=lab, member=bob, role=Membership.Role.VIEWER)

    with pytest.raises(LibraryNotWritable):
        imports.import_records(
            user=bob, library=lab.library, records=records, on_batch=demote_after_first_batch
        )
    assert Entry.objects.filter(library=lab.library).count() == 4


class FakeDeadlock(Exception):
    sqlstate = "40P01"


def test_a_batch_ended_by_a_deadlock_runs_again_and_other_errors_do_not(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    real = imports._write_batch
    calls: list[int] = []

    def deadlocked_once(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            real(*args)  # writes, then PostgreSQL ends the transaction
            raise OperationalError("deadlock detected") from FakeDeadlock()
        return real(*args)

    monkeypatch.setattr(imports, "_write_batch", deadlocked_once)
    library = personal_library(alice)
    report = imports.import_records(
        user=alice, library=library, records=PARSERS[Format.BIBTEX](bib(3))
    )
    assert len(calls) == 2
    assert [item.outcome for item in report.items] == ["added"] * 3
    assert Entry.objects.filter(library=library).count() == 3

    def other_error(*args: Any) -> Any:
        raise OperationalError("server closed the connection") from Exception()

    monkeypatch.setattr(imports, "_write_batch", other_error)
    with pytest.raises(OperationalError):
        imports.import_records(
            user=alice, library=library, records=PARSERS[Format.BIBTEX](bib(2, 9))
        )
