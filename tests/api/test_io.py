"""Import, export, restore, import jobs and the live .bib link under /api/v1/."""

from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from api.serializers import io as io_serializers
from readinglist.models import Entry, ImportJob, Lab, Library, ReadingList, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.imports import run_import_job
from readinglist.services.lists import add_to_list, create_list
from tests.worker import run_queued_tasks

BIB = (Path(__file__).parents[1] / "io" / "fixtures" / "sample.bib").read_text()
BROKEN = (
    "@article{a, title={A}, doi={10.1/a}}\n\n@article{b,\n  title = {B\n\n@misc{c, title={C}}\n"
)


def _import_url(library: Library) -> str:
    return f"/api/v1/libraries/{library.pk}/import"


@pytest.mark.django_db
def test_import_json_body_then_again_adds_nothing(alice: User, alice_client: APIClient) -> None:
    library = personal_library(alice)
    first = alice_client.post(_import_url(library), {"content": BIB}, format="json")
    again = alice_client.post(
        _import_url(library), {"content": BIB, "format": "bibtex"}, format="json"
    )

    assert first.status_code == HTTPStatus.CREATED, first.json()
    assert (first.json()["added"], first.json()["skipped"]) == (3, 0)
    assert first["Last-Modified-Version"] == str(first.json()["version"])
    assert again.status_code == HTTPStatus.CREATED
    assert again.json()["unchanged"] == 3
    assert Entry.objects.filter(library=library).count() == 3


