"""One display name for a person everywhere; journal-club times across zones; digest weeks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from readinglist.digest import build_digest, digest_week_ends, render_digest
from readinglist.models import Entry, Lab, Library, User
from readinglist.services import journal_club
from readinglist.services.entries import set_reading_status
from readinglist.services.journal_club import local_to_utc
from readinglist.services.labs import add_member, rotate_feed_token
from tests.factories import EntryFactory, UserFactory

pytestmark = pytest.mark.django_db

A = "{http://www.w3.org/2005/Atom}"
# Within the service's five-year window from the test clock, and on both sides of US DST.
WINTER = datetime(timezone.now().year + 1, 1, 15, 14, 0)
SUMMER = datetime(timezone.now().year + 1, 7, 15, 14, 0)


@pytest.fixture
def nameless(lab: Lab) -> User:
    person: User = UserFactory(email="dora.k@example.org", name="")
    add_member(lab=lab, user=person)
    return person


@pytest.fixture
def entry(lab: Lab, bob: User) -> Entry:
    made: Entry = EntryFactory(library=Library.objects.get(lab=lab), added_by=bob, title="Attn")
    return made


def test_display_name_is_the_name_else_the_email_local_part() -> None:
    assert User(email="ada@example.org", name="Ada L.").display_name == "Ada L."
    assert User(email="ada.l@example.org", name="").display_name == "ada.l"


def test_local_time_in_a_zone_becomes_the_utc_instant() -> None:
    assert local_to_utc(WINTER, "America/New_York") == WINTER.replace(hour=19, tzinfo=UTC)
    assert local_to_utc(SUMMER, "America/New_York") == SUMMER.replace(hour=18, tzinfo=UTC)
    with pytest.raises(ValidationError):
        local_to_utc(WINTER, "Mars/Olympus_Mons")


def test_calendar_has_the_utc_instant_and_the_fallback_presenter_name(
    alice: User, bob: User, lab: Lab, entry: Entry, nameless: User, anon_client: APIClient
) -> None:
    for local in (WINTER, SUMMER):
        journal_club.schedule_session(
            user=bob,
            entry=entry,
            starts_at=local_to_utc(local, "America/New_York"),
            presenter=nameless,
            time_zone="America/New_York",
        )
    token = rotate_feed_token(user=alice, lab=lab)
    response = anon_client.get(f"/api/v1/public/labs/{token}/calendar.ics")
    assert response.status_code == HTTPStatus.OK
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    starts = [event.decoded("DTSTART") for event in events]
    assert starts == [WINTER.replace(hour=19, tzinfo=UTC), SUMMER.replace(hour=18, tzinfo=UTC)]
    # Written as UTC ("Z"), so every calendar app agrees on the instant without a VTIMEZONE.
    assert all(start.utcoffset() == timedelta(0) for start in starts)
    assert f"DTSTART:{WINTER:%Y%m%d}T190000Z" in response.content.decode()
    for event in events:
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
        assert "Presenter: dora.k" in str(event["DESCRIPTION"])
    assert "dora.k@" not in response.content.decode()


def test_digest_names_a_nameless_presenter_by_the_fallback(
    bob: User, lab: Lab, entry: Entry, nameless: User
) -> None:
    monday = timezone.now() + timedelta(days=1)
    journal_club.schedule_session(user=bob, entry=entry, starts_at=monday, presenter=nameless)
    digest = build_digest(lab=lab, until=timezone.now())
    assert [session.presenter for session in digest.upcoming] == ["dora.k"]
    text, html = render_digest(digest)
    assert "presented by dora.k" in text
    assert "presented by dora.k" in html
    assert "a member" not in text


def test_who_read_and_activity_show_the_fallback_name(
    lab: Lab, entry: Entry, nameless: User, alice_client: APIClient
) -> None:
    set_reading_status(entry=entry, user=nameless, status="read")
    who = alice_client.get(f"/api/v1/labs/{lab.pk}/who-read/").json()
    assert {m["id"]: m["name"] for m in who["members"]}[nameless.pk] == "dora.k"
    rows = alice_client.get(f"/api/v1/labs/{lab.pk}/activity/").json()["results"]
    assert rows[0]["verb"] == "read"
    assert rows[0]["actor"] == {"id": nameless.pk, "name": "dora.k"}
    members = alice_client.get(f"/api/v1/labs/{lab.pk}/members/").json()["results"]
    assert {m["id"]: m["name"] for m in members}[nameless.pk] == "dora.k"


def test_digest_weeks_start_at_the_week_the_lab_was_created(lab: Lab) -> None:
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # a Thursday
    lab.created_at = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # Wednesday, two weeks back
    assert digest_week_ends(lab=lab, now=now, weeks=4) == [
        datetime(2026, 11, 30, tzinfo=UTC),
        datetime(2026, 11, 23, tzinfo=UTC),  # the week of 16 Nov: the lab's first
    ]
    lab.created_at = now - timedelta(days=1)
    assert digest_week_ends(lab=lab, now=now, weeks=4) == []
    lab.created_at = now - timedelta(days=365)
    assert len(digest_week_ends(lab=lab, now=now, weeks=4)) == 4


def test_a_new_labs_digest_feed_is_empty_but_valid(
    alice: User, lab: Lab, anon_client: APIClient
) -> None:
    token = rotate_feed_token(user=alice, lab=lab)
    response = anon_client.get(f"/api/v1/public/labs/{token}/digest.atom")
    assert response.status_code == HTTPStatus.OK
    root = ET.fromstring(response.content)
    assert root.findall(f"{A}entry") == []
    assert root.findtext(f"{A}updated")
