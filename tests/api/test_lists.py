"""/api/v1/lists/ and /api/v1/lists/{id}/items/: reading lists and their ordered items."""

import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from readinglist.models import (
    Entry,
    Lab,
    Library,
    Membership,
    ReadingList,
    ReadingListItem,
    Tombstone,
    User,
)
from readinglist.services import lists as list_service
from readinglist.services.accounts import personal_library
from readinglist.services.labs import add_member
from readinglist.services.lists import add_to_list, create_list, move_item, remove_from_list
from tests.factories import EntryFactory

NumQueries = Callable[[int], AbstractContextManager[object]]
HUGE_ID = 10**30


@pytest.fixture
def library(alice: User) -> Library:
    return personal_library(alice)


@pytest.fixture
def lab_library(lab: Lab) -> Library:
    return Library.objects.get(lab=lab)


def make_entry(user: User, library: Library) -> Entry:
    entry: Entry = EntryFactory(added_by=user, library=library)
    return entry


def filled_list(user: User, library: Library, entries: int, name: str = "To read") -> ReadingList:
    reading_list = create_list(user=user, library=library, name=name)
    for _ in range(entries):
        add_to_list(user=user, reading_list=reading_list, entry=make_entry(user, library))
    return reading_list


def order_of(reading_list: ReadingList) -> list[int]:
    """Item ids in list order."""
    return list(reading_list.items.order_by("position", "id").values_list("id", flat=True))


def current_version(library: Library) -> int:
    library.refresh_from_db()
    return library.version


def make_viewer(lab: Lab, user: User) -> None:
    add_member(lab=lab, user=user, role=Membership.Role.VIEWER)


def items_url(reading_list: ReadingList, suffix: str = "") -> str:
    return f"/api/v1/lists/{reading_list.pk}/items/{suffix}"


# Lists


@pytest.mark.django_db
def test_list_gives_the_librarys_lists_with_item_counts_in_three_queries(
    alice: User, alice_client: APIClient, library: Library, django_assert_num_queries: NumQueries
) -> None:
    filled_list(alice, library, 2, name="B list")
    filled_list(alice, library, 0, name="A list")
    filled_list(alice, library, 1, name="C list")

    # 1: the library, among those alice can see; 2: the page count; 3: the lists with counts.
    with django_assert_num_queries(3):
        response = alice_client.get("/api/v1/lists/", {"library": library.pk})

    assert response.status_code == HTTPStatus.OK
    results = response.json()["results"]
    assert [(r["name"], r["item_count"]) for r in results] == [
        ("A list", 0),
        ("B list", 2),
        ("C list", 1),
    ]
    assert set(results[0]) >= {"id", "key", "library", "version", "description"}


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{}, {"library": "x"}, {"library": HUGE_ID}])
def test_list_needs_a_library_id(alice_client: APIClient, query: dict[str, Any]) -> None:
    response = alice_client.get("/api/v1/lists/", query)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "library" in response.json()


@pytest.mark.django_db
def test_outsider_gets_404_for_alices_lists_and_items(
    alice: User, charlie_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 1)
    item = reading_list.items.get()
    entry = make_entry(alice, library)

    assert charlie_client.get("/api/v1/lists/", {"library": library.pk}).status_code == 404
    assert charlie_client.get(f"/api/v1/lists/{reading_list.pk}/").status_code == 404
    assert (
        charlie_client.patch(f"/api/v1/lists/{reading_list.pk}/", {"name": "x"}).status_code == 404
    )
    assert charlie_client.delete(f"/api/v1/lists/{reading_list.pk}/").status_code == 404
    assert charlie_client.get(items_url(reading_list)).status_code == 404
    assert charlie_client.post(items_url(reading_list), {"entry": entry.pk}).status_code == 404
    move = charlie_client.post(items_url(reading_list, f"{item.pk}/move/"), {"position": "first"})
    assert move.status_code == 404
    assert charlie_client.delete(items_url(reading_list, f"{item.pk}/")).status_code == 404
    assert ReadingListItem.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/lists/?library=1"),
        ("post", "/api/v1/lists/"),
        ("get", "/api/v1/lists/1/"),
        ("patch", "/api/v1/lists/1/"),
        ("delete", "/api/v1/lists/1/"),
        ("get", "/api/v1/lists/1/items/"),
        ("post", "/api/v1/lists/1/items/"),
        ("post", "/api/v1/lists/1/items/1/move/"),
        ("delete", "/api/v1/lists/1/items/1/"),
    ],
)
def test_anonymous_requests_get_401(anon_client: APIClient, method: str, path: str) -> None:
    assert getattr(anon_client, method)(path, {}).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", ["abc", str(HUGE_ID), "0"])
