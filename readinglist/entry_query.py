"""Which entries a listing shows and in what order: one query object for every front door.

The API's entry list and the web app's library page parse their parameters their own way
(a DRF serializer, a Django form) into one `EntryQuery`; `entry_order` turns it into the
ordered entries to page, so filtering, searching, ranking and the search cache live here
once. Reading a page's rows is `readinglist.entry_rows`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models

from readinglist.access import library_for
from readinglist.models import Entry, Library, User
from readinglist.querysets import EntryQuerySet
from readinglist.search import search_entries
from readinglist.search_pages import MatchedIds, PagedIds, best_first


class Sort(models.TextChoices):
    """ "Best" ranks a search by relevance; without search text it is the newest first."""

    BEST = "", "Best"
    NEWEST = "added", "Newest"
    OLDEST = "oldest", "Oldest"
    TITLE = "title", "Title"
    YEAR = "year", "Year"
    PRIORITY = "priority", "Priority"


ORDERINGS: dict[str, tuple[str, ...]] = {
    Sort.NEWEST: ("-added_at", "-id"),
    Sort.OLDEST: ("added_at", "id"),
    Sort.TITLE: ("title", "id"),
    Sort.YEAR: ("-published", "-added_at", "-id"),
    # The reader's own priority (`EntryQuerySet.with_own_priority`), high first; within one
    # priority the paper waiting longest comes first, so a queue worked from the top never
    # leaves old papers behind newer ones.
    Sort.PRIORITY: ("-own_priority", "added_at", "id"),
}


@dataclass(frozen=True)
class EntryQuery:
    """What a reader asked to see: every field optional, all given ones must hold."""

    library: int | None = None  # None: every library the reader can see
    text: str = ""
    tag: str = ""
    status: str = ""  # a `ReadingState.Status`, the reader's own
    priority: int | None = None  # a `ReadingState.Priority`, the reader's own
    reading_list: int | None = None
    added_after: datetime | None = None
    added_before: datetime | None = None
    sort: Sort = Sort.BEST

    @classmethod
    def from_filters(cls, data: Mapping[str, Any]) -> EntryQuery:
        """The query of validated filter parameters, by their public names (`q`, `list`)."""
        return cls(
            library=data.get("library") or None,
            text=(data.get("q") or "").strip(),
            tag=data.get("tag") or "",
            status=data.get("status") or "",
            priority=data.get("priority"),
            reading_list=data.get("list") or None,
            added_after=data.get("added_after"),
            added_before=data.get("added_before"),
            sort=Sort(data.get("sort") or Sort.BEST),
        )

    @property
    def narrowed(self) -> bool:
        """Whether filters besides the libraries and the text narrow the entries."""
        return bool(
            self.tag
            or self.status
            or self.priority is not None
            or self.reading_list
            or self.added_after is not None
            or self.added_before is not None
        )

    @property
    def ranked(self) -> bool:
        """Whether results come best first (paged by number, as ranks have no cursor)."""
        return bool(self.text) and self.sort == Sort.BEST

    @property
    def newest_first(self) -> bool:
        """Whether entries come newest first, an order a cursor on the time added can follow."""
        return not self.text and self.sort in (Sort.BEST, Sort.NEWEST)


def library_versions(user: User, query: EntryQuery) -> dict[int, int]:
    """The libraries `query` reads, by id, with their versions: the one it names (not
    visible: `NotVisible`), else all the user can see."""
    if query.library is not None:
        library = library_for(user, query.library)
        return {library.pk: library.version}
    visible = Library.objects.visible_to(user).order_by("pk")
    return dict(visible.values_list("pk", "version"))


def filtered_entries(
    user: User, query: EntryQuery, versions: Mapping[int, int] | None
) -> EntryQuerySet:
    """The entries every filter but the text keeps, unordered: within `versions`'
    libraries (`library_versions`, which checked the reader sees them) where the query
    names one, else within every library the reader sees."""
    if query.library is not None:
        if versions is None:
            versions = library_versions(user, query)
        entries = Entry.objects.in_libraries([*versions])
    else:
        entries = Entry.objects.visible_to(user)
    if query.tag:
        entries = entries.tagged(query.tag)
    if query.status:
        entries = entries.with_status(user, query.status)
    if query.priority is not None:
        entries = entries.with_priority(user, query.priority)
    if query.reading_list:
        entries = entries.in_reading_list(query.reading_list)
    if query.added_after is not None:
        entries = entries.filter(added_at__gte=query.added_after)
    if query.added_before is not None:
        entries = entries.filter(added_at__lt=query.added_before)
    return entries


def entry_order(
    user: User, query: EntryQuery, *, versions: Mapping[int, int] | None = None
) -> EntryQuerySet | PagedIds:
    """The entries `query` selects, in its order, for a paginator: ids that count while
    paging where there is search text, else the ordered entries themselves. `versions` are
    `library_versions(user, query)` where the caller already read them; they are read
    here only where the query needs them (a named library, or search text to cache)."""
    if versions is None and (query.text or query.library is not None):
        versions = library_versions(user, query)
    if query.ranked:
        assert versions is not None
        return best_first(
            lambda: filtered_entries(user, query, versions),
            query.text,
            library_versions=versions,
            narrowed=query.narrowed,
        )
    sort = query.sort or Sort.NEWEST
    ordering = ORDERINGS[sort]
    entries = filtered_entries(user, query, versions)
    if sort == Sort.PRIORITY:
        entries = entries.with_own_priority(user)
    if query.text:
        assert versions is not None
        found = search_entries(entries, query.text, library_ids=[*versions])
        return MatchedIds(found.order_by(*ordering))
    return entries.order_by(*ordering)
