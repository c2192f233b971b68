"""Ranked search results a page at a time, for paginators (PostgreSQL, SQLite fallback).

A search ranks every match for any page, so a page is read with the total in one statement,
the API's best-first search is written out in SQL (`RankedSearch`, the ORM's
`search_entries` spelled for speed) and its first ids are cached under the libraries'
versions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connection
from django.db.models import F

from readinglist.querysets import EntryQuerySet
from readinglist.search import MAX_NOTE_MATCHES, SEARCH_CONFIG, search_entries


class PagedIds(Sequence[int]):
    """Ids that a paginator reads a page at a time, where reading a page can also count all
    of them: ranked search must rank every match for any page, and a separate COUNT would
    match them all again. Subclasses say how to read a page and how to count without one."""

    def __init__(self) -> None:
        self.total: int | None = None

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, int):
            return self._page(index, index + 1)[0]
        if index.stop is None or index.step is not None:
            raise TypeError("Ids are read in bounded pages")
        return self._page(index.start or 0, index.stop)

    def __iter__(self) -> Iterator[int]:
        raise TypeError("Read ids by page: each item read alone is a statement")

    def __len__(self) -> int:
        if self.total is None:  # no page read yet, or one past the end
            self.total = self._count()
        return self.total

    def _page(self, start: int, stop: int) -> list[int]:
        ids, total = self._read(start, stop)
        if total is not None:
            self.total = total
        return ids

    def _read(self, start: int, stop: int) -> tuple[list[int], int | None]:
        raise NotImplementedError

    def _count(self) -> int:
        raise NotImplementedError


# PostgreSQL prices testing a tsvector against a query at one operator (it costs about a
# microsecond for an abstract's vector), so for a word in half a library it may walk the
# library's btree and test every entry instead of asking the `(library_id, search_vector)`
# GIN: on 10,000 entries, 11 against 3.5 ms for "language". Which plan it picks depends on
# how the library's rows happen to lie, so search statements run with plain index scans
# off (bitmap scans stay on). The setting is local, set and put back in the statement's own
# round trip (one simple query, so psycopg's client-side binding, Django's default): with no
# transaction open it ends with the implicit one; inside one it must not outlive the search.
TEXT_INDEX_ONLY = (
    "SELECT set_config('readinglist.index_scans', current_setting('enable_indexscan'), true),"
    " set_config('enable_indexscan', 'off', true); "
)
INDEX_SCANS_BACK = (
    "; SELECT set_config('enable_indexscan', current_setting('readinglist.index_scans'), true)"
)


def rows_by_text_index(statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows `statement` returns, planned to find matches through the text indexes."""
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        raise ImproperlyConfigured("Search sends three statements at once: no server_side_binding")
    with connection.cursor() as cursor:
        cursor.execute(TEXT_INDEX_ONLY + statement + INDEX_SCANS_BACK, params)
        cursor.nextset()
        return list(cursor.fetchall())


def page_and_count(
    sql: str,
    params: Sequence[Any],
    order: str,
    start: int,
    stop: int,
    *,
    materialized: bool = True,
) -> tuple[list[int], int | None]:
    """One page of the ids `sql` selects (with the columns `order` sorts on) and how many it
    selects in all, in one statement (PostgreSQL).

    Materialized by default: a plain select of the ORM's is flattened into the statement, and
    the window would then hold every match's whole row, vector included, and spill it to
    disk before the rank was computed. `materialized=False` is for a UNION ALL whose every
    branch computes its rank itself, so only (id, added_at, rank) reach the window; there
    the CTE's tuplestore cost 1.5 ms of 7 on 5,753 matches."""
    matched = f"WITH matched AS MATERIALIZED ({sql}) SELECT" if materialized else "SELECT"
    source = "matched" if materialized else f"({sql}) AS matched"
    rows = rows_by_text_index(
        f"{matched} id, count(*) OVER () FROM {source} ORDER BY {order} LIMIT %s OFFSET %s",
        [*params, stop - start, start],
    )
    return [entry_id for entry_id, _ in rows], rows[0][1] if rows else None


