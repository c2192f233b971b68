"""Atom and iCalendar feeds: they parse back, and they leak nothing private."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from readinglist.feeds import CalendarEvent, icalendar
from readinglist.models import Entry, Lab, Library, User
from readinglist.services import discussion, journal_club
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper, set_reading_status
from readinglist.services.entry_metadata import edit_details
from readinglist.services.labs import publish_list, rotate_feed_token
from readinglist.services.lists import add_to_list, create_list, set_public_note

A = "{http://www.w3.org/2005/Atom}"
SECRET = "PRIVATE-NOTE-DO-NOT-LEAK"
COMMENT = "COMMENT-TEXT-DO-NOT-LEAK"


def parse_ics(text: str) -> list[dict[str, str]]:
    """A strict RFC 5545 reader: CRLF lines <= 75 octets, unfolding, BEGIN/END nesting."""
    assert text.endswith("\r\n")
    raw_lines = text.split("\r\n")[:-1]
    for line in raw_lines:
        assert len(line.encode()) <= 75, line
        assert "\n" not in line
        assert "\r" not in line
    unfolded: list[str] = []
    for line in raw_lines:
        if line.startswith(" "):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    assert unfolded[0] == "BEGIN:VCALENDAR"
    assert unfolded[-1] == "END:VCALENDAR"
    events: list[dict[str, str]] = []
    stack: list[str] = []
    for line in unfolded:
        name, sep, value = line.partition(":")
        assert sep, line
        assert re.fullmatch(r"[A-Z-]+", name), line
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value
        elif stack[-1] == "VEVENT":
            events[-1][name] = (
                value.replace("\\n", "\n")
                .replace("\\,", ",")
                .replace("\\;", ";")
                .replace("\\\\", "\\")
            )
    assert stack == []
    for event in events:
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(event)
        datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%SZ")
    return events


def test_ics_writer_escapes_and_folds() -> None:
    summary = "Journal club: A, B; C\\D\nnext line " + "é" * 60
    text = icalendar(
        name="Lab",
        now=datetime(2025, 1, 1, tzinfo=UTC),
        events=[
            CalendarEvent(
                uid="1@x",
                starts_at=datetime(2025, 1, 2, 15, tzinfo=UTC),
                duration=timedelta(minutes=90),
                summary=summary,
            )
        ],
    )
    (event,) = parse_ics(text)
    assert event["SUMMARY"] == summary
    assert (event["DTSTART"], event["DTEND"]) == ("20250102T150000Z", "20250102T163000Z")


@pytest.fixture
def lab_library(lab: Lab) -> Library:
    return Library.objects.get(lab=lab)


@pytest.fixture
def busy_lab(alice: User, bob: User, lab: Lab, lab_library: Library) -> Lab:
    saved = save_paper(
        user=bob,
        url="https://arxiv.org/abs/2106.09608",
        library=lab_library,
        note="Shared <b>note</b>",
    )
    edit_details(user=alice, entry=saved.entry, changes={"title": "Attention & <Friends>"})
    state = set_reading_status(entry=saved.entry, user=alice, status="read")
    state.private_note = SECRET
    state.save()
    discussion.create_comment(user=bob, entry=saved.entry, body=COMMENT)
    journal_club.schedule_session(
        user=bob,
        entry=saved.entry,
        presenter=alice,
        starts_at=timezone.now() + timedelta(days=2),
        location="Room 1, 2nd floor",
    )
    return lab


@pytest.mark.django_db
def test_lab_calendar_parses_and_leaks_nothing(
    alice: User, busy_lab: Lab, anon_client: APIClient
) -> None:
    token = rotate_feed_token(user=alice, lab=busy_lab)
    response = anon_client.get(f"/api/v1/public/labs/{token}/calendar.ics")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Referrer-Policy"] == "no-referrer"
    text = response.content.decode()
    (event,) = parse_ics(text)
    assert event["SUMMARY"] == "Journal club: Attention & <Friends>"
    assert event["LOCATION"] == "Room 1, 2nd floor"
    assert "Presenter: Alice" in event["DESCRIPTION"]
    for private in (SECRET, COMMENT, "@example.org"):
        assert private not in text


@pytest.mark.django_db
def test_feed_token_rotation_kills_old_urls(
    alice: User, busy_lab: Lab, anon_client: APIClient
) -> None:
    old = rotate_feed_token(user=alice, lab=busy_lab)
    new = rotate_feed_token(user=alice, lab=busy_lab)
    assert anon_client.get(f"/api/v1/public/labs/{old}/calendar.ics").status_code == 404
    assert anon_client.get(f"/api/v1/public/labs/{new}/digest.atom").status_code == 200
    assert anon_client.get("/api/v1/public/labs/guess/calendar.ics").status_code == 404


def parse_atom(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == f"{A}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{A}{required}") is not None
    for entry in root.findall(f"{A}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(f"{A}{required}") is not None
        datetime.fromisoformat(entry.findtext(f"{A}updated", "").replace("Z", "+00:00"))
    return root


@pytest.mark.django_db
def test_lab_digest_atom_parses_and_leaks_nothing(
    alice: User, busy_lab: Lab, anon_client: APIClient
) -> None:
    # Old enough for every week the feed shows to be one the lab lived through.
    Lab.objects.filter(pk=busy_lab.pk).update(created_at=timezone.now() - timedelta(days=60))
    token = rotate_feed_token(user=alice, lab=busy_lab)
    response = anon_client.get(f"/api/v1/public/labs/{token}/digest.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse_atom(response.content)
    assert len(root.findall(f"{A}entry")) == 4
    for private in (SECRET, COMMENT, "@example.org"):
        assert private not in response.content.decode()


@pytest.mark.django_db
def test_public_list_page_and_atom_show_curator_notes_safely(
    alice: User, bob: User, busy_lab: Lab, lab_library: Library, anon_client: APIClient
) -> None:
    entry = Entry.objects.get(library=lab_library)
    reading_list = create_list(user=alice, library=lab_library, name="Must <read>")
    item, _ = add_to_list(user=alice, reading_list=reading_list, entry=entry)
    set_public_note(user=alice, item=item, note="<script>alert(1)</script> **key**")
    token = publish_list(user=alice, reading_list=reading_list).public_token
    assert token

    page = anon_client.get(f"/api/v1/public/lists/{token}/")
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "Must &lt;read&gt;" in html
    assert "<strong>key</strong>" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    # The library's own notes (Bob's, saved with the paper) are not the curators' to publish.
    assert "Shared" not in html
    for private in (SECRET, COMMENT, "@example.org"):
        assert private not in html

    feed = anon_client.get(f"/api/v1/public/lists/{token}/feed.atom")
    root = parse_atom(feed.content)
    (atom_item,) = root.findall(f"{A}entry")
    assert atom_item.findtext(f"{A}title") == "Attention & <Friends>"
    content = atom_item.findtext(f"{A}content") or ""
    assert "<strong>key</strong>" in content
    assert "<script>" not in content
    for private in ("Shared", SECRET, COMMENT, "@example.org"):
        assert private not in feed.content.decode()


@pytest.mark.django_db
def test_unknown_public_list_is_404(alice: User, anon_client: APIClient) -> None:
    create_list(user=alice, library=personal_library(alice), name="Not public")
    assert anon_client.get("/api/v1/public/lists/none/").status_code == 404
    assert anon_client.get("/api/v1/public/lists/none/feed.atom").status_code == 404


@pytest.mark.django_db
def test_digest_command_mails_text_and_html_to_each_member(busy_lab: Lab) -> None:
    call_command("send_lab_digest", "--lab", str(busy_lab.pk))
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    message = mail.outbox[0]
    assert "Attention & <Friends>" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert "Attention &amp; &lt;Friends&gt;" in html
    assert "Journal club" in message.body
    assert "presented by Alice" in message.body
    for private in (SECRET, COMMENT):
        assert private not in message.body
        assert private not in html
