"""Search results a page at a time: the same answers as the ORM search, fewer statements."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection

from readinglist.metadata import PageMetadata, Source
from readinglist.models import Entry, EntrySearch, Lab, User
from readinglist.search import search_entries
from readinglist.search_pages import MatchedIds, RankedSearch
from readinglist.services.accounts import personal_library
from readinglist.services.annotations import create_note
from readinglist.services.entries import save_paper
from tests.readinglist.test_search import found

pytestmark = pytest.mark.django_db


def test_matched_ids_page_like_their_queryset_and_count_with_the_page(
    alice: User, django_assert_num_queries: Any
) -> None:
    library = personal_library(alice)
    for n in range(12):
        save_paper(
            user=alice,
            url=f"https://example.org/matched/{n}",
            metadata=PageMetadata(
                title=f"{'Protein folding' if n % 3 else 'Folding'} study {n % 5}",
                abstract="protein " * (n % 4) + "structure",
                published=f"20{10 + n % 4}-01-01" if n % 2 else "",
                source=Source.CITATION,
            ),
        )
    matches = search_entries(
        Entry.objects.in_library(library.pk), "protein folding", library_ids=[library.pk]
    )
    orderings = [
        matches,  # best first
        matches.order_by("paper__title", "id"),
        matches.order_by("-paper__published", "-added_at", "-id"),  # some unpublished
    ]
    reads_per_page = 1 if connection.vendor == "postgresql" else 2
    for ordered in orderings:
        everything = list(ordered.values_list("id", flat=True))
        assert len(everything) == 11  # a word in the title or abstract
        for start, stop in [(0, 5), (8, 13), (3, 4)]:
            page = MatchedIds(ordered)
            with django_assert_num_queries(reads_per_page):
                assert page[start:stop] == everything[start:stop]
                assert len(page) == 11

    beyond = MatchedIds(matches)
    assert beyond[11:15] == []
    with django_assert_num_queries(1):  # nothing read to count from: a COUNT
        assert len(beyond) == 11
    with pytest.raises(TypeError):
        list(MatchedIds(matches))


def test_ranked_search_finds_and_orders_what_search_entries_does(
    alice: User, bob: User, lab: Lab, postgres_only: None
) -> None:
    """RankedSearch is `search_entries` written out in SQL for speed; same answers."""
    personal = personal_library(alice)
    for n in range(14):
        entry = save_paper(
            user=alice,
            url=f"https://example.org/parity/{n}",
            library=lab.library if n % 3 == 0 else None,
            tags=["kept"] if n % 2 else [],
            metadata=PageMetadata(
                title=["Graph neural networks", "Protein language models", "Graph kernels"][n % 3],
                abstract="language " * (n % 4) + "graph structure" * (n % 2),
                source=Source.CITATION,
            ),
        ).entry
        if n % 5 == 0:
            create_note(user=alice, entry=entry, body=f"compare with kernels, draft {n}")
    other = save_paper(user=bob, url="https://example.org/parity/bob", metadata=None).entry
    create_note(user=bob, entry=other, body="kernels everywhere")  # bob's: never alice's

    both = [personal.pk, lab.library.pk]
    cases = [
        ("graph", both, None),
        ("language models", both, None),
        ("kernels", both, None),  # in titles and in notes
        ("draft", both, None),  # only in notes
        ('"graph kernels" -neural', both, None),
        ("graph or protein", [personal.pk], None),
        ("nothingmatches", both, None),
        ("graph", [], None),
        ("graph", both, Entry.objects.in_libraries(both).tagged("kept")),
        ("draft", both, Entry.objects.in_libraries(both).tagged("kept")),  # notes, narrowed
    ]
    for text, library_ids, within in cases:
        entries = within if within is not None else Entry.objects.in_libraries(library_ids)
        expected = MatchedIds(search_entries(entries, text, library_ids=library_ids))
        ranked = RankedSearch(text, library_ids=library_ids, within=within)
        assert ranked[0:50] == expected[0:50], text
        assert len(ranked) == len(expected), text
        assert RankedSearch(text, library_ids=library_ids, within=within)[3:5] == expected[3:5]
    assert len(RankedSearch("graph", library_ids=both)[0:50]) > 5
    assert RankedSearch("draft", library_ids=both)[0:50] != []
    beyond = RankedSearch("graph", library_ids=both)
    assert beyond[100:150] == []
    assert len(beyond) == len(
        MatchedIds(search_entries(Entry.objects.all(), "graph", library_ids=both))
    )


def test_an_entry_without_a_vector_is_still_found_by_its_notes(
    alice: User, postgres_only: None
) -> None:
    library = personal_library(alice)
    entry = save_paper(user=alice, url="https://example.org/bare").entry
    EntrySearch.objects.filter(entry=entry).update(vector=None)
    create_note(user=alice, entry=entry, body="mixture of experts")

    ranked = RankedSearch("experts", library_ids=[library.pk])

    assert ranked[0:10] == [entry.pk]
    assert found(alice, "experts") == {entry.pk}


def test_ranked_results_have_a_cache_of_their_own(alice: User, postgres_only: None) -> None:
    """Distinct searches must not evict rate-limit counters from the default cache."""
    library = personal_library(alice)
    save_paper(user=alice, url="https://example.org/own-cache")
    ranked = RankedSearch("anything", library_ids=[library.pk], versions=[library.version])
    assert ranked[0:10] == []
    assert ranked.cache_key is not None
    assert caches["search"].get(ranked.cache_key) == ([], 0, False)  # ids, count, approximate
    assert caches["default"].get(ranked.cache_key) is None


def test_with_the_cache_off_a_search_ranks_only_the_page_asked_for(
    alice: User, postgres_only: None, settings: Any
) -> None:
    settings.CACHES = settings.CACHES | {
        "search": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    }
    library = personal_library(alice)
    saved = [
        save_paper(
            user=alice,
            url=f"https://example.org/off/{n}",
            metadata=PageMetadata(
                title=f"Mixture of experts, part {n}",
                abstract="experts " * n,
                source=Source.CITATION,
            ),
        ).entry
        for n in range(3)
    ]
    library.refresh_from_db()
    ranked = RankedSearch("experts", library_ids=[library.pk], versions=[library.version])
    limits: list[int] = []  # the LIMIT of each statement: its next-to-last parameter

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        limits.append(params[-2])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = ranked[0:2]

    assert ranked.cache_key is None
    assert len(page) == 2
    assert set(page) <= {entry.pk for entry in saved}
    assert len(ranked) == 3  # counted with the page
    assert limits == [2]  # one statement, and not the 200-id window the cache would keep
