"""A small, real HTTP GET with timeouts and retries (urllib; no extra dependency)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable

from django.conf import settings

Fetch = Callable[[str], bytes]


def user_agent() -> str:
    """Who is asking: Crossref's "polite pool" and NCBI want a way to reach the operator."""
    contact = settings.REGISTRY_CONTACT_EMAIL
    return f"readinglist/0.1 (+{settings.SITE_URL}{'; mailto:' + contact if contact else ''})"


class FetchError(Exception):
    """The registry did not answer usefully after the retries (worth trying again later)."""


class NotFound(FetchError):
    """The registry answered that it does not know this identifier (404 or 410): final."""


def known(url: str, *, get: Fetch) -> bytes | None:
    """The body at `url`, or None where the registry says it has no such record."""
    try:
        return get(url)
    except NotFound:
        return None


def fetch(url: str, *, timeout: float = 10.0, retries: int = 3, backoff: float = 1.0) -> bytes:
    """GET `url`; retries timeouts, connection errors, 429 and 5xx with exponential backoff."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent()})
    last: Exception | None = None
    for attempt in range(retries):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body: bytes = response.read(5_000_000)
                return body
        except urllib.error.HTTPError as error:
            if error.code in (404, 410):
                raise NotFound(f"{url}: HTTP {error.code}") from error
            if error.code != 429 and error.code < 500:
                raise FetchError(f"{url}: HTTP {error.code}") from error
            last = error
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
            last = error
        if attempt + 1 < retries:
            time.sleep(backoff * 2**attempt)
    raise FetchError(f"{url}: {last}") from last
