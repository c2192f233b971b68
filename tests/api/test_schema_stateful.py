"""Schemathesis, stateful: call sequences chained through the links Schemathesis infers from
the schema (create a list, then read, change and delete that list; ...), so requests reach
real objects instead of random ids. No 5xx, every documented answer matches its schema.

Bounded for CI; SCHEMA_FUZZ_EXAMPLES=50 runs the long version.
"""

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from tests.api.test_schema_fuzz import _keep_the_test_connection, schema, token  # noqa: F401

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "5"))


@pytest.mark.django_db
def test_api_call_sequences_never_error_and_match_the_schema(token: str) -> None:  # noqa: F811
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[valid-type,misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Token {token}"}}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

    Workflow.run(
        settings=settings(
            max_examples=EXAMPLES * 4,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
