"""Entry listings and search pages: built from rows, paged by rank, one shape everywhere."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

from readinglist.entry_rows import listing_details, listing_page, rows_in_order
from readinglist.metadata import PageMetadata, Source
from readinglist.models import Entry, Lab, Paper, User
from readinglist.search import search_entries
from readinglist.search_pages import RankedSearch, rows_by_text_index
from readinglist.services.accounts import personal_library
from readinglist.services.annotations import create_note
from readinglist.services.entries import delete_entry, save_paper, update_entry

QueryCounter = Callable[[int], AbstractContextManager[object]]


def save(user: User, n: int, title: str = "", **kwargs: Any) -> Entry:
    metadata = PageMetadata(
        title=title or f"Paper {n}",
        authors=["Ada Lovelace", "Alan Turing"],
        abstract=f"Abstract number {n}.",
        published="2024-01-02",
        venue="NeurIPS",
        source=Source.CITATION,
    )
    return save_paper(user=user, url=f"arXiv:2401.{n:05d}", metadata=metadata, **kwargs).entry


def results(client: APIClient, **params: object) -> dict[str, Any]:
    response = client.get("/api/v1/entries/", params)
    assert response.status_code == HTTPStatus.OK, response.content
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.django_db
def test_listed_and_searched_entries_equal_the_retrieved_entry(
    alice: User, bob: User, alice_client: APIClient, lab: Lab
) -> None:
    entry = save(alice, 1, title="Graph attention", library=lab.library, tags=["Zeta", "alpha"])
    update_entry(user=alice, entry=entry, state={"status": "read", "rating": 4}, add=(), remove=())
    update_entry(user=bob, entry=entry, state={"status": "reading"}, add=(), remove=())
    untouched = save(alice, 2, title="Graph pooling", library=lab.library)

    retrieved = alice_client.get(f"/api/v1/entries/{entry.pk}/").json()
    listed = {e["id"]: e for e in results(alice_client, library=lab.library.pk)["results"]}
    searched = {e["id"]: e for e in results(alice_client, q="graph")["results"]}

    assert listed[entry.pk] == retrieved == searched[entry.pk]
    assert retrieved["tags"] == ["alpha", "Zeta"]
    assert retrieved["state"]["status"] == "read"  # alice's own, not bob's
    assert retrieved["state"]["rating"] == 4
    assert retrieved["paper"]["identifiers"] == {"arxiv": "2401.00001"}
    assert retrieved["paper"]["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert listed[untouched.pk]["state"] is None
    assert listed[untouched.pk]["tags"] == []


@pytest.mark.django_db
def test_search_pages_keep_the_count_and_never_repeat(alice: User, alice_client: APIClient) -> None:
    matching = {save(alice, n, title=f"Diffusion study {n}").pk for n in range(1, 8)}
    save(alice, 50, title="Something else")

    pages = [results(alice_client, q="diffusion", page_size=3, page=n) for n in (1, 2, 3)]
    beyond = alice_client.get("/api/v1/entries/", {"q": "diffusion", "page_size": 3, "page": 4})
    one_page = results(alice_client, q="diffusion", page_size=10)

    assert [page["count"] for page in pages] == [7, 7, 7]
    found = [e["id"] for page in pages for e in page["results"]]
    assert len(found) == 7
    assert set(found) == matching
    assert pages[0]["previous"] is None
    assert pages[2]["next"] is None
    assert "page=2" in pages[0]["next"]
    assert beyond.status_code == HTTPStatus.NOT_FOUND
    for page in ("99999999999999999999", "9223372036854775807", "0", "-1", "x", "last"):
        response = alice_client.get("/api/v1/entries/", {"q": "diffusion", "page": page})
        expected = HTTPStatus.OK if page == "last" else HTTPStatus.NOT_FOUND
        assert response.status_code == expected, page
    assert one_page["count"] == 7  # a short page: counted without a COUNT query
    assert {e["id"] for e in one_page["results"]} == matching
    assert results(alice_client, q="nothingmatches")["count"] == 0


@pytest.mark.django_db
def test_a_blank_search_is_a_clear_400(alice: User, alice_client: APIClient) -> None:
    save(alice, 1)
    response = alice_client.get("/api/v1/entries/", {"q": "  "})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "q" in response.json()


@pytest.mark.django_db
def test_search_query_count_does_not_grow_with_matches(
    alice: User, alice_client: APIClient, django_assert_num_queries: QueryCounter
) -> None:
    def queries_for_search() -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            body = results(alice_client, q="transformer", page_size=2)
        assert body["results"]
        return len(captured.captured_queries)

    for n in range(1, 4):
        save(alice, n, title=f"Transformer {n}", tags=["a", "b"], status="read")
    few = queries_for_search()
    for n in range(4, 31):
        save(alice, n, title=f"Transformer {n}", tags=["a", "b"], status="read")
    assert queries_for_search() == few
    # visible libraries; PostgreSQL: the ranked page of ids, notes' matches and the count
    # in one statement, then the page's entries with all their details in another; SQLite:
    # ids, a count, then rows, tags, identifiers and states apart
    caches["search"].clear()
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 7):
        results(alice_client, q="transformer", page_size=2)
    # PostgreSQL: the same search again, or its next page, reads the ranked ids from the cache
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 7):
        results(alice_client, q="transformer", page_size=2, page=2)


@pytest.mark.django_db
def test_cached_search_results_follow_every_write_to_the_library(
    alice: User, bob: User, alice_client: APIClient, lab: Lab, postgres_only: None
) -> None:
    def found(**params: object) -> list[int]:
        body = results(alice_client, q="kernels", **params)
        return [entry["id"] for entry in body["results"]]

    first = save(alice, 1, title="Graph kernels", library=lab.library)
    assert found() == [first.pk]
    second = save(bob, 2, title="String kernels", library=lab.library)  # a lab member's save
    assert set(found()) == {first.pk, second.pk}
    update_entry(user=alice, entry=first, state={"status": "read"}, add=(), remove=())
    noted = save(alice, 3, title="Unrelated", library=lab.library)
    assert found(library=lab.library.pk) == found()  # same results, another cache key
    create_note(user=bob, entry=noted, body="compare with kernels")
    assert set(found()) == {first.pk, second.pk, noted.pk}
    assert set(found(status="read")) == {first.pk}  # narrowed searches are not cached
    delete_entry(user=alice, entry=second)
    assert set(found()) == {first.pk, noted.pk}


@pytest.mark.django_db
def test_search_in_every_visible_library_at_once(
    alice: User, bob: User, charlie: User, bob_client: APIClient, lab: Lab
) -> None:
    in_lab = save(alice, 1, title="Sparse attention", library=lab.library)
    bobs_own = save(bob, 2, title="Sparse autoencoders")
    save(charlie, 3, title="Sparse coding")
    save(alice, 4, title="Sparse experts")  # alice's personal library: not bob's

    found = {e["id"] for e in results(bob_client, q="sparse")["results"]}

    assert found == {in_lab.pk, bobs_own.pk}


def bulk_library(user: User, size: int, title: Callable[[int], str]) -> None:
    """`size` entries in the user's library, fast (no services): for planner statistics."""
    papers = Paper.objects.bulk_create(
        [Paper(url=f"https://example.org/{user.pk}/{n}") for n in range(size)]
    )
    library = personal_library(user)
    Entry.objects.bulk_create(
        [
            Entry(library=library, paper=p, version=1, title=title(n), url=p.url)
            for n, p in enumerate(papers)
        ]
    )