def test_garbage_ids_in_paths_are_404(
    alice: User, alice_client: APIClient, library: Library, bad_id: str
) -> None:
    reading_list = filled_list(alice, library, 1)

    assert alice_client.get(f"/api/v1/lists/{bad_id}/").status_code == 404
    assert alice_client.get(f"/api/v1/lists/{bad_id}/items/").status_code == 404
    assert alice_client.delete(items_url(reading_list, f"{bad_id}/")).status_code == 404
    move = alice_client.post(items_url(reading_list, f"{bad_id}/move/"), {"position": "last"})
    assert move.status_code == 404


@pytest.mark.django_db
def test_create_bumps_the_version(alice_client: APIClient, library: Library) -> None:
    before = current_version(library)

    response = alice_client.post(
        "/api/v1/lists/", {"library": library.pk, "name": " Week 1 ", "description": "Basics"}
    )

    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    version = current_version(library)
    assert version == before + 1
    assert response["Last-Modified-Version"] == str(version)
    assert (body["name"], body["description"], body["item_count"]) == ("Week 1", "Basics", 0)
    assert (body["version"], body["library"]) == (version, library.pk)
    assert ReadingList.objects.get().version == version


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "x" * 1_000_000}, "name"),
        ({"name": ["x"]}, "name"),
        ({"name": "ok", "description": "x" * 10_001}, "description"),
        ({"name": "ok", "description": {"x": 1}}, "description"),
        ({"name": "ok", "library": "abc"}, "library"),
        ({"name": "ok", "library": HUGE_ID}, "library"),
        ({"name": "ok", "library": False}, "library"),
    ],
)
def test_bad_list_input_is_400(
    alice_client: APIClient, library: Library, body: dict[str, Any], field: str
) -> None:
    response = alice_client.post("/api/v1/lists/", {"library": library.pk, **body})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()
    assert not ReadingList.objects.exists()


@pytest.mark.django_db
def test_creating_in_someone_elses_library_is_an_unknown_library(
    alice_client: APIClient, charlie: User
) -> None:
    response = alice_client.post(
        "/api/v1/lists/", {"library": personal_library(charlie).pk, "name": "x"}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["library"] == ["No such library."]


@pytest.mark.django_db
def test_patch_renames_and_stamps(alice: User, alice_client: APIClient, library: Library) -> None:
    reading_list = filled_list(alice, library, 1)

    response = alice_client.patch(
        f"/api/v1/lists/{reading_list.pk}/", {"name": "Renamed", "description": ""}
    )

    assert response.status_code == HTTPStatus.OK
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version) == str(response.json()["version"])
    assert (response.json()["name"], response.json()["item_count"]) == ("Renamed", 1)
    assert alice_client.patch(f"/api/v1/lists/{reading_list.pk}/", {}).status_code == 400


@pytest.mark.django_db
def test_delete_tombstones_the_list_and_its_items_but_keeps_the_entries(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 2)
    item_keys = set(reading_list.items.values_list("key", flat=True))

    response = alice_client.delete(f"/api/v1/lists/{reading_list.pk}/")

    assert response.status_code == HTTPStatus.NO_CONTENT
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version)
    assert not ReadingList.objects.exists()
    assert not ReadingListItem.objects.exists()
    assert Entry.objects.count() == 2
    tombstones = Tombstone.objects.filter(version=version)
    assert set(tombstones.values_list("object_type", "key")) == {
        ("list", reading_list.key),
        *(("list_item", key) for key in item_keys),
    }


