"""Full-text search over saved entries.

PostgreSQL: a weighted tsvector stored on Paper (title A > authors B > abstract C, GIN
indexed) ranked with ts_rank, plus matches in the entry's notes (weight D). SQLite (the
embedded default) has no tsvector, so every word must appear somewhere, case-insensitively.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, TextField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Coalesce

from readinglist.models import Note, Paper
from readinglist.querysets import EntryQuerySet

SEARCH_CONFIG = "english"
NOTES_WEIGHT = 0.1


def paper_search_vector() -> CombinedExpression:
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(Cast("authors", TextField()), weight="B", config=SEARCH_CONFIG)
        + SearchVector("abstract", weight="C", config=SEARCH_CONFIG)
    )


def refresh_search_vector(paper_id: int) -> None:
    """Recompute a paper's stored vector after its metadata changed (PostgreSQL only)."""
    if connection.vendor == "postgresql":
        Paper.objects.filter(pk=paper_id).update(search_vector=paper_search_vector())


def search_entries(entries: EntryQuerySet, text: str) -> EntryQuerySet:
    """Entries matching `text`, best first."""
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        # Two index-friendly subqueries instead of one OR over a join: the papers' GIN index
        # answers the first, and notes are few per library.
        papers = Paper.objects.filter(search_vector=query).values("pk")
        noted = (
            Note.objects.annotate(document=SearchVector("body", config=SEARCH_CONFIG))
            .filter(document=query)
            .values("entry_id")
        )
        return (
            entries.filter(Q(paper_id__in=papers) | Q(pk__in=noted))
            .annotate(rank=Coalesce(SearchRank(F("paper__search_vector"), query), Value(0.0)))
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
