"""POST /libraries/{id}/batch: per-operation results, savepoints, one version bump."""

import uuid
from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.models import Entry, Lab, Membership, Note, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.labs import add_member


def batch(client: APIClient, library_id: int, operations: list[object], **headers: str) -> object:
    return client.post(
        f"/api/v1/libraries/{library_id}/batch", {"operations": operations}, headers=headers
    )


@pytest.mark.django_db
def test_mixed_operations_get_per_operation_results_and_one_version(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    existing = save_paper(user=alice, url="arXiv:1706.03762", status="reading").entry
    doomed = save_paper(user=alice, url="arXiv:1810.04805").entry
    before = personal_library(alice).version
    note_key = str(uuid.uuid4())

    response = batch(
        alice_client,
        library.pk,
        [
            {"op": "save", "url": "arXiv:2106.09608", "tags": ["kg"]},
            {"op": "save", "url": "https://arxiv.org/abs/1706.03762v2"},
            {
                "op": "create",
                "type": "note",
                "key": note_key,
                "data": {"entry": str(existing.key), "body": "hi"},
            },
            {
                "op": "create",
                "type": "note",
                "key": note_key,
                "data": {"entry": str(existing.key), "body": "hi"},
            },
            {"op": "update", "type": "entry", "key": str(existing.key), "data": {"status": "read"}},
            {"op": "delete", "type": "entry", "key": str(doomed.key)},
            {"op": "delete", "type": "entry", "key": str(doomed.key)},
            {"op": "delete", "type": "entry", "key": str(uuid.uuid4())},
            {"op": "save", "url": "not a paper"},
            {"op": "frobnicate"},
        ],
    )

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    statuses = [(r["status"], r.get("code")) for r in body["results"]]
    assert statuses == [
        ("created", None),
        ("updated", None),
        ("created", None),
        ("unchanged", None),
        ("updated", None),
        ("updated", None),
        ("unchanged", None),
        ("failed", 404),
        ("failed", 400),
        ("failed", 400),
    ]
    assert body["version"] == before + 1 == personal_library(alice).version
    assert response["Last-Modified-Version"] == str(before + 1)
    assert Note.objects.get(key=note_key).version == before + 1
    assert Entry.objects.get(pk=existing.pk).states.get().status == "read"
    assert not Entry.objects.filter(pk=doomed.pk).exists()


@pytest.mark.django_db
def test_a_stale_operation_fails_alone_with_the_current_object(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    entry = save_paper(user=alice, url="arXiv:1706.03762").entry
    seen = entry.version
    alice_client.patch(f"/api/v1/entries/{entry.pk}/", {"add_tags": ["edited"]})

    body = batch(
        alice_client,
        library.pk,
        [
            {"op": "delete", "type": "entry", "key": str(entry.key), "version": seen},
            {"op": "save", "url": "arXiv:1810.04805"},
        ],
    ).json()

    stale, saved = body["results"]
    assert (stale["status"], stale["code"]) == ("failed", 412)
    assert stale["current"]["tags"] == ["edited"]
    assert saved["status"] == "created"
    assert Entry.objects.count() == 2


@pytest.mark.django_db
def test_a_batch_that_changes_nothing_keeps_the_version(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="arXiv:1706.03762")
    before = personal_library(alice).version
    body = batch(
        alice_client, library.pk, [{"op": "delete", "type": "note", "key": str(uuid.uuid4())}]
    ).json()
    assert body["results"][0]["code"] == 404
    assert body["version"] == before == personal_library(alice).version


@pytest.mark.django_db
def test_stale_library_precondition_rejects_the_whole_batch(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="arXiv:1706.03762")
    response = batch(
        alice_client,
        library.pk,
        [{"op": "save", "url": "arXiv:1810.04805"}],
        **{"If-Unmodified-Since-Version": "0"},
    )
    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    assert Entry.objects.count() == 1


@pytest.mark.django_db
def test_retrying_a_batch_with_its_key_replays_it(alice: User, alice_client: APIClient) -> None:
    library = personal_library(alice)
    operations = [{"op": "save", "url": "arXiv:1810.04805"}]
    first = batch(alice_client, library.pk, operations, **{"Idempotency-Key": "b1"})
    retry = batch(alice_client, library.pk, operations, **{"Idempotency-Key": "b1"})
    assert retry.json() == first.json()
    assert personal_library(alice).version == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{}, {"operations": []}, {"operations": [{}] * 101}, {"operations": "x"}]
)
def test_bad_batches_are_400(alice: User, alice_client: APIClient, body: object) -> None:
    response = alice_client.post(f"/api/v1/libraries/{personal_library(alice).pk}/batch", body)
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_batch_permissions(
    alice: User,
    bob: User,
    bob_client: APIClient,
    charlie_client: APIClient,
    anon_client: APIClient,
    lab: Lab,
) -> None:
    add_member(lab=lab, user=bob, role=Membership.Role.VIEWER)
    save = [{"op": "save", "url": "arXiv:1810.04805"}]
    viewer = batch(bob_client, lab.library.pk, save).json()
    assert (viewer["results"][0]["status"], viewer["results"][0]["code"]) == ("failed", 403)
    assert batch(charlie_client, lab.library.pk, save).status_code == HTTPStatus.NOT_FOUND
    assert batch(charlie_client, personal_library(alice).pk, save).status_code == 404
    assert batch(anon_client, lab.library.pk, save).status_code == HTTPStatus.UNAUTHORIZED
    assert not Entry.objects.exists()
