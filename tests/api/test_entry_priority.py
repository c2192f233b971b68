"""The entry list by the caller's own priority: filter and sort."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from readinglist.models import Entry, Lab, User
from readinglist.services.entries import save_paper, update_entry

QueryCounter = Callable[[int], AbstractContextManager[object]]


def save(user: User, n: int, *, priority: int | None = None, **kwargs: object) -> Entry:
    entry = save_paper(user=user, url=f"arXiv:2401.{n:05d}", **kwargs).entry  # type: ignore[arg-type]
    Entry.objects.filter(pk=entry.pk).update(added_at=timezone.now() - timedelta(days=100 - n))
    if priority is not None:
        update_entry(user=user, entry=entry, state={"priority": priority})
    return entry


def ids(client: APIClient, **params: object) -> list[int]:
    response = client.get("/api/v1/entries/", params)
    assert response.status_code == HTTPStatus.OK, response.json()
    return [e["id"] for e in response.json()["results"]]


@pytest.mark.django_db
def test_filter_by_own_priority(alice: User, alice_client: APIClient) -> None:
    untouched = save(alice, 1)
    high = save(alice, 2, priority=3)
    none = save(alice, 3, priority=0)
    low = save(alice, 4, priority=1)

    assert ids(alice_client, priority=3) == [high.pk]
    assert ids(alice_client, priority=1) == [low.pk]
    assert ids(alice_client, priority=2) == []
    assert ids(alice_client, priority=0) == [none.pk, untouched.pk]
    for bad in ("high", "4", "-1"):
        assert alice_client.get("/api/v1/entries/", {"priority": bad}).status_code == 400


@pytest.mark.django_db
def test_sort_by_priority_is_high_first_then_oldest_and_paged_by_number(
    alice: User, alice_client: APIClient
) -> None:
    untouched = save(alice, 1)
    high_old = save(alice, 2, priority=3)
    medium = save(alice, 3, priority=2)
    high_new = save(alice, 4, priority=3)
    low = save(alice, 5, priority=1)
    expected = [high_old.pk, high_new.pk, medium.pk, low.pk, untouched.pk]

    first = alice_client.get("/api/v1/entries/", {"sort": "priority", "page_size": 3}).json()
    assert first["count"] == 5
    second = alice_client.get(first["next"]).json()
    assert [e["id"] for e in first["results"] + second["results"]] == expected
    assert second["next"] is None
    assert first["results"][0]["state"]["priority"] == 3
    assert ids(alice_client, sort="priority", priority=3) == [high_old.pk, high_new.pk]
    # The default order is unchanged: newest first, by cursor.
    assert ids(alice_client) == [low.pk, high_new.pk, medium.pk, high_old.pk, untouched.pk]
    assert alice_client.get("/api/v1/entries/", {"sort": "nope"}).status_code == 400


@pytest.mark.django_db
def test_sort_by_priority_with_search(alice: User, alice_client: APIClient) -> None:
    from readinglist.metadata import PageMetadata, Source

    def titled(n: int, title: str, priority: int | None = None) -> Entry:
        meta = PageMetadata(source=Source.SITE, title=title)
        return save(alice, n, metadata=meta, priority=priority)

    plain = titled(1, "Graph networks")
    urgent = titled(2, "Graph networks again", priority=3)
    titled(3, "Something else", priority=3)
    response = alice_client.get("/api/v1/entries/", {"q": "graph", "sort": "priority"})
    assert response.status_code == HTTPStatus.OK
    assert [e["id"] for e in response.json()["results"]] == [urgent.pk, plain.pk]


@pytest.mark.django_db
def test_priority_is_the_callers_own_in_a_lab(
    alice: User, bob: User, bob_client: APIClient, lab: Lab
) -> None:
    alices_high = save(alice, 1, library=lab.library, priority=3)
    bobs_high = save(alice, 2, library=lab.library)
    update_entry(user=bob, entry=bobs_high, state={"priority": 3})

    assert ids(bob_client, library=lab.library.pk, priority=3) == [bobs_high.pk]
    assert ids(bob_client, library=lab.library.pk, priority=0) == [alices_high.pk]
    assert ids(bob_client, library=lab.library.pk, sort="priority") == [
        bobs_high.pk,
        alices_high.pk,
    ]
    listed = bob_client.get("/api/v1/entries/", {"library": lab.library.pk}).json()["results"]
    states = {e["id"]: e["state"] for e in listed}
    assert states[bobs_high.pk]["priority"] == 3
    assert states[alices_high.pk] is None  # Alice's state is hers alone


@pytest.mark.django_db
def test_priority_sort_query_count_is_pinned(
    alice: User, alice_client: APIClient, django_assert_num_queries: QueryCounter
) -> None:
    for n in range(1, 21):
        save(alice, n, tags=[f"t{n % 4}", "all"], priority=n % 4)
    # As the default order: the page's ids (by number, so no count on a short page), then
    # PostgreSQL reads the rows in one statement; SQLite in four.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 5):
        response = alice_client.get("/api/v1/entries/", {"page_size": 100, "sort": "priority"})
    results = response.json()["results"]
    assert len(results) == 20
    assert [e["state"]["priority"] for e in results] == sorted(
        (e["state"]["priority"] for e in results), reverse=True
    )


@pytest.mark.django_db
def test_unauthenticated_is_401(anon_client: APIClient) -> None:
    response = anon_client.get("/api/v1/entries/", {"sort": "priority", "priority": 3})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
