"""GET /api/v1/notifications/ and POST /api/v1/notifications/read."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.models import Entry, Lab, Notification, User
from readinglist.services.discussion import create_comment
from readinglist.services.entries import save_paper

URL = "/api/v1/notifications/"


def _mention(alice: User, lab: Lab, times: int) -> Entry:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    for n in range(times):
        create_comment(user=alice, entry=entry, body=f"@bob look {n}")
    return entry


@pytest.mark.django_db
def test_the_inbox_lists_newest_first_with_the_unread_count(
    alice: User,
    bob_client: APIClient,
    lab: Lab,
    django_assert_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    _mention(alice, lab, 3)
    # 1 the page (with actor, lab, entry and session joined), 1 the unread count.
    with django_assert_num_queries(2):
        response = bob_client.get(URL)

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["unread_count"] == 3
    assert [n["kind"] for n in body["results"]] == ["mention"] * 3
    assert body["results"][0]["text"].startswith("Alice mentioned you on")
    assert body["results"][0]["lab"] == "Alice Lab"
    assert body["results"][0]["id"] > body["results"][-1]["id"]
    _mention(alice, lab, 7)
    with django_assert_num_queries(2):  # as many for 10 as for 3
        assert len(bob_client.get(URL).json()["results"]) == 10


@pytest.mark.django_db
def test_mark_read_by_id_or_all_and_others_ids_change_nothing(
    alice: User, bob: User, alice_client: APIClient, bob_client: APIClient, lab: Lab
) -> None:
    _mention(alice, lab, 3)
    first, *rest = Notification.objects.filter(recipient=bob).order_by("id")

    assert alice_client.post(URL + "read", {"ids": [first.pk]}, format="json").json() == {
        "unread_count": 0,
        "results": [],
    }
    first.refresh_from_db()
    assert first.read_at is None  # alice cannot mark bob's

    one = bob_client.post(URL + "read", {"ids": [first.pk]}, format="json")
    assert one.json()["unread_count"] == 2
    assert [n["id"] for n in bob_client.get(URL, {"unread": "true"}).json()["results"]] == [
        n.pk for n in reversed(rest)
    ]
    assert bob_client.post(URL + "read", {"all": True}, format="json").json()["unread_count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{}, {"ids": [1], "all": True}, {"ids": ["x"]}, {"all": True, "extra": 1}]
)
def test_bad_mark_read_is_400(bob_client: APIClient, body: dict[str, object]) -> None:
    assert bob_client.post(URL + "read", body, format="json").status_code == 400


@pytest.mark.django_db
def test_strangers_are_401(anon_client: APIClient) -> None:
    assert anon_client.get(URL).status_code == HTTPStatus.UNAUTHORIZED
    assert anon_client.post(URL + "read", {"all": True}, format="json").status_code == 401
    assert anon_client.get(URL, {"limit": "0"}).status_code == 401
