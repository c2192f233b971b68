"""Enrichment on the worker, end to end: save, run the queue, see what each library sees.

Registries answer from recorded responses (`registries` fixture, tests/enrichment/fixtures);
with no fixture installed they answer like a machine without network.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from readinglist.digest import build_digest, render_digest
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.enrichment.worker import RETRY_DELAYS, Answers, apply_answers, run_enrichment
from readinglist.models import Entry, Lab, Library, Paper, PaperEvent, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.entry_metadata import edit_details
from readinglist.services.housekeeping import requeue_lost_enrichment
from tests.worker import queued, run_queued_tasks

pytestmark = pytest.mark.django_db

ENRICH = "readinglist.tasks.enrich_paper"


def fresh(entry: Entry) -> Entry:
    return Entry.objects.select_related("paper").get(pk=entry.pk)


def test_a_save_by_bare_arxiv_id_ends_with_the_papers_details(
    alice: User, registries: list[str], alice_client: APIClient
) -> None:
    saved = save_paper(user=alice, url="2108.04010").entry
    assert saved.title == ""  # nothing known yet: the save did not wait for arXiv

    assert run_queued_tasks() == [ENRICH]

    entry = fresh(saved)
    assert entry.title == (
        "Measurement of Muon-induced Neutron Production at the China Jinping Underground Laboratory"
    )
    assert entry.authors[0] == "Lin Zhao"
    assert entry.published.startswith("2021-08-09")
    assert entry.venue == "2022 Chinese Phys. C 46 085001"
    assert entry.item_type == "preprint"
    assert entry.paper.enrichment == Paper.Enrichment.DONE
    # arXiv named the journal DOI: the paper holds it now, and it counts as published.
    assert entry.paper.identifiers.filter(scheme="doi", value="10.1088/1674-1137/ac66cc").exists()
    assert PaperEvent.objects.filter(paper=entry.paper, kind="published").exists()
    body = alice_client.get(f"/api/v1/entries/{entry.pk}/").json()
    assert body["paper"]["title"] == entry.title
    assert body["updates"]["published_doi"] == "10.1088/1674-1137/ac66cc"
    assert registries[0] == "https://export.arxiv.org/api/query?id_list=2108.04010"


def test_a_save_by_doi_ends_with_title_authors_year_and_venue(
    alice: User, registries: list[str]
) -> None:
    saved = save_paper(user=alice, url="doi:10.1145/3448016.3452841").entry
    run_queued_tasks()
    entry = fresh(saved)
    assert entry.title.startswith("Vector Quotient Filters")
    assert entry.authors[0] == "Pandey, Prashant"
    assert entry.published.startswith("2021")
    assert entry.venue.startswith("Proceedings of the 2021 International Conference")
    assert entry.item_type == "conference_paper"


def test_a_save_by_pdf_url_ends_filled_and_knows_a_newer_version(
    alice: User, registries: list[str], alice_client: APIClient, client: Client
) -> None:
    saved = save_paper(user=alice, url="https://arxiv.org/pdf/2204.01249v3").entry
    run_queued_tasks()
    entry = fresh(saved)
    assert entry.title.startswith("Open-closed homotopy algebra")
    assert entry.published[:4] == "2022"
    assert (entry.arxiv_version, entry.paper.arxiv_version) == (3, 4)
    body = alice_client.get(f"/api/v1/entries/{entry.pk}/").json()
    assert body["saved_arxiv_version"] == 3
    assert body["updates"]["newer_arxiv_version"] == 4
    client.force_login(alice)
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert "A newer version is on arXiv" in html
    assert 'href="https://arxiv.org/abs/2204.01249v4"' in html


def test_a_registry_that_does_not_answer_leaves_the_entry_and_schedules_a_retry(
    alice: User,
) -> None:
    library = personal_library(alice)
    saved = save_paper(user=alice, url="arXiv:2108.04010", tags=["mine"]).entry
    version = Library.objects.get(pk=library.pk).version

    run_queued_tasks()  # no network: the fetch fails

    entry = fresh(saved)
    assert (entry.title, entry.version) == ("", saved.version)
    assert Library.objects.get(pk=library.pk).version == version  # nothing for sync to carry
    paper = entry.paper
    assert paper.enrichment == Paper.Enrichment.PENDING
    assert paper.enrichment_attempts == 1
    assert "no network" in paper.enrichment_error
    (retry,) = queued(ENRICH)
    expected = timezone.now() + RETRY_DELAYS[0]
    assert abs((retry.run_after - expected).total_seconds()) < 30


def test_after_every_retry_fails_the_paper_is_failed_and_a_new_save_asks_again(
    alice: User, bob: User
) -> None:
    paper = save_paper(user=alice, url="arXiv:2108.04010").paper
    for _ in range(len(RETRY_DELAYS) + 1):
        run_enrichment(paper.pk)
    paper.refresh_from_db()
    assert paper.enrichment == Paper.Enrichment.FAILED
    DBTaskResult.objects.all().delete()

    save_paper(user=bob, url="arXiv:2108.04010")

    paper.refresh_from_db()
    assert paper.enrichment == Paper.Enrichment.PENDING
    assert len(queued(ENRICH)) == 1


def test_registry_metadata_reaches_every_library_but_not_over_an_edit(
    alice: User, bob: User, registries: list[str], alice_client: APIClient
) -> None:
    mine = save_paper(user=alice, url="arXiv:2108.04010").entry
    theirs = save_paper(user=bob, url="https://arxiv.org/abs/2108.04010v1").entry
    edit_details(user=bob, entry=theirs, changes={"title": "Bob's own title"})
    versions = {
        lib.pk: lib.version
        for lib in Library.objects.filter(pk__in=[mine.library_id, theirs.library_id])
    }

    run_queued_tasks()

    assert fresh(mine).title.startswith("Measurement of Muon-induced")
    assert fresh(theirs).title == "Bob's own title"
    assert fresh(theirs).authors[0] == "Lin Zhao"  # fields Bob did not edit still fill in
    for library in Library.objects.filter(pk__in=versions):
        assert library.version == versions[library.pk] + 1  # one write, seen by sync
    changes = alice_client.get(
        f"/api/v1/libraries/{mine.library_id}/changes", {"since": versions[mine.library_id]}
    ).json()["changes"]
    assert [c["type"] for c in changes] == ["entry"]
    assert changes[0]["data"]["paper"]["title"].startswith("Measurement of Muon-induced")


def test_a_lost_enrichment_task_is_queued_again_by_the_sweep(alice: User) -> None:
    paper = save_paper(user=alice, url="arXiv:2108.04010").paper
    DBTaskResult.objects.all().delete()  # the worker died holding it
    assert requeue_lost_enrichment() == 0  # not yet overdue
    Paper.objects.filter(pk=paper.pk).update(
        enrichment_retry_at=timezone.now() - timedelta(hours=1)
    )
    assert requeue_lost_enrichment() == 1
    assert len(queued(ENRICH)) == 1
    assert requeue_lost_enrichment() == 0  # marked: the next sweep leaves it to the task


def test_enrichment_off_queues_nothing(alice: User, settings: object) -> None:
    settings.ENRICHMENT_ENABLED = False  # type: ignore[attr-defined]
    save_paper(user=alice, url="arXiv:2108.04010")
    assert queued() == []


def test_a_url_only_paper_asks_no_registry(alice: User) -> None:
    paper = save_paper(user=alice, url="https://www.usenix.org/conference/nsdi22/x").paper
    assert paper.enrichment == Paper.Enrichment.NONE
    assert queued() == []


def test_new_versions_and_publications_reach_the_lab_digest(
    alice: User, lab: Lab, registries: list[str]
) -> None:
    entry = save_paper(user=alice, url="arXiv:2204.01249", library=lab.library).entry
    run_queued_tasks()  # v4 is the newest; no event: nobody had seen another one yet
    Paper.objects.filter(pk=entry.paper_id).update(arxiv_version=3)  # as if v4 were new
    run_enrichment(entry.paper_id)

    digest = build_digest(lab=lab, until=timezone.now() + timedelta(minutes=1))

    assert digest.paper_update_count == 1
    (update,) = digest.paper_updates
    assert (update.title, update.what) == (fresh(entry).title, "v4 on arXiv")
    text, html = render_digest(digest)
    assert "New versions and publications (1)" in text
    assert "v4 on arXiv" in html


def test_registry_values_are_cut_to_what_the_columns_hold(alice: User) -> None:
    entry = save_paper(user=alice, url="arXiv:2108.04010").entry
    huge = RegistryRecord(
        Registry.CROSSREF,
        title="T" * 5000,
        authors=tuple(f"Author {n} " + "x" * 400 for n in range(600)),
        pdf_url="https://example.org/" + "a" * 3000,
    )
    with transaction.atomic():
        apply_answers(entry.paper_id, Answers(records=[huge]))
    seen = fresh(entry)
    assert (len(seen.title), len(seen.authors), len(seen.authors[0])) == (2000, 500, 300)
    assert seen.pdf_url == "https://arxiv.org/pdf/2108.04010"  # a cut link is no link


def test_a_failure_applying_an_answer_backs_off_instead_of_looping(
    alice: User, registries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paper = save_paper(user=alice, url="arXiv:2108.04010").paper

    def broken(paper_id: int, answers: Answers) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("readinglist.enrichment.worker.apply_answers", broken)
    assert run_queued_tasks() == [ENRICH]  # the task itself ends, it does not crash

    paper.refresh_from_db()
    assert (paper.enrichment, paper.enrichment_attempts) == (Paper.Enrichment.PENDING, 1)
    assert paper.enrichment_error == "server error: RuntimeError"
    assert len(queued(ENRICH)) == 1  # later, with backoff


@pytest.mark.parametrize(
    ("saved_as", "title_starts", "year"),
    [
        ("2108.04010", "Measurement of Muon-induced Neutron", "2021"),
        ("https://arxiv.org/pdf/2204.01249v2", "Open-closed homotopy algebra", "2022"),
        ("https://doi.org/10.1145/3448016.3452841", "Vector Quotient Filters", "2021"),
        ("doi:10.5281/zenodo.48440", "", "2016"),
        ("https://openreview.net/forum?id=KS8mIvetg2", "Proving Test Set Contamination", "20"),
        ("https://openreview.net/pdf?id=nZeVKeeFYf9", "LoRA", "20"),
        ("https://aclanthology.org/2021.naacl-main.208.pdf", "How many data points", "2021"),
        ("PMID: 29963580", "", "2018"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC6022861/", "", "2018"),
    ],
)
def test_every_registry_fills_a_save_by_id_doi_or_pdf_url(
    alice: User, registries: list[str], saved_as: str, title_starts: str, year: str
) -> None:
    saved = save_paper(user=alice, url=saved_as).entry
    assert saved.title == ""

    run_queued_tasks()

    entry = fresh(saved)
    assert entry.title.startswith(title_starts)
    assert entry.title
    assert entry.authors
    assert entry.published.startswith(year)
    assert entry.venue
    assert entry.paper.enrichment == Paper.Enrichment.DONE