class MatchedIds(PagedIds):
    """The ids of an ordered entry queryset. On PostgreSQL a page and the count are one
    statement; the ordering must be field or annotation names ("-" for descending), as the
    page is sorted on them outside the window that counts."""

    def __init__(self, ordered: EntryQuerySet) -> None:
        super().__init__()
        self._ordered = ordered  # not `ordered`: Paginator would test that for truth

    def _read(self, start: int, stop: int) -> tuple[list[int], int | None]:
        if connection.vendor != "postgresql":
            return list(self._ordered.values_list("id", flat=True)[start:stop]), None
        if self._ordered.query.is_empty():  # e.g. no libraries: the ORM knows without asking
            return [], 0
        ordering = self._ordering()
        keys = {f"sort_{n}": F(term.lstrip("-")) for n, term in enumerate(ordering)}
        matches = self._ordered.order_by().annotate(**keys).values_list("id", *keys)
        try:
            sql, params = matches.query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing, e.g. `pk__in=[]`
            return [], 0
        order = ", ".join(
            f"{key} {'DESC' if term.startswith('-') else 'ASC'}"
            for key, term in zip(keys, ordering, strict=True)
        )
        return page_and_count(sql, params, order, start, stop)

    def _count(self) -> int:
        return self._ordered.count()

    def _ordering(self) -> list[str]:
        terms = list(self._ordered.query.order_by)
        if not terms or not all(isinstance(term, str) for term in terms):
            raise TypeError("MatchedIds needs an ordering of names")
        return [str(term) for term in terms]


NOTHING_MATCHED = (
    "SELECT NULL::bigint AS id, NULL::timestamptz AS added_at, NULL::real AS rank LIMIT 0"
)


# Like a search engine's query result cache (Solr's queryResultCache): the first ids of a
# ranked search are kept under the searched libraries' versions, which every write to a
# library moves, so paging on or searching again costs no ranking. The cache's timeout
# (SEARCH_CACHE_SECONDS, 60 by default) bounds the one staleness versions miss: a paper's
# metadata improved from another library (its rows are always read fresh; only which
# entries match, and their order, can lag).
RESULT_CACHE = "search"  # not "default": distinct searches would evict rate-limit counters
RESULT_WINDOW = 200  # the first four pages of 50


