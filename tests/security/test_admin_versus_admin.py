"""An admin manages members and viewers; only an owner changes or removes an admin."""

from http import HTTPStatus

import pytest

from readinglist.models import Lab, Membership, User
from readinglist.roles import Role
from readinglist.services.labs import add_member
from tests.conftest import client_for
from tests.factories import UserFactory


@pytest.mark.django_db
def test_an_admin_cannot_demote_or_remove_another_admin_but_an_owner_can(
    alice: User, lab: Lab
) -> None:
    first, second = UserFactory(), UserFactory()
    add_member(lab=lab, user=first, role=Role.ADMIN)
    add_member(lab=lab, user=second, role=Role.ADMIN)
    as_first = client_for(first)
    members = f"/api/v1/labs/{lab.pk}/members"

    demoted = as_first.patch(f"{members}/{second.pk}/", {"role": "viewer"}, format="json")
    removed = as_first.delete(f"{members}/{second.pk}/")

    assert (demoted.status_code, removed.status_code) == (403, 403)
    assert Membership.objects.get(lab=lab, user=second).role == Role.ADMIN

    by_owner = client_for(alice).patch(f"{members}/{second.pk}/", {"role": "member"})
    assert by_owner.status_code == HTTPStatus.OK
    assert Membership.objects.get(lab=lab, user=second).role == Role.MEMBER


@pytest.mark.django_db
def test_an_admin_still_manages_members_and_may_make_one_an_admin(lab: Lab, bob: User) -> None:
    admin = UserFactory()
    add_member(lab=lab, user=admin, role=Role.ADMIN)
    promoted = client_for(admin).patch(
        f"/api/v1/labs/{lab.pk}/members/{bob.pk}/", {"role": "admin"}
    )
    assert promoted.status_code == HTTPStatus.OK
    assert Membership.objects.get(lab=lab, user=bob).role == Role.ADMIN
