"""A new invitation's one-time link is shown on the page, never carried in a cookie."""

from http import HTTPStatus

import pytest
from django.test import Client

from readinglist.models import Invitation, Lab, User


@pytest.mark.django_db
def test_the_invitation_link_is_on_the_page_and_in_no_cookie(alice: User, lab: Lab) -> None:
    client = Client()
    client.force_login(alice)

    response = client.post(
        f"/labs/{lab.pk}/invitations",
        {"role": "member", "expires_in_days": 7, "max_uses": 3},
        HTTP_REFERER=f"http://testserver/labs/{lab.pk}/",
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Invitation.objects.filter(lab=lab).count() == 1
    set_cookies = " ".join(morsel.OutputString() for morsel in response.cookies.values())
    assert "/invitations/" not in set_cookies
    assert "messages" not in response.cookies
    page = client.get(response["Location"]).content.decode()
    assert "Invitation link (shown only this once" in page
    assert "/invitations/" in page
