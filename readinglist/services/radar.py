"""The lab radar: what a lab follows on arXiv, who mutes what, and the daily run.

Admins and owners choose the follows; every member may mute a follow for themselves. The
worker's sweep queues each lab with follows once a day (`queue_due_radars`); the task asks
arXiv for each category and author followed (`enrichment.arxiv_listing`), and a keyword
follow marks the papers of those listings whose title or abstract says it. A run stores each
paper once per lab, so running it again adds nothing, and records how it went on the lab's
`RadarRun` instead of raising: the page shows "last checked" or the error.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from readinglist.enrichment import arxiv_listing
from readinglist.enrichment.arxiv import ARXIV_CATEGORY
from readinglist.enrichment.arxiv_listing import ListedPaper
from readinglist.enrichment.http import Fetch, FetchError
from readinglist.errors import DomainError, ErrorKind
from readinglist.metadata import clean_text
from readinglist.models import (
    MAX_RADAR_VALUE_LENGTH,
    Lab,
    RadarFollow,
    RadarMute,
    RadarPaper,
    RadarRun,
    User,
)
from readinglist.roles import Role
from readinglist.services.labs import require_role
from readinglist.services.queue import queue_radar

logger = logging.getLogger(__name__)

# arXiv asks API clients to wait this long between requests.
REQUEST_INTERVAL = 3.0
# Papers submitted this many days before the run count as new: arXiv announces nothing at
# weekends and holidays, and a run that failed for a day or two should catch up.
LOOKBACK_DAYS = 7
MAX_FOLLOWS_PER_LAB = 50
MAX_ERROR_LENGTH = 2000
# Labs queued per sweep; the rest are queued by the next sweeps the same day.
QUEUE_BATCH = 100
_SPACE = re.compile(r"\s+")


class InvalidFollow(DomainError):
    field = "value"


class AlreadyFollowed(DomainError):
    kind = ErrorKind.CONFLICT
    default_message = "The lab already follows this."


class TooManyFollows(DomainError):
    kind = ErrorKind.TOO_MANY
    default_message = f"A lab follows at most {MAX_FOLLOWS_PER_LAB} items; remove one first."


def clean_follow_value(kind: RadarFollow.Kind, value: str) -> str:
    """The value as stored: a category as arXiv spells it ("cs.CL"), an author's name with
    its spacing tidied, a keyword case-folded (so "LLM" and "llm" are one follow)."""
    text = _SPACE.sub(" ", clean_text(value)).strip()
    if not text:
        raise InvalidFollow("Say what to follow.")
    if len(text) > MAX_RADAR_VALUE_LENGTH:
        raise InvalidFollow(f"At most {MAX_RADAR_VALUE_LENGTH} characters.")
    if kind == RadarFollow.Kind.CATEGORY:
        if not ARXIV_CATEGORY.fullmatch(text):
            raise InvalidFollow("Not an arXiv category (like cs.CL, hep-th or q-bio.NC).")
        return text
    if '"' in text:
        # The value goes into the API query as a quoted phrase.
        raise InvalidFollow("Leave out double quotes.")
    return text.casefold() if kind == RadarFollow.Kind.KEYWORD else text


def follow(*, user: User, lab: Lab, kind: RadarFollow.Kind, value: str) -> RadarFollow:
    cleaned = clean_follow_value(kind, value)
    with transaction.atomic():
        require_role(user=user, lab=lab, at_least=Role.ADMIN)
        follows = RadarFollow.objects.filter(lab=lab)
        if follows.filter(kind=kind, value=cleaned).exists():
            raise AlreadyFollowed()
        if follows.count() >= MAX_FOLLOWS_PER_LAB:
            raise TooManyFollows()
        return RadarFollow.objects.create(lab=lab, kind=kind, value=cleaned, created_by=user)


def unfollow(*, user: User, follow: RadarFollow) -> None:
    """Stop following; papers it found stay while another follow matched them too."""
    with transaction.atomic():
        require_role(user=user, lab=follow.lab, at_least=Role.ADMIN)
        RadarPaper.objects.filter(lab_id=follow.lab_id, matched_follows=follow).exclude(
            matched_follows__in=RadarFollow.objects.filter(lab_id=follow.lab_id).exclude(
                pk=follow.pk
            )
        ).delete()
        follow.delete()


def mute(*, user: User, follow: RadarFollow) -> None:
    with transaction.atomic():
        require_role(user=user, lab=follow.lab, at_least=Role.VIEWER)
        RadarMute.objects.get_or_create(follow=follow, user=user)


def unmute(*, user: User, follow: RadarFollow) -> None:
    with transaction.atomic():
        require_role(user=user, lab=follow.lab, at_least=Role.VIEWER)
        RadarMute.objects.filter(follow=follow, user=user).delete()


# The daily run


@dataclass
class _Found:
    paper: ListedPaper
    follow_ids: set[int] = field(default_factory=set)


def run_radar(
    lab_id: int,
    *,
    get: Fetch | None = None,
    today: date | None = None,
    pause: float | None = None,
) -> RadarRun | None:
    """Fetch the lab's follows from arXiv and store the new papers; returns the run status
    (None if the lab is gone). Never raises: a failure is the status's `error`."""
    if not Lab.objects.filter(pk=lab_id).exists():
        return None
    day = today or timezone.now().date()
    try:
        found, errors = _gather(
            list(RadarFollow.objects.filter(lab_id=lab_id).order_by("id")),
            get=get or arxiv_listing.fetch_with_timeout,
            since=day - timedelta(days=LOOKBACK_DAYS),
            pause=REQUEST_INTERVAL if pause is None else pause,
        )
        added = _store(lab_id, found.values(), day)
    except Exception as error:
        # Whatever went wrong, the lab sees it in the status; the task itself never fails.
        logger.exception("lab radar of lab %s failed", lab_id)
        return _record(lab_id, added=0, error=f"Internal error ({type(error).__name__}).")
    return _record(lab_id, added=added, error="; ".join(errors))


