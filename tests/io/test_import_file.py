"""`import_file`: the one way an uploaded file is imported, from the API or the pages."""

import pytest

from readinglist.models import Entry, ImportJob, User
from readinglist.services import imports
from readinglist.services.accounts import personal_library

BIB = """@article{vaswani2017, title={Attention Is All You Need}, eprint={1706.03762},
archivePrefix={arXiv}, year={2017}}
@book{goodfellow2016, title={Deep Learning}, author={Goodfellow, Ian}, year={2016}}
"""


@pytest.mark.django_db
def test_a_small_file_is_imported_at_once_in_the_format_its_content_tells(alice: User) -> None:
    report = imports.import_file(
        user=alice, library=personal_library(alice), text=BIB, filename="refs.txt"
    )

    assert isinstance(report, imports.ImportReport)
    assert report.format == "bibtex"
    assert report.count("added") == 2
    assert Entry.objects.filter(library=personal_library(alice)).count() == 2


@pytest.mark.django_db
def test_a_file_longer_than_the_threshold_becomes_a_job_dry_run_or_not(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("readinglist.services.imports.BACKGROUND_THRESHOLD", 1)
    library = personal_library(alice)

    dry = imports.import_file(user=alice, library=library, text=BIB, dry_run=True)
    job = imports.import_file(user=alice, library=library, text=BIB)

    assert isinstance(dry, ImportJob)
    assert dry.dry_run
    assert isinstance(job, ImportJob)
    assert (job.total, job.format, job.dry_run) == (2, "bibtex", False)

    imports.run_import_job(dry.pk)
    dry.refresh_from_db()
    assert (dry.status, dry.report["added"], dry.report["dry_run"]) == ("done", 2, True)
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_file_of_no_known_format_is_refused_and_nothing_is_imported(alice: User) -> None:
    with pytest.raises(imports.UnknownFormat):
        imports.import_file(user=alice, library=personal_library(alice), text="just words")
    assert not Entry.objects.exists()


def test_an_upload_must_be_utf8_text_of_bounded_size() -> None:
    assert imports.upload_text("\ufeffé".encode()) == "é"
    with pytest.raises(imports.UnreadableUpload):
        imports.upload_text(b"\xff\xfe\xfd")
    with pytest.raises(imports.UploadTooLarge):
        imports.upload_text(b"x" * (imports.MAX_UPLOAD_BYTES + 1))
