"""Rate limits and body size limits answer clearly instead of falling over."""

from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from readinglist.models import Entry, User
from readinglist.services.accounts import personal_library


@pytest.mark.django_db
def test_saving_too_fast_gets_429_with_retry_after(alice_client: APIClient, settings: Any) -> None:
    settings.API_THROTTLE_RATES = {"save": "2/min", "lookup": None}
    codes = [
        alice_client.post("/api/v1/save", {"url": f"arXiv:2401.{n:05d}"}).status_code
        for n in range(3)
    ]
    assert codes == [HTTPStatus.CREATED, HTTPStatus.CREATED, HTTPStatus.TOO_MANY_REQUESTS]
    limited = alice_client.post("/api/v1/entries/", {"url": "arXiv:2401.00009"})
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(limited["Retry-After"]) > 0
    assert Entry.objects.count() == 2


@pytest.mark.django_db
def test_lookup_limit_is_per_user(
    alice_client: APIClient, bob_client: APIClient, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {"save": None, "lookup": "1/min"}
    assert alice_client.get("/api/v1/lookup", {"url": "arXiv:1706.03762"}).status_code == 200
    assert alice_client.get("/api/v1/lookup", {"url": "arXiv:1706.03762"}).status_code == 429
    assert bob_client.get("/api/v1/lookup", {"url": "arXiv:1706.03762"}).status_code == 200


@pytest.mark.django_db
def test_an_oversized_body_is_refused_with_400(
    alice: User, alice_client: APIClient, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = alice_client.post("/api/v1/save", {"url": "arXiv:1706.03762", "note": "x" * 20_000})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert personal_library(alice).version == 0


@pytest.mark.parametrize(("value", "ok"), [("120/min", True), ("off", True), ("lots", False)])
def test_rate_settings_are_validated(value: str, ok: bool) -> None:
    from tests.test_settings import load_settings

    result = load_settings(API_THROTTLE_SAVE=value)
    assert (result.returncode == 0) == ok
    if not ok:
        assert "API_THROTTLE_SAVE must look like 120/min" in result.stderr


@pytest.mark.django_db
def test_a_batch_counts_each_operation_as_a_save(
    alice: User, alice_client: APIClient, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {"save": "5/min", "lookup": None}
    library = personal_library(alice)
    operations = [{"op": "save", "url": f"arXiv:2402.{n:05d}"} for n in range(4)]
    url = f"/api/v1/libraries/{library.pk}/batch"

    assert alice_client.post(url, {"operations": operations}, format="json").status_code == 200
    too_many = alice_client.post(url, {"operations": operations[:2]}, format="json")
    assert too_many.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert alice_client.post("/api/v1/save", {"url": "arXiv:2402.09999"}).status_code == 201
    assert Entry.objects.count() == 5
