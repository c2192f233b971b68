"""Two papers found to be one work become one, in every library that saved them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from readinglist.io.bibtex import parse_bibtex
from readinglist.models import (
    Entry,
    Library,
    Note,
    Paper,
    ReadingListItem,
    ReadingState,
    Tombstone,
    User,
)
from readinglist.services.accounts import personal_library
from readinglist.services.annotations import create_highlight
from readinglist.services.entries import save_paper
from readinglist.services.imports import import_records
from readinglist.services.lists import add_to_list, create_list
from readinglist.services.merges import merge_papers
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

PREPRINT = "arXiv:2501.04622"
PUBLISHED = "doi:10.5506/aphyspolb.56.3-a17"  # Crossref: has-preprint 10.48550/arXiv.2501.04622
REFERENCES = Path(__file__).parents[1] / "io" / "fixtures" / "references.bib"


def test_a_preprint_and_its_published_version_merge_in_every_library(
    alice: User, bob: User, registries: list[str], alice_client: APIClient
) -> None:
    library = personal_library(alice)
    early = save_paper(
        user=alice, url=PREPRINT, tags=["preprint"], note="read the preprint", status="reading"
    ).entry
    late = save_paper(
        user=alice, url=PUBLISHED, tags=["journal"], note="journal version", status="read"
    ).entry
    create_highlight(
        user=alice, entry=late, selectors=[{"type": "TextQuoteSelector", "exact": "pressure"}]
    )
    week = create_list(user=alice, library=library, name="Week")
    add_to_list(user=alice, reading_list=week, entry=early)
    add_to_list(user=alice, reading_list=week, entry=late)
    bobs = save_paper(user=bob, url=PUBLISHED, tags=["bob"]).entry
    synced = Library.objects.get(pk=library.pk).version

    run_queued_tasks()

    (entry,) = Entry.objects.filter(library=library)
    assert entry.key == early.key  # the older entry survives
    assert entry.paper_id == late.paper_id  # on the paper the registry confirmed
    assert {tag.name for tag in entry.tags.all()} == {"preprint", "journal"}
    assert set(Note.objects.filter(entry=entry).values_list("body", flat=True)) == {
        "read the preprint",
        "journal version",
    }
    assert entry.highlights.count() == 1
    assert ReadingState.objects.get(entry=entry, user=alice).status == "read"  # the furthest
    assert ReadingListItem.objects.filter(reading_list=week).count() == 1
    assert entry.title == "Pressure Inside Hadrons: Criticism, Conjectures, and All That"
    gone = Tombstone.objects.get(library=library, object_type="entry", key=late.key)
    assert gone.merged_into == early.key
    assert Paper.objects.get(pk=early.paper_id).merged_into_id == late.paper_id
    # Bob had one of the two: his entry stays and follows the surviving paper.
    bob_entry = Entry.objects.get(pk=bobs.pk)
    assert (bob_entry.key, bob_entry.paper_id) == (bobs.key, late.paper_id)
    assert bob_entry.version > bobs.version
    # Every way to name the work now finds the one entry.
    found = alice_client.post(
        "/api/v1/lookup", {"items": [PREPRINT, PUBLISHED]}, format="json"
    ).json()["results"]
    assert [[e["id"] for e in r["entries"]] for r in found] == [[entry.pk], [entry.pk]]
    assert save_paper(user=alice, url=PREPRINT).entry.pk == entry.pk
    # A device that synced before learns where the other entry went.
    changes = alice_client.get(f"/api/v1/libraries/{library.pk}/changes", {"since": synced}).json()[
        "changes"
    ]
    tombstone = next(c for c in changes if c["deleted"] and c["type"] == "entry")
    assert tombstone == {
        "type": "entry",
        "key": str(late.key),
        "version": tombstone["version"],
        "deleted": True,
        "merged_into": str(early.key),
    }
    assert any(c["type"] == "entry" and c["key"] == str(early.key) for c in changes)


def test_merging_by_hand_with_the_management_command(alice: User) -> None:
    first = save_paper(user=alice, url="arXiv:1706.03762", tags=["a"]).entry
    second = save_paper(user=alice, url="https://doi.org/10.5555/3295222.3295349").entry

    call_command("merge_papers", "10.5555/3295222.3295349", "arXiv:1706.03762")

    (entry,) = Entry.objects.filter(library=first.library_id)
    assert (entry.key, entry.paper_id) == (first.key, second.paper_id)
    with pytest.raises(CommandError, match="already merged"):
        call_command("merge_papers", str(second.paper_id), str(first.paper_id))
    with pytest.raises(CommandError, match="No paper"):
        call_command("merge_papers", "arXiv:1706.03762", "doi:10.1/none")


def test_a_paper_cannot_be_merged_into_itself(alice: User) -> None:
    paper = save_paper(user=alice, url="arXiv:1706.03762").paper
    with pytest.raises(ValueError, match="itself"):
        merge_papers(survivor_id=paper.pk, merged_id=paper.pk)


def test_a_reference_list_imports_every_work_once_and_a_doi_save_joins_its_entry(
    alice: User, registries: list[str]
) -> None:
    library = personal_library(alice)
    records = parse_bibtex(REFERENCES.read_text(encoding="utf-8"))
    assert len(records) == 18
    without_ids = [r for r in records if not r.identifiers and not r.url]
    assert len(without_ids) >= 9  # mostly books, theses and papers cited by title only

    first = import_records(user=alice, library=library, records=records)
    again = import_records(user=alice, library=library, records=records)

    assert (first.count("added"), first.count("skipped")) == (18, 0)
    assert (again.count("added"), again.count("merged"), again.count("unchanged")) == (0, 0, 18)
    assert Entry.objects.filter(library=library).count() == 18
    cited = Entry.objects.get(library=library, title__startswith="Vector Quotient Filters")
    assert not cited.paper.identifiers.exclude(scheme="fingerprint").exists()

    # Later the same work is saved by its DOI; the registry's record has its title, first
    # author and year, so the reference-list entry is that work.
    save_paper(user=alice, url="https://doi.org/10.1145/3448016.3452841", tags=["filters"])
    assert Entry.objects.filter(library=library).count() == 19
    run_queued_tasks()

    assert Entry.objects.filter(library=library).count() == 18
    entry = Entry.objects.get(pk=cited.pk)
    assert {t.name for t in entry.tags.all()} >= {"filters"}
    assert entry.paper.identifiers.filter(scheme="doi", value="10.1145/3448016.3452841").exists()
