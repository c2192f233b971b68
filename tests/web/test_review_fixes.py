"""Regressions found in review: bad ids, the unread filter in labs, far-off dates, stored
non-web links, presenters outside the lab, link-invitation declines, where refusals land."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from readinglist.io.backup import BackupError, dump_library, restore_library
from readinglist.models import JournalClubSession, Lab, Membership, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import update_entry
from readinglist.services.labs import add_member, create_invitation
from tests.web.conftest import SaveFn

pytestmark = pytest.mark.django_db


def test_non_ascii_digits_and_huge_ids_are_invalid_input_not_500(
    client: Client, alice: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    library = personal_library(alice)
    client.force_login(alice)
    response = client.post(f"/library/{library.pk}/bulk", {"action": "read", "entry": "²"})
    assert response.status_code == 302
    huge = "1" + "0" * 30
    page = client.get(f"/library/?library={library.pk}&list={huge}")
    assert page.status_code == 200
    assert 'class="message message-error"' in page.content.decode()
    response = client.post(f"/entries/{entry.pk}/lists", {"reading_list": huge})
    assert response.status_code == 302


def test_unread_means_unread_by_me_even_if_a_colleague_read_it(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, title="Shared paper", library=lab.library)
    update_entry(user=alice, entry=entry, state={"status": "reading"})
    update_entry(user=alice, entry=entry, state={"status": "unread"})
    update_entry(user=bob, entry=entry, state={"status": "read"})
    client.force_login(alice)
    page = client.get(f"/library/?library={lab.library.pk}&status=unread")
    assert "Shared paper" in page.content.decode()
    api = client.get("/api/v1/entries/", {"library": lab.library.pk, "status": "unread"})
    assert [e["id"] for e in api.json()["results"]] == [entry.pk]
    client.force_login(bob)
    page = client.get(f"/library/?library={lab.library.pk}&status=unread")
    assert "Shared paper" not in page.content.decode()


def test_far_off_session_dates_are_refused(
    client: Client, alice: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    client.force_login(alice)
    response = client.post(
        f"/entries/{entry.pk}/sessions", {"starts_at": "9999-12-31T23:30"}, follow=True
    )
    assert "within five years" in response.content.decode()
    assert not JournalClubSession.objects.exists()


def test_presenter_outside_the_lab_is_a_message_not_a_probe(
    client: Client, alice: User, charlie: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    when = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(alice)
    for presenter in (charlie.pk, 10**12):  # exists but not a member / does not exist
        response = client.post(
            f"/entries/{entry.pk}/sessions", {"starts_at": when, "presenter": presenter}
        )
        assert response.status_code == 302
    assert not JournalClubSession.objects.exists()


def test_restored_non_web_links_are_dropped_and_never_rendered(
    client: Client, alice: User, saved: SaveFn
) -> None:
    from readinglist.models import Entry
    from tests.factories import UserFactory

    saved(alice, 1, title="Poisoned")
    backup = dump_library(library=personal_library(alice), exported_by=alice)
    entry_data = backup["entries"][0]
    # A hand-edited backup naming a paper nobody has yet, with non-web links.
    entry_data["identifiers"] = [{"scheme": "doi", "value": "10.1234/poison", "display": ""}]
    entry_data["metadata"]["pdf_url"] = "data:text/html,<script>alert(1)</script>"
    newcomer = UserFactory(email="newcomer@example.org")
    library = personal_library(newcomer)
    restore_library(user=newcomer, library=library, data=backup)
    entry = Entry.objects.select_related("paper").get(library=library)
    assert entry.title == "Poisoned"
    assert entry.paper.title == ""  # a file's metadata is the library's, never the paper's
    assert entry.pdf_url == ""
    entry_data["overrides"] = {"url": "javascript:alert(document.domain)"}
    with pytest.raises(BackupError, match="http"):
        restore_library(user=newcomer, library=personal_library(UserFactory()), data=backup)
    client.force_login(newcomer)
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert "javascript:" not in html
    assert 'href="data:' not in html


def test_declining_a_link_invitation_says_it_stays_open(
    client: Client, alice: User, charlie: User, lab: Lab
) -> None:
    issued = create_invitation(user=alice, lab=lab, role=Membership.Role.MEMBER, email="")
    client.force_login(charlie)
    response = client.post(f"/invitations/{issued.token}/decline", follow=True)
    assert "stays valid" in response.content.decode()
    assert client.get(f"/invitations/{issued.token}/").status_code == 200


def test_a_refusal_returns_to_the_page_the_form_was_on(
    client: Client, alice: User, charlie: User, lab: Lab, saved: SaveFn
) -> None:
    add_member(lab=lab, user=charlie, role=Membership.Role.VIEWER)
    entry = saved(alice, 1, library=lab.library)
    client.force_login(charlie)
    page = f"http://testserver/entries/{entry.pk}/"
    response = client.post(f"/entries/{entry.pk}/tags", {"add": "x"}, HTTP_REFERER=page)
    assert response["Location"] == page
    elsewhere = client.post(
        f"/entries/{entry.pk}/tags", {"add": "x"}, HTTP_REFERER="https://evil.example/"
    )
    assert elsewhere["Location"] == "/"
