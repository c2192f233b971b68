"""Entries: list with filters and search, retrieve, create, update, delete."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus

import pytest
from django.db import connection
from rest_framework.test import APIClient

from readinglist.metadata import PageMetadata, Source
from readinglist.models import (
    Entry,
    Lab,
    Membership,
    Note,
    ReadingList,
    ReadingListItem,
    Tombstone,
    User,
)
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.labs import add_member

QueryCounter = Callable[[int], AbstractContextManager[object]]


def save(user: User, n: int, **kwargs: object) -> Entry:
    meta = kwargs.pop("metadata", None)
    return save_paper(user=user, url=f"arXiv:2401.{n:05d}", metadata=meta, **kwargs).entry  # type: ignore[arg-type]


@pytest.mark.django_db
def test_list_is_newest_first_and_cursor_paged(alice: User, alice_client: APIClient) -> None:
    entries = [save(alice, n) for n in range(1, 6)]

    first = alice_client.get("/api/v1/entries/", {"page_size": 3}).json()
    second = alice_client.get(first["next"]).json()

    ids = [e["id"] for e in first["results"] + second["results"]]
    assert ids == [e.pk for e in reversed(entries)]
    assert second["next"] is None


@pytest.mark.django_db
def test_filters_by_tag_status_list_and_date(alice: User, alice_client: APIClient) -> None:
    tagged = save(alice, 1, tags=["GNN"])
    read = save(alice, 2, status="read")
    listed = save(alice, 3)
    reading_list = ReadingList.objects.create(library=listed.library, name="Week 1")
    ReadingListItem.objects.create(
        library=listed.library, reading_list=reading_list, entry=listed, position=1
    )

    def ids(**params: object) -> list[int]:
        response = alice_client.get("/api/v1/entries/", params)
        assert response.status_code == HTTPStatus.OK, response.json()
        return [e["id"] for e in response.json()["results"]]

    assert ids(tag="gnn") == [tagged.pk]
    assert ids(status="read") == [read.pk]
    assert set(ids(status="unread")) == {tagged.pk, listed.pk}
    assert ids(list=reading_list.pk) == [listed.pk]
    assert ids(added_after="2000-01-01T00:00:00Z") != []
    assert ids(added_before="2000-01-01T00:00:00Z") == []


@pytest.mark.django_db
def test_search_ranks_title_over_abstract_and_finds_notes(
    alice: User, alice_client: APIClient
) -> None:
    in_title = save(
        alice, 1, metadata=PageMetadata(title="Graph transformers", source=Source.CITATION)
    )
    in_abstract = save(
        alice,
        2,
        metadata=PageMetadata(
            title="Other", abstract="We use graph methods.", source=Source.CITATION
        ),
    )
    in_note = save(alice, 3, note="compare with graph baselines")
    save(alice, 4, metadata=PageMetadata(title="Unrelated", source=Source.CITATION))

    response = alice_client.get("/api/v1/entries/", {"q": "graph"})

    assert response.status_code == HTTPStatus.OK
    ids = [e["id"] for e in response.json()["results"]]
    assert set(ids) == {in_title.pk, in_abstract.pk, in_note.pk}
    if connection.vendor == "postgresql":
        assert ids.index(in_title.pk) < ids.index(in_abstract.pk) < ids.index(in_note.pk)


@pytest.mark.django_db
def test_list_only_shows_visible_libraries(
    alice: User,
    bob: User,
    charlie: User,
    charlie_client: APIClient,
    bob_client: APIClient,
    lab: Lab,
) -> None:
    save(alice, 1)
    lab_entry = save(alice, 2, library=lab.library)

    assert charlie_client.get("/api/v1/entries/").json()["results"] == []
    assert [e["id"] for e in bob_client.get("/api/v1/entries/").json()["results"]] == [lab_entry.pk]
    response = charlie_client.get("/api/v1/entries/", {"library": personal_library(alice).pk})
    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_someone_elses_entry_is_404_for_every_verb(alice: User, charlie_client: APIClient) -> None:
    entry = save(alice, 1)
    url = f"/api/v1/entries/{entry.pk}/"
    assert charlie_client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert charlie_client.patch(url, {"status": "read"}).status_code == HTTPStatus.NOT_FOUND
    assert charlie_client.delete(url).status_code == HTTPStatus.NOT_FOUND
    assert Entry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_unauthenticated_is_401(anon_client: APIClient) -> None:
    assert anon_client.get("/api/v1/entries/").status_code == HTTPStatus.UNAUTHORIZED
    assert anon_client.post("/api/v1/entries/", {"url": "arXiv:1706.03762"}).status_code == 401


@pytest.mark.django_db
def test_create_is_a_save(alice_client: APIClient) -> None:
    created = alice_client.post("/api/v1/entries/", {"url": "arXiv:1706.03762", "tags": ["a"]})
    again = alice_client.post("/api/v1/entries/", {"url": "https://arxiv.org/abs/1706.03762"})
    assert created.status_code == HTTPStatus.CREATED
    assert again.status_code == HTTPStatus.OK
    assert again.json()["id"] == created.json()["id"]


@pytest.mark.django_db
def test_patch_sets_own_state_and_merges_tag_operations(
    alice: User, alice_client: APIClient
) -> None:
    entry = save(alice, 1, tags=["a", "b"])
    before = personal_library(alice).version

    response = alice_client.patch(
        f"/api/v1/entries/{entry.pk}/",
        {
            "status": "read",
            "rating": 5,
            "private_note": "mine",
            "add_tags": ["c"],
            "remove_tags": ["A"],
        },
    )

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["tags"] == ["b", "c"]
    assert (body["state"]["status"], body["state"]["rating"], body["state"]["private_note"]) == (
        "read",
        5,
        "mine",
    )
    assert body["version"] == before + 1
    assert response["Last-Modified-Version"] == str(before + 1)


@pytest.mark.django_db
def test_lab_viewer_may_track_own_state_but_not_change_tags(
    alice: User, bob: User, bob_client: APIClient, lab: Lab
) -> None:
    add_member(lab=lab, user=bob, role=Membership.Role.VIEWER)
    entry = save(alice, 1, library=lab.library)
    url = f"/api/v1/entries/{entry.pk}/"

    assert bob_client.patch(url, {"status": "read"}).status_code == HTTPStatus.OK
    assert bob_client.patch(url, {"add_tags": ["x"]}).status_code == HTTPStatus.FORBIDDEN
    assert bob_client.delete(url).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"status": "done"},
        {"rating": 9},
        {"priority": "high"},
        {"add_tags": "x"},
        {"private_note": 5 * [1]},
    ],
)
def test_bad_patch_is_400_and_changes_nothing(
    alice: User, alice_client: APIClient, body: dict[str, object]
) -> None:
    entry = save(alice, 1)
    version = personal_library(alice).version
    response = alice_client.patch(f"/api/v1/entries/{entry.pk}/", body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert personal_library(alice).version == version


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"library": "x"}, {"status": "nope"}, {"added_after": "yesterday"}, {"q": "x" * 600}]
)
def test_bad_filters_are_400(alice_client: APIClient, params: dict[str, str]) -> None:
    assert alice_client.get("/api/v1/entries/", params).status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_garbage_id_is_404(alice_client: APIClient) -> None:
    assert alice_client.get("/api/v1/entries/abc/").status_code == HTTPStatus.NOT_FOUND
    assert alice_client.get("/api/v1/entries/99999999999999999999/").status_code == 404


@pytest.mark.django_db
def test_delete_leaves_a_tombstone(alice: User, alice_client: APIClient) -> None:
    entry = save(alice, 1, note="n")
    response = alice_client.delete(f"/api/v1/entries/{entry.pk}/")
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert Tombstone.objects.filter(key=entry.key, object_type="entry").exists()
    assert not Note.objects.exists()
    assert response["Last-Modified-Version"] == str(personal_library(alice).version)


@pytest.mark.django_db
def test_list_query_count_is_pinned(
    alice: User, alice_client: APIClient, django_assert_num_queries: QueryCounter
) -> None:
    for n in range(1, 21):
        save(alice, n, tags=[f"t{n % 4}", "all"], status="read")
    # The page's ids (visible libraries as a subquery), then PostgreSQL reads the entries with
    # their papers, tags, identifiers and my states in one statement; SQLite in four.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 5):
        response = alice_client.get("/api/v1/entries/", {"page_size": 100})
    assert len(response.json()["results"]) == 20
