"""The weekly lab digest: new entries, most read, discussions, upcoming journal club.

Built from lab-level facts only: titles (as the lab's library sees them), counts,
presenters and what registries reported about the lab's papers. No reading state of any one
person, no private note and no comment text goes into it, so the same digest can be mailed to
members and published on the lab's secret Atom URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, Q
from django.template.loader import render_to_string

from readinglist.models import (
    Entry,
    JournalClubSession,
    Lab,
    Library,
    PaperEvent,
    RadarPaper,
    User,
)

DIGEST_DAYS = 7
TOP = 10


@dataclass(frozen=True)
class DigestItem:
    title: str
    url: str
    count: int = 0


@dataclass(frozen=True)
class PaperUpdate:
    title: str
    url: str
    what: str  # "v3 on arXiv", "published: 10.1145/..."


@dataclass(frozen=True)
class UpcomingSession:
    title: str
    url: str
    starts_at: datetime
    presenter: str


@dataclass(frozen=True)
class Digest:
    lab_name: str
    since: datetime
    until: datetime
    new_entries: list[DigestItem]
    most_read: list[DigestItem]
    discussions: list[DigestItem]
    upcoming: list[UpcomingSession]
    # New arXiv versions and publications of the lab's preprints, as registries reported.
    paper_updates: list[PaperUpdate] = field(default_factory=list)
    paper_update_count: int = 0
    # The week's radar papers the lab saved, by how many members are reading or read them.
    radar: list[DigestItem] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.new_entries
            or self.most_read
            or self.discussions
            or self.upcoming
            or self.paper_updates
            or self.radar
        )


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the week holding `moment`: digests cover whole, stable weeks."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def digest_week_ends(*, lab: Lab, now: datetime, weeks: int) -> list[datetime]:
    """Ends of the last `weeks` whole weeks, newest first, none before the lab's first week:
    a feed of empty weeks from before the lab existed says nothing."""
    first = week_start(lab.created_at)
    ends: list[datetime] = []
    end = week_start(now)
    while len(ends) < weeks and end - timedelta(days=DIGEST_DAYS) >= first:
        ends.append(end)
        end -= timedelta(days=DIGEST_DAYS)
    return ends


def build_digest(*, lab: Lab, until: datetime, days: int = DIGEST_DAYS) -> Digest:
    since = until - timedelta(days=days)
    library = Library.objects.get(lab=lab)
    entries = Entry.objects.filter(library=library)
    new = entries.filter(added_at__gte=since, added_at__lt=until).order_by("-added_at", "-id")
    most_read = (
        entries.annotate(
            n=Count(
                "states",
                filter=Q(
                    states__status="read", states__read_at__gte=since, states__read_at__lt=until
                ),
            )
        )
        .filter(n__gt=0)
        .order_by("-n", "-id")
    )
    talked = (
        entries.annotate(
            n=Count(
                "comments",
                filter=Q(comments__created_at__gte=since, comments__created_at__lt=until),
            )
        )
        .filter(n__gt=0)
        .order_by("-n", "-id")
    )
    sessions = (
        JournalClubSession.objects.filter(
            library=library,
            starts_at__gte=until,
            starts_at__lt=until + timedelta(days=14),
            discussed_at__isnull=True,
        )
        .select_related("entry", "presenter")
        .order_by("starts_at", "id")
    )
    events = PaperEvent.objects.filter(
        paper_id__in=entries.values("paper_id"), detected_at__gte=since, detected_at__lt=until
    ).order_by("-detected_at", "-id")
    shown_events = list(events[:TOP])
    found_this_week = RadarPaper.objects.filter(
        lab=lab, fetched_on__gte=since.date(), fetched_on__lt=until.date()
    )
    radar = (
        entries.filter(
            paper__identifiers__scheme="arxiv",
            paper__identifiers__value__in=found_this_week.values("arxiv_id"),
        )
        .annotate(n=Count("states", filter=~Q(states__status="unread"), distinct=True))
        .order_by("-n", "-added_at", "-id")
    )
    seen_as = {
        paper_id: (title, url)
        for paper_id, title, url in entries.filter(
            paper_id__in={event.paper_id for event in shown_events}
        ).values_list("paper_id", "title", "url")
    }
    return Digest(
        lab_name=lab.name,
        since=since,
        until=until,
        new_entries=[DigestItem(e.title, e.url) for e in new[:TOP]],
        most_read=[DigestItem(e.title, e.url, e.n) for e in most_read[:TOP]],  # type: ignore[attr-defined]
        discussions=[DigestItem(e.title, e.url, e.n) for e in talked[:TOP]],  # type: ignore[attr-defined]
        upcoming=[
            UpcomingSession(
                s.entry.title,
                s.entry.url,
                s.starts_at,
                s.presenter.display_name if s.presenter else "",
            )
            for s in sessions[:TOP]
        ],
        paper_updates=[
            PaperUpdate(*seen_as[event.paper_id], _update_text(event))
            for event in shown_events
            if event.paper_id in seen_as
        ],
        paper_update_count=events.count(),
        radar=[DigestItem(e.title, e.url, e.n) for e in radar[:TOP]],  # type: ignore[attr-defined]
    )


def _update_text(event: PaperEvent) -> str:
    if event.kind == PaperEvent.Kind.NEW_VERSION:
        return f"v{event.detail} on arXiv"
    return f"published: {event.detail}"


def render_digest(digest: Digest) -> tuple[str, str]:
    """(plain text, HTML); the templates autoescape every value."""
    context = {"digest": digest}
    return (
        render_to_string("labs/digest_email.txt", context),
        render_to_string("labs/digest_email.html", context),
    )


def send_digest(*, lab: Lab, until: datetime, days: int = DIGEST_DAYS) -> int:
    """Mail the digest to every member with an active account; returns how many were sent."""
    digest = build_digest(lab=lab, until=until, days=days)
    if digest.is_empty:
        return 0
    text, html = render_digest(digest)
    recipients = User.objects.filter(memberships__lab=lab, is_active=True).values_list(
        "email", flat=True
    )
    sent = 0
    for address in recipients.order_by("id"):
        message = EmailMultiAlternatives(
            subject=f"{lab.name}: the week in papers ({until:%d %b %Y})",
            body=text,
            to=[address],  # one message each: members never see each other's addresses
        )
        message.attach_alternative(html, "text/html")
        sent += message.send()
    return sent
