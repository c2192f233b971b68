"""The lab permission matrix: every lab endpoint x every role, the outsider and anonymous.

An outsider never learns a lab (or anything in it) exists: 404, exactly like a lab id that
was never used. Members whose role is too weak get 403. Anonymous callers get 401/403 from
authentication before anything is looked up.
"""

from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from readinglist.models import Lab, Library, Membership, ReadingList, User
from readinglist.services import discussion, journal_club
from readinglist.services.labs import add_member, create_invitation, create_lab
from readinglist.services.lists import create_list
from tests.conftest import client_for
from tests.factories import EntryFactory, UserFactory

ROLES = ("owner", "admin", "member", "viewer", "outsider", "anonymous")


@dataclass
class World:
    lab: Lab
    library: Library
    people: dict[str, User]
    target: User  # a plain member the managers act on
    ids: dict[str, int]


@pytest.fixture
def world(db: None) -> World:
    owner = UserFactory(email="owner@example.org", name="Owner")
    admin = UserFactory(email="admin@example.org", name="Admin")
    member = UserFactory(email="member@example.org", name="Member")
    viewer = UserFactory(email="viewer@example.org", name="Viewer")
    outsider = UserFactory(email="outsider@example.org", name="Outsider")
    target = UserFactory(email="target@example.org", name="Target")
    lab = create_lab(owner=owner, name="Matrix Lab")
    add_member(lab=lab, user=admin, role=Membership.Role.ADMIN)
    add_member(lab=lab, user=member, role=Membership.Role.MEMBER)
    add_member(lab=lab, user=viewer, role=Membership.Role.VIEWER)
    add_member(lab=lab, user=target, role=Membership.Role.MEMBER)
    library = Library.objects.get(lab=lab)
    entry = EntryFactory(library=library, added_by=member)
    comment = discussion.create_comment(user=member, entry=entry, body="First!")
    session = journal_club.schedule_session(
        user=member, entry=entry, starts_at=timezone.now() + timedelta(days=3)
    )
    invitation = create_invitation(user=owner, lab=lab, email="new@example.org").invitation
    lab_list = create_list(user=owner, library=library, name="Lab list")
    return World(
        lab=lab,
        library=library,
        people={
            "owner": owner,
            "admin": admin,
            "member": member,
            "viewer": viewer,
            "outsider": outsider,
        },
        target=target,
        ids={
            "entry": entry.pk,
            "comment": comment.pk,
            "session": session.pk,
            "invitation": invitation.pk,
            "list": lab_list.pk,
        },
    )


def client_as(world: World, role: str) -> APIClient:
    return APIClient() if role == "anonymous" else client_for(world.people[role])


def personal_list_of(user: User) -> ReadingList:
    from readinglist.services.accounts import personal_library

    return create_list(user=user, library=personal_library(user), name="Mine")


OK, CREATED, GONE = HTTPStatus.OK, HTTPStatus.CREATED, HTTPStatus.NO_CONTENT
FORBIDDEN, NOT_FOUND, CONFLICT = HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT


def read_all() -> dict[str, int]:
    return {"owner": OK, "admin": OK, "member": OK, "viewer": OK, "outsider": NOT_FOUND}


def by_rank(allowed_from: str, success: int) -> dict[str, int]:
    order = ["viewer", "member", "admin", "owner"]
    cut = order.index(allowed_from)
    result = {role: (success if i >= cut else FORBIDDEN) for i, role in enumerate(order)}
    result["outsider"] = NOT_FOUND
    return result


