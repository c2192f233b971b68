"""Pages and feeds that need no login: a public list (page + Atom) and a lab's secret feeds.

The URL's token is the only credential. Nothing private is shown: a public list shows its
entries and what its curators wrote for the public about each (`ReadingListItem.public_note`),
never the library's notes, reading states or comments; the lab feeds show titles, times,
presenters and counts. Responses ask browsers not
to send the token on in a Referer header, and search engines not to index them.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from readinglist.digest import build_digest, digest_week_ends
from readinglist.feeds import (
    ATOM_CONTENT_TYPE,
    ICS_CONTENT_TYPE,
    AtomEntry,
    CalendarEvent,
    atom_feed,
    icalendar,
)
from readinglist.markdown import render as render_markdown
from readinglist.models import JournalClubSession, Lab, ReadingList, ReadingListItem
from readinglist.services.labs import lab_for_feed_token

MAX_TOKEN_LENGTH = 100
PUBLIC_LIST_MAX_ITEMS = 500
CALENDAR_PAST_DAYS = 180
DIGEST_WEEKS = 4


def _private_headers(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, max-age=300"
    return response


def _public_list(token: str) -> ReadingList:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    found = ReadingList.objects.filter(public_token=token).first()
    if found is None:
        raise Http404
    return found


def _list_items(reading_list: ReadingList) -> list[dict[str, object]]:
    items = list(
        ReadingListItem.objects.filter(reading_list=reading_list)
        .select_related("entry")
        .order_by("position", "id")[:PUBLIC_LIST_MAX_ITEMS]
    )
    return [
        {
            "entry_id": item.entry_id,
            "title": item.entry.title or item.entry.url or "Untitled",
            "url": item.entry.url,
            "authors": ", ".join(str(a) for a in item.entry.authors[:20]),
            "note_html": render_markdown(item.public_note) if item.public_note else "",
            "updated": max(item.updated_at, item.entry.updated_at),
        }
        for item in items
    ]


@require_safe
def public_list_page(request: HttpRequest, token: str) -> HttpResponse:
    reading_list = _public_list(token)
    context = {
        "reading_list": reading_list,
        "description_html": render_markdown(reading_list.description),
        "items": _list_items(reading_list),
        "atom_url": reverse("public-list-atom", args=[token]),
    }
    return _private_headers(render(request, "labs/public_list.html", context))


@require_safe
def public_list_atom(request: HttpRequest, token: str) -> HttpResponse:
    reading_list = _public_list(token)
    items = _list_items(reading_list)
    page = request.build_absolute_uri(reverse("public-list", args=[token]))
    entries = [
        AtomEntry(
            id=f"{page}#entry-{item['entry_id']}",
            title=str(item["title"]),
            updated=item["updated"],  # type: ignore[arg-type]
            link=str(item["url"]),
            summary=str(item["authors"]),
            content_html=str(item["note_html"]),
        )
        for item in items
    ]
    updated = max([reading_list.updated_at, *(e.updated for e in entries)])
    body = atom_feed(
        feed_id=page,
        title=reading_list.name,
        subtitle=reading_list.description[:500],
        updated=updated,
        self_link=request.build_absolute_uri(),
        alternate_link=page,
        entries=entries,
    )
    return _private_headers(HttpResponse(body, content_type=ATOM_CONTENT_TYPE))


def _feed_lab(token: str) -> Lab:
    lab = lab_for_feed_token(token)
    if lab is None:
        raise Http404
    return lab


@require_safe
def lab_calendar(request: HttpRequest, token: str) -> HttpResponse:
    lab = _feed_lab(token)
    now = timezone.now()
    sessions = (
        JournalClubSession.objects.filter(
            library__lab=lab, starts_at__gte=now - timedelta(days=CALENDAR_PAST_DAYS)
        )
        .select_related("entry", "presenter")
        .order_by("starts_at", "id")[:1000]
    )
    host = request.get_host().split(":")[0] or "readinglist"
    events = [
        CalendarEvent(
            uid=f"session-{session.key}@{host}",
            starts_at=session.starts_at,
            duration=timedelta(minutes=session.duration_minutes),
            summary=f"Journal club: {session.entry.title or 'a paper'}",
            description="\n".join(
                line
                for line in (
                    f"Presenter: {session.presenter.display_name}" if session.presenter else "",
                    session.entry.url,
                    "Discussed." if session.discussed_at else "",
                )
                if line
            ),
            location=session.location,
            url=session.entry.url,
            updated=session.updated_at,
        )
        for session in sessions
    ]
    body = icalendar(name=f"{lab.name} journal club", events=events, now=now)
    response = HttpResponse(body.encode(), content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="journal-club.ics"'
    return _private_headers(response)


@require_safe
def lab_digest_atom(request: HttpRequest, token: str) -> HttpResponse:
    lab = _feed_lab(token)
    self_link = request.build_absolute_uri()
    entries = []
    for end in digest_week_ends(lab=lab, now=timezone.now(), weeks=DIGEST_WEEKS):
        digest = build_digest(lab=lab, until=end)
        entries.append(
            AtomEntry(
                id=f"{self_link}#week-{end:%Y-%m-%d}",
                title=f"{lab.name}: week of {digest.since:%d %b %Y}",
                updated=end,
                content_html=render_to_string("labs/digest_email.html", {"digest": digest}),
            )
        )
    body = atom_feed(
        feed_id=self_link,
        title=f"{lab.name} weekly digest",
        # A lab younger than a whole week has no digest yet; the feed is empty but valid.
        updated=entries[0].updated if entries else lab.created_at,
        self_link=self_link,
        entries=entries,
    )
    return _private_headers(HttpResponse(body, content_type=ATOM_CONTENT_TYPE))
