"""Accounts through django-allauth: sign-up, verification, log-in, reset; one library each."""

import re

import pytest
from django.core import mail
from django.test import Client

from readinglist.models import Library, User
from readinglist.services.accounts import personal_library


def sign_up(client: Client, email: str = "new@example.org") -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": email,
            "password1": "a long unusual passphrase",
            "password2": "a long unusual passphrase",
        },
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_sign_up_creates_the_user_with_a_personal_library_and_sends_verification() -> None:
    sign_up(Client())

    user = User.objects.get(email="new@example.org")
    assert Library.objects.filter(owner=user, kind="personal").count() == 1
    assert len(mail.outbox) == 1
    assert "new@example.org" in mail.outbox[0].to


@pytest.mark.django_db
def test_login_needs_a_verified_email_then_works() -> None:
    client = Client()
    sign_up(client)
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+)", mail.outbox[0].body)
    assert link is not None
    client.logout()
    credentials = {"login": "new@example.org", "password": "a long unusual passphrase"}

    client.post("/accounts/login/", credentials)
    assert "_auth_user_id" not in client.session  # unverified: no session yet

    client.post(link.group(1))
    client.logout()
    response = client.post("/accounts/login/", credentials)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


@pytest.mark.django_db
def test_email_is_unique_whatever_its_case() -> None:
    sign_up(Client(), "Case@Example.org")
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "case@example.org",
            "password1": "another long phrase!",
            "password2": "another long phrase!",
        },
    )
    # allauth does not reveal that the address is taken; it mails the owner instead.
    assert response.status_code == 302
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_password_reset_sends_a_link() -> None:
    sign_up(Client())
    mail.outbox.clear()
    Client().post("/accounts/password/reset/", {"email": "new@example.org"})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_users_created_outside_sign_up_get_their_library_on_first_need() -> None:
    user = User.objects.create_superuser("root@example.org", "pw")
    assert not Library.objects.filter(owner=user).exists()
    library = personal_library(user)
    assert personal_library(user) == library
    assert library.kind == "personal"
