"""Search: entries' documents kept by PostgreSQL triggers in their own table, scoped to the
libraries."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from readinglist.metadata import PageMetadata, Source
from readinglist.models import Entry, EntrySearch, Paper, User
from readinglist.search import SEARCH_CONFIG, search_entries
from readinglist.services.accounts import personal_library
from readinglist.services.annotations import create_note
from readinglist.services.entries import save_paper

pytestmark = pytest.mark.django_db


def found(user: User, text: str) -> set[int]:
    library = personal_library(user)
    entries = search_entries(Entry.objects.in_library(library.pk), text, library_ids=[library.pk])
    return set(entries.values_list("pk", flat=True))


def test_better_metadata_later_is_searchable_at_once(alice: User) -> None:
    url = "https://example.org/paper/1"
    entry = save_paper(user=alice, url=url).entry
    assert found(alice, "hyperbolic") == set()
    save_paper(
        user=alice,
        url=url,
        metadata=PageMetadata(title="Hyperbolic embeddings", source=Source.CITATION),
    )
    assert found(alice, "hyperbolic") == {entry.pk}


def test_search_stays_in_its_library_notes_included(alice: User, bob: User) -> None:
    metadata = PageMetadata(title="Sparse attention", source=Source.CITATION)
    mine = save_paper(user=alice, url="arXiv:2001.00001", metadata=metadata).entry
    theirs = save_paper(user=bob, url="arXiv:2001.00001", metadata=metadata).entry
    create_note(user=bob, entry=theirs, body="contrastive objective")
    assert mine.paper_id == theirs.paper_id
    assert found(alice, "sparse") == {mine.pk}
    assert found(alice, "contrastive") == set()
    assert found(bob, "contrastive") == {theirs.pk}


def test_the_trigger_builds_the_document_search_compiles(alice: User, postgres_only: None) -> None:
    """The entry triggers (migration 0022) write the weighted document that Django's
    SearchVector over the same columns computes, whatever characters they hold, and the
    title's part alone."""
    paper = Paper.objects.create(url="https://example.org/v")
    entry = Entry.objects.create(
        library=personal_library(alice),
        paper=paper,
        version=1,
        title="Über “quoted” \\ backslashes",
        authors=["Zoë O'Brien", 'Ann "AJ" Lee', "李华"],
        abstract="Tabs\tand\nnewlines.",
    )
    document = (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(Cast("authors", TextField()), weight="B", config=SEARCH_CONFIG)
        + SearchVector("abstract", weight="C", config=SEARCH_CONFIG)
    )
    title = SearchVector("title", weight="A", config=SEARCH_CONFIG)
    row = (
        Entry.objects.annotate(expected=document, expected_title=title)
        .values("search__vector", "expected", "search__title_vector", "expected_title")
        .get(pk=entry.pk)
    )
    assert row["search__vector"] == row["expected"]
    assert row["search__title_vector"] == row["expected_title"]
    assert "brien" in row["search__vector"]


def test_bulk_inserted_entries_get_a_vector_of_their_own(alice: User, postgres_only: None) -> None:
    paper = Paper.objects.create(url="https://example.org/b")
    library = personal_library(alice)
    Entry.objects.bulk_create(
        [Entry(library=library, paper=paper, version=1, title="Tensor sketching")]
    )
    assert found(alice, "sketching") == set(Entry.objects.values_list("pk", flat=True))
    documents = EntrySearch.objects.values_list("entry_id", "library_id", "added_at")
    assert set(documents) == set(Entry.objects.values_list("id", "library_id", "added_at"))
    assert not EntrySearch.objects.filter(vector=None).exists()


def test_connections_plan_for_cached_data(postgres_only: None) -> None:
    # The search GIN index is only chosen over a per-library filter with SSD-like costs.
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("1.1",)


@pytest.mark.django_db
def test_search_indexes_update_at_once(postgres_only: None) -> None:
    """No GIN pending list: searches would scan it linearly until a VACUUM (migrations 0005
    and 0022)."""
    indexes = ["readinglist_entrysearch_text", "readinglist_entrysearch_title"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
            [[*indexes, "readinglist_note_search"]],
        )
        options = dict(cursor.fetchall())
    assert options == {
        "readinglist_entrysearch_text": ["fastupdate=off"],
        "readinglist_entrysearch_title": ["fastupdate=off"],
        "readinglist_note_search": ["fastupdate=off"],
    }


def test_entry_rows_carry_no_vector_and_ranked_vectors_stay_in_their_row(
    alice: User, postgres_only: None
) -> None:
    """Listings read entry rows without vectors (0022); ranking reads each candidate's
    vector, which stays in its own row where it fits (MAIN, as 0006 measured)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attname, attstorage FROM pg_attribute"
            " WHERE attrelid IN ('readinglist_entry'::regclass,"
            " 'readinglist_entrysearch'::regclass) AND attname LIKE '%vector'"
            " AND NOT attisdropped ORDER BY 1, 2"
        )
        assert cursor.fetchall() == [
            ("readinglist_entrysearch", "title_vector", "x"),
            ("readinglist_entrysearch", "vector", "m"),
        ]


def test_documents_follow_edits_and_go_with_their_entry(alice: User, postgres_only: None) -> None:
    """Only title, authors and abstract edits rewrite the document; deleting the entry
    deletes it (the foreign key cascades: the ORM never loads these rows)."""
    entry = save_paper(
        user=alice,
        url="https://example.org/edits",
        metadata=PageMetadata(title="Sparse kernels", source=Source.CITATION),
    ).entry
    Entry.objects.filter(pk=entry.pk).update(abstract="Mixture of experts.", citekey="x")
    assert found(alice, "experts") == {entry.pk}
    Entry.objects.filter(pk=entry.pk).update(authors=["Grace Hopper"])
    assert found(alice, "hopper") == {entry.pk}
    assert found(alice, "experts") == {entry.pk}
    Entry.objects.filter(pk=entry.pk).delete()
    assert not EntrySearch.objects.filter(entry_id=entry.pk).exists()
