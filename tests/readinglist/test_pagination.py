"""Paging ranked search results without counting them first."""

from __future__ import annotations

import pytest
from django.core.paginator import EmptyPage

from readinglist.pagination import CountWhenFullPaginator
from readinglist.search_pages import PagedIds


class Shrinking(PagedIds):
    """Claims `claimed` rows but reads none: rows deleted between a count and a page."""

    def __init__(self, claimed: int) -> None:
        super().__init__()
        self.claimed = claimed

    def _read(self, start: int, stop: int) -> tuple[list[int], int | None]:
        return [], None

    def _count(self) -> int:
        return self.claimed


def test_a_short_page_gives_the_count_without_counting() -> None:
    rows = list(range(7))
    paginator = CountWhenFullPaginator(rows, 5)
    page = paginator.page(2)
    assert list(page) == [5, 6]
    assert paginator.count == 7
    with pytest.raises(EmptyPage):
        paginator.page(3)


def test_get_page_falls_back_like_djangos() -> None:
    paginator = CountWhenFullPaginator(list(range(12)), 5)
    assert list(paginator.get_page("x")) == [0, 1, 2, 3, 4]
    assert list(paginator.get_page("99")) == [10, 11]
    assert list(paginator.get_page("0")) == [10, 11]


def test_get_page_survives_rows_vanishing_after_the_count() -> None:
    page = CountWhenFullPaginator(Shrinking(claimed=120), 50).get_page("9")
    assert page.number == 1
    assert list(page) == []
