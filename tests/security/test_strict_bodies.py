"""A request body naming a field the endpoint does not have is a 400 naming that field, and
nothing is written: a misplaced field is never dropped in silence."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.models import Entry, Tag, User
from readinglist.services.entries import save_paper


@pytest.mark.django_db
def test_a_misplaced_metadata_field_is_named_and_nothing_is_saved(
    alice_client: APIClient,
) -> None:
    response = alice_client.post(
        "/api/v1/save",
        {"url": "https://example.org/paper", "metadata": {"doi": "10.1000/xyz"}},
        format="json",
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"metadata": {"doi": ["Unknown field."]}}
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_an_unknown_top_level_field_is_named(alice: User, alice_client: APIClient) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762").entry

    saved = alice_client.post("/api/v1/save", {"url": "arXiv:1810.04805", "tagz": ["x"]})
    patched = alice_client.patch(f"/api/v1/entries/{entry.pk}/", {"stauts": "read"}, format="json")
    tagged = alice_client.post("/api/v1/tags/", {"name": "nlp", "colour": "#ff0000"})

    assert saved.json() == {"tagz": ["Unknown field."]}
    assert patched.json() == {"stauts": ["Unknown field."]}
    assert tagged.json() == {"colour": ["Unknown field."]}
    assert {saved.status_code, patched.status_code, tagged.status_code} == {400}
    assert Entry.objects.count() == 1
    assert not Tag.objects.exists()


@pytest.mark.django_db
def test_fields_a_response_shows_may_be_echoed_back(alice: User, alice_client: APIClient) -> None:
    library = alice_client.get("/api/v1/libraries/").json()["results"][0]
    echoed = {**library, "name": "Renamed"}
    response = alice_client.patch(f"/api/v1/libraries/{library['id']}/", echoed, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["name"] == "Renamed"
