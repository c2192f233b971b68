"""Enrichment from recorded registry responses only (no network at test time)."""

import urllib.error
from pathlib import Path

import pytest

from readinglist.enrichment import crossref, http
from readinglist.enrichment.tasks import enqueue_enrichment, enrich_paper
from readinglist.models import Entry, Library, Paper, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = {
    "https://export.arxiv.org/api/query?id_list=1706.03762": "arxiv_1706.03762.xml",
    "https://api.crossref.org/works/10.5555/3295222.3295349": (
        "crossref_10.5555_3295222.3295349.json"
    ),
    "https://api.datacite.org/dois/10.48550/arXiv.2106.09608": (
        "datacite_10.48550_arxiv.2106.09608.json"
    ),
}


def recorded(url: str) -> bytes:
    if url not in RECORDED:
        raise http.FetchError(f"{url}: HTTP 404")
    return (FIXTURES / RECORDED[url]).read_bytes()


@pytest.mark.django_db
def test_enrichment_completes_metadata_watches_versions_and_stamps_entries(
    alice: User, bob: User
) -> None:
    mine = save_paper(user=alice, url="https://arxiv.org/abs/1706.03762v5").entry
    theirs = save_paper(user=bob, url="https://arxiv.org/abs/1706.03762").entry
    before = {e.pk: e.version for e in (mine, theirs)}

    result = enrich_paper(paper_id=mine.paper_id, get=recorded)

    paper = Paper.objects.get(pk=mine.paper_id)
    assert result.new_version == 7
    assert result.published_doi == "10.5555/3295222.3295349"
    assert paper.arxiv_version == 7
    assert paper.authors == ["Vaswani, Ashish", "Shazeer, Noam"]  # Crossref first
    assert paper.abstract.startswith("The dominant sequence transduction")
    assert paper.field_sources["title"] == "registry"
    assert paper.identifiers.filter(scheme="doi", value="10.5555/3295222.3295349").exists()
    for entry in Entry.objects.filter(pk__in=before):
        assert entry.version > before[entry.pk]
        assert Library.objects.get(pk=entry.library_id).version == entry.version

    again = enrich_paper(paper_id=mine.paper_id, get=recorded)
    assert not again.changed


@pytest.mark.django_db
def test_datacite_fills_in_when_crossref_does_not_know_the_doi(alice: User) -> None:
    metadata = crossref.lookup("10.48550/arXiv.2106.09608", get=recorded)
    assert metadata is not None
    assert metadata.authors == ("Ammanabrolu, Prithviraj", "Riedl, Mark O.")
    assert metadata.published == "2021"


@pytest.mark.django_db
def test_registry_failure_changes_nothing(alice: User) -> None:
    entry = save_paper(user=alice, url="https://arxiv.org/abs/2106.09608").entry

    def down(url: str) -> bytes:
        raise http.FetchError("timeout")

    assert not enrich_paper(paper_id=entry.paper_id, get=down).changed
    assert personal_library(alice).version == 1


@pytest.mark.django_db
def test_enqueue_runs_after_commit(
    alice: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks, settings
) -> None:
    settings.ENRICHMENT_ENABLED = True
    entry = save_paper(user=alice, url="https://arxiv.org/abs/1706.03762").entry
    monkeypatch.setattr(http, "fetch", recorded)
    monkeypatch.setattr("readinglist.enrichment.tasks.fetch", recorded)
    monkeypatch.setattr("readinglist.enrichment.arxiv.fetch", recorded)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_enrichment(entry.paper_id)
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_enrichment_is_off_unless_enabled(
    alice: User, django_capture_on_commit_callbacks, settings
) -> None:
    settings.ENRICHMENT_ENABLED = False
    entry = save_paper(user=alice, url="https://arxiv.org/abs/1706.03762").entry
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_enrichment(entry.paper_id)
    assert callbacks == []


def test_fetch_retries_server_errors_then_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def failing(request, timeout):
        calls.append(timeout)
        raise urllib.error.HTTPError(request.full_url, 503, "busy", {}, None)

    monkeypatch.setattr(http.urllib.request, "urlopen", failing)
    with pytest.raises(http.FetchError):
        http.fetch("https://api.crossref.org/works/x", timeout=2, retries=3, backoff=0)
    assert calls == [2, 2, 2]

    def not_found(request, timeout):
        calls.append("404")
        raise urllib.error.HTTPError(request.full_url, 404, "nope", {}, None)

    monkeypatch.setattr(http.urllib.request, "urlopen", not_found)
    with pytest.raises(http.FetchError):
        http.fetch("https://api.crossref.org/works/y", backoff=0)
    assert calls.count("404") == 1  # a 404 is an answer, not a reason to retry
