"""Importing into libraries: identity dedupe, reports, all or nothing, DB round trips, backups."""

from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from readinglist.access import LibraryNotWritable
from readinglist.io.backup import BackupError, dump_library, restore_library
from readinglist.io.bibtex import parse_bibtex
from readinglist.io.export import library_records, render
from readinglist.io.formats import PARSERS, Format
from readinglist.io.records import Record
from readinglist.models import Entry, Lab, Library, Note, Paper, ReadingList, ReadingState, User
from readinglist.services.accounts import personal_library
from readinglist.services.annotations import create_highlight, create_note
from readinglist.services.entries import save_paper, update_entry
from readinglist.services.imports import ImportReport, import_records
from readinglist.services.lists import add_to_list, create_list
from tests.factories import UserFactory
from tests.io.strategies import libraries

FIXTURES = Path(__file__).parent / "fixtures"


def _bib() -> list[Record]:
    return PARSERS[Format.BIBTEX]((FIXTURES / "sample.bib").read_text())


@pytest.mark.django_db
def test_importing_the_same_file_twice_adds_nothing(alice: User) -> None:
    library = personal_library(alice)
    first = import_records(user=alice, library=library, records=_bib())
    version = Library.objects.get(pk=library.pk).version

    again = import_records(user=alice, library=library, records=_bib())

    assert (first.count("added"), first.count("skipped")) == (3, 0)
    assert first.version == version  # one bump for the whole import
    assert again.count("unchanged") == 3
    assert again.count("added") == again.count("merged") == 0
    assert Entry.objects.filter(library=library).count() == 3
    assert Library.objects.get(pk=library.pk).version == version  # nothing written


@pytest.mark.django_db
def test_import_merges_with_papers_saved_by_url_and_reports_skips(alice: User) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="https://huggingface.co/papers/1706.03762")
    records = [
        *_bib(),
        Record(title="A book with no identifier", authors=("Knuth, Donald",), line=30),
        Record(venue="Nothing but a venue", line=40),
        Record(title="Dup", identifiers={"arxiv": "1706.03762v2"}, line=50),
    ]

    report = import_records(user=alice, library=library, records=records).as_dict()

    assert (report["added"], report["merged"], report["skipped"]) == (3, 1, 2)
    reasons = {item["line"]: item["reason"] for item in report["items"]}
    assert reasons[40] == "no identifier, link or title to identify it by"
    assert reasons[50] == "same paper as line 2"
    entry = Entry.objects.get(library=library, paper__identifiers__value="1706.03762")
    assert sorted(t.name for t in entry.tags.all()) == ["nlp", "transformers"]
    assert entry.title == "Attention Is All You Need — für Café"


@pytest.mark.django_db
def test_dry_run_reports_and_writes_nothing(alice: User) -> None:
    library = personal_library(alice)
    report = import_records(user=alice, library=library, records=_bib(), dry_run=True)
    assert report.count("added") == 3
    assert not Entry.objects.exists()
    assert not Paper.objects.exists()
    assert Library.objects.get(pk=library.pk).version == 0


@pytest.mark.django_db
def test_a_failure_midway_keeps_the_batches_before_it_and_a_rerun_goes_on_after_them(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = personal_library(alice)
    monkeypatch.setattr("readinglist.services.imports.IMPORT_BATCH_SIZE", 2)
    reports: list[int] = []

    def dies_after_the_first_batch(report: ImportReport) -> None:
        reports.append(len(report.items))
        if len(reports) == 2:
            raise RuntimeError("worker died")

    partial = ImportReport(total=3)
    with pytest.raises(RuntimeError):
        import_records(
            user=alice,
            library=library,
            records=_bib(),
            report=partial,
            on_batch=dies_after_the_first_batch,
        )
    assert reports == [2, 3]
    assert len(partial.items) == 2  # the failed batch's record is not in the report
    assert Entry.objects.filter(library=library).count() == 2
    assert Library.objects.get(pk=library.pk).version == 1

    finished = import_records(user=alice, library=library, records=_bib(), report=partial)
    assert [item.outcome for item in finished.items] == ["added"] * 3
    assert Entry.objects.filter(library=library).count() == 3
    assert Library.objects.get(pk=library.pk).version == 2


@pytest.mark.django_db
def test_import_into_a_library_one_cannot_write_is_refused(charlie: User, lab: Lab) -> None:
    with pytest.raises(LibraryNotWritable):
        import_records(user=charlie, library=lab.library, records=_bib())
    assert not Entry.objects.exists()


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=libraries(max_size=6))
@pytest.mark.parametrize("format", [Format.BIBTEX, Format.RIS, Format.CSLJSON])
def test_export_import_export_into_an_empty_library_is_lossless(
    format: Format, alice: User, bob: User, records: list[Record]
) -> None:
    with transaction.atomic():
        source = personal_library(alice)
        import_records(user=alice, library=source, records=records)
        first = render(library_records(source), format)
        # A fresh start: no paper survives, so the file alone must carry everything.
        Entry.objects.all().delete()
        Paper.objects.all().delete()
        target = personal_library(bob)
        report = import_records(user=bob, library=target, records=PARSERS[format](first))
        second = render(library_records(target), format)
        assert report.count("skipped") == 0
        assert second == first
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_export_of_a_library_is_stable(alice: User) -> None:
    library = personal_library(alice)
    import_records(user=alice, library=library, records=_bib())
    text = render(library_records(library), Format.BIBTEX)
    assert text == render(library_records(library), Format.BIBTEX)
    # The file's own keys are kept: documents that cite them still build.
    assert "@preprint" not in text
    assert "@misc{vaswani2017," in text
    assert "title = {Attention Is All You Need — für Café}" in text


