"""Ranked search results a page at a time, for paginators (PostgreSQL, SQLite fallback).

A page is read with the total in one statement. The API's best-first search is written out
in SQL (`RankedSearch`, the ORM's `search_entries` spelled for speed): it ranks a bounded set
of candidates, counts exactly only up to a threshold (then `approximate`), and its first ids
are cached under the libraries' versions. Other orders (`MatchedIds`) still match every entry.
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
        # The total is an estimate (`RankedSearch` of a word too common to count).
        self.approximate = False

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
# library's btree and test every entry instead of asking the `(library_id, vector)`
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


def candidate_rows(statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a `RankedSearch` statement, planned as PostgreSQL likes: every part of it
    is bounded (LIMIT), so for a common word walking the newest entries until enough match
    is the cheap plan, and for a rare one the GIN indexes are (`rows_by_text_index` turns
    plain index scans off for unbounded searches, where a walk would test every entry)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall())


NOTHING_MATCHED = (
    "SELECT * FROM (SELECT NULL::bigint AS id, 0 AS tier, 0::real AS rank,"
    " NULL::timestamptz AS added_at, 0::bigint AS matched, 0::bigint AS noted,"
    " NULL::bigint AS estimate) AS nothing WHERE false"
)

# A common word matches half a library: ranking every match read every match's vector, and
# counting them all ordered a window over every match. So a search ranks a bounded set of
# candidates: the newest TITLE_CANDIDATES entries matching in their title (weight A, which
# ranks above any other field's match) and the newest RANKED_CANDIDATES matching anywhere,
# plus those found by their notes. A rarer word's matches are all candidates, so its order
# is exactly `search_entries`'. Beyond the candidates (deep pages) the other matches follow,
# newest first. The cache's window must lie within the candidates.
RANKED_CANDIDATES = 200
# Testing each of the newest entries for a title match costs about as much as for any
# match, and title matches are rarer: one page of them.
TITLE_CANDIDATES = 50
# Above this many matches a search stops counting and says "about N" (a planner's estimate,
# `readinglist_search_estimate` of migration 0022): counting 50,000 matches cost more than
# ranking a page.
APPROXIMATE_ABOVE = 500


def about(count: int) -> int:
    """`count` to two significant figures, as an approximate count is shown: 48,731 -> 49,000."""
    digits = len(str(count))
    if digits <= 2:
        return count
    unit = int(10 ** (digits - 2))
    return (count + unit // 2) // unit * unit


# Like a search engine's query result cache (Solr's queryResultCache): the first ids of a
# ranked search are kept under the searched libraries' versions, which every write to a
# library moves, so paging on or searching again costs no ranking. The cache's timeout
# (SEARCH_CACHE_SECONDS, 60 by default) bounds the one staleness versions miss: a paper's
# metadata improved from another library (its rows are always read fresh; only which
# entries match, and their order, can lag).
RESULT_CACHE = "search"  # not "default": distinct searches would evict rate-limit counters
RESULT_WINDOW = 200  # the first four pages of 50


class RankedSearch(PagedIds):
    """Entries matching `text` in these libraries, best first among bounded candidates (see
    RANKED_CANDIDATES), counted exactly up to APPROXIMATE_ABOVE (then `approximate`):
    `search_entries` written out in SQL (PostgreSQL only), with the notes' matches in the
    same statement. Building the ORM's query took more time than PostgreSQL took to run it
    for most words. `within` narrows the entries further (tag, status, list, dates); it must
    lie in the libraries. Given the libraries' current `versions` (and no `within`), results
    are cached."""

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
            self.cache_key = "ranked-search:2:" + hashlib.sha256(searched.encode()).hexdigest()

    def _read(self, start: int, stop: int) -> tuple[list[int], int | None]:
        window_end = min(RESULT_WINDOW, RANKED_CANDIDATES)
        if self.cache_key is None or stop > window_end:
            return self._ranked(start, stop)
        window: tuple[list[int], int, bool] | None = caches[RESULT_CACHE].get(self.cache_key)
        if window is None:
            ids, total = self._ranked(0, window_end)
            window = (ids, total or 0, self.approximate)  # no rows: nothing matched
            caches[RESULT_CACHE].set(self.cache_key, window)
        ids, total, self.approximate = window
        return ids[start:stop], total

    def _ranked(self, start: int, stop: int) -> tuple[list[int], int | None]:
        sql, params = self.matches(deep=stop > RANKED_CANDIDATES)
        rows = candidate_rows(
            f"{sql} ORDER BY tier, rank DESC, added_at DESC, id DESC LIMIT %s OFFSET %s",
            [*params, stop - start, start],
        )
        if not rows:
            return [], None
        _, _, _, _, matched, noted, estimate = rows[0]
        return [row[0] for row in rows], self._total(matched, noted, estimate)

    def _count(self) -> int:
        if (
            self.cache_key is not None
            and (window := caches[RESULT_CACHE].get(self.cache_key)) is not None
        ):
            self.approximate = bool(window[2])
            return int(window[1])
        sql, params = self.matches(deep=False)
        rows = candidate_rows(f"{sql} LIMIT 1", params)
        if not rows:
            return 0
        _, _, _, _, matched, noted, estimate = rows[0]
        return self._total(matched, noted, estimate)

    def _total(self, matched: int, noted: int, estimate: int | None) -> int:
        self.approximate = matched > APPROXIMATE_ABOVE
        if self.approximate:
            return about(max(estimate or 0, matched))
        return int(matched) + int(noted)

    def matches(self, *, deep: bool = False) -> tuple[str, list[Any]]:
        """SELECT id, tier, rank, added_at and the counts (matches by vector, counted up to
        APPROXIMATE_ABOVE + 1; entries found only by their notes; the planner's estimate
        where there are more) of the candidates, best first once ordered by tier, rank
        DESC, added_at DESC, id DESC; `deep` adds every other match (tier 1, newest
        first). Notes' matches are ranked by their entry's vector, so usually last."""
        if not self.library_ids:
            return NOTHING_MATCHED, []
        query = f"websearch_to_tsquery('{SEARCH_CONFIG}', %s)"
        # Typed bigint like the columns, or the (library_id, ...) GIN indexes cannot use them.
        search_libraries = " OR ".join(["s.library_id = %s::bigint"] * len(self.library_ids))
        entry_libraries = " OR ".join(["e.library_id = %s::bigint"] * len(self.library_ids))
        note_libraries = " OR ".join(["n.library_id = %s::bigint"] * len(self.library_ids))
        narrowing, narrowing_params = "", []
        entry_narrowing = ""
        if self.within is not None:
            try:
                within_sql, within_params = self.within.values("id").query.sql_with_params()
            except EmptyResultSet:
                return NOTHING_MATCHED, []
            narrowing = f" AND s.entry_id IN ({within_sql})"
            entry_narrowing = f" AND e.id IN ({within_sql})"
            narrowing_params = list(within_params)
        libraries = [*self.library_ids]
        # The expressions of the GIN indexes of migration 0022, and of the notes' (0004).
        matching = f"({search_libraries}) AND s.vector @@ {query}{narrowing}"
        matching_params = [*libraries, self.text, *narrowing_params]
        in_title = f"({search_libraries}) AND s.title_vector @@ {query}{narrowing}"
        newest = "ORDER BY s.added_at DESC, s.entry_id DESC"
        sql = (
            "WITH in_title AS MATERIALIZED ("
            f" SELECT s.entry_id, s.added_at, s.vector FROM readinglist_entrysearch AS s"
            f" WHERE {in_title} {newest} LIMIT {TITLE_CANDIDATES}),"
            # One more than the candidates: fewer than that is every match, counted.
            " newest AS MATERIALIZED ("
            f" SELECT s.entry_id, s.added_at, s.vector FROM readinglist_entrysearch AS s"
            f" WHERE {matching} {newest} LIMIT {RANKED_CANDIDATES + 1}),"
            # Entries found only by their notes (a missing document counts as not matching).
            " noted AS MATERIALIZED ("
            f" SELECT e.id, e.added_at, COALESCE(ts_rank(s.vector, {query}), 0) AS rank"
            " FROM readinglist_entry AS e"
            " LEFT JOIN readinglist_entrysearch AS s ON s.entry_id = e.id"
            f" WHERE ({entry_libraries}){entry_narrowing}"
            f" AND (s.vector @@ {query}) IS NOT TRUE AND e.id IN ("
            f"  SELECT n.entry_id FROM readinglist_note AS n WHERE ({note_libraries})"
            f"  AND to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE(n.body, ''::text))"
            f"  @@ {query} LIMIT {MAX_NOTE_MATCHES})),"
            # Fewer newest matches than asked for are all of them; else count on, up to
            # one more than APPROXIMATE_ABOVE.
            " found AS MATERIALIZED (SELECT CASE"
            f"  WHEN (SELECT count(*) FROM newest) <= {RANKED_CANDIDATES}"
            "  THEN (SELECT count(*) FROM newest)"
            "  ELSE (SELECT count(*) FROM ("
            f"   SELECT 1 FROM readinglist_entrysearch AS s WHERE {matching}"
            f"   LIMIT {APPROXIMATE_ABOVE + 1}) AS capped)"
            " END AS matched),"
            " counted AS MATERIALIZED ("
            "  SELECT matched, (SELECT count(*) FROM noted) AS noted,"
            f"  CASE WHEN matched > {APPROXIMATE_ABOVE}"
            f"  THEN readinglist_search_estimate(%s::bigint[], {query}) END AS estimate"
            "  FROM found),"
            # The same entry in both halves has the same rank: UNION keeps one.
            " candidates AS ("
            f" SELECT entry_id AS id, added_at, ts_rank(vector, {query}) AS rank FROM in_title"
            f" UNION SELECT entry_id, added_at, ts_rank(vector, {query}) FROM newest"
            " UNION ALL SELECT id, added_at, rank FROM noted)"
        )
        params = [
            # in_title, newest
            *libraries,
            self.text,
            *narrowing_params,
            *matching_params,
            # noted
            self.text,
            *libraries,
            *narrowing_params,
            self.text,
            *libraries,
            self.text,
            # found, counted
            *matching_params,
            libraries,
            self.text,
            # candidates
            self.text,
            self.text,
        ]
        ranked = "SELECT id, 0 AS tier, rank, added_at FROM candidates"
        if deep:
            ranked += (
                " UNION ALL SELECT s.entry_id, 1, 0, s.added_at"
                f" FROM readinglist_entrysearch AS s WHERE {matching}"
                " AND s.entry_id NOT IN (SELECT id FROM candidates)"
            )
            params += matching_params
        sql += (
            " SELECT ranked.id, ranked.tier, ranked.rank, ranked.added_at,"
            " counted.matched, counted.noted, counted.estimate"
            f" FROM ({ranked}) AS ranked CROSS JOIN counted"
        )
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
