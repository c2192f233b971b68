"""Schemathesis against our own OpenAPI schema, in process: no 5xx, responses match the schema.

Bounded (a few examples per operation) so it fits in CI; SCHEMA_FUZZ_EXAMPLES=50 runs the
long version. The generated requests run as a real user with a small library and a lab of
their own, so most of them reach the views rather than bouncing at 401.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from readinglist.services.entries import save_paper
from readinglist.services.labs import create_lab
from readinglist.services.tokens import create_api_token
from tests.factories import UserFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Requests reach the WSGI app directly, not through Django's test client, so undo what
    the client would: closing "old" connections at request end would close the connection that
    holds the test's transaction (PostgreSQL; SQLite's in-memory one survives it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db: None) -> str:
    user = UserFactory(email="fuzz@example.org")
    save_paper(user=user, url="arXiv:1706.03762", tags=["nlp"], note="n", status="read")
    lab = create_lab(owner=user, name="Fuzz lab")
    save_paper(user=user, url="arXiv:1810.04805", library=lab.library, note="lab note")
    return create_api_token(user=user, name="fuzz")[1]


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "5")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@pytest.mark.django_db
def test_api_never_errors_and_matches_its_schema(case: Any, token: str) -> None:
    # Undocumented 4xx codes (404, 403, 412...) are expected answers, not defects; what must
    # never happen is a 5xx or a documented response that does not match its schema.
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
