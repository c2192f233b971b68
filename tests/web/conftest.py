"""Shared helpers for web page tests: saved papers with metadata, and the XSS payloads."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from readinglist.metadata import PageMetadata, Source
from readinglist.models import Entry, Library, User
from readinglist.services.entries import save_paper

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def assert_inert(html: str) -> None:
    """The payload shows as text, never as markup."""
    assert "<script>alert(1)" not in html
    assert "<img src=x onerror" not in html
    assert 'onerror="alert(2)"' not in html


SaveFn = Callable[..., Entry]


@pytest.fixture
def saved() -> SaveFn:
    def save(
        user: User,
        n: int,
        *,
        title: str | None = None,
        authors: list[str] | None = None,
        tags: tuple[str, ...] = (),
        library: Library | None = None,
        abstract: str = "",
    ) -> Entry:
        metadata = PageMetadata(
            source=Source.SITE,
            title=title or f"Paper number {n}",
            authors=tuple(authors or ["Ada Lovelace"]),
            abstract=abstract,
        )
        return save_paper(
            user=user,
            url=f"https://arxiv.org/abs/2401.{n:05d}",
            metadata=metadata,
            tags=tags,
            library=library,
        ).entry

    return save
