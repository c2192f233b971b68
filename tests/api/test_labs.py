"""/api/v1/labs/: lab CRUD, roles, transfer, leaving, invitations, activity, who-read-what."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from readinglist.models import (
    Activity,
    Invitation,
    Lab,
    Library,
    Membership,
    ReadingList,
    ReadingListItem,
    User,
)
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper, set_reading_status
from readinglist.services.labs import add_member, create_invitation, hash_token
from readinglist.services.lists import add_to_list, create_list
from tests.conftest import client_for
from tests.factories import EntryFactory, UserFactory

NumQueries = Callable[[int], AbstractContextManager[object]]


@pytest.fixture
def lab_library(lab: Lab) -> Library:
    return Library.objects.get(lab=lab)


def role_of(lab: Lab, user: User) -> str | None:
    return Membership.objects.filter(lab=lab, user=user).values_list("role", flat=True).first()


# Labs


@pytest.mark.django_db
def test_create_lab_makes_the_creator_owner_with_a_lab_library(
    charlie: User, charlie_client: APIClient
) -> None:
    response = charlie_client.post("/api/v1/labs/", {"name": "  Vision   Group "}, format="json")

    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert body["name"] == "Vision Group"
    assert body["role"] == "owner"
    assert body["member_count"] == 1
    library = Library.objects.get(pk=body["library"])
    assert library.kind == "lab"
    libraries = charlie_client.get("/api/v1/libraries/").json()
    listed = libraries["results"] if isinstance(libraries, dict) else libraries
    assert body["library"] in [lib["id"] for lib in listed]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}, {"name": 5}]
)
def test_create_lab_rejects_bad_names_with_field_messages(
    alice_client: APIClient, body: dict[str, object]
) -> None:
    response = alice_client.post("/api/v1/labs/", body, format="json")
    if body == {"name": 5}:  # DRF coerces numbers to strings: a lab called "5" is fine
        assert response.status_code == HTTPStatus.CREATED
        return
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "name" in response.json()


@pytest.mark.django_db
def test_list_labs_shows_only_mine_with_role_in_three_queries(
    alice: User, bob_client: APIClient, lab: Lab, django_assert_num_queries: NumQueries
) -> None:
    other = Lab.objects.create(name="Not bob's")
    # 1: count, 2: labs with role, member count and library.
    with django_assert_num_queries(2):
        response = bob_client.get("/api/v1/labs/")
    body = response.json()
    assert [(lab_["id"], lab_["role"], lab_["member_count"]) for lab_ in body["results"]] == [
        (lab.pk, "member", 2)
    ]
    assert other.pk not in [lab_["id"] for lab_ in body["results"]]


@pytest.mark.django_db
def test_rename_renames_the_lab_library_and_bumps_its_version(
    alice_client: APIClient, lab: Lab, lab_library: Library
) -> None:
    before = lab_library.version
    response = alice_client.patch(f"/api/v1/labs/{lab.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == HTTPStatus.OK
    lab_library.refresh_from_db()
    assert (lab_library.name, lab_library.version) == ("Renamed", before + 1)


@pytest.mark.django_db
def test_delete_lab_removes_its_library(alice_client: APIClient, lab: Lab) -> None:
    library_id = Library.objects.get(lab=lab).pk
    assert alice_client.delete(f"/api/v1/labs/{lab.pk}/").status_code == HTTPStatus.NO_CONTENT
    assert not Lab.objects.filter(pk=lab.pk).exists()
    assert not Library.objects.filter(pk=library_id).exists()


# Roles, transfer, leaving


@pytest.mark.django_db
def test_role_changes_take_effect_at_once(
    alice_client: APIClient, bob: User, bob_client: APIClient, lab: Lab, lab_library: Library
) -> None:
    entry = EntryFactory(library=lab_library, added_by=bob)
    comment = {"entry": entry.pk, "body": "hello"}
    assert bob_client.post("/api/v1/comments/", comment).status_code == HTTPStatus.CREATED

    response = alice_client.patch(f"/api/v1/labs/{lab.pk}/members/{bob.pk}/", {"role": "viewer"})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["role"] == "viewer"
    assert bob_client.post("/api/v1/comments/", comment).status_code == HTTPStatus.FORBIDDEN
    assert bob_client.get(f"/api/v1/comments/?entry={entry.pk}").status_code == HTTPStatus.OK

    alice_client.delete(f"/api/v1/labs/{lab.pk}/members/{bob.pk}/")
    assert bob_client.get(f"/api/v1/labs/{lab.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert bob_client.get(f"/api/v1/comments/?entry={entry.pk}").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_admins_cannot_touch_owners_or_appoint_them(alice: User, bob: User, lab: Lab) -> None:
    add_member(lab=lab, user=bob, role=Membership.Role.ADMIN)
    bob_client = client_for(bob)
    target = UserFactory()
    add_member(lab=lab, user=target)
    base = f"/api/v1/labs/{lab.pk}/members"
    assert bob_client.patch(f"{base}/{alice.pk}/", {"role": "member"}).status_code == 403
    assert bob_client.delete(f"{base}/{alice.pk}/").status_code == 403
    assert bob_client.patch(f"{base}/{target.pk}/", {"role": "owner"}).status_code == 403
    assert bob_client.patch(f"{base}/{target.pk}/", {"role": "admin"}).status_code == 200
    assert role_of(lab, alice) == "owner"


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"role": "boss"}, {"role": None}])
def test_role_change_rejects_bad_roles(
    alice_client: APIClient, bob: User, lab: Lab, body: dict[str, object]
) -> None:
    response = alice_client.patch(f"/api/v1/labs/{lab.pk}/members/{bob.pk}/", body, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "role" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("member_id", ["abc", "0", str(10**30), "99999"])
def test_unknown_members_are_404(alice_client: APIClient, lab: Lab, member_id: str) -> None:
    url = f"/api/v1/labs/{lab.pk}/members/{member_id}/"
    assert alice_client.patch(url, {"role": "viewer"}).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_last_owner_cannot_leave_or_be_demoted_but_can_after_transfer(
    alice: User, alice_client: APIClient, bob: User, bob_client: APIClient, lab: Lab
) -> None:
    leave = f"/api/v1/labs/{lab.pk}/leave/"
    assert alice_client.post(leave).status_code == HTTPStatus.CONFLICT
    demote = alice_client.patch(f"/api/v1/labs/{lab.pk}/members/{alice.pk}/", {"role": "admin"})
    assert demote.status_code == HTTPStatus.CONFLICT

    transfer = alice_client.post(f"/api/v1/labs/{lab.pk}/transfer/", {"user": bob.pk})
    assert transfer.status_code == HTTPStatus.OK
    assert (role_of(lab, alice), role_of(lab, bob)) == ("admin", "owner")
    assert alice_client.post(leave).status_code == HTTPStatus.NO_CONTENT
    assert role_of(lab, alice) is None
    assert bob_client.post(leave).status_code == HTTPStatus.CONFLICT


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["charlie", "alice", "nobody", "garbage"])
def test_transfer_only_to_another_member(
    alice: User, alice_client: APIClient, charlie: User, lab: Lab, target: str
) -> None:
    user_id = {"charlie": charlie.pk, "alice": alice.pk, "nobody": 10**9, "garbage": "x"}[target]
    response = alice_client.post(f"/api/v1/labs/{lab.pk}/transfer/", {"user": user_id})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "user" in response.json()
    assert role_of(lab, alice) == "owner"


# Invitations


def invite(client: APIClient, lab: Lab, **body: object) -> dict[str, object]:
    response = client.post(f"/api/v1/labs/{lab.pk}/invitations/", body, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.content
    result: dict[str, object] = response.json()
    return result


@pytest.mark.django_db(transaction=False)
def test_email_invitation_is_mailed_and_accepted_by_its_addressee(
    alice_client: APIClient,
    lab: Lab,
    charlie: User,
    charlie_client: APIClient,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[object]],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        body = invite(alice_client, lab, email="Charlie@Example.org", role="viewer")
    assert body["kind"] == "email"
    token = str(body["token"])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Charlie@Example.org"]
    assert token in mail.outbox[0].body
    assert "> Lab: Alice Lab" in mail.outbox[0].body
    # Only the hash is stored.
    assert not Invitation.objects.filter(token=token).exists()
    assert Invitation.objects.filter(token=hash_token(token)).exists()

    response = charlie_client.post("/api/v1/invitations/accept/", {"token": token})
    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["role"] == "viewer"
    assert role_of(lab, charlie) == "viewer"
    assert Activity.objects.filter(lab=lab, actor=charlie, verb="joined").exists()


@pytest.mark.django_db
def test_email_invitation_refuses_the_wrong_user(
    alice_client: APIClient, lab: Lab, charlie: User
) -> None:
    token = invite(alice_client, lab, email="someone.else@example.org")["token"]
    response = client_for(charlie).post("/api/v1/invitations/accept/", {"token": token})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert role_of(lab, charlie) is None


@pytest.mark.django_db
def test_expired_invitation_is_gone(alice: User, lab: Lab, charlie_client: APIClient) -> None:
    issued = create_invitation(user=alice, lab=lab, max_uses=3)
    Invitation.objects.filter(pk=issued.invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = charlie_client.post("/api/v1/invitations/accept/", {"token": issued.token})
    assert response.status_code == HTTPStatus.GONE
    assert "expired" in response.json()["detail"]


@pytest.mark.django_db
def test_single_use_link_cannot_be_reused(alice_client: APIClient, lab: Lab) -> None:
    token = invite(alice_client, lab)["token"]
    first, second = UserFactory(), UserFactory()
    assert (
        client_for(first).post("/api/v1/invitations/accept/", {"token": token}).status_code == 201
    )
    # The same person again: already in, nothing used up, role kept.
    again = client_for(first).post("/api/v1/invitations/accept/", {"token": token})
    assert again.status_code == HTTPStatus.OK
    response = client_for(second).post("/api/v1/invitations/accept/", {"token": token})
    assert response.status_code == HTTPStatus.GONE
    assert "used up" in response.json()["detail"]
    assert role_of(lab, second) is None


@pytest.mark.django_db
def test_limited_link_admits_up_to_max_uses(alice_client: APIClient, lab: Lab) -> None:
    token = invite(alice_client, lab, max_uses=2, role="member")["token"]
    codes = [
        client_for(UserFactory()).post("/api/v1/invitations/accept/", {"token": token}).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 410]


@pytest.mark.django_db
def test_revoked_invitation_is_gone(
    alice_client: APIClient, lab: Lab, charlie_client: APIClient
) -> None:
    body = invite(alice_client, lab, max_uses=10)
    revoke = alice_client.delete(f"/api/v1/labs/{lab.pk}/invitations/{body['id']}/")
    assert revoke.status_code == HTTPStatus.NO_CONTENT
    response = charlie_client.post("/api/v1/invitations/accept/", {"token": body["token"]})
    assert response.status_code == HTTPStatus.GONE
    assert "revoked" in response.json()["detail"]
    listed = alice_client.get(f"/api/v1/labs/{lab.pk}/invitations/").json()["results"]
    assert [(i["id"], i["state"]) for i in listed] == [(body["id"], "revoked")]


@pytest.mark.django_db
def test_declined_email_invitation_cannot_be_accepted(
    alice_client: APIClient, lab: Lab, charlie: User, charlie_client: APIClient
) -> None:
    token = invite(alice_client, lab, email=charlie.email)["token"]
    declined = charlie_client.post("/api/v1/invitations/decline/", {"token": token})
    assert declined.status_code == HTTPStatus.NO_CONTENT
    accepted = charlie_client.post("/api/v1/invitations/accept/", {"token": token})
    assert accepted.status_code == HTTPStatus.GONE


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nope", "x" * 101, ""])
def test_unknown_tokens(charlie_client: APIClient, token: str) -> None:
    response = charlie_client.post("/api/v1/invitations/accept/", {"token": token})
    assert response.status_code in {HTTPStatus.NOT_FOUND, HTTPStatus.BAD_REQUEST}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": 5, "email": "a@example.org"}, "max_uses"),
        ({"expires_in_days": 365}, "expires_in_days"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_bad_invitations_are_400(
    alice_client: APIClient, lab: Lab, body: dict[str, object], field: str
) -> None:
    response = alice_client.post(f"/api/v1/labs/{lab.pk}/invitations/", body, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()


# Activity


@pytest.mark.django_db
def test_activity_feed_records_saved_read_commented_joined_newest_first(
    alice: User,
    bob: User,
    bob_client: APIClient,
    lab: Lab,
    lab_library: Library,
    django_assert_num_queries: NumQueries,
) -> None:
    saved = save_paper(user=bob, url="https://arxiv.org/abs/2106.09608", library=lab_library)
    set_reading_status(entry=saved.entry, user=alice, status="read")
    bob_client.post("/api/v1/comments/", {"entry": saved.entry.pk, "body": "Great"})
    # Reading in a personal library is nobody's business.
    mine = save_paper(user=bob, url="https://arxiv.org/abs/2301.00001", status="read")
    assert mine.entry.library.kind == "personal"

    # 1: the lab with bob's role, 2: the page of activity with actors and papers.
    with django_assert_num_queries(2):
        response = bob_client.get(f"/api/v1/labs/{lab.pk}/activity/")
    rows = response.json()["results"]
    assert [(r["verb"], r["actor"]["name"] if r["actor"] else None) for r in rows] == [
        ("commented", "Bob"),
        ("read", "Alice"),
        ("saved", "Bob"),
        ("joined", "Bob"),
        ("joined", "Alice"),
    ]
    assert rows[0]["entry"] == saved.entry.pk


@pytest.mark.django_db
def test_activity_pages_with_a_cursor(alice: User, alice_client: APIClient, lab: Lab) -> None:
    for _ in range(5):
        add_member(lab=lab, user=UserFactory())
    first = alice_client.get(f"/api/v1/labs/{lab.pk}/activity/", {"page_size": 4}).json()
    second = alice_client.get(first["next"]).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 7


# Sharing and public links


@pytest.mark.django_db
def test_share_a_personal_list_with_the_lab_copies_it(
    bob: User, bob_client: APIClient, lab: Lab, lab_library: Library
) -> None:
    library = personal_library(bob)
    source = create_list(user=bob, library=library, name="Diffusion")
    entries = [EntryFactory(library=library, added_by=bob) for _ in range(3)]
    for entry in entries:
        add_to_list(user=bob, reading_list=source, entry=entry)
    before = lab_library.version

    response = bob_client.post(f"/api/v1/labs/{lab.pk}/shared-lists/", {"list": source.pk})

    assert response.status_code == HTTPStatus.CREATED
    copy = ReadingList.objects.get(pk=response.json()["id"])
    assert copy.library_id == lab_library.pk
    items = ReadingListItem.objects.filter(reading_list=copy).order_by("position")
    assert [i.entry.paper_id for i in items] == [e.paper_id for e in entries]
    lab_library.refresh_from_db()
    assert lab_library.version == before + 1
    assert {i.version for i in items} == {copy.version} == {lab_library.version}


@pytest.mark.django_db
def test_share_someone_elses_list_is_400(alice: User, bob_client: APIClient, lab: Lab) -> None:
    theirs = create_list(user=alice, library=personal_library(alice), name="Alice's")
    response = bob_client.post(f"/api/v1/labs/{lab.pk}/shared-lists/", {"list": theirs.pk})
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_public_link_can_be_revoked(
    alice: User, alice_client: APIClient, anon_client: APIClient
) -> None:
    reading_list = create_list(user=alice, library=personal_library(alice), name="Read me")
    created = alice_client.post("/api/v1/public-links/", {"list": reading_list.pk})
    assert created.status_code == HTTPStatus.CREATED
    url = created.json()["url"]
    assert anon_client.get(url).status_code == HTTPStatus.OK
    assert anon_client.get(created.json()["atom"]).status_code == HTTPStatus.OK
    assert alice_client.delete(f"/api/v1/public-links/{reading_list.pk}/").status_code == 204
    assert anon_client.get(url).status_code == HTTPStatus.NOT_FOUND
    again = alice_client.post("/api/v1/public-links/", {"list": reading_list.pk}).json()
    assert again["url"] != url


@pytest.mark.django_db
def test_someone_elses_personal_list_cannot_be_published(
    alice: User, bob_client: APIClient
) -> None:
    reading_list = create_list(user=alice, library=personal_library(alice), name="Private")
    response = bob_client.post("/api/v1/public-links/", {"list": reading_list.pk})
    assert response.status_code == HTTPStatus.NOT_FOUND


# Who read what


@pytest.mark.django_db
def test_who_read_what_shows_status_and_rating_but_not_private_fields(
    alice: User,
    bob: User,
    bob_client: APIClient,
    lab: Lab,
    lab_library: Library,
    django_assert_num_queries: NumQueries,
) -> None:
    read = save_paper(user=alice, url="https://arxiv.org/abs/2106.09608", library=lab_library)
    unread = save_paper(user=alice, url="https://arxiv.org/abs/2301.00001", library=lab_library)
    reading_list = create_list(user=alice, library=lab_library, name="This week")
    add_to_list(user=alice, reading_list=reading_list, entry=read.entry)
    add_to_list(user=alice, reading_list=reading_list, entry=unread.entry)
    state = set_reading_status(entry=read.entry, user=bob, status="read")
    state.rating, state.private_note, state.priority = 5, "SECRET NOTE", 3
    state.save()

    # lab+role, list, items with papers, members, states.
    with django_assert_num_queries(5):
        response = bob_client.get(f"/api/v1/labs/{lab.pk}/who-read/", {"list": reading_list.pk})
    body = response.json()
    assert [m["id"] for m in body["members"]] == [alice.pk, bob.pk]
    first, second = body["entries"]
    assert first["states"] == {str(bob.pk): {"status": "read", "rating": 5}}
    assert (first["read_count"], first["nobody_read"], first["top_rated_by"]) == (1, False, bob.pk)
    assert (second["read_count"], second["nobody_read"]) == (0, True)
    assert "SECRET NOTE" not in response.content.decode()


@pytest.mark.django_db
def test_who_read_a_list_of_another_library_is_404(
    alice: User, alice_client: APIClient, lab: Lab
) -> None:
    personal = create_list(user=alice, library=personal_library(alice), name="Mine")
    response = alice_client.get(f"/api/v1/labs/{lab.pk}/who-read/", {"list": personal.pk})
    assert response.status_code == HTTPStatus.NOT_FOUND
