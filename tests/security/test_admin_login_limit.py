"""The admin's login page limits password guessing as the app's own log-in does."""

from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.mark.django_db
def test_guessing_the_admin_password_is_cut_off(settings: Any) -> None:
    settings.ADMIN_LOGIN_ATTEMPTS = 3
    UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client = Client()
    codes = [
        client.post(
            "/admin/login/", {"username": "root@example.org", "password": f"guess-{n}"}
        ).status_code
        for n in range(5)
    ]
    assert codes == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS] * 2

    # Another address guessing the same account is cut off too (per user name).
    other = Client(REMOTE_ADDR="10.0.0.9")
    again = other.post("/admin/login/", {"username": "ROOT@example.org", "password": "x"})
    assert again.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(again["Retry-After"]) > 0
    assert Client().get("/admin/login/").status_code == HTTPStatus.OK
