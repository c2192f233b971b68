"""Page-number paging for ranked search results, which are costly to count."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator

MAX_OFFSET = 2**62  # beyond any table; larger offsets overflow the databases' integers


class CountWhenFullPaginator(Paginator[Any]):
    """Reads the page first and counts only when it is full: a short page ends the list, so
    the total is the rows before it plus its own. Ranked search has to match and rank every
    row for any page, and a COUNT matches every row again (most searches fit on one page).
    `MatchedIds` answers `len()` from the statement that read the page.
    """

    def page(self, number: int | str) -> Page[Any]:
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if wanted < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (wanted - 1) * self.per_page
        if bottom + self.per_page > MAX_OFFSET:
            raise EmptyPage("That page contains no results")
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if not rows and wanted > 1:
            raise EmptyPage("That page contains no results")
        if len(rows) < self.per_page:
            self.__dict__["count"] = bottom + len(rows)  # `count` is a cached_property
        return Page(rows, wanted, self)

    def get_page(self, number: Any) -> Page[Any]:
        """Like Django's: the first page for a non-number, the last for one out of range; but
        without counting before reading a page that exists."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            try:
                return self.page(self.num_pages)
            except EmptyPage:  # rows deleted since they were counted
                return self.page(1)
