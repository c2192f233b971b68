"""A member's import never freezes the library: records are written a short batch at a
time, a dry run takes no lock, and big files always run on the worker."""

import threading
import time
from http import HTTPStatus

import pytest
from django.db import connection
from rest_framework.test import APIClient

from readinglist.io.formats import PARSERS, Format
from readinglist.models import Entry, ImportJob, Lab, Library, User
from readinglist.services.entries import save_paper
from readinglist.services.imports import BACKGROUND_THRESHOLD, ImportReport, import_records


def bib(count: int, offset: int = 0) -> str:
    return "\n".join(
        f"@article{{w{n}, title={{Thing number {n}}}, author={{Author, A{n}}}, year={{2001}}}}"
        for n in range(offset, offset + count)
    )


@pytest.mark.django_db
def test_a_file_of_more_than_a_hundred_records_runs_on_the_worker(
    bob_client: APIClient, lab: Lab
) -> None:
    assert BACKGROUND_THRESHOLD <= 100
    url = f"/api/v1/libraries/{lab.library.pk}/import"

    real = bob_client.post(url, {"content": bib(BACKGROUND_THRESHOLD + 1)}, format="json")
    dry = bob_client.post(
        url + "?dry_run=1", {"content": bib(BACKGROUND_THRESHOLD + 1)}, format="json"
    )

    assert (real.status_code, dry.status_code) == (HTTPStatus.ACCEPTED, HTTPStatus.ACCEPTED)
    assert [job.dry_run for job in ImportJob.objects.order_by("pk")] == [False, True]
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_dry_run_reports_without_writing_or_locking(bob: User, lab: Lab) -> None:
    save_paper(user=bob, url="https://example.org/thing-1", library=lab.library)
    records = PARSERS[Format.BIBTEX](bib(3) + "\n" + bib(1))  # the last one repeats the first
    version = Library.objects.get(pk=lab.library.pk).version

    report = import_records(user=bob, library=lab.library, records=records, dry_run=True)

    outcomes = [(item.outcome, item.reason) for item in report.items]
    assert outcomes == [
        ("added", ""),
        ("added", ""),
        ("added", ""),
        ("skipped", "same paper as line 1"),
    ]
    assert Library.objects.get(pk=lab.library.pk).version == version


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_the_owners_save_goes_through_while_a_members_import_runs(
    alice: User, bob: User, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("readinglist.services.imports.IMPORT_BATCH_SIZE", 5)
    records = PARSERS[Format.BIBTEX](bib(150))
    batches: list[float] = []
    importing = threading.Event()

    def import_in_batches() -> None:
        def note(report: ImportReport) -> None:
            batches.append(time.perf_counter())
            importing.set()
            time.sleep(0.02)  # a slow batch, holding the lock a little longer

        try:
            import_records(user=bob, library=lab.library, records=records, on_batch=note)
        finally:
            connection.close()

    importer = threading.Thread(target=import_in_batches)
    importer.start()
    assert importing.wait(timeout=30)
    started = time.perf_counter()
    save_paper(user=alice, url="arXiv:1706.03762", library=lab.library)
    saved_after = time.perf_counter() - started
    saved_at = time.perf_counter()
    importer.join(timeout=120)

    assert saved_after < 1.0
    assert batches[-1] > saved_at  # the import was still going when the save went through
    assert Entry.objects.filter(library=lab.library).count() == 151
    # Every batch moved the version on its own: the feed can tell them apart.
    assert Library.objects.get(pk=lab.library.pk).version >= 30