class RankedSearch(PagedIds):
    """Entries matching `text` in these libraries, best first: `search_entries` written out
    in SQL (PostgreSQL only), with the notes' matches in the same statement. Building the
    ORM's query took more time than PostgreSQL took to run it for most words. `within`
    narrows the entries further (tag, status, list, dates); it must lie in the libraries.
    Given the libraries' current `versions` (and no `within`), results are cached."""

    def __init__(
        self,
        text: str,
        *,
        library_ids: Sequence[int],
        within: EntryQuerySet | None = None,
        versions: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if connection.vendor != "postgresql":
            raise NotImplementedError("RankedSearch needs PostgreSQL; use search_entries")
        self.text = text
        self.library_ids = list(library_ids)
        self.within = within
        self.cache_key: str | None = None
        # With the cache off (SEARCH_CACHE_SECONDS=0), rank the page asked for, not a window.
        caching = not isinstance(caches[RESULT_CACHE], DummyCache)
        if versions is not None and within is None and caching:
            searched = json.dumps([text, self.library_ids, list(versions)])
            self.cache_key = "ranked-search:" + hashlib.sha256(searched.encode()).hexdigest()

    def _read(self, start: int, stop: int) -> tuple[list[int], int | None]:
        if self.cache_key is None or stop > RESULT_WINDOW:
            return self._ranked(start, stop)
        window: tuple[list[int], int] | None = caches[RESULT_CACHE].get(self.cache_key)
        if window is None:
            ids, total = self._ranked(0, RESULT_WINDOW)
            window = (ids, total or 0)  # no rows from the start: nothing matched
            caches[RESULT_CACHE].set(self.cache_key, window)
        ids, total = window
        return ids[start:stop], total

    def _ranked(self, start: int, stop: int) -> tuple[list[int], int | None]:
        sql, params = self.matches()
        order = "rank DESC, added_at DESC, id DESC"
        return page_and_count(sql, params, order, start, stop, materialized=False)

    def _count(self) -> int:
        if (
            self.cache_key is not None
            and (window := caches[RESULT_CACHE].get(self.cache_key)) is not None
        ):
            return int(window[1])
        sql, params = self.matches()
        ((total,),) = rows_by_text_index(f"SELECT count(*) FROM ({sql}) AS matched", params)
        return int(total)

    def matches(self) -> tuple[str, list[Any]]:
        """SELECT id, added_at, rank of every match: by its paper's vector, or by its notes
        (ranked by the paper's vector, so usually last)."""
        if not self.library_ids:
            return NOTHING_MATCHED, []
        query = f"websearch_to_tsquery('{SEARCH_CONFIG}', %s)"
        # Typed bigint like the columns, or the (library_id, ...) GIN indexes cannot use them.
        entry_libraries = " OR ".join(["e.library_id = %s::bigint"] * len(self.library_ids))
        note_libraries = " OR ".join(["n.library_id = %s::bigint"] * len(self.library_ids))
        narrowing, narrowing_params = "", []
        if self.within is not None:
            try:
                within_sql, within_params = self.within.values("id").query.sql_with_params()
            except EmptyResultSet:
                return NOTHING_MATCHED, []
            narrowing, narrowing_params = f" AND e.id IN ({within_sql})", list(within_params)
        sql = (
            f"SELECT e.id, e.added_at, ts_rank(e.search_vector, {query}) AS rank"
            f" FROM readinglist_entry AS e"
            f" WHERE ({entry_libraries}) AND e.search_vector @@ {query}{narrowing}"
            # Entries found only by their notes: disjoint from the first half, so nothing to
            # deduplicate (a UNION's hash of 5,000 matches cost 2 ms).
            " UNION ALL"
            f" SELECT e.id, e.added_at, COALESCE(ts_rank(e.search_vector, {query}), 0)"
            f" FROM readinglist_entry AS e"
            f" WHERE ({entry_libraries}){narrowing}"
            f" AND (e.search_vector @@ {query}) IS NOT TRUE AND e.id IN ("
            f"  SELECT n.entry_id FROM readinglist_note AS n WHERE ({note_libraries})"
            # The expression of the notes' GIN index (migration 0004).
            f"  AND to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE(n.body, ''::text))"
            f"  @@ {query} LIMIT {MAX_NOTE_MATCHES})"
        )
        params = [
            self.text,
            *self.library_ids,
            self.text,
            *narrowing_params,
            self.text,
            *self.library_ids,
            *narrowing_params,
            self.text,
            *self.library_ids,
            self.text,
        ]
        return sql, params


def best_first(
    entries: Callable[[], EntryQuerySet],
    text: str,
    *,
    library_versions: Mapping[int, int],
    narrowed: bool,
) -> PagedIds:
    """Ids of the entries `entries()` selects that match `text`, best first, for a paginator
    to read by page. They lie in the libraries (id -> current version); `narrowed` says
    whether other filters narrowed them further, in which case the results are not cached.
    `entries` is only called when needed: an unnarrowed search on PostgreSQL is all SQL of
    its own, and building the queryset would cost it 0.3 ms."""
    library_ids = list(library_versions)
    if connection.vendor != "postgresql":
        return MatchedIds(search_entries(entries(), text, library_ids=library_ids))
    if narrowed:
        return RankedSearch(text, library_ids=library_ids, within=entries())
    return RankedSearch(text, library_ids=library_ids, versions=list(library_versions.values()))