@pytest.mark.django_db
def test_import_multipart_file_and_dry_run(alice: User, alice_client: APIClient) -> None:
    library = personal_library(alice)
    upload = SimpleUploadedFile("refs.bib", BIB.encode(), content_type="application/x-bibtex")
    preview = alice_client.post(
        _import_url(library) + "?dry_run=1", {"file": upload}, format="multipart"
    )

    assert preview.status_code == HTTPStatus.OK
    assert preview.json()["dry_run"] is True
    assert preview.json()["added"] == 3
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_strict_import_of_a_malformed_file_gives_line_numbers_and_imports_nothing(
    alice: User, alice_client: APIClient
) -> None:
    response = alice_client.post(
        _import_url(personal_library(alice)) + "?strict=true", {"content": BROKEN}, format="json"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert [e["line"] for e in response.json()["errors"]] == [3]
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_import_of_a_malformed_file_imports_what_reads_and_reports_the_rest(
    alice: User, alice_client: APIClient
) -> None:
    content = (
        "@article{a, title={Deep Residual Learning}, doi={10.1109/CVPR.2016.90}}\n\n"
        "@article{b,\n  title = {Broken\n\n@misc{c, title={Long Short-Term Memory}}\n"
    )
    response = alice_client.post(
        _import_url(personal_library(alice)), {"content": content}, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert (body["total"], body["added"], body["invalid"]) == (3, 2, 1)
    invalid = [item for item in body["items"] if item["outcome"] == "invalid"]
    assert [item["line"] for item in invalid] == [3]
    assert "@article{b" in invalid[0]["reason"]
    assert sorted(Entry.objects.values_list("title", flat=True)) == [
        "Deep Residual Learning",
        "Long Short-Term Memory",
    ]


@pytest.mark.django_db
def test_a_file_where_nothing_reads_imports_nothing_even_when_tolerant(
    alice: User, alice_client: APIClient
) -> None:
    response = alice_client.post(
        _import_url(personal_library(alice)),
        {"content": '[\n  {"title": [1]}\n]', "format": "csljson"},
        format="json",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"] == [{"line": 2, "message": "'title' must be a string"}]
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_import_bad_input(
    alice: User, alice_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _import_url(personal_library(alice))
    unknown = alice_client.post(url, {"content": "x", "format": "endnote"}, format="json")
    unsure = alice_client.post(url, {"content": "hello"}, format="json")
    nothing = alice_client.post(url, {}, format="json")
    monkeypatch.setattr(io_serializers, "MAX_UPLOAD_BYTES", 10)
    huge = alice_client.post(
        url, {"file": SimpleUploadedFile("a.bib", b"@misc{a," + b" " * 50)}, format="multipart"
    )
    for response in (unknown, unsure, nothing, huge):
        assert response.status_code == HTTPStatus.BAD_REQUEST, response.json()
    assert "20 MB" in str(huge.json())


@pytest.mark.django_db
def test_import_needs_auth_and_a_visible_writable_library(
    anon_client: APIClient, charlie_client: APIClient, alice: User, lab: Lab
) -> None:
    url = _import_url(personal_library(alice))
    assert anon_client.post(url, {"content": BIB}, format="json").status_code == 401
    assert charlie_client.post(url, {"content": BIB}, format="json").status_code == 404
    lab_url = _import_url(lab.library)
    assert charlie_client.post(lab_url, {"content": BIB}, format="json").status_code == 404
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_large_import_runs_as_a_job_with_progress(
    alice: User,
    alice_client: APIClient,
    bob_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> None:
    monkeypatch.setattr("readinglist.services.imports.BACKGROUND_THRESHOLD", 2)
    library = personal_library(alice)
    response = alice_client.post(_import_url(library), {"content": BIB}, format="json")

    assert response.status_code == HTTPStatus.ACCEPTED
    job_url = response["Location"]
    assert alice_client.get(job_url).json()["status"] == "queued"
    assert run_queued_tasks().count("readinglist.tasks.run_import") == 1
    job = alice_client.get(job_url).json()
    assert (job["status"], job["done"], job["total"]) == ("done", 3, 3)
    assert job["report"]["added"] == 3
    assert ImportJob.objects.get().content == ""
    assert bob_client.get(job_url).status_code == 404


@pytest.mark.django_db
def test_failed_job_reports_why(alice: User, alice_client: APIClient) -> None:
    job = ImportJob.objects.create(
        user=alice,
        library=personal_library(alice),
        format="bibtex",
        total=3,
        content=BROKEN,
        strict=True,
    )
    run_import_job(job.pk)
    body = alice_client.get(f"/api/v1/imports/{job.pk}").json()
    assert body["status"] == "failed"
    assert body["report"]["errors"][0]["line"] == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("format", "needle"),
    [
        ("bibtex", "@misc{"),
        ("ris", "TY  - UNPB"),  # an arXiv paper is a preprint
        ("csljson", '"type": "article"'),
        ("bookmarks", "<DT>"),
    ],
)
def test_export_library(alice: User, alice_client: APIClient, format: str, needle: str) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="https://arxiv.org/abs/1706.03762", tags=["nlp"])
    response = alice_client.get(f"/api/v1/libraries/{library.pk}/export", {"format": format})
    assert response.status_code == HTTPStatus.OK
    assert needle in response.content.decode()
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db
def test_export_errors(
    alice: User, alice_client: APIClient, anon_client: APIClient, charlie_client: APIClient
) -> None:
    url = f"/api/v1/libraries/{personal_library(alice).pk}/export"
    assert anon_client.get(url).status_code == 401
    assert charlie_client.get(url).status_code == 404
    assert alice_client.get(url, {"format": "docx"}).status_code == 400


@pytest.mark.django_db
def test_backup_and_restore_over_the_api(
    alice: User,
    bob: User,
    alice_client: APIClient,
    bob_client: APIClient,
    charlie_client: APIClient,
) -> None:
    save_paper(
        user=alice, url="https://arxiv.org/abs/1706.03762", tags=["nlp"], note="n", status="read"
    )
    backup = alice_client.get(
        f"/api/v1/libraries/{personal_library(alice).pk}/export", {"format": "backup"}
    ).json()
    target = personal_library(bob)
    url = f"/api/v1/libraries/{target.pk}/restore"

    assert charlie_client.post(url, backup, format="json").status_code == 404
    restored = bob_client.post(url, backup, format="json")
    again = bob_client.post(url, backup, format="json")

    assert restored.status_code == HTTPStatus.CREATED
    assert again.status_code == HTTPStatus.BAD_REQUEST  # no longer empty
    assert Entry.objects.get(library=target).notes.get().body == "n"
    bad = bob_client.post(
        f"/api/v1/libraries/{personal_library(bob).pk}/restore", {"format": 1}, format="json"
    )
    assert bad.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_list_export_and_live_bib_link(
    alice: User,
    alice_client: APIClient,
    anon_client: APIClient,
    charlie_client: APIClient,
) -> None:
    entry = save_paper(user=alice, url="https://arxiv.org/abs/1706.03762").entry
    reading_list = create_list(user=alice, library=personal_library(alice), name="Week")
    add_to_list(user=alice, reading_list=reading_list, entry=entry)
    export_url = f"/api/v1/lists/{reading_list.pk}/export"
    link_url = f"/api/v1/lists/{reading_list.pk}/bib-link"

    assert "eprint = {1706.03762}" in alice_client.get(export_url).content.decode()
    assert charlie_client.get(export_url).status_code == 404
    assert anon_client.get(export_url).status_code == 401
    assert alice_client.get(export_url, {"format": "backup"}).status_code == 400
    assert alice_client.get(link_url).status_code == 404
    assert anon_client.post(link_url).status_code == 401
    assert charlie_client.post(link_url).status_code == 404

    created = alice_client.post(link_url)
    assert created.status_code == HTTPStatus.CREATED
    feed = created.json()["url"].removeprefix("http://testserver")
    assert "eprint = {1706.03762}" in anon_client.get(feed).content.decode()
    assert alice_client.get(link_url).json()["url"] == created.json()["url"]

    rotated = alice_client.post(link_url).json()["url"]
    assert anon_client.get(feed).status_code == 404
    assert alice_client.delete(link_url).status_code == HTTPStatus.NO_CONTENT
    assert anon_client.get(rotated.removeprefix("http://testserver")).status_code == 404
    assert ReadingList.objects.filter(pk=reading_list.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_job_a_tasks_backend_ran_at_once_is_answered_as_finished(
    alice: User, alice_client: APIClient, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """With a backend that runs tasks when the write commits (in the request), the answer
    says where the job got, not "queued, done 0"."""
    monkeypatch.setattr("readinglist.services.imports.BACKGROUND_THRESHOLD", 2)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    library = personal_library(alice)

    response = alice_client.post(_import_url(library), {"content": BIB}, format="json")

    assert response.status_code == HTTPStatus.ACCEPTED
    body = response.json()
    assert (body["status"], body["done"], body["total"]) == ("done", 3, 3)
    assert body["report"]["added"] == 3
    assert alice_client.get(response["Location"]).json() == body