# (name, method, path template, body builder, expected per role)
CASES: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("lab detail", "get", "/api/v1/labs/{lab}/", None, read_all()),
    ("rename", "patch", "/api/v1/labs/{lab}/", lambda w: {"name": "New"}, by_rank("owner", OK)),
    ("delete lab", "delete", "/api/v1/labs/{lab}/", None, by_rank("owner", GONE)),
    ("members", "get", "/api/v1/labs/{lab}/members/", None, read_all()),
    (
        "change role",
        "patch",
        "/api/v1/labs/{lab}/members/{target}/",
        lambda w: {"role": "viewer"},
        by_rank("admin", OK),
    ),
    (
        "remove member",
        "delete",
        "/api/v1/labs/{lab}/members/{target}/",
        None,
        by_rank("admin", GONE),
    ),
    (
        "leave",
        "post",
        "/api/v1/labs/{lab}/leave/",
        None,
        {"owner": CONFLICT, "admin": GONE, "member": GONE, "viewer": GONE, "outsider": NOT_FOUND},
    ),
    (
        "transfer",
        "post",
        "/api/v1/labs/{lab}/transfer/",
        lambda w: {"user": w.target.pk},
        by_rank("owner", OK),
    ),
    ("activity", "get", "/api/v1/labs/{lab}/activity/", None, read_all()),
    ("feeds", "get", "/api/v1/labs/{lab}/feeds/", None, read_all()),
    ("rotate feeds", "post", "/api/v1/labs/{lab}/feeds/", None, by_rank("admin", OK)),
    ("disable feeds", "delete", "/api/v1/labs/{lab}/feeds/", None, by_rank("admin", GONE)),
    ("who read", "get", "/api/v1/labs/{lab}/who-read/?list={list}", None, read_all()),
    ("invitations", "get", "/api/v1/labs/{lab}/invitations/", None, by_rank("admin", OK)),
    (
        "invite",
        "post",
        "/api/v1/labs/{lab}/invitations/",
        lambda w: {"max_uses": 5},
        by_rank("admin", CREATED),
    ),
    (
        "revoke invitation",
        "delete",
        "/api/v1/labs/{lab}/invitations/{invitation}/",
        None,
        by_rank("admin", GONE),
    ),
    ("comments", "get", "/api/v1/comments/?entry={entry}", None, read_all()),
    ("comment", "get", "/api/v1/comments/{comment}/", None, read_all()),
    (
        "add comment",
        "post",
        "/api/v1/comments/",
        lambda w: {"entry": w.ids["entry"], "body": "Nice"},
        by_rank("member", CREATED),
    ),
    (
        "edit comment (the member's)",
        "patch",
        "/api/v1/comments/{comment}/",
        lambda w: {"body": "Edited"},
        {"owner": FORBIDDEN, "admin": FORBIDDEN, "member": OK, "viewer": FORBIDDEN}
        | {"outsider": NOT_FOUND},
    ),
    (
        "delete comment (the member's)",
        "delete",
        "/api/v1/comments/{comment}/",
        None,
        {"owner": GONE, "admin": GONE, "member": GONE, "viewer": FORBIDDEN}
        | {"outsider": NOT_FOUND},
    ),
    ("sessions", "get", "/api/v1/labs/{lab}/sessions/", None, read_all()),
    ("session", "get", "/api/v1/labs/{lab}/sessions/{session}/", None, read_all()),
    (
        "schedule",
        "post",
        "/api/v1/labs/{lab}/sessions/",
        lambda w: {"entry": w.ids["entry"], "starts_at": "2031-01-01T15:00:00Z"},
        by_rank("member", CREATED),
    ),
    (
        "reschedule",
        "patch",
        "/api/v1/labs/{lab}/sessions/{session}/",
        lambda w: {"location": "Room 2"},
        by_rank("member", OK),
    ),
    (
        "cancel session",
        "delete",
        "/api/v1/labs/{lab}/sessions/{session}/",
        None,
        by_rank("member", GONE),
    ),
    (
        "mark discussed",
        "post",
        "/api/v1/labs/{lab}/sessions/{session}/discussed/",
        lambda w: {"notes": []},
        by_rank("member", OK),
    ),
    (
        "publish lab list",
        "post",
        "/api/v1/public-links/",
        lambda w: {"list": w.ids["list"]},
        by_rank("admin", CREATED),
    ),
    ("unpublish lab list", "delete", "/api/v1/public-links/{list}/", None, by_rank("admin", GONE)),
    (
        "share a personal list",
        "post",
        "/api/v1/labs/{lab}/shared-lists/",
        "personal-list",
        by_rank("member", CREATED),
    ),
]


def build_path(template: str, world: World) -> str:
    return template.format(lab=world.lab.pk, target=world.target.pk, **world.ids)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "template", "body", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_permission_matrix(
    world: World, role: str, method: str, template: str, body: Any, expected: dict[str, int]
) -> None:
    client = client_as(world, role)
    if body == "personal-list":
        user = world.people.get(role, world.people["outsider"])
        data: Any = {"list": personal_list_of(user).pk}
    else:
        data = body(world) if body else None
    response = getattr(client, method)(build_path(template, world), data, format="json")
    if role == "anonymous":
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        return
    assert response.status_code == expected[role], (role, response.content[:300])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "template", "body", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_an_outsider_cannot_tell_a_lab_from_no_lab(
    world: World, method: str, template: str, body: Any, expected: dict[str, int]
) -> None:
    """Same status and same body for a real lab the outsider is not in and a missing one."""
    outsider = client_as(world, "outsider")
    if body == "personal-list":
        data: Any = {"list": personal_list_of(world.people["outsider"]).pk}
    else:
        data = body(world) if body else None
    real = getattr(outsider, method)(build_path(template, world), data, format="json")
    missing_world = World(
        lab=Lab(pk=world.lab.pk + 1000),
        library=world.library,
        people=world.people,
        target=world.target,
        ids={name: value + 1000 for name, value in world.ids.items()},
    )
    if body and body != "personal-list":
        data = body(missing_world)
    fake = getattr(outsider, method)(build_path(template, missing_world), data, format="json")
    assert real.status_code == fake.status_code == HTTPStatus.NOT_FOUND
    assert real.json() == fake.json()
