"""Personal API tokens at /api/v1/tokens/: the secret is shown once and works until revoked."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from api import urls_auth
from readinglist.models import ApiToken, Entry, Library, User
from readinglist.services.accounts import personal_library
from readinglist.services.tokens import MAX_TOKENS_PER_USER, create_api_token, token_digest
from tests.conftest import client_for

TOKENS = "/api/v1/tokens/"
LISTED_FIELDS = {"id", "name", "prefix", "created_at", "last_used_at"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Every persona gets a hashed password; the production hasher would make this slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_url(token_id: object) -> str:
    return f"{TOKENS}{token_id}/"


def client_with_token(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_create_returns_the_secret_once(alice_client: APIClient, alice: User) -> None:
    response = alice_client.post(TOKENS, {"name": "laptop script"})

    assert response.status_code == HTTPStatus.CREATED
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == LISTED_FIELDS | {"token"}
    assert body["name"] == "laptop script"
    assert body["last_used_at"] is None
    secret = body["token"]
    assert secret.startswith("rl_")
    assert body["prefix"] == secret[: len(body["prefix"])]
    assert len(body["prefix"]) < len(secret) // 4
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == alice
    # Only the digest is kept: nothing stored can give the secret back.
    assert token.digest == token_digest(secret)
    assert secret not in {token.name, token.prefix, token.digest}


def test_created_token_name_is_trimmed(alice_client: APIClient) -> None:
    response = alice_client.post(TOKENS, {"name": "  laptop  "})

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["name"] == "laptop"


def test_list_shows_tokens_without_secret_or_digest(alice_client: APIClient) -> None:
    secret = alice_client.post(TOKENS, {"name": "laptop"}).json()["token"]

    response = alice_client.get(TOKENS)

    assert response.status_code == HTTPStatus.OK
    [listed] = response.json()["results"]
    assert set(listed) == LISTED_FIELDS
    assert listed["name"] == "laptop"
    assert secret not in response.content.decode()
    assert token_digest(secret) not in response.content.decode()


def test_list_shows_only_own_tokens_newest_first(alice: User, charlie: User) -> None:
    create_api_token(user=alice, name="first")
    create_api_token(user=alice, name="second")
    create_api_token(user=charlie, name="charlie's")

    response = client_for(alice).get(TOKENS)

    assert [t["name"] for t in response.json()["results"]] == ["second", "first"]


def test_secret_authenticates_requests(alice: User) -> None:
    _, secret = create_api_token(user=alice, name="script")

    response = client_with_token(secret).get(TOKENS)

    assert response.status_code == HTTPStatus.OK
    assert [t["name"] for t in response.json()["results"]] == ["script"]


def test_using_a_token_sets_last_used_at(alice: User) -> None:
    token, secret = create_api_token(user=alice, name="script")
    assert token.last_used_at is None
    before = timezone.now()

    response = client_with_token(secret).get(TOKENS)

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert before <= token.last_used_at <= timezone.now()
    assert response.json()["results"][0]["last_used_at"] is not None


def test_last_used_at_is_rewritten_at_most_once_a_minute(alice: User) -> None:
    token, secret = create_api_token(user=alice, name="script")
    recently = timezone.now() - timedelta(seconds=10)
    long_ago = timezone.now() - timedelta(hours=1)
    client = client_with_token(secret)

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recently)
    client.get(TOKENS)
    token.refresh_from_db()
    assert token.last_used_at == recently

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    client.get(TOKENS)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > recently


def test_revoke_deletes_the_token_and_its_secret_then_gets_401(alice: User) -> None:
    token, secret = create_api_token(user=alice, name="script")
    assert client_with_token(secret).get(TOKENS).status_code == HTTPStatus.OK

    response = client_for(alice).delete(token_url(token.pk))

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    after = client_with_token(secret).get(TOKENS)
    assert after.status_code == HTTPStatus.UNAUTHORIZED
    assert after.headers["WWW-Authenticate"] == "Token"


def test_a_token_can_revoke_itself(alice: User) -> None:
    token, secret = create_api_token(user=alice, name="script")
    client = client_with_token(secret)

    assert client.delete(token_url(token.pk)).status_code == HTTPStatus.NO_CONTENT
    assert client.get(TOKENS).status_code == HTTPStatus.UNAUTHORIZED


def test_revoking_one_token_leaves_the_others_working(alice: User) -> None:
    doomed, _ = create_api_token(user=alice, name="old")
    _, kept_secret = create_api_token(user=alice, name="new")

    client_for(alice).delete(token_url(doomed.pk))

    assert client_with_token(kept_secret).get(TOKENS).status_code == HTTPStatus.OK


def test_deleting_someone_elses_token_is_404_and_the_token_survives(
    alice: User, charlie_client: APIClient
) -> None:
    token, secret = create_api_token(user=alice, name="alice's script")

    response = charlie_client.delete(token_url(token.pk))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert client_with_token(secret).get(TOKENS).status_code == HTTPStatus.OK


@pytest.mark.parametrize("token_id", ["999999", "not-a-number"])
def test_deleting_an_unknown_token_is_404(alice_client: APIClient, token_id: str) -> None:
    response = alice_client.delete(token_url(token_id))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_tokens_of_deactivated_users_stop_working(alice: User) -> None:
    _, secret = create_api_token(user=alice, name="script")
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    assert client_with_token(secret).get(TOKENS).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token ",
        "Token rl_not-a-real-token",
        "Token garbage",
        "Token two parts",
        "Token \xff\xfe\xfd",  # bytes that are not UTF-8
        "Token rl_\x00nul",
        "token rl_wrong-case-keyword",
        "Bearer rl_some-token",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        "garbage",
        "",
    ],
)
def test_bad_authorization_header_is_401_never_500(db: None, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(TOKENS)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.headers["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_401_even_with_a_logged_in_session(
    alice: User,
) -> None:
    """A bad token is an error, even if the request also carries a logged-in session."""
    client = APIClient()
    client.force_login(alice)
    client.credentials(HTTP_AUTHORIZATION="Token rl_revoked")

    assert client.get(TOKENS).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", TOKENS), ("post", TOKENS), ("delete", token_url(1))],
)
def test_unauthenticated_is_401_with_www_authenticate_not_a_redirect(
    anon_client: APIClient, db: None, method: str, url: str
) -> None:
    response = getattr(anon_client, method)(url)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.headers["WWW-Authenticate"] == "Token"
    assert "Location" not in response.headers


@pytest.mark.parametrize("data", [{}, {"name": ""}, {"name": "   "}, {"name": None}])
def test_create_without_a_name_is_400(alice_client: APIClient, data: dict[str, Any]) -> None:
    response = alice_client.post(TOKENS, data)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["name"]
    assert not ApiToken.objects.exists()


def test_create_with_a_name_over_100_characters_is_400(alice_client: APIClient) -> None:
    response = alice_client.post(TOKENS, {"name": "x" * 101})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["name"] == ["Ensure this field has no more than 100 characters."]
    assert alice_client.post(TOKENS, {"name": "x" * 100}).status_code == HTTPStatus.CREATED


def test_create_beyond_the_cap_of_50_tokens_is_400(alice: User) -> None:
    assert MAX_TOKENS_PER_USER == 50
    for number in range(MAX_TOKENS_PER_USER):
        create_api_token(user=alice, name=f"token {number}")
    client = client_for(alice)

    response = client.post(TOKENS, {"name": "one too many"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    [message] = response.json()["non_field_errors"]
    assert "50" in message
    assert "revoke" in message
    assert ApiToken.objects.filter(user=alice).count() == MAX_TOKENS_PER_USER


def test_revoking_a_token_frees_a_place_under_the_cap(alice: User, bob: User) -> None:
    tokens = [create_api_token(user=alice, name=f"t{n}")[0] for n in range(MAX_TOKENS_PER_USER)]
    client = client_for(alice)
    assert client.post(TOKENS, {"name": "extra"}).status_code == HTTPStatus.BAD_REQUEST
    # The cap is per user.
    assert client_for(bob).post(TOKENS, {"name": "bob's"}).status_code == HTTPStatus.CREATED

    client.delete(token_url(tokens[0].pk))

    assert client.post(TOKENS, {"name": "extra"}).status_code == HTTPStatus.CREATED


def test_token_list_query_count(alice: User, django_assert_num_queries: Any) -> None:
    for name in ("a", "b", "c"):
        create_api_token(user=alice, name=name)
    client = client_for(alice)

    with django_assert_num_queries(2):  # the page's count, then the page
        response = client.get(TOKENS)

    assert len(response.json()["results"]) == 3


def test_token_list_query_count_with_token_auth(
    alice: User, django_assert_num_queries: Any
) -> None:
    for name in ("a", "b"):
        create_api_token(user=alice, name=name)
    token, secret = create_api_token(user=alice, name="c")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    client = client_with_token(secret)

    with django_assert_num_queries(3):  # the token with its user, the count, the page
        response = client.get(TOKENS)

    assert len(response.json()["results"]) == 3


def test_authentication_gives_the_token_with_its_user_in_one_query(
    alice: User, django_assert_num_queries: Any
) -> None:
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.authentication import ApiTokenAuthentication

    token, secret = create_api_token(user=alice, name="script")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {secret}"))

    with django_assert_num_queries(1):
        found = ApiTokenAuthentication().authenticate(request)
        assert found is not None
        user, auth = found
        assert (user.pk, user.email, user.is_active) == (alice.pk, alice.email, True)
        assert auth.pk == token.pk
        assert auth.user is user
        assert not hasattr(user, "token_id")  # the token's columns are not left on the user
    assert auth.name == "script"  # the token's other columns load when asked for


@pytest.mark.parametrize("last_used", [None, timedelta(hours=1)])
def test_a_stale_token_use_is_written_down_in_one_more_query(
    alice: User, django_assert_num_queries: Any, last_used: timedelta | None
) -> None:
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.authentication import ApiTokenAuthentication

    token, secret = create_api_token(user=alice, name="script")
    if last_used is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - last_used)
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {secret}"))

    with django_assert_num_queries(2):  # the token with its user, then last_used_at
        ApiTokenAuthentication().authenticate(request)

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(seconds=5)


def test_schema_documents_the_secret_only_in_the_create_response() -> None:
    schema: Any = SchemaGenerator(patterns=urls_auth.urlpatterns).get_schema(public=True)
    components = schema["components"]["schemas"]

    create = schema["paths"]["/tokens/"]["post"]
    created_ref = create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    created = components[created_ref.rsplit("/", 1)[1]]
    assert "token" in created["properties"]
    assert "token" in created["required"]
    request_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = components[request_ref.rsplit("/", 1)[1]]
    writable = {name for name, field in request["properties"].items() if not field.get("readOnly")}
    assert writable == {"name"}
    listed_ref = schema["paths"]["/tokens/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    page = components[listed_ref.rsplit("/", 1)[1]]
    item = components[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(item["properties"]) == LISTED_FIELDS
    assert "delete" in schema["paths"]["/tokens/{id}/"]


def test_a_token_save_finds_the_personal_library_without_a_read_of_its_own(alice: User) -> None:

    library = personal_library(alice)
    _, secret = create_api_token(user=alice, name="script")
    found = ApiToken.objects.of_active_user(token_digest(secret), last_used_before=timezone.now())
    assert found is not None
    assert found.token.user.known_personal_library_id == library.pk

    with CaptureQueriesContext(connection) as queries:
        response = client_with_token(secret).post(
            "/api/v1/save", {"url": "https://example.org/paper"}, format="json"
        )

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["library"] == library.pk
    library_reads = [
        q["sql"] for q in queries.captured_queries if "FROM readinglist_library WHERE" in q["sql"]
    ]
    assert library_reads == []


def test_a_token_user_without_a_personal_library_gets_one_on_first_save(alice: User) -> None:
    Library.objects.filter(owner=alice, kind=Library.Kind.PERSONAL).delete()
    _, secret = create_api_token(user=alice, name="script")
    found = ApiToken.objects.of_active_user(token_digest(secret), last_used_before=timezone.now())
    assert found is not None
    assert found.token.user.known_personal_library_id is None

    response = client_with_token(secret).post(
        "/api/v1/save", {"url": "https://example.org/paper"}, format="json"
    )

    assert response.status_code == HTTPStatus.CREATED
    created = Library.objects.get(owner=alice, kind=Library.Kind.PERSONAL)
    assert response.json()["library"] == created.pk


def test_each_token_saves_into_its_own_users_library(alice: User, bob: User) -> None:
    mine, theirs = personal_library(alice), personal_library(bob)
    _, alice_secret = create_api_token(user=alice, name="script")
    _, bob_secret = create_api_token(user=bob, name="script")

    for secret in (bob_secret, alice_secret):
        response = client_with_token(secret).post(
            "/api/v1/save", {"url": "https://example.org/shared-paper"}, format="json"
        )
        assert response.status_code == HTTPStatus.CREATED

    # One entry in each library, each added by that library's owner: neither token's save
    # reached the other account.
    assert list(Entry.objects.filter(library=theirs).values_list("added_by", flat=True)) == [bob.pk]
    assert list(Entry.objects.filter(library=mine).values_list("added_by", flat=True)) == [alice.pk]
