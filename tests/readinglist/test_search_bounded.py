"""Ranking a bounded set of candidates, approximate counts, and the documents' own table.

The bounds are lowered here (module constants of `readinglist.search_pages`) so a few
entries stand for a word in half of a 100,000-entry library.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from readinglist import search_pages
from readinglist.models import Entry, Paper, User
from readinglist.search_pages import RankedSearch, about
from readinglist.services.accounts import personal_library

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_pages, "RANKED_CANDIDATES", 4)
    monkeypatch.setattr(search_pages, "TITLE_CANDIDATES", 2)
    monkeypatch.setattr(search_pages, "APPROXIMATE_ABOVE", 6)


def fill(user: User, rows: list[tuple[str, str]]) -> list[Entry]:
    """Entries with these (title, abstract), the first the oldest, bulk-inserted as imports
    insert them (the documents come from the insert trigger)."""
    library = personal_library(user)
    papers = Paper.objects.bulk_create(
        [Paper(url=f"https://example.org/{user.pk}/{n}") for n in range(len(rows))]
    )
    start = timezone.now() - timedelta(days=len(rows))
    return Entry.objects.bulk_create(
        [
            Entry(
                library=library,
                paper=paper,
                version=1,
                title=title,
                abstract=abstract,
                added_at=start + timedelta(days=n),
            )
            for n, (paper, (title, abstract)) in enumerate(zip(papers, rows, strict=True))
        ]
    )


def common_library(user: User) -> list[Entry]:
    """An old title match for "graph", then twelve newer abstract-only matches, one of them
    also mentioning the rare "hypergraph"."""
    rows = [("Graph kernels", "A survey.")]
    rows += [(f"Paper {n}", f"We use a graph in study {n}.") for n in range(12)]
    rows[5] = ("Paper 4", "A graph and a hypergraph.")
    return fill(user, rows)


def test_a_common_word_ranks_the_old_title_match_first_and_pages_every_match_once(
    alice: User, bob: User, postgres_only: None, small_bounds: None
) -> None:
    entries = common_library(alice)
    common_library(bob)  # bob's library: never searched for alice
    library = personal_library(alice)

    ranked = RankedSearch("graph", library_ids=[library.pk])
    first = ranked[0:4]
    pages = first + ranked[4:8] + ranked[8:12] + ranked[12:16]

    assert first[0] == entries[0].pk  # the oldest, but the only title match
    # Beyond the candidates (the title match and the newest abstract matches), the other
    # matches follow newest first, each once; bob's never.
    assert sorted(pages) == sorted(entry.pk for entry in entries)
    newest_first = [e.pk for e in sorted(entries[1:], key=lambda e: e.added_at, reverse=True)]
    assert pages[1:] == newest_first
    assert len(ranked) > 6
    assert ranked.approximate


def test_a_rare_word_is_counted_exactly_and_found_first(
    alice: User, postgres_only: None, small_bounds: None
) -> None:
    entries = common_library(alice)
    library = personal_library(alice)

    rare = RankedSearch("hypergraph", library_ids=[library.pk])

    assert rare[0:10] == [entries[5].pk]
    assert len(rare) == 1
    assert rare.approximate is False
    both = RankedSearch("graph hypergraph", library_ids=[library.pk])
    assert both[0:10] == [entries[5].pk]


def test_counts_above_the_threshold_are_estimates_below_it_exact(
    alice: User, postgres_only: None, small_bounds: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    common_library(alice)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE readinglist_entrysearch")
    library = personal_library(alice)

    common = RankedSearch("graph", library_ids=[library.pk])
    assert common[0:2] != []
    assert common.approximate is True
    assert len(common) >= 7  # more than APPROXIMATE_ABOVE matched: at least that many
    counted_alone = RankedSearch("graph", library_ids=[library.pk])
    assert len(counted_alone) == len(common)  # counting without a page says the same
    assert counted_alone.approximate is True

    monkeypatch.setattr(search_pages, "APPROXIMATE_ABOVE", 100)
    exact = RankedSearch("graph", library_ids=[library.pk])
    assert exact[0:2] != []
    assert (len(exact), exact.approximate) == (13, False)


def test_an_approximate_count_has_two_significant_figures() -> None:
    assert [about(n) for n in (7, 99, 123, 48_731, 49_500, 1_001)] == [
        7,
        99,
        120,
        49_000,
        50_000,
        1_000,
    ]


def test_the_api_says_when_its_count_is_approximate(
    alice: User,
    bob: User,
    alice_client: APIClient,
    postgres_only: None,
    small_bounds: None,
    django_assert_num_queries: Any,
) -> None:
    common_library(alice)
    library = personal_library(alice)

    def search(text: str) -> dict[str, Any]:
        response = alice_client.get("/api/v1/entries/", {"library": library.pk, "q": text})
        assert response.status_code == HTTPStatus.OK, response.content
        body: dict[str, Any] = response.json()
        return body

    common = search("graph")
    rare = search("hypergraph")
    assert common["approximate"] is True
    assert common["count"] >= 7
    assert (rare["approximate"], rare["count"]) == (False, 1)
    # The ranked page, its count and the estimate are one statement: the same three
    # queries as any search (the library, that statement, the page's rows).
    with django_assert_num_queries(3):
        search("graph")
    theirs = alice_client.get("/api/v1/entries/", {"library": personal_library(bob).pk, "q": "x"})
    assert theirs.status_code == HTTPStatus.NOT_FOUND


def test_the_api_search_needs_a_user(anon_client: APIClient) -> None:
    response = anon_client.get("/api/v1/entries/", {"q": "graph"})
    assert response.status_code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)


def test_the_library_page_shows_about_n_results(
    client: Client, alice: User, postgres_only: None, small_bounds: None
) -> None:
    common_library(alice)
    client.force_login(alice)

    common = client.get("/library/?q=graph").content.decode()
    rare = client.get("/library/?q=hypergraph").content.decode()

    assert "about " in common
    assert " results" in common
    assert "1 entry match" in rare
    assert "about " not in rare


def test_without_postgres_search_counts_exactly(alice: User, small_bounds: None) -> None:
    """SQLite's fallback (every word somewhere, newest first) has no estimates."""
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite fallback")
    common_library(alice)
    client = APIClient()
    client.force_authenticate(alice)
    body = client.get("/api/v1/entries/", {"q": "graph"}).json()
    assert (body["count"], body["approximate"]) == (13, False)


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_documents_out_and_back(postgres_only: None) -> None:
    before, after = (
        [("readinglist", "0021_lab_radar")],
        [("readinglist", "0023_rewrite_entries_without_vectors")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        # Every row through the models as they were: every column they had then.
        old = executor.loader.project_state(before).apps
        user = old.get_model("readinglist", "User").objects.create(email="m@example.org")
        library = old.get_model("readinglist", "Library").objects.create(
            kind="personal", name="m", owner_id=user.pk
        )
        library_id = library.pk
        paper = old.get_model("readinglist", "Paper").objects.create(url="https://example.org/m")
        entry = old.get_model("readinglist", "Entry").objects.create(
            library_id=library_id, paper_id=paper.pk, title="Tensor sketching", version=1
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT search_vector::text FROM readinglist_entry WHERE id = %s", [entry.pk]
            )
            (vector,) = cursor.fetchone()
            assert "sketch" in vector

            executor = MigrationExecutor(connection)
            executor.migrate(after)
            cursor.execute(
                "SELECT library_id, vector::text FROM readinglist_entrysearch WHERE entry_id = %s",
                [entry.pk],
            )
            assert cursor.fetchall() == [(library_id, vector)]

            executor = MigrationExecutor(connection)
            executor.migrate(before)
            cursor.execute(
                "SELECT search_vector::text FROM readinglist_entry WHERE id = %s", [entry.pk]
            )
            assert cursor.fetchone() == (vector,)
            cursor.execute("UPDATE readinglist_entry SET title = 'Count sketches'")
            cursor.execute("SELECT search_vector::text FROM readinglist_entry")
            assert "count" in cursor.fetchone()[0]  # the old trigger is back
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
