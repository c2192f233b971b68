"""POST /api/v1/save: the extension's one-shot save."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.models import Entry, Lab, Library, Membership, Paper, User
from readinglist.services.labs import add_member
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.readinglist.test_save_paper import run_concurrently

ARXIV = "https://arxiv.org/abs/2106.09608v2"
METADATA = {
    "title": "Learning Knowledge Graph-based World Models of Textual Environments",
    "authors": ["Ammanabrolu, Prithviraj", "Riedl, Mark O."],
    "abstract": "World models improve a learning agent's ability...",
    "published": "2021-06-17",
    "identifiers": {"arxiv": "2106.09608"},
    "source": "citation",
}


@pytest.mark.django_db
def test_save_creates_an_entry_and_returns_the_paper_identifiers(alice_client: APIClient) -> None:
    response = alice_client.post(
        "/api/v1/save", {"url": ARXIV, "metadata": METADATA, "tags": ["KG"], "status": "reading"}
    )

    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert body["created"] is True
    assert body["paper"]["title"] == METADATA["title"]
    assert body["paper"]["identifiers"] == {"arxiv": "2106.09608"}
    assert body["saved_arxiv_version"] == 2  # the version this library saved
    assert body["paper"]["arxiv_version"] is None  # the newest, once arXiv answers
    assert body["tags"] == ["KG"]
    assert body["state"]["status"] == "reading"
    assert response["Last-Modified-Version"] == str(body["version"])


@pytest.mark.django_db
def test_a_new_entry_is_answered_exactly_as_it_reads_back(alice_client: APIClient) -> None:
    # The answer to a save that creates an entry is built from the rows just written;
    # it must equal what reading the entry returns.
    alice_client.post("/api/v1/save", {"url": "arXiv:1706.03762", "tags": ["Graphs"]})
    response = alice_client.post(
        "/api/v1/save",
        {
            "url": ARXIV,
            "metadata": METADATA,
            "tags": ["zeta", "graphs", "Alpha", "ZETA"],
            "status": "read",
            "note": "first pass",
        },
    )
    assert response.status_code == HTTPStatus.CREATED
    saved = response.json()
    read_back = alice_client.get(f"/api/v1/entries/{saved['id']}/").json()
    assert {k: v for k, v in saved.items() if k != "created"} == read_back
    assert saved["tags"] == ["Alpha", "Graphs", "zeta"]


@pytest.mark.django_db
def test_a_new_paper_is_stored_with_its_metadata_and_identifiers_at_once(
    alice_client: APIClient,
) -> None:
    # A new paper's row is inserted with the merged metadata and its search vector, and the
    # answer's identifiers are the ones it claimed: both must match a read-back.
    response = alice_client.post(
        "/api/v1/save",
        {
            "url": "https://www.example-publisher.org/article/123",
            "metadata": {
                "title": "Ocean acidification in kelp forests",
                "abstract": "Seawater chemistry shifts measured over a decade.",
                "identifiers": {"doi": "10.1234/Kelp.2024.ABC"},
                "source": "citation",
            },
        },
    )
    assert response.status_code == HTTPStatus.CREATED
    saved = response.json()
    read_back = alice_client.get(f"/api/v1/entries/{saved['id']}/").json()
    assert {k: v for k, v in saved.items() if k != "created"} == read_back
    assert saved["paper"]["identifiers"] == {
        "doi": "10.1234/Kelp.2024.ABC",
        "url": "https://www.example-publisher.org/article/123",
    }
    assert saved["paper"]["title"] == "Ocean acidification in kelp forests"
    found = alice_client.get("/api/v1/entries/", {"q": "seawater"}).json()["results"]
    assert [e["id"] for e in found] == [saved["id"]]


@pytest.mark.django_db
def test_saving_again_in_another_form_returns_the_same_entry(alice_client: APIClient) -> None:
    first = alice_client.post("/api/v1/save", {"url": ARXIV}).json()
    again = alice_client.post("/api/v1/save", {"url": "https://huggingface.co/papers/2106.09608"})

    assert again.status_code == HTTPStatus.OK
    assert again.json()["created"] is False
    assert again.json()["id"] == first["id"]


@pytest.mark.django_db
def test_client_script_saves_then_finds_by_hf_url_and_by_doi(alice_client: APIClient) -> None:
    saved = alice_client.post("/api/v1/save", {"url": ARXIV}).json()

    by_hf = alice_client.get("/api/v1/lookup", {"url": "https://huggingface.co/papers/2106.09608"})
    by_doi = alice_client.get(
        "/api/v1/lookup", {"url": "https://doi.org/10.48550/arXiv.2106.09608"}
    )

    for response in (by_hf, by_doi):
        assert response.status_code == HTTPStatus.OK
        assert [e["id"] for e in response.json()["entries"]] == [saved["id"]]


@pytest.mark.django_db
def test_idempotency_key_replays_the_first_response(alice_client: APIClient) -> None:
    headers = {"Idempotency-Key": "save-1"}
    first = alice_client.post("/api/v1/save", {"url": ARXIV, "note": "n"}, headers=headers)
    retry = alice_client.post("/api/v1/save", {"url": ARXIV, "note": "n"}, headers=headers)

    assert first.status_code == retry.status_code == HTTPStatus.CREATED
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["Last-Modified-Version"] == first["Last-Modified-Version"]
    assert Library.objects.get(pk=first.json()["library"]).version == 1  # written once


@pytest.mark.django_db
def test_idempotency_key_with_another_body_is_422(alice_client: APIClient) -> None:
    headers = {"Idempotency-Key": "save-2"}
    alice_client.post("/api/v1/save", {"url": ARXIV}, headers=headers)
    other = alice_client.post("/api/v1/save", {"url": "arXiv:1706.03762"}, headers=headers)
    assert other.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_write_does_not_burn_the_idempotency_key(alice_client: APIClient) -> None:
    headers = {"Idempotency-Key": "save-3"}
    bad = alice_client.post("/api/v1/save", {"url": "nonsense"}, headers=headers)
    good = alice_client.post("/api/v1/save", {"url": "nonsense"}, headers=headers)
    assert bad.status_code == good.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_save_into_a_lab_library(bob_client: APIClient, lab: Lab) -> None:
    response = bob_client.post("/api/v1/save", {"url": ARXIV, "library": lab.library.pk})
    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["library"] == lab.library.pk


@pytest.mark.django_db
def test_viewer_gets_403_and_outsider_404_when_saving_into_a_lab(
    bob: User, bob_client: APIClient, charlie_client: APIClient, lab: Lab
) -> None:
    add_member(lab=lab, user=bob, role=Membership.Role.VIEWER)
    viewer = bob_client.post("/api/v1/save", {"url": ARXIV, "library": lab.library.pk})
    outsider = charlie_client.post("/api/v1/save", {"url": ARXIV, "library": lab.library.pk})
    assert viewer.status_code == HTTPStatus.FORBIDDEN
    assert outsider.status_code == HTTPStatus.NOT_FOUND
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_unauthenticated_save_is_401(anon_client: APIClient) -> None:
    response = anon_client.post("/api/v1/save", {"url": ARXIV})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "WWW-Authenticate" in response


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": "x" * 5000}, "url"),
        ({"url": "not a paper"}, "url"),
        ({"url": ARXIV, "tags": "notalist"}, "tags"),
        ({"url": ARXIV, "tags": ["x" * 101]}, "tags"),
        ({"url": ARXIV, "status": "skimmed"}, "status"),
        ({"url": ARXIV, "library": "abc"}, "library"),
        ({"url": ARXIV, "metadata": {"title": "t" * 3000}}, "metadata"),
        ({"url": ARXIV, "metadata": {"authors": "Ada"}}, "metadata"),
        ({"url": ARXIV, "metadata": {"identifiers": {"issn": "1"}}}, "metadata"),
        ({"url": ARXIV, "metadata": {"source": "rumour"}}, "metadata"),
    ],
)
def test_bad_input_is_400_with_a_field_message(
    alice_client: APIClient, body: dict[str, object], field: str
) -> None:
    response = alice_client.post("/api/v1/save", body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_400(alice_client: APIClient) -> None:
    response = alice_client.post("/api/v1/save", "{not json", content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_save_query_count_is_pinned(
    alice_client: APIClient,
    django_assert_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    alice_client.post("/api/v1/save", {"url": "arXiv:1706.03762"})  # creates the personal library
    # New paper with three new tags, counted as they run:
    # 1 personal library (its owner needs no writable check), 1 identifier lookup (global
    # and this library's stated keys), 2 create paper (insert, identifiers claimed in one
    # INSERT ... RETURNING), 1 entry insert with what the library sees and its search vector
    # and 1 the library's contribution (the page metadata it sent), both before the lock (a
    # new paper is in no library yet), 1 lock + bump library (UPDATE ... RETURNING), 1 which
    # forms of its citation key the library holds (the metadata has authors: pinned now), 1
    # the entry's version and key, 4 tags (before the lock the library's tags of those names;
    # under it select, insert, entry links, since some were new), 1 task for the registries
    # (a row in the same transaction), 1 outer savepoint + 1 release. The answer needs no
    # read: it is built from the rows just written.
    with django_assert_num_queries(16):
        alice_client.post(
            "/api/v1/save", {"url": ARXIV, "metadata": METADATA, "tags": ["a", "b", "c"]}
        )
    # Saving it again finds everything: no paper creation, no tag inserts, and the shared
    # paper is not written at all (this library's contribution lives on its entry).
    with django_assert_num_queries(13):
        alice_client.post(
            "/api/v1/save", {"url": ARXIV, "metadata": METADATA, "tags": ["a", "b", "c"]}
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_concurrent_requests_with_one_idempotency_key_write_once() -> None:
    user = UserFactory(email="twice@example.org")
    headers = {"Idempotency-Key": "double-click"}

    responses = run_concurrently(
        4, lambda _: client_for(user).post("/api/v1/save", {"url": ARXIV}, headers=headers)
    )

    statuses = sorted(r.status_code for r in responses)  # type: ignore[attr-defined]
    assert statuses == [HTTPStatus.CREATED] * 4  # the replays repeat the first answer
    assert sum(r.get("Idempotent-Replayed") == "true" for r in responses) == 3  # type: ignore[attr-defined]
    assert Entry.objects.count() == 1
    assert Library.objects.get(owner=user).version == 1