@pytest.mark.django_db
def test_lab_member_writes_lists_and_a_viewer_only_reads(
    alice: User, bob: User, bob_client: APIClient, lab: Lab, lab_library: Library
) -> None:
    entry = make_entry(alice, lab_library)
    created = bob_client.post("/api/v1/lists/", {"library": lab_library.pk, "name": "Lab"})
    assert created.status_code == HTTPStatus.CREATED
    reading_list = ReadingList.objects.get(pk=created.json()["id"])
    assert bob_client.post(items_url(reading_list), {"entry": entry.pk}).status_code == 201
    item = reading_list.items.get()

    make_viewer(lab, bob)
    before = current_version(lab_library)

    assert bob_client.get("/api/v1/lists/", {"library": lab_library.pk}).status_code == 200
    assert bob_client.get(f"/api/v1/lists/{reading_list.pk}/").status_code == 200
    assert bob_client.get(items_url(reading_list)).status_code == 200
    writes = [
        bob_client.post("/api/v1/lists/", {"library": lab_library.pk, "name": "No"}),
        bob_client.patch(f"/api/v1/lists/{reading_list.pk}/", {"name": "No"}),
        bob_client.post(items_url(reading_list), {"entry": make_entry(alice, lab_library).pk}),
        bob_client.post(items_url(reading_list, f"{item.pk}/move/"), {"position": "first"}),
        bob_client.delete(items_url(reading_list, f"{item.pk}/")),
        bob_client.delete(f"/api/v1/lists/{reading_list.pk}/"),
    ]
    assert [w.status_code for w in writes] == [HTTPStatus.FORBIDDEN] * len(writes)
    assert current_version(lab_library) == before
    assert ReadingList.objects.count() == 1
    assert reading_list.items.count() == 1


# Items


@pytest.mark.django_db
def test_items_come_in_order_with_titles_in_three_queries(
    alice: User, alice_client: APIClient, library: Library, django_assert_num_queries: NumQueries
) -> None:
    reading_list = filled_list(alice, library, 4)
    first = reading_list.items.order_by("position").first()
    assert first is not None
    move_item(user=alice, item=first, to="last")

    # 1: the list, among those alice can see; 2: the page count; 3: items with entry and paper.
    with django_assert_num_queries(3):
        response = alice_client.get(items_url(reading_list))

    assert response.status_code == HTTPStatus.OK
    results = response.json()["results"]
    assert [r["id"] for r in results] == order_of(reading_list)
    assert results[-1]["id"] == first.pk
    expected_titles = [Entry.objects.get(pk=r["entry"]).paper.title for r in results]
    assert [r["title"] for r in results] == expected_titles
    assert set(results[0]) >= {"id", "key", "library", "version", "entry", "position"}


@pytest.mark.django_db
def test_add_goes_to_the_end_and_stamps(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 2)
    entry = make_entry(alice, library)

    response = alice_client.post(items_url(reading_list), {"entry": entry.pk})

    assert response.status_code == HTTPStatus.CREATED
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version)
    body = response.json()
    assert (body["entry"], body["version"], body["reading_list"]) == (
        entry.pk,
        version,
        reading_list.pk,
    )
    assert body["title"] == entry.paper.title
    assert order_of(reading_list)[-1] == body["id"]


@pytest.mark.django_db
def test_adding_an_entry_twice_returns_the_existing_item_and_writes_nothing(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 2)
    entry = make_entry(alice, library)
    first = alice_client.post(items_url(reading_list), {"entry": entry.pk})
    version = current_version(library)
    order = order_of(reading_list)
    head = order[0]

    again = alice_client.post(items_url(reading_list), {"entry": entry.pk, "before": head})

    assert again.status_code == HTTPStatus.OK
    assert again.json()["id"] == first.json()["id"]
    assert again["Last-Modified-Version"] == str(version)
    assert current_version(library) == version
    assert order_of(reading_list) == order


