"""Lab pages: the labs index, a lab's page and its actions, and opening an invitation link."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readinglist.models import Activity, Invitation, Lab, Library, Membership, User
from readinglist.services.entries import set_reading_status
from readinglist.services.journal_club import schedule_session
from readinglist.services.labs import (
    add_member,
    create_invitation,
    create_lab,
    revoke_invitation,
    rotate_feed_token,
)
from tests.factories import UserFactory
from tests.web.conftest import XSS, XSS_ESCAPED, SaveFn, assert_inert

pytestmark = pytest.mark.django_db

Role = Membership.Role


def role(lab: Lab, user: User) -> str | None:
    return Membership.objects.filter(lab=lab, user=user).values_list("role", flat=True).first()


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> str:
    """POST, follow the redirect, and return the page it lands on (with its messages)."""
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


# Anonymous visitors and outsiders


def test_anonymous_is_sent_to_login_and_changes_nothing(client: Client, lab: Lab) -> None:
    for url in ("/labs/", f"/labs/{lab.pk}/", "/invitations/sometoken/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/accounts/login/?next={url}")
    assert client.post("/labs/new", {"name": "Sneaky"}).status_code == 302
    assert client.post(f"/labs/{lab.pk}/rename", {"name": "Sneaky"}).status_code == 302
    assert client.post(f"/labs/{lab.pk}/leave").status_code == 302
    assert not Lab.objects.filter(name="Sneaky").exists()
    assert Lab.objects.get(pk=lab.pk).name == "Alice Lab"
    assert Membership.objects.filter(lab=lab).count() == 2


def test_outsiders_get_404_for_the_page_and_every_action(
    client: Client, lab: Lab, alice: User, bob: User, charlie: User
) -> None:
    issued = create_invitation(user=alice, lab=lab)
    client.force_login(charlie)
    assert client.get(f"/labs/{lab.pk}/").status_code == 404
    assert client.get("/labs/999999/").status_code == 404
    actions: list[tuple[str, dict[str, Any]]] = [
        (f"/labs/{lab.pk}/rename", {"name": "Taken over"}),
        (f"/labs/{lab.pk}/leave", {}),
        (f"/labs/{lab.pk}/feeds", {"action": "rotate"}),
        (f"/labs/{lab.pk}/invitations", {"role": "member", "expires_in_days": 3}),
        (f"/labs/{lab.pk}/invitations/{issued.invitation.pk}/revoke", {}),
        (f"/labs/{lab.pk}/members/{bob.pk}/role", {"role": "viewer"}),
        (f"/labs/{lab.pk}/members/{bob.pk}/remove", {}),
    ]
    for url, data in actions:
        assert client.post(url, data).status_code == 404, url
    lab.refresh_from_db()
    assert lab.name == "Alice Lab"
    assert lab.feed_token is None
    assert role(lab, bob) == Role.MEMBER
    assert Invitation.objects.filter(lab=lab).count() == 1
    assert Invitation.objects.get().revoked_at is None
    assert "Alice Lab" not in page(client, "/labs/")


def test_lab_pages_need_post_for_actions(client: Client, lab: Lab, alice: User) -> None:
    client.force_login(alice)
    assert client.get(f"/labs/{lab.pk}/leave").status_code == 405
    assert role(lab, alice) == Role.OWNER


# The labs index


def test_labs_index_lists_my_labs_with_role_and_member_count(
    client: Client, lab: Lab, bob: User, charlie: User
) -> None:
    create_lab(owner=charlie, name="Charlie's secret lab")
    client.force_login(bob)
    html = page(client, "/labs/")
    assert f'href="/labs/{lab.pk}/"' in html
    assert "Alice Lab" in html
    assert "<td>Member</td>" in html
    assert "<td>2</td>" in html
    assert f"?library={lab.library.pk}" in html
    assert "Charlie" not in html
    assert 'name="name"' in html  # the create form


def test_labs_index_costs_the_same_for_3_or_30_labs(
    client: Client, alice: User, django_assert_max_num_queries: Any
) -> None:
    client.force_login(alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            page(client, "/labs/")
        return len(queries)

    for n in range(3):
        add_member(lab=create_lab(owner=UserFactory(), name=f"Lab {n}"), user=alice)
    few = count()
    for n in range(3, 30):
        add_member(lab=create_lab(owner=UserFactory(), name=f"Lab {n}"), user=alice)
    with django_assert_max_num_queries(few):
        html = page(client, "/labs/")
    assert "Lab 29" in html


def test_create_lab_makes_me_owner_and_opens_its_page(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/labs/new", {"name": "  Protein   folding  "})
    lab = Lab.objects.get(name="Protein folding")
    assert response["Location"] == f"/labs/{lab.pk}/"
    assert role(lab, alice) == Role.OWNER
    assert Library.objects.filter(lab=lab, kind=Library.Kind.LAB).exists()
    assert "Created the lab" in page(client, f"/labs/{lab.pk}/")


def test_create_lab_without_a_name_is_refused(client: Client, alice: User) -> None:
    client.force_login(alice)
    html = post(client, "/labs/new", {"name": "   "})
    assert "This field is required" in html
    assert not Lab.objects.exists()
    html = post(client, "/labs/new", {"name": "x" * 201})
    assert "Name:" in html
    assert not Lab.objects.exists()


# The lab page


def test_member_sees_members_library_link_and_no_admin_forms(
    client: Client, lab: Lab, bob: User
) -> None:
    client.force_login(bob)
    html = page(client, f"/labs/{lab.pk}/")
    assert "<h1>Alice Lab</h1>" in html
    assert f'href="/library/?library={lab.library.pk}"' in html
    assert "alice@example.org" in html
    assert "bob@example.org" in html
    assert "Leave lab" in html
    assert "Create invitation" not in html
    assert "Change role" not in html
    assert "Rename lab" not in html
    assert "Make new feed links" not in html


def test_owner_sees_management_forms_but_cannot_leave_as_only_owner(
    client: Client, lab: Lab, alice: User, bob: User
) -> None:
    client.force_login(alice)
    html = page(client, f"/labs/{lab.pk}/")
    assert f'action="/labs/{lab.pk}/members/{bob.pk}/role"' in html
    assert f'action="/labs/{lab.pk}/members/{bob.pk}/remove"' in html
    assert f'action="/labs/{lab.pk}/members/{alice.pk}/remove"' not in html  # not yourself
    assert "Create invitation" in html
    assert "Rename lab" in html
    assert "Turn on calendar and digest feeds" in html
    assert "only owner" in html
    assert f'action="/labs/{lab.pk}/leave"' not in html


def test_admin_cannot_manage_the_owner(client: Client, lab: Lab, alice: User, bob: User) -> None:
    Membership.objects.filter(lab=lab, user=bob).update(role=Role.ADMIN)
    client.force_login(bob)
    html = page(client, f"/labs/{lab.pk}/")
    assert f'action="/labs/{lab.pk}/members/{alice.pk}/role"' not in html
    assert "Create invitation" in html
    assert "Rename lab" not in html  # renaming is for owners


def test_owner_changes_a_role(client: Client, lab: Lab, alice: User, bob: User) -> None:
    client.force_login(alice)
    html = post(client, f"/labs/{lab.pk}/members/{bob.pk}/role", {"role": "admin"})
    assert "is now admin" in html
    assert role(lab, bob) == Role.ADMIN


def test_member_cannot_change_roles_or_remove_the_owner(
    client: Client, lab: Lab, alice: User, bob: User
) -> None:
    client.force_login(bob)
    html = post(client, f"/labs/{lab.pk}/members/{alice.pk}/role", {"role": "viewer"})
    assert "Your role in this lab does not allow this" in html
    html = post(client, f"/labs/{lab.pk}/members/{alice.pk}/remove")
    assert "Your role in this lab does not allow this" in html
    html = post(client, f"/labs/{lab.pk}/members/{bob.pk}/role", {"role": "owner"})
    assert "does not allow this" in html
    assert role(lab, alice) == Role.OWNER
    assert role(lab, bob) == Role.MEMBER


def test_last_owner_cannot_demote_herself_or_leave(client: Client, lab: Lab, alice: User) -> None:
    client.force_login(alice)
    html = post(client, f"/labs/{lab.pk}/members/{alice.pk}/role", {"role": "member"})
    assert "A lab needs an owner" in html
    html = post(client, f"/labs/{lab.pk}/leave")
    assert "A lab needs an owner" in html
    assert role(lab, alice) == Role.OWNER


def test_bad_role_value_is_a_message(client: Client, lab: Lab, alice: User, bob: User) -> None:
    client.force_login(alice)
    html = post(client, f"/labs/{lab.pk}/members/{bob.pk}/role", {"role": "emperor"})
    assert "Select a valid choice" in html
    assert role(lab, bob) == Role.MEMBER


def test_owner_removes_a_member(client: Client, lab: Lab, alice: User, bob: User) -> None:
    client.force_login(alice)
    html = post(client, f"/labs/{lab.pk}/members/{bob.pk}/remove")
    assert "Removed Bob from the lab" in html
    assert role(lab, bob) is None
    assert Activity.objects.filter(lab=lab, actor=bob, verb=Activity.Verb.LEFT).exists()


def test_removing_someone_not_in_the_lab_is_404(
    client: Client, lab: Lab, alice: User, charlie: User
) -> None:
    client.force_login(alice)
    assert client.post(f"/labs/{lab.pk}/members/{charlie.pk}/remove").status_code == 404


def test_member_leaves(client: Client, lab: Lab, bob: User) -> None:
    client.force_login(bob)
    response = client.post(f"/labs/{lab.pk}/leave")
    assert response["Location"] == "/labs/"
    assert role(lab, bob) is None
    assert client.get(f"/labs/{lab.pk}/").status_code == 404


def test_owner_renames_and_member_cannot(client: Client, lab: Lab, alice: User, bob: User) -> None:
    client.force_login(bob)
    post(client, f"/labs/{lab.pk}/rename", {"name": "Bob Lab"})
    assert Lab.objects.get(pk=lab.pk).name == "Alice Lab"
    client.force_login(alice)
    html = post(client, f"/labs/{lab.pk}/rename", {"name": "Vision group"})
    assert "Renamed the lab" in html
    assert Lab.objects.get(pk=lab.pk).name == "Vision group"
    assert Library.objects.get(lab=lab).name == "Vision group"


# Invitations (managing them)


def test_owner_creates_a_link_invitation_shown_once(
    client: Client, lab: Lab, alice: User, charlie: User
) -> None:
    client.force_login(alice)
    html = post(
        client,
        f"/labs/{lab.pk}/invitations",
        {"email": "", "role": "viewer", "max_uses": 5, "expires_in_days": 7},
    )
    invitation = Invitation.objects.get(lab=lab)
    assert (invitation.role, invitation.max_uses, invitation.email) == ("viewer", 5, "")
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    match = re.search(r"http://testserver/invitations/([\w-]+)/", html)
    assert match is not None
    token = match.group(1)
    assert token != invitation.token  # only the hash is stored
    assert "0 of 5" in html  # listed as pending
    assert token not in page(client, f"/labs/{lab.pk}/")  # shown only once
    # The link works for whoever opens it.
    client.force_login(charlie)
    assert "Join Alice Lab?" in page(client, f"/invitations/{token}/")


def test_email_invitation_is_mailed_for_one_use(
    client: Client,
    lab: Lab,
    alice: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        html = post(
            client,
            f"/labs/{lab.pk}/invitations",
            {"email": "dora@example.org", "role": "member", "max_uses": 3, "expires_in_days": 14},
        )
    assert "Invitation emailed to dora@example.org" in html
    invitation = Invitation.objects.get(lab=lab)
    assert (invitation.email, invitation.max_uses) == ("dora@example.org", 1)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["dora@example.org"]


def test_member_cannot_invite_and_bad_input_is_reported(
    client: Client, lab: Lab, alice: User, bob: User
) -> None:
    client.force_login(bob)
    html = post(client, f"/labs/{lab.pk}/invitations", {"role": "member", "expires_in_days": 3})
    assert "does not allow this" in html
    client.force_login(alice)
    html = post(client, f"/labs/{lab.pk}/invitations", {"role": "owner", "expires_in_days": 3})
    assert "Select a valid choice" in html
    html = post(client, f"/labs/{lab.pk}/invitations", {"role": "member", "expires_in_days": 365})
    assert "Expires in days" in html
    assert not Invitation.objects.exists()


def test_revoke_invitation(client: Client, lab: Lab, alice: User, bob: User) -> None:
    issued = create_invitation(user=alice, lab=lab, email="dora@example.org")
    url = f"/labs/{lab.pk}/invitations/{issued.invitation.pk}/revoke"
    client.force_login(bob)
    post(client, url)
    assert Invitation.objects.get().revoked_at is None
    client.force_login(alice)
    assert "dora@example.org" in page(client, f"/labs/{lab.pk}/")
    html = post(client, url)
    assert "Invitation revoked" in html
    assert Invitation.objects.get().revoked_at is not None
    assert "dora@example.org" not in html  # no longer pending


def test_revoking_another_labs_invitation_is_404(
    client: Client, lab: Lab, alice: User, charlie: User
) -> None:
    other = create_lab(owner=charlie, name="Other")
    issued = create_invitation(user=charlie, lab=other)
    client.force_login(alice)
    response = client.post(f"/labs/{lab.pk}/invitations/{issued.invitation.pk}/revoke")
    assert response.status_code == 404
    assert Invitation.objects.get().revoked_at is None


# Invitations (opening one)


def test_accepting_a_link_invitation_joins_the_lab(
    client: Client, lab: Lab, alice: User, charlie: User
) -> None:
    issued = create_invitation(user=alice, lab=lab, role=Role.VIEWER)
    client.force_login(charlie)
    html = page(client, f"/invitations/{issued.token}/")
    assert "Join Alice Lab?" in html
    assert "Alice invited you" in html
    assert "<strong>viewer</strong>" in html
    response = client.post(f"/invitations/{issued.token}/accept")
    assert response["Location"] == f"/labs/{lab.pk}/"
    assert role(lab, charlie) == Role.VIEWER
    assert "you joined as viewer" in page(client, f"/labs/{lab.pk}/")
    assert Invitation.objects.get().uses == 1


def test_invitation_without_trailing_slash_redirects_to_the_page(
    client: Client, lab: Lab, alice: User, charlie: User
) -> None:
    issued = create_invitation(user=alice, lab=lab)
    client.force_login(charlie)
    response = client.get(f"/invitations/{issued.token}")
    assert response.status_code == 301
    assert response["Location"] == f"/invitations/{issued.token}/"


def test_member_opening_an_invitation_is_told_they_are_in(
    client: Client, lab: Lab, alice: User, bob: User
) -> None:
    issued = create_invitation(user=alice, lab=lab, role=Role.VIEWER)
    client.force_login(bob)
    assert "You are already in Alice Lab" in page(client, f"/invitations/{issued.token}/")
    html = post(client, f"/invitations/{issued.token}/accept")
    assert "You are already in" in html
    assert role(lab, bob) == Role.MEMBER
    assert Invitation.objects.get().uses == 0


def test_unknown_invitation_is_a_clear_404_page(client: Client, charlie: User) -> None:
    client.force_login(charlie)
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    response = client.post("/invitations/not-a-real-token/accept", follow=True)
    assert response.redirect_chain == [("/invitations/not-a-real-token/", 302)]
    assert "This invitation link is not valid" in response.content.decode()
    assert not Membership.objects.filter(user=charlie).exists()


def test_revoked_expired_and_used_up_invitations_are_refused(
    client: Client, lab: Lab, alice: User, charlie: User
) -> None:
    client.force_login(charlie)
    revoked = create_invitation(user=alice, lab=lab)
    revoke_invitation(user=alice, invitation=revoked.invitation)
    assert "was revoked" in page(client, f"/invitations/{revoked.token}/")
    html = post(client, f"/invitations/{revoked.token}/accept")
    assert "can no longer be used: revoked" in html

    expired = create_invitation(user=alice, lab=lab)
    Invitation.objects.filter(pk=expired.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert "has expired" in page(client, f"/invitations/{expired.token}/")
    assert "expired" in post(client, f"/invitations/{expired.token}/accept")

    used = create_invitation(user=alice, lab=lab)
    Invitation.objects.filter(pk=used.invitation.pk).update(uses=1)
    assert "used up" in page(client, f"/invitations/{used.token}/")
    assert "used up" in post(client, f"/invitations/{used.token}/accept")
    assert role(lab, charlie) is None


def test_email_invitation_opened_by_someone_else(
    client: Client, lab: Lab, alice: User, charlie: User
) -> None:
    issued = create_invitation(user=alice, lab=lab, email="dora@example.org")
    client.force_login(charlie)
    html = page(client, f"/invitations/{issued.token}/")
    assert "sent to another email address" in html
    assert "Alice Lab" not in html  # nothing about the lab to the wrong person
    assert "Accept" not in html
    html = post(client, f"/invitations/{issued.token}/accept")
    assert "sent to another email address" in html
    post(client, f"/invitations/{issued.token}/decline")
    assert role(lab, charlie) is None
    assert Invitation.objects.get().declined_at is None


def test_declining_an_email_invitation_closes_it(client: Client, lab: Lab, alice: User) -> None:
    dora = UserFactory(email="dora@example.org", name="Dora")
    issued = create_invitation(user=alice, lab=lab, email="Dora@Example.org")
    client.force_login(dora)
    response = client.post(f"/invitations/{issued.token}/decline")
    assert response["Location"] == "/labs/"
    assert Invitation.objects.get().declined_at is not None
    assert role(lab, dora) is None
    assert "was declined" in page(client, f"/invitations/{issued.token}/")


# Feeds


def test_admin_turns_feeds_on_rotates_and_off(
    client: Client, lab: Lab, alice: User, bob: User
) -> None:
    client.force_login(alice)
    post(client, f"/labs/{lab.pk}/feeds", {"action": "rotate"})
    lab.refresh_from_db()
    first = lab.feed_token
    assert first
    html = page(client, f"/labs/{lab.pk}/")
    assert f"http://testserver/api/v1/public/labs/{first}/calendar.ics" in html
    post(client, f"/labs/{lab.pk}/feeds", {"action": "rotate"})
    lab.refresh_from_db()
    assert lab.feed_token
    assert lab.feed_token != first
    # Members see the link (to subscribe) but cannot change it.
    client.force_login(bob)
    assert f"/api/v1/public/labs/{lab.feed_token}/calendar.ics" in page(client, f"/labs/{lab.pk}/")
    kept = lab.feed_token
    assert "does not allow this" in post(client, f"/labs/{lab.pk}/feeds", {"action": "disable"})
    lab.refresh_from_db()
    assert lab.feed_token == kept
    client.force_login(alice)
    post(client, f"/labs/{lab.pk}/feeds", {"action": "disable"})
    lab.refresh_from_db()
    assert lab.feed_token is None
    assert "feeds are off" in page(client, f"/labs/{lab.pk}/")


# Activity, who read what, journal club


def test_activity_who_read_and_journal_club(
    client: Client, lab: Lab, alice: User, bob: User, saved: SaveFn
) -> None:
    read = saved(alice, 1, title="Deep residual learning", library=lab.library)
    untouched = saved(alice, 2, title="Nobody touched this", library=lab.library)
    set_reading_status(entry=read, user=bob, status="read")
    set_reading_status(entry=read, user=alice, status="reading")
    now = timezone.now()
    schedule_session(
        user=alice, entry=read, starts_at=now + timedelta(days=2), presenter=bob, location="Room 7"
    )
    schedule_session(user=alice, entry=untouched, starts_at=now - timedelta(days=5))
    client.force_login(bob)
    html = page(client, f"/labs/{lab.pk}/")
    who_read = html.split('id="who-read-title"')[1].split("</section>")[0]
    assert "Deep residual learning" in who_read
    assert "Nobody touched this" not in who_read
    assert '<span class="status status-read">read</span>' in who_read
    assert '<span class="status status-reading">reading</span>' in who_read
    club = html.split('id="club-title"')[1].split("</section>")[0]
    upcoming, past = club.split("<h3>Past</h3>")
    assert "Deep residual learning" in upcoming
    assert "Room 7" in upcoming
    assert "Bob" in upcoming
    assert "Nobody touched this" in past
    activity = html.split('id="activity-title"')[1]
    assert f'href="/entries/{read.pk}/"' in activity
    assert "Bob read" in activity


def test_lab_page_costs_the_same_for_few_or_many_rows(
    client: Client,
    lab: Lab,
    alice: User,
    saved: SaveFn,
    django_assert_max_num_queries: Any,
    settings: Any,
) -> None:
    # The rows are made faster than invitation mail may go out.
    settings.INVITATION_EMAILS_PER_ACCOUNT_HOUR = settings.INVITATION_EMAILS_PER_LAB_DAY = 1000
    client.force_login(alice)
    rotate_feed_token(user=alice, lab=lab)

    def grow(start: int, stop: int) -> None:
        for n in range(start, stop):
            member = UserFactory()
            add_member(lab=lab, user=member)
            entry = saved(alice, n, library=lab.library)
            set_reading_status(entry=entry, user=member, status="read")
            schedule_session(
                user=alice,
                entry=entry,
                starts_at=timezone.now() + timedelta(days=n - 10),
                presenter=member,
            )
            create_invitation(user=alice, lab=lab, email=f"guest{n}@example.org")

    grow(0, 3)
    with CaptureQueriesContext(connection) as queries:
        page(client, f"/labs/{lab.pk}/")
    few = len(queries)
    grow(3, 30)
    with django_assert_max_num_queries(few):
        html = page(client, f"/labs/{lab.pk}/")
    assert "guest29@example.org" in html
    assert few <= 15


# Escaping


def test_lab_name_entry_title_and_names_are_escaped(
    client: Client, alice: User, bob: User, saved: SaveFn
) -> None:
    lab = create_lab(owner=alice, name=XSS)
    User.objects.filter(pk=bob.pk).update(name=XSS)
    add_member(lab=lab, user=bob)
    entry = saved(alice, 1, title=XSS, library=lab.library)
    set_reading_status(entry=entry, user=bob, status="read")
    schedule_session(
        user=alice,
        entry=entry,
        starts_at=timezone.now() + timedelta(days=1),
        location=XSS,
        presenter=bob,
    )
    issued = create_invitation(user=alice, lab=lab)
    client.force_login(alice)
    for url in (f"/labs/{lab.pk}/", "/labs/"):
        html = page(client, url)
        assert XSS_ESCAPED in html
        assert_inert(html)
    html = post(client, f"/labs/{lab.pk}/rename", {"name": XSS + "!"})
    assert_inert(html)
    charlie = UserFactory(email="charlie@example.org")
    client.force_login(charlie)
    html = page(client, f"/invitations/{issued.token}/")
    assert XSS_ESCAPED in html
    assert_inert(html)
