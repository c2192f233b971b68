"""Lookup: one request answers for a whole listing page, in constant queries."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.models import Lab, User
from readinglist.services.entries import save_paper

QueryCounter = Callable[[int], AbstractContextManager[object]]


@pytest.mark.django_db
def test_lookup_reports_where_and_how_a_paper_is_saved(
    alice: User, alice_client: APIClient
) -> None:
    save_paper(user=alice, url="https://arxiv.org/abs/1706.03762", tags=["nlp"], status="read")

    response = alice_client.get("/api/v1/lookup", {"url": "https://arxiv.org/pdf/1706.03762v7"})

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["saved"] is True
    assert body["identified"] is True
    [entry] = body["entries"]
    assert entry["kind"] == "personal"
    assert entry["tags"] == ["nlp"]
    assert entry["status"] == "read"


@pytest.mark.django_db
def test_lookup_of_an_unsaved_or_unknown_input(alice_client: APIClient) -> None:
    unsaved = alice_client.get("/api/v1/lookup", {"url": "arXiv:1810.04805"}).json()
    junk = alice_client.get("/api/v1/lookup", {"url": "hello"}).json()
    assert (unsaved["identified"], unsaved["saved"], unsaved["paper"]) == (True, False, None)
    assert (junk["identified"], junk["saved"]) == (False, False)


@pytest.mark.django_db
def test_lookup_shows_lab_signals_to_members(
    alice: User, bob: User, bob_client: APIClient, lab: Lab
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library, status="read").entry
    save_paper(user=bob, url="arXiv:1706.03762", library=lab.library, status="reading")

    [result] = bob_client.post("/api/v1/lookup", {"items": ["arXiv:1706.03762"]}).json()["results"]

    [lab_entry] = result["entries"]
    assert lab_entry["id"] == entry.pk
    assert lab_entry["lab"] == {"id": lab.pk, "name": "Alice Lab"}
    assert (lab_entry["read_count"], lab_entry["reading_count"]) == (1, 1)
    assert lab_entry["status"] == "reading"  # bob's own state, not alice's
    assert (lab_entry["added_by"], lab_entry["added_by_me"]) == (alice.pk, False)


@pytest.mark.django_db
def test_outsider_learns_nothing_from_lookup(
    alice: User, charlie_client: APIClient, lab: Lab
) -> None:
    save_paper(user=alice, url="arXiv:1706.03762")
    save_paper(user=alice, url="arXiv:1706.03762", library=lab.library)

    result = charlie_client.get("/api/v1/lookup", {"url": "arXiv:1706.03762"}).json()

    assert result["saved"] is False
    assert result["entries"] == []
    assert result["paper"] is None  # not even that someone, somewhere, saved it


@pytest.mark.django_db
def test_unauthenticated_lookup_is_401(anon_client: APIClient) -> None:
    assert anon_client.get("/api/v1/lookup", {"url": "x"}).status_code == HTTPStatus.UNAUTHORIZED
    assert anon_client.post("/api/v1/lookup", {"items": ["x"]}).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": []},
        {"items": "arXiv:1706.03762"},
        {"items": ["x"] * 201},
        {"items": ["x" * 3000]},
    ],
)
def test_bad_batch_lookup_is_400(alice_client: APIClient, body: dict[str, object]) -> None:
    response = alice_client.post("/api/v1/lookup", body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "items" in response.json()


@pytest.mark.django_db
def test_single_lookup_needs_a_url(alice_client: APIClient) -> None:
    assert alice_client.get("/api/v1/lookup").status_code == HTTPStatus.BAD_REQUEST
    assert alice_client.get("/api/v1/lookup", {"url": "x" * 3000}).status_code == 400


def _save_many(user: User, count: int) -> list[str]:
    urls = [f"https://arxiv.org/abs/2401.{n:05d}" for n in range(1, count + 1)]
    for n, url in enumerate(urls):
        save_paper(user=user, url=url, tags=[f"t{n % 3}"], status="read" if n % 2 else None)
    return urls


@pytest.mark.django_db
def test_lookup_query_count_is_constant(
    alice: User, alice_client: APIClient, django_assert_num_queries: QueryCounter
) -> None:
    urls = _save_many(alice, 30)
    batch = [*urls, *(f"arXiv:2402.{n:05d}" for n in range(170))]  # 30 saved + 170 unknown
    # 1 identifiers, 1 entries with lab counts, 1 tags, 1 caller's states.
    with django_assert_num_queries(4):
        response = alice_client.get("/api/v1/lookup", {"url": urls[0]})
    assert response.json()["saved"] is True
    with django_assert_num_queries(4):
        response = alice_client.post("/api/v1/lookup", {"items": batch})
    results = response.json()["results"]
    assert len(results) == 200
    assert sum(r["saved"] for r in results) == 30


BIORXIV = "https://www.biorxiv.org/content/10.1101/2023.01.01.578000"
ACM = "https://dl.acm.org/doi/10.1145/3368089.3409741"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("saved_as", "seen_as"),
    [
        (f"{BIORXIV}v1", [f"{BIORXIV}v2", f"{BIORXIV}v2.full", f"{BIORXIV}v2.full.pdf"]),
        (f"{BIORXIV}v2.full.pdf", ["doi:10.1101/2023.01.01.578000", f"{BIORXIV}v1.abstract"]),
        (ACM, [ACM.replace("/doi/", "/doi/pdf/"), ACM.replace("/doi/", "/doi/abs/")]),
    ],
)
def test_every_url_form_of_a_publisher_article_is_one_paper(
    alice: User, alice_client: APIClient, saved_as: str, seen_as: list[str]
) -> None:
    first = save_paper(user=alice, url=saved_as)
    found = alice_client.post("/api/v1/lookup", {"items": seen_as}, format="json").json()
    assert [r["saved"] for r in found["results"]] == [True] * len(seen_as)
    assert all(save_paper(user=alice, url=url).entry == first.entry for url in seen_as)
