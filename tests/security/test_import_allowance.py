"""Imported records count against one allowance per person, whichever door they come in by."""

from http import HTTPStatus
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from readinglist.models import Entry, User
from readinglist.services.accounts import personal_library

BIB = "\n".join(f"@misc{{m{n}, title={{Work {n}}}, year={{2020}}}}" for n in range(4))


@pytest.mark.django_db
def test_the_api_and_the_web_page_draw_on_one_allowance(
    alice: User, alice_client: APIClient, settings: Any
) -> None:
    settings.IMPORT_RECORDS_PER_WINDOW = 5
    library = personal_library(alice)
    url = f"/api/v1/libraries/{library.pk}/import"
    page = Client()
    page.force_login(alice)

    dry = alice_client.post(url + "?dry_run=1", {"content": BIB}, format="json")
    assert dry.status_code == HTTPStatus.OK  # a dry run imports nothing, so costs nothing
    assert alice_client.post(url, {"content": BIB}, format="json").status_code == 201
    upload = SimpleUploadedFile("more.bib", BIB.replace("Work", "Essay").encode())
    page.post("/settings/data/import", {"file": upload, "library": library.pk})
    assert Entry.objects.filter(library=library).count() == 8  # 4 + 4: the allowance was left

    refused = alice_client.post(url, {"content": BIB.replace("Work", "Study")}, format="json")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(refused["Retry-After"]) > 0
    upload = SimpleUploadedFile("again.bib", BIB.replace("Work", "Note").encode())
    answer = page.post(
        "/settings/data/import", {"file": upload, "library": library.pk}, follow=True
    )
    assert "imported a lot in a short time" in answer.content.decode()
    assert Entry.objects.filter(library=library).count() == 8