@pytest.mark.django_db
def test_search_uses_the_library_and_text_index_together(
    alice: User, bob: User, postgres_only: None
) -> None:
    """btree_gin has no int8 = int4 operator: with an untyped library id PostgreSQL can only
    use the text half of the `(library_id, vector)` index, and reads the matches of
    every library (here bob's 10) to keep alice's 2."""
    bulk_library(alice, 300, lambda n: "Quantum walks" if n < 2 else f"Other topic {n}")
    bulk_library(bob, 300, lambda n: "Quantum error correction" if n < 10 else f"Else {n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE readinglist_entrysearch")  # the documents the plan reads
    library = personal_library(alice)
    ranked = RankedSearch("quantum", library_ids=[library.pk])
    sql, params = ranked.matches()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # on 600 tiny rows a scan would win
        plan = [line for (line,) in rows_by_text_index(f"EXPLAIN {sql}", params)]
    found = ranked[0:10]

    on_search_index = plan.index(
        next(line for line in plan if "readinglist_entrysearch_text" in line)
    )
    condition = plan[on_search_index + 1]
    assert "Index Cond" in condition
    assert "library_id" in condition
    assert "vector @@" in condition
    assert len(found) == 2


@pytest.mark.django_db
def test_the_search_plan_setting_ends_with_the_statement(alice: User, postgres_only: None) -> None:
    """The statement turns plain index scans off for itself; inside a transaction (here the
    test's own) that local setting would last until the commit unless put back."""

    def index_scans() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_indexscan")
            setting: str = cursor.fetchone()[0]
        return setting

    assert connection.in_atomic_block
    assert rows_by_text_index("SELECT current_setting('enable_indexscan')", []) == [("off",)]
    assert index_scans() == "on"
    assert RankedSearch("anything", library_ids=[personal_library(alice).pk])[0:10] == []
    assert index_scans() == "on"


