"""Search: entry vectors track their paper's (PostgreSQL triggers), scoped to the libraries."""

from __future__ import annotations

import random
import string

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from readinglist.metadata import PageMetadata, Source
from readinglist.models import Entry, Paper, User
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
    """The entry trigger (migration 0007) writes the weighted document that Django's
    SearchVector over the same columns computes, whatever characters they hold."""
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
    row = (
        Entry.objects.annotate(expected=document)
        .values("search_vector", "expected")
        .get(pk=entry.pk)
    )
    assert row["search_vector"] == row["expected"]
    assert "brien" in row["search_vector"]


def test_bulk_inserted_entries_get_a_vector_of_their_own(alice: User, postgres_only: None) -> None:
    paper = Paper.objects.create(url="https://example.org/b")
    library = personal_library(alice)
    Entry.objects.bulk_create(
        [Entry(library=library, paper=paper, version=1, title="Tensor sketching")]
    )
    assert found(alice, "sketching") == set(Entry.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM readinglist_entry WHERE search_vector IS NULL")
        assert cursor.fetchone() == (0,)


def test_connections_plan_for_cached_data(postgres_only: None) -> None:
    # The search GIN index is only chosen over a per-library filter with SSD-like costs.
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("1.1",)


@pytest.mark.django_db
def test_search_indexes_update_at_once(postgres_only: None) -> None:
    """No GIN pending list: searches would scan it linearly until a VACUUM (migration 0005)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
            [["readinglist_entry_search", "readinglist_note_search"]],
        )
        options = dict(cursor.fetchall())
    assert options == {
        "readinglist_entry_search": ["fastupdate=off"],
        "readinglist_note_search": ["fastupdate=off"],
    }


def test_ranked_vectors_stay_in_the_entry_row(alice: User, postgres_only: None) -> None:
    """Ranking reads every match's vector; out of line, each costs a TOAST lookup (0006). An
    entry too big for its page moves its abstract out, never its vector (0007)."""
    words = random.Random(7)
    abstract = " ".join(
        "".join(words.choice(string.ascii_lowercase) for _ in range(9)) for _ in range(900)
    )
    save_paper(
        user=alice,
        url="https://example.org/long",
        metadata=PageMetadata(title="Long abstract", abstract=abstract, source=Source.CITATION),
    )
    assert toasted_chunks("readinglist_entry") > 0  # the row was too big: something went out
    with connection.cursor() as cursor:
        # MAIN: compressed in the row if need be, moved out only if nothing else can go.
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute"
            " WHERE attrelid = 'readinglist_entry'::regclass"
            " AND attname IN ('search_vector', 'abstract') ORDER BY attname"
        )
        assert cursor.fetchall() == [("abstract", "x"), ("search_vector", "m")]


def toasted_chunks(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = %s", [table]
        )
        (toast_table,) = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {toast_table}")
        (chunks,) = cursor.fetchone()
    return int(chunks)
