"""Signing in for the API: allauth headless (the extension) and the Django session (web app).

The allauth flow runs end to end against the real `/_allauth/app/v1/` endpoints; personal
API tokens (`Authorization: Token ...`) are covered in test_tokens.py.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.http import HttpResponse
from django.test import Client

from readinglist.models import User
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # UserFactory's password
LOGIN = "/_allauth/app/v1/auth/login"
SIGNUP = "/_allauth/app/v1/auth/signup"
SESSION = "/_allauth/app/v1/auth/session"
VERIFY_EMAIL = "/_allauth/app/v1/auth/email/verify"
TOKENS = "/api/v1/tokens/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Each login checks a password; the production hasher would make these tests slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def user_with_email(email: str, *, verified: bool = True) -> User:
    """ACCOUNT_EMAIL_VERIFICATION is "mandatory": only a verified address can log in."""
    user: User = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def dora(db: None) -> User:
    return user_with_email("dora@example.org")


def post_json(client: Client, url: str, data: dict[str, Any], **kwargs: Any) -> HttpResponse:
    response: HttpResponse = client.post(url, data, content_type="application/json", **kwargs)
    return response


def app_login(client: Client, email: str, password: str = PASSWORD) -> HttpResponse:
    return post_json(client, LOGIN, {"email": email, "password": password})


def session_token_for(client: Client, user: User) -> str:
    response = app_login(client, user.email)
    assert response.status_code == HTTPStatus.OK, response.content
    token: str = response.json()["meta"]["session_token"]
    return token


def test_app_login_with_email_and_password_returns_a_session_token(dora: User) -> None:
    response = app_login(Client(), "dora@example.org")

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["status"] == HTTPStatus.OK
    assert body["data"]["user"]["email"] == "dora@example.org"
    assert body["meta"]["is_authenticated"] is True
    assert isinstance(body["meta"]["session_token"], str)
    assert body["meta"]["session_token"]


def test_app_login_takes_email_not_username(dora: User) -> None:
    response = post_json(Client(), LOGIN, {"username": "dora@example.org", "password": PASSWORD})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"][0]["param"] == "email"


def test_app_login_with_a_wrong_password_is_400_without_a_session_token(dora: User) -> None:
    response = app_login(Client(), "dora@example.org", password="not the password")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["errors"][0]["code"] == "email_password_mismatch"
    assert "meta" not in body


def test_session_token_authenticates_the_api(dora: User) -> None:
    client = Client()
    token = session_token_for(client, dora)

    response = client.get(TOKENS, headers={"X-Session-Token": token})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"] == []


def test_session_token_needs_no_csrf_token_to_write(dora: User) -> None:
    """The extension has no cookies, hence no CSRF token: X-Session-Token alone must do."""
    token = session_token_for(Client(enforce_csrf_checks=True), dora)

    response = post_json(
        Client(enforce_csrf_checks=True),
        TOKENS,
        {"name": "laptop"},
        headers={"X-Session-Token": token},
    )

    assert response.status_code == HTTPStatus.CREATED


def test_logout_ends_the_session_token_for_the_api(dora: User) -> None:
    client = Client()
    token = session_token_for(client, dora)
    headers = {"X-Session-Token": token}

    logout = client.delete(SESSION, headers=headers)
    # allauth answers a successful logout with 401 ("you are now logged out")...
    assert logout.status_code == HTTPStatus.UNAUTHORIZED
    assert logout.json()["meta"]["is_authenticated"] is False
    # ...and the spent token with 410 Gone, the extension's cue to drop it.
    assert client.get(SESSION, headers=headers).status_code == HTTPStatus.GONE

    response = client.get(TOKENS, headers=headers)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "WWW-Authenticate" in response.headers


def test_made_up_session_token_is_401(db: None) -> None:
    response = Client().get(TOKENS, headers={"X-Session-Token": "made-up-token"})

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "WWW-Authenticate" in response.headers


def test_login_before_email_verification_gives_no_usable_session_token(db: None) -> None:
    user_with_email("frank@example.org", verified=False)
    client = Client()

    login = app_login(client, "frank@example.org")

    assert login.status_code == HTTPStatus.UNAUTHORIZED
    body = login.json()
    assert body["meta"]["is_authenticated"] is False
    assert {"id": "verify_email", "is_pending": True} in body["data"]["flows"]
    # The token only carries the pending flow; it is not a login for the API.
    pending_token = body["meta"]["session_token"]
    response = client.get(TOKENS, headers={"X-Session-Token": pending_token})
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_signup_then_email_verification_yields_a_session_token_for_the_api(db: None) -> None:
    client = Client()
    signup = post_json(
        client, SIGNUP, {"email": "grace@example.org", "password": "another horse battery 77"}
    )
    assert signup.status_code == HTTPStatus.UNAUTHORIZED  # verification pending
    pending_token = signup.json()["meta"]["session_token"]
    assert len(mail.outbox) == 1
    match = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[0].body)
    assert match is not None, mail.outbox[0].body

    verify = post_json(
        client, VERIFY_EMAIL, {"key": match.group(1)}, headers={"X-Session-Token": pending_token}
    )

    assert verify.status_code == HTTPStatus.OK, verify.content
    assert verify.json()["meta"]["is_authenticated"] is True
    token = verify.json()["meta"]["session_token"]
    response = client.get(TOKENS, headers={"X-Session-Token": token})
    assert response.status_code == HTTPStatus.OK


def test_django_session_login_still_authenticates_the_api(alice: User) -> None:
    client = Client()
    client.force_login(alice)

    response = client.get(TOKENS)

    assert response.status_code == HTTPStatus.OK


def test_django_session_writes_need_a_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = post_json(client, TOKENS, {"name": "laptop"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "CSRF" in response.json()["detail"]