def _gather(
    follows: list[RadarFollow], *, get: Fetch, since: date, pause: float
) -> tuple[dict[str, _Found], list[str]]:
    found: dict[str, _Found] = {}
    errors: list[str] = []
    asked = 0
    # Network outside any transaction: a slow arXiv must not hold database locks.
    for item in follows:
        if item.kind == RadarFollow.Kind.KEYWORD:
            continue
        if asked and pause:
            time.sleep(pause)
        asked += 1
        try:
            listed = arxiv_listing.listing(item.kind, item.value, get=get)
        except FetchError as error:
            # One unreachable query should not hide what the others found.
            errors.append(str(error))
            continue
        for paper in listed:
            if paper.published >= since:
                found.setdefault(paper.arxiv_id, _Found(paper)).follow_ids.add(item.pk)
    keywords = [item for item in follows if item.kind == RadarFollow.Kind.KEYWORD]
    for hit in found.values():
        text = f"{hit.paper.title} {hit.paper.abstract}".casefold()
        hit.follow_ids.update(item.pk for item in keywords if item.value in text)
    return found, errors


def _store(lab_id: int, found: Iterable[_Found], day: date) -> int:
    hits = list(found)
    if not hits:
        return 0
    with transaction.atomic():
        existing = set(
            RadarPaper.objects.filter(
                lab_id=lab_id, arxiv_id__in=[hit.paper.arxiv_id for hit in hits]
            ).values_list("arxiv_id", flat=True)
        )
        # A unique row per lab and paper: a second run, or two at once, add nothing.
        RadarPaper.objects.bulk_create(
            [
                RadarPaper(
                    lab_id=lab_id,
                    arxiv_id=hit.paper.arxiv_id,
                    title=hit.paper.title,
                    authors=list(hit.paper.authors),
                    abstract=hit.paper.abstract,
                    primary_category=hit.paper.primary_category,
                    published=hit.paper.published,
                    fetched_on=day,
                )
                for hit in hits
                if hit.paper.arxiv_id not in existing
            ],
            ignore_conflicts=True,
        )
        paper_ids = dict(
            RadarPaper.objects.filter(
                lab_id=lab_id, arxiv_id__in=[hit.paper.arxiv_id for hit in hits]
            ).values_list("arxiv_id", "id")
        )
        # A follow removed while the run was fetching matches nothing.
        live = set(RadarFollow.objects.filter(lab_id=lab_id).values_list("id", flat=True))
        Match = RadarPaper.matched_follows.through
        Match.objects.bulk_create(
            [
                Match(radarpaper_id=paper_ids[hit.paper.arxiv_id], radarfollow_id=follow_id)
                for hit in hits
                if hit.paper.arxiv_id in paper_ids
                for follow_id in sorted(hit.follow_ids & live)
            ],
            ignore_conflicts=True,
        )
    return len(set(paper_ids) - existing)


def _record(lab_id: int, *, added: int, error: str) -> RadarRun:
    run, _ = RadarRun.objects.update_or_create(
        lab_id=lab_id,
        defaults={
            "ran_at": timezone.now(),
            "succeeded": not error,
            "error": error[:MAX_ERROR_LENGTH],
            "added": added,
        },
    )
    return run


def queue_due_radars(*, today: date | None = None) -> int:
    """Queue the radar of every lab with follows not yet queued today; returns how many."""
    day = today or timezone.now().date()
    with transaction.atomic():
        due = list(
            Lab.objects.filter(radar_follows__isnull=False)
            .exclude(radar_run__queued_on__gte=day)
            .values_list("id", flat=True)
            .distinct()
            .order_by("id")[:QUEUE_BATCH]
        )
        for lab_id in due:
            RadarRun.objects.update_or_create(lab_id=lab_id, defaults={"queued_on": day})
            queue_radar(lab_id)
    return len(due)
