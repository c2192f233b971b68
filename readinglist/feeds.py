"""Writers for the two feed formats the labs publish: Atom (RFC 4287) and iCalendar (RFC 5545).

Both are built from plain dataclasses so what goes into a feed is decided in one place by the
caller (never a model instance that might carry private fields).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"

# XML 1.0 forbids most control characters; strip them rather than emit an unparseable feed.
_XML_INVALID = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _xml_text(value: str) -> str:
    return value.translate(_XML_INVALID)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class AtomEntry:
    id: str  # a stable IRI, e.g. "tag:example.org,2024:entry/12"
    title: str
    updated: datetime
    link: str = ""
    summary: str = ""
    content_html: str = ""
    authors: Sequence[str] = field(default_factory=tuple)


def atom_feed(
    *,
    feed_id: str,
    title: str,
    updated: datetime,
    self_link: str,
    entries: Sequence[AtomEntry],
    subtitle: str = "",
    alternate_link: str = "",
) -> bytes:
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text:
            element.text = _xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", feed_id)
    sub(feed, "title", title or "Untitled")
    if subtitle:
        sub(feed, "subtitle", subtitle)
    sub(feed, "updated", _rfc3339(updated))
    sub(feed, "link", rel="self", href=self_link)
    if alternate_link:
        sub(feed, "link", rel="alternate", type="text/html", href=alternate_link)
    # RFC 4287 wants an author on the feed or on every entry.
    sub(sub(feed, "author"), "name", "Reading list")
    for item in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", item.id)
        sub(entry, "title", item.title or "Untitled")
        sub(entry, "updated", _rfc3339(item.updated))
        if item.link:
            sub(entry, "link", rel="alternate", href=item.link)
        for name in item.authors:
            sub(sub(entry, "author"), "name", name)
        if item.summary:
            sub(entry, "summary", item.summary)
        if item.content_html:
            sub(entry, "content", item.content_html, type="html")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    duration: timedelta
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    updated: datetime | None = None
    status: str = "CONFIRMED"


def _ics_escape(value: str) -> str:
    value = value.translate(_XML_INVALID)
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines longer than 75 octets continue on the next line after a space."""
    out: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
            limit = 74  # the continuation line's leading space counts
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def icalendar(*, name: str, events: Sequence[CalendarEvent], now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//readinglist//journal club//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_escape(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_ics_escape(event.uid)}",
            f"DTSTAMP:{_ics_time(event.updated or now)}",
            f"DTSTART:{_ics_time(event.starts_at)}",
            f"DTEND:{_ics_time(event.starts_at + event.duration)}",
            f"SUMMARY:{_ics_escape(event.summary)}",
            f"STATUS:{event.status}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{_ics_escape(event.description)}")
        if event.location:
            lines.append(f"LOCATION:{_ics_escape(event.location)}")
        if event.url:
            lines.append("URL:" + "".join(event.url.split()))  # a URI: no text escaping
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