@pytest.mark.django_db
def test_no_libraries_match_nothing(alice: User) -> None:
    save(alice, 1, title="Anything")
    assert not Entry.objects.in_libraries([]).exists()
    assert not search_entries(Entry.objects.all(), "anything", library_ids=[]).exists()


@pytest.mark.django_db
def test_the_one_statement_page_equals_the_four_reads(
    alice: User, bob: User, lab: Lab, postgres_only: None
) -> None:
    entries = [
        save(alice, n, title=f"Paper {n}", library=lab.library, tags=["b", "A"][: n % 3])
        for n in range(1, 7)
    ]
    plain = save_paper(user=alice, url="https://example.org/no-identifiers", library=lab.library)
    entries.append(plain.entry)
    update_entry(
        user=alice, entry=entries[0], state={"status": "read", "rating": 5}, add=(), remove=()
    )
    update_entry(user=bob, entry=entries[1], state={"status": "reading"}, add=(), remove=())
    ids = [entries[3].pk, entries[0].pk, 10**9, entries[6].pk, entries[1].pk, entries[2].pk]

    rows, details = listing_page(ids, user_id=alice.pk)

    expected_rows = rows_in_order(ids)
    assert rows == expected_rows
    assert details == listing_details(expected_rows, user_id=alice.pk)
    assert [row["id"] for row in rows] == [i for i in ids if i != 10**9]
    assert details.states[entries[0].pk]["read_at"] is not None
    assert entries[1].pk not in details.states  # bob's state is his
    assert details.tags[entries[1].pk] == ["A", "b"]
    assert entries[2].pk not in details.tags


@pytest.mark.django_db
def test_cached_results_are_keyed_by_library_not_only_version(
    alice: User, bob: User, alice_client: APIClient, bob_client: APIClient
) -> None:
    mine = save(alice, 1, title="Sparse kernels")
    theirs = save(bob, 2, title="Sparse kernels")
    assert personal_library(alice).version == personal_library(bob).version

    def found(client: APIClient) -> list[int]:
        return [entry["id"] for entry in results(client, q="sparse")["results"]]

    assert found(alice_client) == [mine.pk]
    assert found(bob_client) == [theirs.pk]
    assert found(alice_client) == [mine.pk]
