"""Settings pages: profile, API tokens (secret shown once), export links and file import."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from readinglist.models import ApiToken, Entry, ImportJob, Lab, Library, Membership, User
from readinglist.services.accounts import personal_library
from readinglist.services.labs import add_member
from readinglist.services.tokens import MAX_TOKENS_PER_USER, create_api_token
from tests.factories import UserFactory
from tests.web.conftest import XSS, XSS_ESCAPED, SaveFn, assert_inert
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

BIBTEX = """@article{vaswani, title={Attention Is All You Need}, doi={10.48550/arXiv.1706.03762},
  author={Vaswani, Ashish}, keywords={transformers}}
@misc{two, title={Second paper}, eprint={2401.00001}, archivePrefix={arXiv}}
@misc{nothing, title={No identifier at all}}
@misc{empty, note={Nothing to go by}}
"""


def bib(text: str = BIBTEX, name: str = "refs.bib") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="application/x-bibtex")


def texts(response: object) -> list[str]:
    return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


# --- anonymous -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/settings/", "/settings/tokens", "/settings/data"])
def test_anonymous_pages_redirect_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_actions_change_nothing(client: Client, alice: User) -> None:
    token, _ = create_api_token(user=alice, name="script")
    posts = [
        ("/settings/profile", {"name": "Mallory"}),
        ("/settings/tokens/new", {"name": "sneaky"}),
        (f"/settings/tokens/{token.pk}/revoke", {}),
        ("/settings/data/import", {"file": bib(), "library": personal_library(alice).pk}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    alice.refresh_from_db()
    assert alice.name == "Alice"
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["script"]
    assert not Entry.objects.exists()


def test_pages_need_post_for_actions(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get("/settings/profile").status_code == 405
    assert client.get("/settings/tokens/new").status_code == 405


# --- profile -------------------------------------------------------------------------------------


def test_settings_page_shows_profile_and_account_links(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get("/settings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Alice"' in html
    assert "alice@example.org" in html
    for link in ("/accounts/email/", "/accounts/password/change/", "/accounts/sessions/"):
        assert f'href="{link}"' in html
    assert "Signed-in devices and extension sessions" in html


def test_update_display_name(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(
        "/settings/profile", {"name": "  Ada Alice  ", "next": "/settings/"}, follow=True
    )
    alice.refresh_from_db()
    assert alice.name == "Ada Alice"
    assert "Profile saved." in texts(response)
    assert 'value="Ada Alice"' in response.content.decode()


def test_display_name_may_be_cleared(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post("/settings/profile", {"name": ""})
    alice.refresh_from_db()
    assert alice.name == ""


def test_too_long_name_is_refused_and_nothing_changes(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/settings/profile", {"name": "x" * 151}, follow=True)
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.name == "Alice"
    assert any("at most 150" in text for text in texts(response))


def test_profile_next_cannot_leave_the_site(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/settings/profile", {"name": "A", "next": "https://evil.example/"})
    assert response["Location"] == "/settings/"


def test_display_name_is_escaped(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post("/settings/profile", {"name": XSS})
    alice.refresh_from_db()
    assert alice.name == XSS
    html = client.get("/settings/").content.decode()
    assert XSS_ESCAPED in html
    assert_inert(html)


# --- tokens --------------------------------------------------------------------------------------


def test_create_token_shows_the_secret_once_and_it_authenticates(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    response = client.post("/settings/tokens/new", {"name": "My script"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    token = ApiToken.objects.get(user=alice)
    assert token.name == "My script"
    assert secret.startswith(token.prefix)
    html = response.content.decode()
    assert secret in html
    assert "will not be shown again" in html

    # Listed afterwards, but the secret is gone for good.
    listing = client.get("/settings/tokens").content.decode()
    assert "My script" in listing
    assert secret not in listing

    api = Client()
    answer = api.get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert answer.status_code == 200
    assert [row["name"] for row in answer.json()["results"]] == ["My script"]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "never" not in client.get("/settings/tokens").content.decode()


def test_token_without_a_name_is_refused(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/settings/tokens/new", {"name": "   "}, follow=True)
    assert response.redirect_chain[-1][0] == "/settings/tokens"
    assert not ApiToken.objects.exists()
    assert texts(response)


def test_token_limit_is_a_clear_message(client: Client, alice: User) -> None:
    for n in range(MAX_TOKENS_PER_USER):
        create_api_token(user=alice, name=f"t{n}")
    client.force_login(alice)
    response = client.post("/settings/tokens/new", {"name": "one more"}, follow=True)
    assert response.status_code == 200
    assert any("revoke one" in text for text in texts(response))
    assert ApiToken.objects.filter(user=alice).count() == MAX_TOKENS_PER_USER
    assert "secret" not in response.context or not response.context["secret"]


def test_revoke_token(client: Client, alice: User) -> None:
    token, secret = create_api_token(user=alice, name="old script")
    client.force_login(alice)
    response = client.post(f"/settings/tokens/{token.pk}/revoke", follow=True)
    assert response.redirect_chain[-1][0] == "/settings/tokens"
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert any("Revoked" in text for text in texts(response))
    answer = Client().get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert answer.status_code == 401


def test_someone_elses_token_is_404_and_not_listed(client: Client, alice: User, bob: User) -> None:
    token, _ = create_api_token(user=bob, name="Bob's secret script")
    client.force_login(alice)
    assert client.post(f"/settings/tokens/{token.pk}/revoke").status_code == 404
    assert client.post("/settings/tokens/999999/revoke").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert "Bob&#x27;s secret script" not in client.get("/settings/tokens").content.decode()


def test_token_name_is_escaped(client: Client, alice: User) -> None:
    client.force_login(alice)
    created = client.post("/settings/tokens/new", {"name": XSS[:100]}).content.decode()
    listing = client.get("/settings/tokens").content.decode()
    for html in (created, listing):
        assert XSS_ESCAPED in html
        assert_inert(html)


def test_tokens_page_query_count_does_not_grow(
    client: Client, alice: User, django_assert_max_num_queries: object
) -> None:
    client.force_login(alice)
    for n in range(3):
        create_api_token(user=alice, name=f"few {n}")
    client.get("/settings/tokens")
    with CaptureQueriesContext(connection) as few:
        client.get("/settings/tokens")
    for n in range(27):
        create_api_token(user=alice, name=f"many {n}")
    with django_assert_max_num_queries(len(few)):  # type: ignore[operator]
        html = client.get("/settings/tokens").content.decode()
    assert html.count("Revoke<span") == 30


# --- export and import ---------------------------------------------------------------------------


def test_data_page_links_to_exports_that_work_with_the_session(
    client: Client, alice: User, saved: SaveFn
) -> None:
    saved(alice, 1, title="Exported paper")
    library = personal_library(alice)
    client.force_login(alice)
    html = client.get("/settings/data").content.decode()
    for format in ("bibtex", "ris", "csljson", "backup"):
        url = f"/api/v1/libraries/{library.pk}/export?format={format}"
        assert f'href="{url}"' in html
        response = client.get(url)
        assert response.status_code == 200, format
        assert "attachment" in response["Content-Disposition"]
        assert "Exported paper" in response.content.decode()


def test_data_page_lists_only_visible_libraries(
    client: Client, alice: User, bob: User, charlie: User, lab: Lab
) -> None:
    client.force_login(charlie)
    html = client.get("/settings/data").content.decode()
    assert "Alice Lab" not in html
    assert f"/api/v1/libraries/{personal_library(alice).pk}/" not in html
    client.force_login(bob)
    assert "Alice Lab" in client.get("/settings/data").content.decode()


def test_data_page_query_count_does_not_grow(
    client: Client, alice: User, django_assert_max_num_queries: object
) -> None:
    from readinglist.services.labs import create_lab

    client.force_login(alice)
    create_lab(owner=alice, name="Lab 0")
    client.get("/settings/data")
    with CaptureQueriesContext(connection) as few:
        client.get("/settings/data")
    for n in range(1, 10):
        create_lab(owner=alice, name=f"Lab {n}")
    with django_assert_max_num_queries(len(few)):  # type: ignore[operator]
        html = client.get("/settings/data").content.decode()
    assert "Lab 9" in html


def test_import_bibtex_creates_entries_and_reports(client: Client, alice: User) -> None:
    library = personal_library(alice)
    client.force_login(alice)
    response = client.post(
        "/settings/data/import",
        {"file": bib(), "format": "", "library": library.pk, "next": "/settings/data"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/settings/data"
    titles = set(Entry.objects.filter(library=library).values_list("title", flat=True))
    # A work with no identifier is found by its title, first author and year.
    assert titles == {"Attention Is All You Need", "Second paper", "No identifier at all"}
    messages = texts(response)
    assert any("Imported 4 records" in m and "3 added" in m and "1 skipped" in m for m in messages)
    assert any("“untitled”: no identifier, link or title" in m for m in messages)

    # The same file again adds nothing.
    again = client.post(
        "/settings/data/import", {"file": bib(), "library": library.pk}, follow=True
    )
    assert Entry.objects.filter(library=library).count() == 3
    assert any("0 added" in m and "3 already there" in m for m in texts(again))


PARTLY_BROKEN = (
    "@article{ok, title={Deep Residual Learning}, doi={10.1109/CVPR.2016.90}}\n\n"
    "@article{bad,\n  title = {Never closed\n\n@misc{fine, title={Long Short-Term Memory}}\n"
)


def test_import_reports_the_records_that_do_not_read_and_imports_the_rest(
    client: Client, alice: User
) -> None:
    library = personal_library(alice)
    client.force_login(alice)
    strict = client.post(
        "/settings/data/import",
        {"file": bib(PARTLY_BROKEN), "library": library.pk, "strict": "1"},
        follow=True,
    )
    assert not Entry.objects.exists()
    assert any("nothing was imported" in m and "line 3" in m for m in texts(strict))

    response = client.post(
        "/settings/data/import", {"file": bib(PARTLY_BROKEN), "library": library.pk}, follow=True
    )

    assert Entry.objects.filter(library=library).count() == 2
    messages = texts(response)
    assert any("2 added" in m and "1 could not be read" in m for m in messages)
    assert any(m.startswith("Could not read line 3:") for m in messages)


def test_import_into_a_lab_library_as_member(client: Client, bob: User, lab: Lab) -> None:
    library = Library.objects.get(lab=lab)
    client.force_login(bob)
    client.post("/settings/data/import", {"file": bib(), "library": library.pk})
    assert Entry.objects.filter(library=library).count() == 3


def test_import_into_someone_elses_library_is_404(
    client: Client, alice: User, charlie: User
) -> None:
    client.force_login(charlie)
    response = client.post(
        "/settings/data/import", {"file": bib(), "library": personal_library(alice).pk}
    )
    assert response.status_code == 404
    assert not Entry.objects.exists()


def test_import_as_lab_viewer_is_refused(client: Client, charlie: User, lab: Lab) -> None:
    add_member(lab=lab, user=charlie, role=Membership.Role.VIEWER)
    library = Library.objects.get(lab=lab)
    client.force_login(charlie)
    html = client.get("/settings/data").content.decode()
    assert f'<option value="{library.pk}">' not in html
    response = client.post(
        "/settings/data/import", {"file": bib(), "library": library.pk}, follow=True
    )
    assert response.status_code == 200
    assert not Entry.objects.exists()
    assert any("not change" in m for m in texts(response))


@pytest.mark.parametrize(
    ("content", "format", "expected"),
    [
        ("@article{x, title={Broken", "bibtex", "could not be read"),
        ('[{"title": ', "csljson", "could not be read"),
        ("just some words", "", "Cannot tell"),
        ("just some words", "bibtex", "No BibTeX"),
    ],
)
def test_malformed_upload_changes_nothing(
    client: Client, alice: User, saved: SaveFn, content: str, format: str, expected: str
) -> None:
    saved(alice, 1)
    library = personal_library(alice)
    version = Library.objects.get(pk=library.pk).version
    client.force_login(alice)
    response = client.post(
        "/settings/data/import",
        {"file": bib(content, name="upload.txt"), "format": format, "library": library.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert Entry.objects.count() == 1
    assert Library.objects.get(pk=library.pk).version == version
    assert any(expected in m and "nothing was imported" in m for m in texts(response))


def test_non_utf8_upload_changes_nothing(client: Client, alice: User) -> None:
    client.force_login(alice)
    upload = SimpleUploadedFile("refs.bib", "@misc{a, title={Ça}}".encode("latin-1"))
    response = client.post(
        "/settings/data/import",
        {"file": upload, "library": personal_library(alice).pk},
        follow=True,
    )
    assert not Entry.objects.exists()
    assert any("UTF-8" in m for m in texts(response))


def test_import_without_a_file_is_refused(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(
        "/settings/data/import", {"library": personal_library(alice).pk}, follow=True
    )
    assert response.status_code == 200
    assert not Entry.objects.exists()
    assert texts(response)


def test_large_import_is_queued_as_a_job(
    client: Client, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("readinglist.services.imports.BACKGROUND_THRESHOLD", 1)
    library = personal_library(alice)
    client.force_login(alice)
    response = client.post(
        "/settings/data/import", {"file": bib(), "library": library.pk}, follow=True
    )
    job = ImportJob.objects.get(user=alice)
    assert (job.total, job.status, job.library_id) == (4, ImportJob.Status.QUEUED, library.pk)
    assert not Entry.objects.exists()  # not until the worker runs it
    assert any("in the background" in m for m in texts(response))
    assert "Recent imports" in response.content.decode()


def test_large_import_job_runs_on_the_worker(
    client: Client, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("readinglist.services.imports.BACKGROUND_THRESHOLD", 1)
    library = personal_library(alice)
    client.force_login(alice)
    client.post("/settings/data/import", {"file": bib(), "library": library.pk})
    assert "readinglist.tasks.run_import" in run_queued_tasks()
    job = ImportJob.objects.get(user=alice)
    assert job.status == ImportJob.Status.DONE
    assert Entry.objects.filter(library=library).count() == 3
    html = client.get("/settings/data").content.decode()
    assert "3 added" in html


@pytest.mark.django_db(transaction=True)
def test_a_job_the_tasks_backend_ran_at_once_is_reported_as_imported(
    client: Client, alice: User, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setattr("readinglist.services.imports.BACKGROUND_THRESHOLD", 1)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    library = personal_library(alice)
    client.force_login(alice)
    response = client.post(
        "/settings/data/import", {"file": bib(), "library": library.pk}, follow=True
    )
    assert ImportJob.objects.get(user=alice).status == ImportJob.Status.DONE
    assert any(m.startswith("Imported 4 records") for m in texts(response))
    assert not any("in the background" in m for m in texts(response))
    assert "3 added" in response.content.decode()


def test_imported_titles_are_escaped_in_messages(client: Client, alice: User) -> None:
    client.force_login(alice)
    # The same work twice: the second is skipped, and the message names it by its title.
    evil = f"@misc{{x, title={{{XSS}}}}}\n@misc{{y, title={{{XSS}}}}}\n"
    response = client.post(
        "/settings/data/import",
        {"file": bib(evil), "library": personal_library(alice).pk},
        follow=True,
    )
    html = response.content.decode()
    assert "1 skipped" in html
    assert XSS_ESCAPED in html
    assert_inert(html)


def test_signed_in_devices_page_lists_this_session_in_the_app_layout(client: Client) -> None:
    user = UserFactory(email="devices@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": "correct horse battery staple"},
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chromium/156.0",
    )
    assert response.status_code == 302
    page = client.get("/accounts/sessions/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="skip-link"' in html  # rendered inside web/base.html
    assert "Chromium" in html or "Linux" in html  # this browser's session is listed


def test_extension_sign_in_shows_up_as_a_device(client: Client) -> None:
    from allauth.usersessions.models import UserSession

    user = UserFactory(email="extension@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": "correct horse battery staple"},
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 Firefox/140.0 reading-list-extension",
    )
    assert response.status_code == 200
    assert UserSession.objects.filter(user=user, user_agent__contains="Firefox").exists()
