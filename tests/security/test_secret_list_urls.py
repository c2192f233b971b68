"""A list's secret .bib URL follows the role that may publish the list, and lasts only as
long as its maker keeps that role in the lab."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from readinglist.models import Lab, ListFeedToken, ReadingList, User
from readinglist.roles import Role
from readinglist.services.labs import add_member, change_role, remove_member
from readinglist.services.lists import create_list
from tests.conftest import client_for


@pytest.fixture
def lab_list(alice: User, lab: Lab) -> ReadingList:
    return create_list(user=alice, library=lab.library, name="Reading group")


def link_url(reading_list: ReadingList) -> str:
    return f"/api/v1/lists/{reading_list.pk}/bib-link"


@pytest.mark.django_db
def test_a_plain_member_can_neither_make_nor_see_nor_revoke_a_lab_lists_secret_url(
    alice_client: APIClient, bob_client: APIClient, lab_list: ReadingList
) -> None:
    assert bob_client.post(link_url(lab_list)).status_code == HTTPStatus.FORBIDDEN
    assert not ListFeedToken.objects.exists()

    assert alice_client.post(link_url(lab_list)).status_code == HTTPStatus.CREATED
    assert bob_client.get(link_url(lab_list)).status_code == HTTPStatus.FORBIDDEN
    assert bob_client.delete(link_url(lab_list)).status_code == HTTPStatus.FORBIDDEN
    assert ListFeedToken.objects.filter(reading_list=lab_list).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("leaves_how", ["removed", "demoted", "left"])
def test_an_admins_secret_url_dies_when_they_lose_the_role(
    alice: User,
    charlie: User,
    anon_client: APIClient,
    lab: Lab,
    lab_list: ReadingList,
    leaves_how: str,
) -> None:
    add_member(lab=lab, user=charlie, role=Role.ADMIN)
    made = client_for(charlie).post(link_url(lab_list))
    assert made.status_code == HTTPStatus.CREATED
    feed = made.json()["url"].removeprefix("http://testserver")
    assert anon_client.get(feed).status_code == HTTPStatus.OK

    if leaves_how == "removed":
        remove_member(user=alice, lab=lab, member=charlie)
    elif leaves_how == "demoted":
        change_role(user=alice, lab=lab, member=charlie, role=Role.MEMBER)
    else:
        remove_member(user=charlie, lab=lab, member=charlie)

    assert anon_client.get(feed).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_an_owners_secret_url_outlives_another_members_departure(
    alice_client: APIClient,
    alice: User,
    bob: User,
    anon_client: APIClient,
    lab: Lab,
    lab_list: ReadingList,
) -> None:
    feed = alice_client.post(link_url(lab_list)).json()["url"].removeprefix("http://testserver")
    remove_member(user=alice, lab=lab, member=bob)
    assert anon_client.get(feed).status_code == HTTPStatus.OK