@pytest.mark.django_db
def test_add_before_and_after_an_item_and_at_the_front(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 2)
    a, b = order_of(reading_list)
    entries = [make_entry(alice, library) for _ in range(3)]

    before_b = alice_client.post(items_url(reading_list), {"entry": entries[0].pk, "before": b})
    after_b = alice_client.post(items_url(reading_list), {"entry": entries[1].pk, "after": b})
    front = alice_client.post(
        items_url(reading_list), {"entry": entries[2].pk, "position": "first"}
    )

    ids = [r.json()["id"] for r in (before_b, after_b, front)]
    assert order_of(reading_list) == [ids[2], a, ids[0], b, ids[1]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"entry": "other library"}, "entry"),
        ({"entry": "abc"}, "entry"),
        ({"entry": HUGE_ID}, "entry"),
        ({"entry": None}, "entry"),
        ({"entry": True}, "entry"),
        ({}, "entry"),
        ({"before": "other list"}, "before"),
        ({"after": "abc"}, "after"),
        ({"after": HUGE_ID}, "after"),
        ({"position": "middle"}, "position"),
        ({"position": 3}, "position"),
        ({"before": "head", "after": "head"}, "non_field_errors"),
        ({"before": "head", "position": "first"}, "non_field_errors"),
    ],
)
def test_bad_item_input_is_400_and_writes_nothing(
    alice: User,
    alice_client: APIClient,
    library: Library,
    lab_library: Library,
    body: dict[str, Any],
    field: str,
) -> None:
    reading_list = filled_list(alice, library, 2)
    other_list = filled_list(alice, library, 1, name="Other")
    head = order_of(reading_list)[0]
    replacements = {
        "other library": make_entry(alice, lab_library).pk,
        "other list": order_of(other_list)[0],
        "head": head,
    }
    # An empty body stays empty (no entry at all); others get a valid entry unless they set one.
    defaults = {"entry": make_entry(alice, library).pk} if body else {}
    body = defaults | {key: replacements.get(value, value) for key, value in body.items()}
    before = current_version(library)

    response = alice_client.post(items_url(reading_list), body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()
    assert reading_list.items.count() == 2
    assert current_version(library) == before


@pytest.mark.django_db
def test_move_before_after_first_last(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 4)
    a, b, c, d = order_of(reading_list)

    def move(item: int, body: dict[str, Any]) -> list[int]:
        response = alice_client.post(items_url(reading_list, f"{item}/move/"), body)
        assert response.status_code == HTTPStatus.OK, response.json()
        assert response.json()["id"] == item
        assert response["Last-Modified-Version"] == str(current_version(library))
        assert ReadingListItem.objects.get(pk=item).version == current_version(library)
        return order_of(reading_list)

    assert move(d, {"before": b}) == [a, d, b, c]
    assert move(a, {"after": c}) == [d, b, c, a]
    assert move(c, {"position": "first"}) == [c, d, b, a]
    assert move(c, {"position": "last"}) == [d, b, a, c]
    assert move(b, {"after": d}) == [d, b, a, c]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"before": "self"}, "before"),
        ({"after": "self"}, "after"),
        ({"before": "other list"}, "before"),
        ({"after": "abc"}, "after"),
        ({"position": "middle"}, "position"),
        ({"before": "peer", "after": "peer"}, "non_field_errors"),
    ],
)
def test_bad_moves_are_400_and_change_nothing(
    alice: User, alice_client: APIClient, library: Library, body: dict[str, Any], field: str
) -> None:
    reading_list = filled_list(alice, library, 3)
    other_list = filled_list(alice, library, 1, name="Other")
    order = order_of(reading_list)
    replacements = {"self": order[1], "peer": order[0], "other list": order_of(other_list)[0]}
    body = {key: replacements.get(value, value) for key, value in body.items()}
    before = current_version(library)

    response = alice_client.post(items_url(reading_list, f"{order[1]}/move/"), body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()
    assert order_of(reading_list) == order
    assert current_version(library) == before


@pytest.mark.django_db
def test_moving_an_item_of_another_list_through_this_list_is_404(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 1)
    other_item = filled_list(alice, library, 1, name="Other").items.get()

    response = alice_client.post(
        items_url(reading_list, f"{other_item.pk}/move/"), {"position": "first"}
    )

    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_remove_tombstones_the_item(alice: User, alice_client: APIClient, library: Library) -> None:
    reading_list = filled_list(alice, library, 2)
    item = reading_list.items.order_by("position").first()
    assert item is not None

    response = alice_client.delete(items_url(reading_list, f"{item.pk}/"))

    assert response.status_code == HTTPStatus.NO_CONTENT
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version)
    assert reading_list.items.count() == 1
    assert Entry.objects.filter(pk=item.entry_id).exists()
    tombstone = Tombstone.objects.get()
    assert (tombstone.object_type, tombstone.key, tombstone.version) == (
        "list_item",
        item.key,
        version,
    )


@pytest.mark.django_db
def test_inserting_between_adjacent_positions_renumbers_and_stamps_every_moved_item(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 4)
    ids = order_of(reading_list)
    for position, item_id in enumerate(ids, start=1):
        ReadingListItem.objects.filter(pk=item_id).update(position=position)
    entry = make_entry(alice, library)

    response = alice_client.post(items_url(reading_list), {"entry": entry.pk, "after": ids[1]})

    assert response.status_code == HTTPStatus.CREATED
    version = current_version(library)
    new = response.json()["id"]
    assert order_of(reading_list) == [ids[0], ids[1], new, ids[2], ids[3]]
    items = reading_list.items.order_by("position", "id")
    assert [i.position for i in items] == [1024, 2048, 3072, 4096, 5120]
    assert {i.version for i in items} == {version}
    assert response.json()["position"] == 3072


