"""Libraries (with role and version) and read-only papers."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.metadata import PageMetadata
from readinglist.models import Lab, Membership, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.labs import add_member


@pytest.mark.django_db
def test_libraries_lists_personal_and_lab_with_roles(
    alice: User, bob_client: APIClient, lab: Lab, bob: User
) -> None:
    response = bob_client.get("/api/v1/libraries/")
    assert response.status_code == HTTPStatus.OK
    rows = {(r["kind"], r["role"], r["can_edit"]) for r in response.json()["results"]}
    assert rows == {("personal", "owner", True), ("lab", "member", True)}


@pytest.mark.django_db
def test_viewer_sees_lab_library_read_only(bob: User, bob_client: APIClient, lab: Lab) -> None:
    add_member(lab=lab, user=bob, role=Membership.Role.VIEWER)
    lab_row = bob_client.get(f"/api/v1/libraries/{lab.library.pk}/").json()
    assert (lab_row["role"], lab_row["can_edit"]) == ("viewer", False)
    response = bob_client.patch(f"/api/v1/libraries/{lab.library.pk}/", {"name": "Mine now"})
    assert response.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db
def test_owner_renames_and_the_version_moves(alice: User, alice_client: APIClient) -> None:
    library = personal_library(alice)
    response = alice_client.patch(f"/api/v1/libraries/{library.pk}/", {"name": "Reading"})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["name"] == "Reading"
    assert response.json()["version"] == library.version + 1


@pytest.mark.django_db
def test_the_owner_chooses_how_new_citation_keys_are_made(
    alice: User, alice_client: APIClient, bob_client: APIClient, lab: Lab
) -> None:
    library = personal_library(alice)
    url = f"/api/v1/libraries/{library.pk}/"
    assert alice_client.get(url).json()["citekey_pattern"] == "author_year_word"

    response = alice_client.patch(url, {"citekey_pattern": "author_year"})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["citekey_pattern"] == "author_year"
    assert response.json()["name"] == library.name
    saved = save_paper(
        user=alice,
        url="https://example.org/x",
        metadata=PageMetadata(title="Deep Learning", authors=("LeCun, Yann",), published="2015"),
    )
    assert saved.entry.citekey == "lecun2015"
    bad = alice_client.patch(url, {"citekey_pattern": "whatever"})
    assert bad.status_code == HTTPStatus.BAD_REQUEST
    assert "citekey_pattern" in bad.json()
    # A lab member (not an admin) may not change the lab's; another person sees no library.
    lab_url = f"/api/v1/libraries/{lab.library.pk}/"
    assert bob_client.patch(lab_url, {"citekey_pattern": "author_year"}).status_code == 403
    assert bob_client.patch(url, {"citekey_pattern": "author_year"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x" * 300}])
def test_bad_rename_is_400(alice: User, alice_client: APIClient, body: dict[str, str]) -> None:
    response = alice_client.patch(f"/api/v1/libraries/{personal_library(alice).pk}/", body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "name" in response.json()


@pytest.mark.django_db
def test_others_libraries_are_404_and_anonymous_401(
    alice: User, charlie_client: APIClient, anon_client: APIClient, lab: Lab
) -> None:
    for library in (personal_library(alice), lab.library):
        assert (
            charlie_client.get(f"/api/v1/libraries/{library.pk}/").status_code
            == HTTPStatus.NOT_FOUND
        )
        assert (
            charlie_client.patch(f"/api/v1/libraries/{library.pk}/", {"name": "x"}).status_code
            == 404
        )
    assert anon_client.get("/api/v1/libraries/").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
def test_paper_by_id_and_by_any_identifier(alice: User, alice_client: APIClient) -> None:
    paper = save_paper(user=alice, url="https://arxiv.org/abs/1706.03762v5").paper

    by_id = alice_client.get(f"/api/v1/papers/{paper.pk}/")
    by_doi = alice_client.get("/api/v1/papers/", {"identifier": "10.48550/arXiv.1706.03762"})
    by_hf = alice_client.get(
        "/api/v1/papers/", {"identifier": "https://huggingface.co/papers/1706.03762"}
    )

    assert by_id.status_code == by_doi.status_code == by_hf.status_code == HTTPStatus.OK
    assert by_id.json()["id"] == by_doi.json()["id"] == by_hf.json()["id"] == paper.pk
    assert by_id.json()["identifiers"] == {"arxiv": "1706.03762"}


@pytest.mark.django_db
def test_papers_outside_your_libraries_are_404(
    alice: User, charlie_client: APIClient, anon_client: APIClient
) -> None:
    paper = save_paper(user=alice, url="arXiv:1706.03762").paper
    assert charlie_client.get(f"/api/v1/papers/{paper.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert (
        charlie_client.get("/api/v1/papers/", {"identifier": "arXiv:1706.03762"}).status_code == 404
    )
    assert charlie_client.get("/api/v1/papers/abc/").status_code == 404
    assert anon_client.get(f"/api/v1/papers/{paper.pk}/").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
def test_paper_lookup_needs_an_identifier(alice_client: APIClient) -> None:
    assert alice_client.get("/api/v1/papers/").status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_openapi_schema_and_offline_docs(alice_client: APIClient) -> None:
    schema = alice_client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == HTTPStatus.OK
    paths = schema.json()["paths"]
    for path in ("/api/v1/save", "/api/v1/lookup", "/api/v1/entries/", "/api/v1/libraries/"):
        assert path in paths
    docs = alice_client.get("/api/docs/")
    assert docs.status_code == HTTPStatus.OK
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html  # assets served locally, not from a CDN
    assert "cdn.jsdelivr" not in html
