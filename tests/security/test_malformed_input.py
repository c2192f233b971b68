"""Input no view should see is a 400 before any view runs, never a 500: NUL characters,
lone surrogates, JSON nested past reason, and digits that are not ASCII."""

import json
from http import HTTPStatus

import pytest
from django.test import Client
from rest_framework.test import APIClient

from readinglist.models import Entry, Note, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper

DEEP = "[" * 5000 + "]" * 5000


def post_json(client: Client | APIClient, path: str, text: str) -> int:
    response = client.post(path, data=text, content_type="application/json")
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/_allauth/app/v1/auth/login",
        "/_allauth/app/v1/auth/signup",
        "/_allauth/browser/v1/auth/login",
    ],
)
def test_deep_json_to_sign_in_and_sign_up_is_a_400(path: str) -> None:
    assert post_json(Client(), path, '{"email": ' + DEEP + "}") == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/save", "/api/v1/tags/", "/api/v1/notes/", "/api/v1/libraries/1/batch"]
)
def test_deep_json_to_the_api_is_a_400(alice_client: APIClient, path: str) -> None:
    assert post_json(alice_client, path, '{"url": ' + DEEP + "}") == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
@pytest.mark.parametrize(
    "escape", ["\\u0000", "\\ud800", "\\udfff", "\\uDBFFx"], ids=["nul", "high", "low", "upper"]
)
def test_nul_and_lone_surrogates_in_json_text_are_refused_by_field(
    alice: User, alice_client: APIClient, escape: str
) -> None:
    library = personal_library(alice)
    entry = save_paper(user=alice, url="arXiv:1706.03762").entry
    note_key = "0b3f0d8e-9b6e-4f7e-8d7a-2b0f1c9d0e11"
    operation = {"op": "create", "type": "note", "key": note_key}
    operation["data"] = {"entry": str(entry.key), "body": "a@b"}
    # json.dumps would escape the backslash; the escape must reach the server as written.
    batch = json.dumps({"operations": [operation]}).replace("@", escape)
    save = json.dumps({"url": "arXiv:1810.04805", "metadata": {"title": "T@"}}).replace("@", escape)

    answer = alice_client.post(
        f"/api/v1/libraries/{library.pk}/batch", data=batch, content_type="application/json"
    )
    assert answer.status_code == HTTPStatus.OK
    (result,) = answer.json()["results"]
    assert (result["status"], result["code"]) == ("failed", 400)
    assert "body" in result["message"]
    saved = alice_client.post("/api/v1/save", data=save, content_type="application/json")
    assert saved.status_code == HTTPStatus.BAD_REQUEST
    assert "title" in saved.json()["metadata"]
    assert not Note.objects.exists()
    assert Entry.objects.count() == 1


@pytest.mark.django_db
def test_an_escaped_backslash_before_u0000_is_just_text(
    alice: User, alice_client: APIClient
) -> None:
    body = json.dumps({"url": "arXiv:1810.04805", "note": "C strings end in \\u0000"})
    assert "\\\\u0000" in body
    assert post_json(alice_client, "/api/v1/save", body) == HTTPStatus.CREATED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bib/%00abc.bib",
        "/api/v1/public/lists/ab%00c/",
        "/api/v1/public/lists/ab%00c/feed.atom",
        "/api/v1/public/labs/ab%00c/calendar.ics",
        "/api/v1/entries/?q=a%00b",
    ],
)
def test_nul_in_an_address_is_a_400(anon_client: APIClient, path: str) -> None:
    assert anon_client.get(path).status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_digits_that_are_not_ascii_are_refused_not_crashed_on(
    alice: User, alice_client: APIClient
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762").entry
    library = personal_library(alice)

    assert alice_client.delete(f"/api/v1/entries/{entry.pk}/?version=²").status_code == 400
    assert alice_client.get("/api/v1/papers/²/").status_code == HTTPStatus.NOT_FOUND
    changes = alice_client.get(
        f"/api/v1/libraries/{library.pk}/changes",
        {"since": 0},
        headers={"If-Modified-Since-Version": "١٢"},
    )
    assert changes.status_code == HTTPStatus.OK
    bib = "@article{a, title={Dated}, year={2021}, month={²}}"
    imported = alice_client.post(
        f"/api/v1/libraries/{library.pk}/import", {"content": bib, "format": "bibtex"}
    )
    assert imported.status_code == HTTPStatus.CREATED
    assert Entry.objects.filter(library=library).count() == 2
