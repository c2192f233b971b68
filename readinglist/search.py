"""Full-text search over saved entries.

PostgreSQL: a weighted tsvector of what the entry's library sees of the paper (title A >
authors B > abstract C), kept in the entry's `EntrySearch` row by triggers (migration 0022)
under a `(library_id, tsvector)` GIN index, ranked with ts_rank; an entry whose notes match
is found too, ranked by its own vector (so after the others).
`search_entries` is the ORM form, for any ordering; `readinglist.search_pages` reads its
results a page at a time (`RankedSearch`: the same search written out in SQL). SQLite (the
embedded default) has no tsvector, so there every word must appear somewhere,
case-insensitively.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from readinglist.models import Note
from readinglist.querysets import EntryQuerySet, in_libraries

SEARCH_CONFIG = "english"
MAX_NOTE_MATCHES = 1000


def search_entries(
    entries: EntryQuerySet, text: str, *, library_ids: Sequence[int]
) -> EntryQuerySet:
    """Entries matching `text`, best first. `entries` must lie within `library_ids`, which
    bound the notes searched."""
    if not library_ids:
        return entries.none()
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        # The notes' lookup is "in these libraries AND matching" on a (library_id, tsvector)
        # GIN index (migration 0004), so it visits no other library's rows. The ids are typed
        # bigint like the column (see `in_libraries`), or the index cannot use them.
        noted = list(
            Note.objects.annotate(document=SearchVector("body", config=SEARCH_CONFIG))
            .filter(in_libraries(library_ids), document=query)
            .values_list("entry_id", flat=True)[:MAX_NOTE_MATCHES]
        )
        matching = Q(search__vector=query)
        if noted:
            matching |= Q(pk__in=noted)
        return (
            entries.in_libraries(library_ids)
            .filter(matching)
            .annotate(rank=Coalesce(SearchRank(F("search__vector"), query), Value(0.0)))
            .order_by("-rank", "-added_at", "-id")
        )
    for word in text.split():
        in_notes = Note.objects.filter(entry=OuterRef("pk"), body__icontains=word)
        entries = entries.filter(
            Q(title__icontains=word)
            | Q(abstract__icontains=word)
            | Q(authors__icontains=word)
            | Exists(in_notes)
        )
    return entries.order_by("-added_at", "-id")
