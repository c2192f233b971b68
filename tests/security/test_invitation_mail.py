"""Invitation mail cannot be turned into a spam cannon: a fixed subject, the inviter's words
set apart as quoted, and per-account and per-lab limits on how many go out."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from readinglist.models import Invitation, Lab, User
from readinglist.roles import Role
from readinglist.services.labs import INVITATION_SUBJECT, add_member, rename_lab
from tests.conftest import client_for

Capture = Callable[..., AbstractContextManager[object]]


def invite(client: APIClient, lab: Lab, email: str) -> Any:
    return client.post(f"/api/v1/labs/{lab.pk}/invitations/", {"email": email}, format="json")


@pytest.mark.django_db
def test_the_subject_is_fixed_and_the_inviters_text_is_quoted(
    alice: User, alice_client: APIClient, lab: Lab, django_capture_on_commit_callbacks: Capture
) -> None:
    alice.name = "Cheap meds at evil.example"
    alice.save()
    rename_lab(user=alice, lab=lab, name="WIN A PRIZE\nClick http://evil.example now")

    with django_capture_on_commit_callbacks(execute=True):
        assert invite(alice_client, lab, "victim@example.org").status_code == HTTPStatus.CREATED

    (message,) = mail.outbox
    assert message.subject == INVITATION_SUBJECT
    assert "evil.example" not in message.subject
    lines = message.body.splitlines()
    assert "> Lab: WIN A PRIZE Click http://evil.example now" in lines
    assert "> From: Cheap meds at evil.example" in lines
    assert all(line.startswith("> ") for line in lines if "evil.example" in line)


@pytest.mark.django_db
def test_an_account_mails_a_bounded_number_of_invitations_an_hour(
    alice_client: APIClient, lab: Lab, settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    settings.INVITATION_EMAILS_PER_ACCOUNT_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        answers = [invite(alice_client, lab, f"p{n}@example.org") for n in range(5)]

    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert "try again later" in answers[3].json()["detail"]
    assert len(mail.outbox) == 3
    assert Invitation.objects.count() == 3
    # A link invitation sends no mail and is not limited.
    link = alice_client.post(f"/api/v1/labs/{lab.pk}/invitations/", {}, format="json")
    assert link.status_code == HTTPStatus.CREATED


@pytest.mark.django_db
def test_a_lab_mails_a_bounded_number_of_invitations_a_day(
    alice_client: APIClient, charlie: User, lab: Lab, settings: Any
) -> None:
    settings.INVITATION_EMAILS_PER_LAB_DAY = 2
    add_member(lab=lab, user=charlie, role=Role.ADMIN)
    assert invite(alice_client, lab, "a@example.org").status_code == HTTPStatus.CREATED
    assert invite(client_for(charlie), lab, "b@example.org").status_code == HTTPStatus.CREATED
    assert invite(alice_client, lab, "c@example.org").status_code == HTTPStatus.TOO_MANY_REQUESTS
