"""The arXiv search client of the lab radar, on recorded listings (tests/enrichment/fixtures)."""

from __future__ import annotations

from datetime import date

import pytest

from readinglist.enrichment import arxiv_listing
from readinglist.enrichment.arxiv_listing import listing, listing_url, parse_listing, search_query
from readinglist.enrichment.http import FetchError
from tests.registries import FIXTURES, recorded


def test_queries_follow_the_api_syntax() -> None:
    assert search_query("category", "cs.CL") == "cat:cs.CL"
    assert search_query("author", "Mirela Kovač") == 'au:"Mirela Kovač"'
    assert search_query("keyword", "state space") == 'all:"state space"'
    assert listing_url("cat:cs.CL", max_results=5) == (
        "https://export.arxiv.org/api/query?search_query=cat:cs.CL"
        "&sortBy=submittedDate&sortOrder=descending&max_results=5"
    )
    assert "au:%22Mirela%20Kova%C4%8D%22&" in listing_url(search_query("author", "Mirela Kovač"))


def test_a_category_listing() -> None:
    papers = listing("category", "cs.CL", get=recorded)
    assert [p.arxiv_id for p in papers] == ["2612.01017", "2612.00988", "2611.30412"]
    first = papers[0]
    # A title wrapped over two lines reads as one; versions are dropped from ids.
    assert first.title == "Sparse Retrieval Heads in Long-Context Language Models"
    assert first.authors == ("Mirela Kovač", "Tomás Aranda", "Li Wen")
    assert first.primary_category == "cs.CL"
    assert first.published == date(2026, 12, 2)
    assert first.abstract.startswith("We identify a small set of attention heads")
    assert papers[2].arxiv_id == "2611.30412"  # listed as v2


def test_a_second_category_and_an_author() -> None:
    learning = listing("category", "cs.LG", get=recorded)
    assert [(p.arxiv_id, p.primary_category) for p in learning] == [
        ("2612.01102", "cs.LG"),
        ("2612.01017", "cs.CL"),  # cross-listed: its primary category stays cs.CL
    ]
    by_author = listing("author", "Mirela Kovač", get=recorded)
    assert [(p.arxiv_id, p.published) for p in by_author] == [
        ("2612.01017", date(2026, 12, 2)),
        ("2610.04471", date(2026, 10, 9)),
    ]


def test_the_worker_fetch_has_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, float]] = []

    def fetch(url: str, *, timeout: float) -> bytes:
        asked.append((url, timeout))
        return recorded(url)

    monkeypatch.setattr("readinglist.enrichment.http.fetch", fetch)
    assert listing("category", "cs.LG", get=arxiv_listing.fetch_with_timeout)
    assert asked == [(listing_url("cat:cs.LG"), arxiv_listing.TIMEOUT)]


def test_an_error_entry_is_a_fetch_error() -> None:
    body = (FIXTURES / "arxiv_error_entry.xml").read_bytes()
    with pytest.raises(FetchError, match="refused the query"):
        parse_listing(body, "arXiv search cat:nonsense")


def test_malformed_and_unsafe_answers_are_refused() -> None:
    with pytest.raises(FetchError):
        parse_listing((FIXTURES / "html_error_page.html").read_bytes(), "arXiv search")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>'
    )
    with pytest.raises(FetchError, match="entities"):
        parse_listing(bomb, "arXiv search")


def test_an_empty_feed_is_no_papers() -> None:
    assert parse_listing((FIXTURES / "arxiv_empty_feed.xml").read_bytes(), "arXiv search") == []
