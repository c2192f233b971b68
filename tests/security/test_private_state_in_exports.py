"""A lab backup holds the exporter's own reading state only: no other member's private note,
priority, rating or email reaches a viewer's file. A failed import job says nothing of the
server's internals."""

from http import HTTPStatus

import pytest
from django.db import DatabaseError
from rest_framework.test import APIClient

from readinglist.models import ImportJob, Lab, User
from readinglist.roles import Role
from readinglist.services.entries import save_paper, set_reading_status
from readinglist.services.imports import run_import_job
from readinglist.services.labs import add_member


@pytest.mark.django_db
def test_a_viewers_lab_backup_has_no_other_members_private_state(
    alice: User, bob: User, charlie: User, charlie_client: APIClient, lab: Lab
) -> None:
    add_member(lab=lab, user=charlie, role=Role.VIEWER)
    entry = save_paper(user=bob, url="arXiv:1706.03762", library=lab.library).entry
    state = set_reading_status(entry=entry, user=bob, status="read")
    state.private_note, state.priority, state.rating = "BOB PRIVATE", 3, 2
    state.save()

    response = charlie_client.get(f"/api/v1/libraries/{lab.library.pk}/export?format=backup")

    assert response.status_code == HTTPStatus.OK
    text = response.content.decode()
    assert "BOB PRIVATE" not in text
    assert bob.email not in text
    assert alice.email not in text
    (dumped,) = response.json()["entries"]
    assert dumped["state"] is None  # Charlie has none of his own


@pytest.mark.django_db
def test_a_job_that_fails_on_the_server_reports_no_internals(
    alice: User, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> None:
        raise DatabaseError('relation "readinglist_entry" does not exist; SELECT secret FROM x')

    monkeypatch.setattr("readinglist.services.imports.import_records", broken)
    job = ImportJob.objects.create(
        user=alice, library=lab.library, format="bibtex", total=1, content="@misc{a, title={A}}"
    )

    run_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "failed on the server" in job.report["detail"]
    assert "SELECT" not in str(job.report)
    assert "readinglist_entry" not in str(job.report)
