"""Full-text search over saved entries.

PostgreSQL: a weighted tsvector stored on Paper (title A > authors B > abstract C) and copied
to each of its entries under a `(library_id, tsvector)` GIN index, ranked with ts_rank; an
entry whose notes match is found too, ranked by its paper's vector (so after the others).
`search_entries` is the ORM form, for any ordering; `readinglist.search_pages` reads its
results a page at a time (`RankedSearch`: the same search written out in SQL). SQLite (the
embedded default) has no tsvector, so there every word must appear somewhere,
case-insensitively.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, TextField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Coalesce

from readinglist.models import Note, Paper
from readinglist.querysets import EntryQuerySet, in_libraries

SEARCH_CONFIG = "english"
SEARCHED_FIELDS = frozenset({"title", "authors", "abstract"})
MAX_NOTE_MATCHES = 1000


def paper_search_vector() -> CombinedExpression:
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(Cast("authors", TextField()), weight="B", config=SEARCH_CONFIG)
        + SearchVector("abstract", weight="C", config=SEARCH_CONFIG)
    )


def search_vector_of(
    *, title: str, authors: Sequence[str], abstract: str
) -> CombinedExpression | None:
    """The vector `paper_search_vector()` would compute, from values about to be written, so
    one UPDATE can set both (PostgreSQL only; None elsewhere). Authors are rendered the way
    PostgreSQL prints a jsonb array, so both spellings tokenise alike."""
    if connection.vendor != "postgresql":
        return None
    authors_text = json.dumps(list(authors), ensure_ascii=False)
    return (
        SearchVector(Value(title), weight="A", config=SEARCH_CONFIG)
        + SearchVector(Value(authors_text), weight="B", config=SEARCH_CONFIG)
        + SearchVector(Value(abstract), weight="C", config=SEARCH_CONFIG)
    )


def refresh_search_vector(paper_id: int) -> None:
    """Recompute a paper's stored vector after its metadata changed (PostgreSQL only)."""
    if connection.vendor == "postgresql":
        Paper.objects.filter(pk=paper_id).update(search_vector=paper_search_vector())


def search_entries(
    entries: EntryQuerySet, text: str, *, library_ids: Sequence[int]
) -> EntryQuerySet:
    """Entries matching `text`, best first. `entries` must lie within `library_ids`, which
    bound the notes searched."""
    if not library_ids:
        return entries.none()
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        # Both lookups are "in these libraries AND matching" on a (library_id, tsvector) GIN
        # index (migration 0004), so neither visits other libraries' rows. Entry.search_vector
        # is a trigger-maintained copy of its paper's. The ids are typed bigint like the
        # column (see `in_libraries`), or the index cannot use them.
        noted = list(
            Note.objects.annotate(document=SearchVector("body", config=SEARCH_CONFIG))
            .filter(in_libraries(library_ids), document=query)
            .values_list("entry_id", flat=True)[:MAX_NOTE_MATCHES]
        )
        matching = Q(search_vector=query)
        if noted:
            matching |= Q(pk__in=noted)
        return (
            entries.in_libraries(library_ids)
            .filter(matching)
            .annotate(rank=Coalesce(SearchRank(F("search_vector"), query), Value(0.0)))
            .order_by("-rank", "-added_at", "-id")
        )
    for word in text.split():
        in_notes = Note.objects.filter(entry=OuterRef("pk"), body__icontains=word)
        entries = entries.filter(
            Q(paper__title__icontains=word)
            | Q(paper__abstract__icontains=word)
            | Q(paper__authors__icontains=word)
            | Exists(in_notes)
        )
    return entries.order_by("-added_at", "-id")