@pytest.mark.django_db
def test_many_random_moves_through_the_api_keep_the_order_a_python_list_would(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    reading_list = filled_list(alice, library, 6)
    model = order_of(reading_list)
    rng = random.Random(20240601)

    for _ in range(60):
        item = rng.choice(model)
        others = [other for other in model if other != item]
        how = rng.choice(["before", "after", "first", "last"])
        model.remove(item)
        if how in ("first", "last"):
            body: dict[str, Any] = {"position": how}
            model.insert(0 if how == "first" else len(model), item)
        else:
            anchor = rng.choice(others)
            body = {how: anchor}
            model.insert(model.index(anchor) + (how == "after"), item)
        response = alice_client.post(items_url(reading_list, f"{item}/move/"), body)
        assert response.status_code == HTTPStatus.OK

    listed = alice_client.get(items_url(reading_list)).json()["results"]
    assert [r["id"] for r in listed] == model


# A property test on the service: any sequence of adds, moves and removes orders the items
# exactly as the same operations on a Python list would. A gap of 1 makes every insert between
# two items renumber the list.

# sampled_from spreads choices evenly (integers() would favour 0, the front of the list), and
# removes are rarer than adds and moves so that lists grow long enough to insert between items.
INDICES = st.sampled_from(range(20))
PLACEMENTS = st.tuples(st.sampled_from(["before", "after", "first", "end"]), INDICES)
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "add", "move", "move", "move", "remove"]), INDICES, PLACEMENTS
    ),
    min_size=5,
    max_size=40,
)


@pytest.mark.django_db
@pytest.mark.parametrize("gap", [1, list_service.POSITION_GAP])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_any_sequence_of_operations_orders_like_a_python_list(
    alice: User,
    library: Library,
    gap: int,
    operations: list[tuple[str, int, tuple[str, int]]],
) -> None:
    entries = list(Entry.objects.filter(library=library).order_by("id")[:12])
    entries += [make_entry(alice, library) for _ in range(12 - len(entries))]
    reading_list = create_list(user=alice, library=library, name="Property")

    with mock.patch.object(list_service, "POSITION_GAP", gap):
        # Start from six of twelve entries so that most operations land between two items.
        items = {
            entry.pk: add_to_list(user=alice, reading_list=reading_list, entry=entry)[0]
            for entry in entries[:6]
        }  # entry id -> its item
        model = [entry.pk for entry in entries[:6]]  # entry ids in list order
        for kind, index, (where, anchor_index) in operations:
            if kind != "add" and not model:
                continue
            entry = entries[index % len(entries)]
            entry_id = entry.pk if kind == "add" else model[index % len(model)]
            if kind == "remove":
                remove_from_list(user=alice, item=items.pop(entry_id))
                model.remove(entry_id)
                continue
            if kind == "add" and entry_id in model:
                item, created = add_to_list(user=alice, reading_list=reading_list, entry=entry)
                assert (item.pk, created) == (items[entry_id].pk, False)
                continue
            if kind == "move":
                model.remove(entry_id)
            placement: dict[str, Any] = {}
            if where == "first":
                placement, slot = {"to": "first"}, 0
            elif where in ("before", "after") and model:
                anchor = model[anchor_index % len(model)]
                placement = {where: items[anchor]}
                slot = model.index(anchor) + (where == "after")
            else:
                placement, slot = {"to": "last"}, len(model)
            model.insert(slot, entry_id)
            positions_before = dict(reading_list.items.values_list("pk", "position"))
            if kind == "add":
                items[entry_id], _ = add_to_list(
                    user=alice, reading_list=reading_list, entry=entry, **placement
                )
            else:
                items[entry_id] = move_item(user=alice, item=items[entry_id], **placement)

            ordered = list(reading_list.items.order_by("position", "id"))
            assert [item.entry_id for item in ordered] == model
            assert len({item.position for item in ordered}) == len(ordered)
            # Whatever changed place in this write (renumbering included) carries its version.
            version = current_version(library)
            moved = [i for i in ordered if positions_before.get(i.pk) != i.position]
            assert all(item.version == version for item in moved)
            assert reading_list.items.get(entry_id=entry_id).version == version
