"""A save from a publisher page, then the registry lookup: the registry fills what the page
lacked, and replaces the page's values except where the page has the same text in a fuller
form (issue #21). Registries answer from recorded responses (tests/enrichment/fixtures)."""

from __future__ import annotations

import pytest

from readinglist.metadata import PageMetadata, Source, effective_metadata
from readinglist.models import Entry, User
from readinglist.services.entries import save_paper
from tests.worker import run_queued_tasks

DOI = "10.1145/3448016.3452841"  # recorded: crossref_10.1145_3448016.3452841.json
PAGE_ABSTRACT = (
    "Range filters and approximate membership query filters trade space for speed; vector "
    "quotient filters overcome that trade-off with power-of-two-choice hashing."
)


def fresh(entry: Entry) -> Entry:
    return Entry.objects.select_related("paper").get(pk=entry.pk)


@pytest.mark.django_db
def test_the_registry_fills_what_the_page_lacked_and_keeps_what_only_the_page_had(
    alice: User, registries: list[str]
) -> None:
    page = PageMetadata(
        title="Vector Quotient Filters: Overcoming the Time/Space Trade-Off in Filter Design",
        abstract=PAGE_ABSTRACT,  # Crossref's record has no abstract
        identifiers={"doi": DOI},
        source=Source.CITATION,
    )
    saved = save_paper(user=alice, url=f"https://dl.acm.org/doi/{DOI}", metadata=page).entry
    assert (saved.authors, saved.venue, saved.published) == ([], "", "")

    run_queued_tasks()

    entry = fresh(saved)
    assert registries == [f"https://api.crossref.org/works/{DOI}"]
    assert entry.authors[:2] == ["Pandey, Prashant", "Conway, Alex"]
    assert entry.venue == "Proceedings of the 2021 International Conference on Management of Data"
    assert entry.published.startswith("2021")
    assert entry.item_type == "conference_paper"
    assert entry.title == page.title  # Crossref says the same (title + subtitle)
    assert entry.abstract == PAGE_ABSTRACT


REGISTRY = {
    "title": "Vector Quotient Filters",
    "abstract": "Range filters and approximate membership query filters trade space for...",
    "venue": "SIGMOD '21",
    "authors": ["Pandey, Prashant"],
    "published": "2021-06-09",
}


def seen(**page: object) -> dict[str, object]:
    return effective_metadata(authoritative=REGISTRY, contributed=page, overrides={})


def test_a_page_title_with_the_subtitle_the_registry_lacks_is_kept() -> None:
    full = "Vector Quotient Filters: Overcoming the Time/Space Trade-Off in Filter Design"
    assert seen(title=full)["title"] == full


def test_a_site_tail_on_the_page_title_is_not_a_fuller_title() -> None:
    assert seen(title="Vector Quotient Filters | ACM Digital Library")["title"] == REGISTRY["title"]
    assert seen(title="Vector Quotient Filters - lingbuzz/008324")["title"] == REGISTRY["title"]


def test_the_page_abstract_beats_a_registry_abstract_cut_short() -> None:
    assert seen(abstract=PAGE_ABSTRACT)["abstract"] == PAGE_ABSTRACT


def test_an_upper_case_registry_title_gives_way_to_the_page_casing() -> None:
    shouting = {**REGISTRY, "title": "VECTOR QUOTIENT FILTERS"}
    got = effective_metadata(
        authoritative=shouting, contributed={"title": "Vector Quotient Filters"}, overrides={}
    )
    assert got["title"] == "Vector Quotient Filters"


def test_otherwise_the_registry_replaces_the_page() -> None:
    got = seen(
        title="Vector quotient filters for fast membership",  # a different title
        venue="Proceedings of SIGMOD 2021",
        authors=["Prashant Pandey", "Someone Else"],
        published="2021",
        abstract="A different, complete text about filters.",
    )
    assert got["title"] == REGISTRY["title"]
    assert got["venue"] == REGISTRY["venue"]
    assert got["authors"] == REGISTRY["authors"]
    assert got["published"] == REGISTRY["published"]
    assert got["abstract"] == REGISTRY["abstract"]
