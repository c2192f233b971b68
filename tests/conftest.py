"""Shared fixtures: three personas and API clients.

- alice owns things (her personal library, the lab "Alice Lab");
- bob is a member of Alice Lab;
- charlie is an outsider who must never see either.
"""

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

from readinglist.enrichment.http import FetchError
from readinglist.models import Lab, Membership, User
from readinglist.services import citekeys
from readinglist.services.labs import add_member, create_lab
from tests.factories import UserFactory

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURE_PAGES = SHARED / "fixtures" / "pages"


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip: the third-party fixtures are not part of the project."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared (test data beside the project) is not here")
    return path


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2 is slow on purpose; tests create many users and need no real hashing cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach the internet: registry clients get recorded responses instead."""

    def refuse(request: Any, *args: Any, **kwargs: Any) -> None:
        url = getattr(request, "full_url", request)
        raise AssertionError(f"a test tried to reach the network: {url}")

    monkeypatch.setattr("urllib.request.urlopen", refuse)

    # Keyword arguments as the real fetch takes them (a client may set its own timeout).
    def offline(url: str, **options: object) -> bytes:
        raise FetchError(f"{url}: no network in tests")

    # The worker's registries see what a machine without network sees; tests that need an
    # answer install recorded responses (`tests.registries`).
    monkeypatch.setattr("readinglist.enrichment.http.fetch", offline)


@pytest.fixture(autouse=True)
def _no_key_hints() -> None:
    """No test inherits another's remembered citation-key forms (library ids repeat on SQLite)."""
    citekeys._LAST_FORM.clear()


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    """Tests make many requests quickly; tests/api/test_throttling.py turns limits back on."""
    settings.API_THROTTLE_RATES = {"save": None, "lookup": None}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """allauth and DRF keep rate-limit counters in the cache, search its ranked results;
    tests must not share them."""
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory(email="alice@example.org", name="Alice")


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory(email="bob@example.org", name="Bob")


@pytest.fixture
def charlie(db: None) -> User:
    return UserFactory(email="charlie@example.org", name="Charlie")


@pytest.fixture
def lab(alice: User, bob: User) -> Lab:
    lab = create_lab(owner=alice, name="Alice Lab")
    add_member(lab=lab, user=bob, role=Membership.Role.MEMBER)
    return lab


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def alice_client(alice: User) -> APIClient:
    return client_for(alice)


@pytest.fixture
def bob_client(bob: User) -> APIClient:
    return client_for(bob)


@pytest.fixture
def charlie_client(charlie: User) -> APIClient:
    return client_for(charlie)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def registries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The registries answer from recorded responses (`tests.registries`); the URLs the
    worker asked, in order."""
    from tests.registries import recorded

    asked: list[str] = []

    def get(url: str, **options: object) -> bytes:
        asked.append(url)
        return recorded(url)

    monkeypatch.setattr("readinglist.enrichment.http.fetch", get)
    return asked