def _rich_library(alice: User, bob: User, lab: Lab) -> Library:
    library = lab.library
    first = save_paper(
        user=alice, url="https://arxiv.org/abs/1706.03762v5", library=library, tags=["NLP"]
    )
    second = save_paper(user=bob, url="https://doi.org/10.1109/CVPR.2016.90", library=library)
    save_paper(user=alice, url="https://example.org/ünïcode", library=library, note="«note»")
    update_entry(user=alice, entry=first.entry, state={"status": "read", "rating": 5})
    update_entry(user=bob, entry=first.entry, state={"status": "reading", "private_note": "p"})
    create_note(user=bob, entry=second.entry, body="Residuals *work*")
    create_highlight(
        user=alice,
        entry=first.entry,
        selectors=[{"type": "TextQuoteSelector", "exact": "attention", "prefix": "a "}],
        comment="key idea",
    )
    reading_list = create_list(user=alice, library=library, name="Week 1")
    add_to_list(user=alice, reading_list=reading_list, entry=second.entry)
    add_to_list(user=alice, reading_list=reading_list, entry=first.entry)
    return library


def _without_library(data: dict) -> dict:
    return {**data, "library": None, "exported_by": None}


@pytest.mark.django_db
def test_backup_restores_into_an_empty_account_with_nothing_lost(
    alice: User, bob: User, lab: Lab
) -> None:
    library = _rich_library(alice, bob, lab)
    backup = dump_library(library=library, exported_by=alice)
    newcomer = UserFactory(email="alice2@example.org")
    target = personal_library(newcomer)

    report = restore_library(user=newcomer, library=target, data=backup)

    again = dump_library(library=target, exported_by=newcomer)
    # Everything in the file now belongs to the person restoring; nothing is anyone else's.
    assert _without_library(again) == _without_library(backup)
    assert (report.entries, report.notes, report.highlights, report.states) == (3, 2, 1, 1)
    assert not ReadingState.objects.filter(library=target).exclude(user=newcomer).exists()
    assert set(Note.objects.filter(library=target).values_list("author", flat=True)) == {
        newcomer.pk
    }
    assert list(
        ReadingList.objects.get(library=target).items.values_list("entry__url", flat=True)
    ) == ["https://doi.org/10.1109/CVPR.2016.90", "https://arxiv.org/abs/1706.03762"]


@pytest.mark.django_db
def test_a_lab_backup_holds_only_the_exporters_private_state(
    alice: User, bob: User, lab: Lab
) -> None:
    backup = dump_library(library=_rich_library(alice, bob, lab), exported_by=bob)
    states = [entry["state"] for entry in backup["entries"] if entry["state"]]
    assert [state["status"] for state in states] == ["reading"]  # Bob's own, not Alice's
    assert "alice@example.org" not in str(backup["entries"])


@pytest.mark.django_db
def test_backup_restores_into_a_fresh_database(alice: User, bob: User, lab: Lab) -> None:
    backup = dump_library(library=_rich_library(alice, bob, lab), exported_by=alice)
    Entry.objects.all().delete()
    Paper.objects.all().delete()
    target = personal_library(alice)
    restore_library(user=alice, library=target, data=backup)
    again = dump_library(library=target, exported_by=alice)
    assert _without_library(again) == _without_library(backup)


@pytest.mark.django_db
def test_restore_refuses_a_library_that_is_not_empty_and_bad_files(alice: User) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="https://arxiv.org/abs/1706.03762")
    backup = dump_library(library=library, exported_by=alice)
    with pytest.raises(BackupError, match="empty"):
        restore_library(user=alice, library=library, data=backup)
    other = personal_library(UserFactory())
    broken = {**backup, "entries": [{"key": "not-a-uuid"}]}
    with pytest.raises(BackupError, match=r"malformed backup: entries\[0\]\.key: must be a UUID"):
        restore_library(user=other.owner, library=other, data=broken)
    assert not Entry.objects.filter(library=other).exists()
    with pytest.raises(BackupError):
        restore_library(user=alice, library=library, data={"format": "zotero"})


@pytest.mark.django_db
def test_an_import_fills_what_the_library_lacks_and_says_which_fields(alice: User) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="https://doi.org/10.1162/neco.1997.9.8.1735")
    text = (
        "@article{hochreiter1997long,\n  title={Long Short-Term Memory},\n"
        '  author={Hochreiter, Sepp and Schmidhuber, J{\\"u}rgen},\n'
        "  journal={Neural Computation}, volume={9}, number={8}, pages={1735--1780},\n"
        "  year={1997}, doi={10.1162/neco.1997.9.8.1735}\n}\n"
    )

    report = import_records(user=alice, library=library, records=parse_bibtex(text))

    (item,) = report.items
    assert item.outcome == "merged"
    assert item.reason == "filled in title, authors, published, venue, volume, issue, pages"
    entry = Entry.objects.get(library=library)
    assert entry.authors == ["Hochreiter, Sepp", "Schmidhuber, Jürgen"]
    assert (entry.volume, entry.issue, entry.pages) == ("9", "8", "1735\u20131780")
    assert (
        import_records(user=alice, library=library, records=parse_bibtex(text)).items[0].outcome
        == "unchanged"
    )
