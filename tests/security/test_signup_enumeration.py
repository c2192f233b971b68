"""Sign-up says nothing about which emails have accounts: the same answer, one email, and the
same work (a password hash, most of a sign-up's time) whether or not the email is taken."""

import json
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

SIGNUP = "/_allauth/app/v1/auth/signup"


def sign_up(email: str) -> Any:
    body = json.dumps({"email": email, "password": "another horse battery 77"})
    return Client().post(SIGNUP, data=body, content_type="application/json")


@pytest.mark.django_db
def test_a_taken_email_gets_the_same_answer_and_the_same_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    UserFactory(email="taken@example.org")
    hashes: list[str] = []
    encode = MD5PasswordHasher.encode

    def counting(self: MD5PasswordHasher, password: str, salt: str) -> str:
        hashes.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)

    new = sign_up("new@example.org")
    hashed_for_new = len(hashes)
    taken = sign_up("taken@example.org")
    hashed_for_taken = len(hashes) - hashed_for_new

    assert new.status_code == taken.status_code == HTTPStatus.UNAUTHORIZED
    assert new.json()["data"]["flows"] == taken.json()["data"]["flows"]
    assert hashed_for_new == hashed_for_taken == 1
    assert [m.to for m in mail.outbox] == [["new@example.org"], ["taken@example.org"]]
