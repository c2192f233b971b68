"""The one HTTP GET the registries are asked with: retries, backoff, final answers."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest

from readinglist.enrichment import http

# The real one: tests/conftest.py puts an offline stand-in in its place for every test.
fetch = http.fetch


def test_fetch_retries_server_errors_then_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def failing(request: urllib.request.Request, timeout: float) -> Any:
        calls.append(timeout)
        raise urllib.error.HTTPError(request.full_url, 503, "busy", {}, None)  # type: ignore[arg-type]

    monkeypatch.setattr(http.urllib.request, "urlopen", failing)
    with pytest.raises(http.FetchError) as raised:
        fetch("https://api.crossref.org/works/x", timeout=2, retries=3, backoff=0)
    assert not isinstance(raised.value, http.NotFound)  # worth trying again later
    assert calls == [2, 2, 2]


@pytest.mark.parametrize("code", [404, 410])
def test_an_unknown_identifier_is_a_final_answer_asked_once(
    monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    calls: list[str] = []

    def not_found(request: urllib.request.Request, timeout: float) -> Any:
        calls.append(request.full_url)
        raise urllib.error.HTTPError(request.full_url, code, "nope", {}, None)  # type: ignore[arg-type]

    monkeypatch.setattr(http.urllib.request, "urlopen", not_found)
    with pytest.raises(http.NotFound):
        fetch("https://api.crossref.org/works/y", backoff=0)
    assert len(calls) == 1


def test_a_timeout_is_retried_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(request: urllib.request.Request, timeout: float) -> Any:
        raise TimeoutError("timed out")

    monkeypatch.setattr(http.urllib.request, "urlopen", slow)
    with pytest.raises(http.FetchError, match="timed out"):
        fetch("https://export.arxiv.org/api/query?id_list=1", retries=2, backoff=0)


def test_the_registries_learn_who_is_asking(settings: Any) -> None:
    settings.REGISTRY_CONTACT_EMAIL = "ops@papers.example.org"
    settings.SITE_URL = "https://papers.example.org"
    assert http.user_agent() == (
        "readinglist/0.1 (+https://papers.example.org; mailto:ops@papers.example.org)"
    )
    settings.REGISTRY_CONTACT_EMAIL = ""
    assert "mailto" not in http.user_agent()
