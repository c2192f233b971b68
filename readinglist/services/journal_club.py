"""Journal club: schedule a lab entry for a session, then mark it discussed with its notes.

Members and above schedule, change and cancel sessions; everyone in the lab sees them (and,
through the lab's secret calendar URL, any calendar app the lab subscribes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readinglist.access import LabPermissionDenied
from readinglist.models import Activity, Entry, JournalClubSession, Library, Note, Tombstone, User
from readinglist.services.labs import record_activity, role_of
from readinglist.services.notifications import notify_presenter
from readinglist.services.versioning import begin_library_write, current_row, delete_with_tombstone

MAX_LOCATION_LENGTH = 200


def _require_member(*, user: User, library: Library) -> None:
    if library.lab_id is None:
        raise ValidationError({"entry": "Journal club sessions are for lab entries."})
    role = role_of(user=user, lab=library.lab)  # type: ignore[arg-type]
    if role is None or not role.can_edit:
        raise LabPermissionDenied("members and above run the journal club")


def _check_presenter(presenter: User | None, library: Library) -> None:
    if presenter is None:
        return
    if not presenter.memberships.filter(lab_id=library.lab_id or 0).exists():
        raise ValidationError({"presenter": "The presenter must be a member of the lab."})


# Sessions are recorded a while back and planned a while ahead; far-off dates are typos (and
# a date near year 9999 would overflow the calendar feed's end time).
SESSION_WINDOW = timedelta(days=5 * 366)


def _check_time(starts_at: datetime) -> None:
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Give a time zone (e.g. 2025-01-31T15:00:00Z)."})
    now = timezone.now()
    if not now - SESSION_WINDOW <= starts_at <= now + SESSION_WINDOW:
        raise ValidationError({"starts_at": "Choose a time within five years of today."})


@cache
def time_zones() -> frozenset[str]:
    """IANA zone names this system knows (reading the tz database once per process)."""
    return frozenset(available_timezones())


def clean_time_zone(name: str) -> str:
    if name not in time_zones():
        raise ValidationError({"time_zone": "Choose a time zone such as Europe/Berlin."})
    return name


def local_to_utc(local: datetime, time_zone: str) -> datetime:
    """A wall-clock time as a person in `time_zone` means it, as the UTC instant to store."""
    return local.replace(tzinfo=ZoneInfo(clean_time_zone(time_zone))).astimezone(UTC)


def schedule_session(
    *,
    user: User,
    entry: Entry,
    starts_at: datetime,
    presenter: User | None = None,
    duration_minutes: int = 60,
    location: str = "",
    time_zone: str = "UTC",
) -> JournalClubSession:
    """`starts_at` is an instant; `time_zone` is the zone the scheduler thinks in, which
    pages use to show it as they meant it."""
    _check_time(starts_at)
    time_zone = clean_time_zone(time_zone)
    with transaction.atomic():
        _require_member(user=user, library=entry.library)
        _check_presenter(presenter, entry.library)
        library = begin_library_write(library_id=entry.library_id)
        session = JournalClubSession.objects.create(
            library=library,
            entry=entry,
            starts_at=starts_at,
            presenter=presenter,
            duration_minutes=duration_minutes,
            location=location.strip()[:MAX_LOCATION_LENGTH],
            time_zone=time_zone,
            version=library.version,
        )
        record_activity(
            lab_id=library.lab_id,  # type: ignore[arg-type]
            actor=user,
            verb=Activity.Verb.SCHEDULED,
            entry_id=entry.pk,
        )
        notify_presenter(session=session, actor=user)
    return session


def update_session(
    *,
    user: User,
    session: JournalClubSession,
    changes: dict[str, object],
    base_version: int | None = None,
) -> JournalClubSession:
    """Change `starts_at`, `duration_minutes`, `location`, `time_zone` and/or `presenter`
    (None clears)."""
    if "starts_at" in changes:
        _check_time(changes["starts_at"])  # type: ignore[arg-type]
    if "time_zone" in changes:
        clean_time_zone(str(changes["time_zone"]))
    with transaction.atomic():
        _require_member(user=user, library=session.library)
        if "presenter" in changes:
            _check_presenter(changes["presenter"], session.library)  # type: ignore[arg-type]
        library = begin_library_write(library_id=session.library_id)
        session = current_row(session, base_version=base_version)
        presenter_before = session.presenter_id
        for name in ("starts_at", "duration_minutes", "location", "time_zone", "presenter"):
            if name in changes:
                setattr(session, name, changes[name])
        session.version = library.version
        session.save()
        if session.presenter_id != presenter_before:
            notify_presenter(session=session, actor=user)
    return session


def cancel_session(
    *, user: User, session: JournalClubSession, base_version: int | None = None
) -> Library:
    with transaction.atomic():
        _require_member(user=user, library=session.library)
        library = begin_library_write(library_id=session.library_id)
        session = current_row(session, base_version=base_version)
        delete_with_tombstone(
            session, library=library, object_type=Tombstone.ObjectType.SESSION, deleted_by=user
        )
    return library


def mark_discussed(
    *, user: User, session: JournalClubSession, notes: Sequence[Note] = ()
) -> JournalClubSession:
    """Record that the session happened and link the notes taken (shared notes on its entry)."""
    with transaction.atomic():
        _require_member(user=user, library=session.library)
        if any(note.entry_id != session.entry_id for note in notes):
            raise ValidationError({"notes": "Link notes on the session's entry only."})
        library = begin_library_write(library_id=session.library_id)
        session = current_row(session)
        session.discussed_at = session.discussed_at or timezone.now()
        session.version = library.version
        session.save(update_fields=["discussed_at", "version", "updated_at"])
        session.notes.add(*notes)
        record_activity(
            lab_id=library.lab_id,  # type: ignore[arg-type]
            actor=user,
            verb=Activity.Verb.DISCUSSED,
            entry_id=session.entry_id,
        )
    return session
