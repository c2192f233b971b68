"""The lab endpoints' answers match the published OpenAPI schema for a member (the schema
fuzz runs as a user in no lab, so these would otherwise go unchecked)."""

from typing import Any

import pytest
from schemathesis.checks import content_type_conformance, response_schema_conformance

from readinglist.models import Lab, User
from readinglist.services.entries import save_paper
from readinglist.services.labs import rotate_feed_token
from readinglist.services.lists import add_to_list, create_list
from readinglist.services.tokens import create_api_token
from tests.api.test_schema_fuzz import _keep_the_test_connection, schema  # noqa: F401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/labs/{id}/activity/", {}),
        ("/api/v1/labs/{id}/feeds/", {}),
        ("/api/v1/labs/{id}/who-read/", {}),
        ("/api/v1/libraries/{library}/export", {"format": "bibtex"}),
        ("/api/v1/libraries/{library}/export", {"format": "backup"}),
    ],
)
def test_a_members_answers_match_the_schema(
    alice: User, lab: Lab, path: str, query: dict[str, Any]
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    reading_list = create_list(user=alice, library=lab.library, name="Week")
    add_to_list(user=alice, reading_list=reading_list, entry=entry)
    rotate_feed_token(user=alice, lab=lab)
    token = create_api_token(user=alice, name="schema")[1]
    parameters = {"id": lab.pk} if "{id}" in path else {"library": lab.library.pk}
    template = path.replace("{library}", "{library_id}")

    case = schema[template]["GET"].Case(path_parameters=_named(template, parameters), query=query)
    response = case.call(headers={"Authorization": f"Token {token}"})

    assert response.status_code == 200, response.text
    case.validate_response(response, checks=[response_schema_conformance, content_type_conformance])


def _named(template: str, parameters: dict[str, Any]) -> dict[str, Any]:
    if "{library_id}" in template:
        return {"library_id": parameters["library"]}
    return parameters
