"""/api/v1/tags/: list with counts, create, rename/recolor, merge, delete, tag/untag entries."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.models import Entry, EntryTag, Lab, Library, Membership, Tag, Tombstone, User
from readinglist.services.accounts import personal_library
from readinglist.services.labs import add_member
from readinglist.services.tags import create_tag, tag_entry
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


def tagged(user: User, library: Library, name: str, entries: int = 0) -> Tag:
    tag = create_tag(user=user, library=library, name=name)
    for _ in range(entries):
        tag_entry(user=user, tag=tag, entry=make_entry(user, library))
    return tag


def current_version(library: Library) -> int:
    library.refresh_from_db()
    return library.version


def make_viewer(lab: Lab, user: User) -> None:
    add_member(lab=lab, user=user, role=Membership.Role.VIEWER)


# Listing


@pytest.mark.django_db
def test_list_gives_each_tag_its_entry_count_in_three_queries(
    alice: User, alice_client: APIClient, library: Library, django_assert_num_queries: NumQueries
) -> None:
    tagged(alice, library, "transformers", entries=3)
    tagged(alice, library, "Attention", entries=1)
    tagged(alice, library, "unused")

    # 1: the library, among those alice can see; 2: the page count; 3: the tags with counts.
    with django_assert_num_queries(3):
        response = alice_client.get("/api/v1/tags/", {"library": library.pk})

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 3
    assert [(t["name"], t["entry_count"]) for t in body["results"]] == [
        ("Attention", 1),
        ("transformers", 3),
        ("unused", 0),
    ]
    first = body["results"][0]
    assert set(first) >= {"id", "key", "library", "version", "name", "color"}
    assert first["library"] == library.pk


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{}, {"library": "abc"}, {"library": HUGE_ID}, {"library": 0}])
def test_list_needs_a_library_id(alice_client: APIClient, query: dict[str, object]) -> None:
    response = alice_client.get("/api/v1/tags/", query)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "library" in response.json()


@pytest.mark.django_db
def test_outsider_listing_alice_tags_gets_404(
    alice: User, charlie_client: APIClient, library: Library
) -> None:
    tagged(alice, library, "secret")

    assert charlie_client.get("/api/v1/tags/", {"library": library.pk}).status_code == 404


@pytest.mark.django_db
def test_lab_viewer_can_read_tags(
    alice: User, bob: User, bob_client: APIClient, lab: Lab, lab_library: Library
) -> None:
    make_viewer(lab, bob)
    tag = tagged(alice, lab_library, "shared")

    assert bob_client.get("/api/v1/tags/", {"library": lab_library.pk}).status_code == 200
    assert bob_client.get(f"/api/v1/tags/{tag.pk}/").json()["name"] == "shared"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tags/?library=1"),
        ("post", "/api/v1/tags/"),
        ("get", "/api/v1/tags/1/"),
        ("patch", "/api/v1/tags/1/"),
        ("delete", "/api/v1/tags/1/"),
        ("post", "/api/v1/tags/1/merge/"),
        ("post", "/api/v1/tags/1/entries/"),
        ("delete", "/api/v1/tags/1/entries/1/"),
    ],
)
def test_anonymous_requests_get_401(anon_client: APIClient, method: str, path: str) -> None:
    assert getattr(anon_client, method)(path, {}).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
@pytest.mark.parametrize("tag_id", ["abc", str(HUGE_ID), "0", "-1"])
def test_garbage_tag_ids_are_404(alice_client: APIClient, tag_id: str) -> None:
    assert alice_client.get(f"/api/v1/tags/{tag_id}/").status_code == HTTPStatus.NOT_FOUND
    assert alice_client.delete(f"/api/v1/tags/{tag_id}/").status_code == HTTPStatus.NOT_FOUND


# Creating


@pytest.mark.django_db
def test_create_bumps_the_library_version_and_stamps_the_tag(
    alice_client: APIClient, library: Library
) -> None:
    before = current_version(library)

    response = alice_client.post(
        "/api/v1/tags/", {"library": library.pk, "name": " deep  learning ", "color": "#AABBCC"}
    )

    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    version = current_version(library)
    assert version == before + 1
    assert response["Last-Modified-Version"] == str(version)
    assert body["version"] == version
    assert (body["name"], body["color"], body["entry_count"]) == ("deep learning", "#aabbcc", 0)
    assert Tag.objects.get(pk=body["id"]).version == version


@pytest.mark.django_db
def test_creating_a_name_that_exists_in_another_case_is_400_on_name(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    tagged(alice, library, "NLP")
    before = current_version(library)

    response = alice_client.post("/api/v1/tags/", {"library": library.pk, "name": "nlp"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "NLP" in response.json()["name"][0]
    assert Tag.objects.count() == 1
    assert current_version(library) == before


@pytest.mark.django_db
def test_the_same_name_in_two_libraries_is_fine(
    alice: User, alice_client: APIClient, library: Library, lab_library: Library
) -> None:
    tagged(alice, library, "nlp")

    response = alice_client.post("/api/v1/tags/", {"library": lab_library.pk, "name": "nlp"})

    assert response.status_code == HTTPStatus.CREATED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 101}, "name"),
        ({"name": "x" * 1_000_000}, "name"),
        ({"name": ""}, "name"),
        ({"name": "\u200b\x07"}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": {"a": 1}}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "ok", "color": "red"}, "color"),
        ({"name": "ok", "color": "#12345g"}, "color"),
        ({"name": "ok", "color": 123}, "color"),
        ({"name": "ok", "library": "abc"}, "library"),
        ({"name": "ok", "library": HUGE_ID}, "library"),
        ({"name": "ok", "library": True}, "library"),
        ({"name": "ok", "library": 1.5}, "library"),
        ({"name": "ok", "library": None}, "library"),
        ({"name": "ok", "library": [1]}, "library"),
    ],
)
def test_bad_create_input_is_400_with_a_field_message(
    alice_client: APIClient, library: Library, body: dict[str, object], field: str
) -> None:
    response = alice_client.post("/api/v1/tags/", {"library": library.pk, **body})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()
    assert not Tag.objects.exists()


@pytest.mark.django_db
def test_creating_in_someone_elses_library_is_an_unknown_library(
    alice_client: APIClient, charlie: User
) -> None:
    response = alice_client.post(
        "/api/v1/tags/", {"library": personal_library(charlie).pk, "name": "mine now"}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["library"] == ["No such library."]


@pytest.mark.django_db
def test_lab_member_creates_tags_in_the_lab_and_a_viewer_cannot(
    bob: User, bob_client: APIClient, lab: Lab, lab_library: Library
) -> None:
    created = bob_client.post("/api/v1/tags/", {"library": lab_library.pk, "name": "by bob"})
    assert created.status_code == HTTPStatus.CREATED

    make_viewer(lab, bob)
    refused = bob_client.post("/api/v1/tags/", {"library": lab_library.pk, "name": "again"})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert Tag.objects.filter(library=lab_library).count() == 1


# Renaming and recoloring


@pytest.mark.django_db
def test_rename_stamps_the_tag_and_every_entry_carrying_it(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    tag = tagged(alice, library, "ml", entries=2)
    bystander = make_entry(alice, library)
    bystander_version = Entry.objects.get(pk=bystander.pk).version

    response = alice_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "Machine learning"})

    assert response.status_code == HTTPStatus.OK
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version)
    assert response.json()["name"] == "Machine learning"
    assert response.json()["entry_count"] == 2
    assert Tag.objects.get(pk=tag.pk).version == version
    stamped = Entry.objects.filter(tags=tag).values_list("version", flat=True)
    assert list(stamped) == [version, version]
    assert Entry.objects.get(pk=bystander.pk).version == bystander_version


@pytest.mark.django_db
def test_recolor_leaves_the_entries_alone(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    tag = tagged(alice, library, "ml", entries=1)
    entry_version = Entry.objects.get(tags=tag).version

    response = alice_client.patch(f"/api/v1/tags/{tag.pk}/", {"color": "#00ff00"})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["color"] == "#00ff00"
    assert Entry.objects.get(tags=tag).version == entry_version


@pytest.mark.django_db
def test_renaming_onto_another_tag_is_409_pointing_at_merge(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    existing = tagged(alice, library, "Vision")
    tag = tagged(alice, library, "cv")
    before = current_version(library)

    response = alice_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "VISION"})

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["existing"] == existing.pk
    assert "merge" in response.json()["detail"]
    assert Tag.objects.get(pk=tag.pk).name == "cv"
    assert current_version(library) == before


@pytest.mark.django_db
def test_renaming_to_another_case_of_its_own_name_is_fine(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    tag = tagged(alice, library, "nlp")

    response = alice_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "NLP"})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["name"] == "NLP"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "x" * 101}, {"color": "blue"}, {"name": None}]
)
def test_bad_patch_is_400(
    alice: User, alice_client: APIClient, library: Library, body: dict[str, object]
) -> None:
    tag = tagged(alice, library, "nlp")

    assert alice_client.patch(f"/api/v1/tags/{tag.pk}/", body).status_code == 400
    assert Tag.objects.get(pk=tag.pk).name == "nlp"


@pytest.mark.django_db
def test_outsider_cannot_see_or_change_alices_tag(
    alice: User, charlie_client: APIClient, library: Library
) -> None:
    tag = tagged(alice, library, "nlp")

    assert charlie_client.get(f"/api/v1/tags/{tag.pk}/").status_code == 404
    assert charlie_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "x"}).status_code == 404
    assert charlie_client.delete(f"/api/v1/tags/{tag.pk}/").status_code == 404
    assert charlie_client.post(f"/api/v1/tags/{tag.pk}/merge/", {"into": 1}).status_code == 404
    assert Tag.objects.get(pk=tag.pk).name == "nlp"


@pytest.mark.django_db
def test_lab_viewer_cannot_rename_merge_or_delete(
    alice: User, bob: User, bob_client: APIClient, lab: Lab, lab_library: Library
) -> None:
    tag = tagged(alice, lab_library, "a", entries=1)
    other = tagged(alice, lab_library, "b")
    make_viewer(lab, bob)

    assert bob_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "x"}).status_code == 403
    assert bob_client.post(f"/api/v1/tags/{tag.pk}/merge/", {"into": other.pk}).status_code == 403
    assert bob_client.delete(f"/api/v1/tags/{tag.pk}/").status_code == 403
    assert Tag.objects.filter(library=lab_library).count() == 2


@pytest.mark.django_db
def test_lab_member_renames_a_lab_tag(
    alice: User, bob_client: APIClient, lab_library: Library
) -> None:
    tag = tagged(alice, lab_library, "a")

    response = bob_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "b"})

    assert response.status_code == HTTPStatus.OK
    assert response["Last-Modified-Version"] == str(current_version(lab_library))


# Merging


@pytest.mark.django_db
def test_merge_moves_entries_without_duplicates_and_tombstones_the_source(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    source = tagged(alice, library, "dl", entries=2)
    target = tagged(alice, library, "deep learning", entries=1)
    both = make_entry(alice, library)
    tag_entry(user=alice, tag=source, entry=both)
    tag_entry(user=alice, tag=target, entry=both)
    source_entries = set(Entry.objects.filter(tags=source).values_list("pk", flat=True))

    response = alice_client.post(f"/api/v1/tags/{source.pk}/merge/", {"into": target.pk})

    assert response.status_code == HTTPStatus.OK
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version)
    assert response.json()["id"] == target.pk
    assert response.json()["entry_count"] == 4
    assert not Tag.objects.filter(pk=source.pk).exists()
    assert EntryTag.objects.filter(tag=target).count() == 4
    assert EntryTag.objects.filter(entry=both).count() == 1
    tombstone = Tombstone.objects.get(object_type=Tombstone.ObjectType.TAG)
    assert (tombstone.key, tombstone.version, tombstone.deleted_by) == (source.key, version, alice)
    stamped = Entry.objects.filter(pk__in=source_entries).values_list("version", flat=True)
    assert set(stamped) == {version}


@pytest.mark.django_db
@pytest.mark.parametrize("into", ["self", "other library", "abc", HUGE_ID, None, True])
def test_merge_into_a_bad_tag_is_400_and_changes_nothing(
    alice: User, alice_client: APIClient, library: Library, lab_library: Library, into: object
) -> None:
    source = tagged(alice, library, "dl", entries=1)
    elsewhere = tagged(alice, lab_library, "deep learning")
    into = {"self": source.pk, "other library": elsewhere.pk}.get(str(into), into)
    before = current_version(library)

    response = alice_client.post(f"/api/v1/tags/{source.pk}/merge/", {"into": into})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "into" in response.json()
    assert Tag.objects.filter(pk=source.pk).exists()
    assert current_version(library) == before


# Deleting


@pytest.mark.django_db
def test_delete_tombstones_the_tag_and_stamps_its_entries(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    tag = tagged(alice, library, "dl", entries=2)
    entries = list(Entry.objects.filter(tags=tag).values_list("pk", flat=True))

    response = alice_client.delete(f"/api/v1/tags/{tag.pk}/")

    assert response.status_code == HTTPStatus.NO_CONTENT
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version)
    assert not Tag.objects.exists()
    assert Entry.objects.filter(pk__in=entries).count() == 2
    assert set(Entry.objects.filter(pk__in=entries).values_list("version", flat=True)) == {version}
    tombstone = Tombstone.objects.get()
    assert (tombstone.object_type, tombstone.key, tombstone.version) == ("tag", tag.key, version)


@pytest.mark.django_db
def test_lab_member_deletes_a_lab_tag(
    alice: User, bob_client: APIClient, lab_library: Library
) -> None:
    tag = tagged(alice, lab_library, "a")

    assert bob_client.delete(f"/api/v1/tags/{tag.pk}/").status_code == HTTPStatus.NO_CONTENT
    assert Tombstone.objects.filter(library=lab_library, key=tag.key).exists()


# Tagging entries


@pytest.mark.django_db
def test_tagging_an_entry_is_idempotent_and_stamps_it_once(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    tag = tagged(alice, library, "dl")
    entry = make_entry(alice, library)

    first = alice_client.post(f"/api/v1/tags/{tag.pk}/entries/", {"entry": entry.pk})
    version = current_version(library)
    again = alice_client.post(f"/api/v1/tags/{tag.pk}/entries/", {"entry": entry.pk})

    assert first.status_code == HTTPStatus.CREATED
    assert first.json() == {"tag": tag.pk, "entry": entry.pk}
    assert first["Last-Modified-Version"] == str(version)
    assert Entry.objects.get(pk=entry.pk).version == version
    assert again.status_code == HTTPStatus.OK
    assert again["Last-Modified-Version"] == str(version)
    assert current_version(library) == version
    assert EntryTag.objects.filter(entry=entry, tag=tag).count() == 1


@pytest.mark.django_db
def test_untagging_is_idempotent_and_stamps_the_entry(
    alice: User, alice_client: APIClient, library: Library
) -> None:
    tag = tagged(alice, library, "dl")
    entry = make_entry(alice, library)
    tag_entry(user=alice, tag=tag, entry=entry)

    first = alice_client.delete(f"/api/v1/tags/{tag.pk}/entries/{entry.pk}/")
    version = current_version(library)
    again = alice_client.delete(f"/api/v1/tags/{tag.pk}/entries/{entry.pk}/")

    assert first.status_code == again.status_code == HTTPStatus.NO_CONTENT
    assert first["Last-Modified-Version"] == again["Last-Modified-Version"] == str(version)
    assert Entry.objects.get(pk=entry.pk).version == version
    assert current_version(library) == version
    assert not EntryTag.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["other library", "abc", HUGE_ID, None, 1.5, False])
def test_tagging_a_bad_entry_is_400(
    alice: User, alice_client: APIClient, library: Library, lab_library: Library, entry: object
) -> None:
    tag = tagged(alice, library, "dl")
    if entry == "other library":
        entry = make_entry(alice, lab_library).pk

    response = alice_client.post(f"/api/v1/tags/{tag.pk}/entries/", {"entry": entry})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "entry" in response.json()
    assert not EntryTag.objects.exists()


@pytest.mark.django_db
def test_untagging_an_entry_of_another_library_or_garbage_is_404(
    alice: User, alice_client: APIClient, library: Library, lab_library: Library
) -> None:
    tag = tagged(alice, library, "dl")
    elsewhere = make_entry(alice, lab_library)

    for entry_id in [elsewhere.pk, "abc", HUGE_ID]:
        response = alice_client.delete(f"/api/v1/tags/{tag.pk}/entries/{entry_id}/")
        assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_lab_member_tags_and_a_viewer_cannot(
    alice: User, bob: User, bob_client: APIClient, lab: Lab, lab_library: Library
) -> None:
    tag = tagged(alice, lab_library, "dl")
    entry = make_entry(alice, lab_library)

    assert (
        bob_client.post(f"/api/v1/tags/{tag.pk}/entries/", {"entry": entry.pk}).status_code == 201
    )
    make_viewer(lab, bob)
    assert bob_client.delete(f"/api/v1/tags/{tag.pk}/entries/{entry.pk}/").status_code == 403
    assert EntryTag.objects.filter(tag=tag, entry=entry).exists()


@pytest.mark.django_db
def test_outsider_cannot_tag_alices_entries(
    alice: User, charlie: User, charlie_client: APIClient, library: Library
) -> None:
    alice_tag = tagged(alice, library, "dl")
    alice_entry = make_entry(alice, library)
    charlie_tag = tagged(charlie, personal_library(charlie), "mine")

    on_alice_tag = charlie_client.post(
        f"/api/v1/tags/{alice_tag.pk}/entries/", {"entry": alice_entry.pk}
    )
    with_alice_entry = charlie_client.post(
        f"/api/v1/tags/{charlie_tag.pk}/entries/", {"entry": alice_entry.pk}
    )

    assert on_alice_tag.status_code == HTTPStatus.NOT_FOUND
    assert with_alice_entry.status_code == HTTPStatus.BAD_REQUEST
    assert not EntryTag.objects.exists()
