"""What the worker does between tasks: pick up work whose worker died.

A worker killed mid-task leaves its task "running" in the queue for good. The work itself
knows better: an import job stops beating (`ImportJob.heartbeat_at`), and a paper waiting for
its registries has a retry time long past. Any running worker's sweep notices both and queues
them again; the jobs themselves decide, under a row lock, which run may proceed.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from readinglist.models import Paper
from readinglist.services.imports import resume_stalled_imports
from readinglist.services.notification_email import send_due_emails
from readinglist.services.notifications import remind_presenters
from readinglist.services.queue import queue_enrichment
from readinglist.services.radar import queue_due_radars

# A paper whose registries were due this long ago and still wait lost its task.
LOST_ENRICHMENT_AFTER = timedelta(minutes=15)
# At most this many papers queued again per sweep (a backlog drains over several sweeps).
REQUEUE_BATCH = 200


def requeue_lost_enrichment() -> int:
    """Queue again the papers whose enrichment task was lost (and, after an upgrade, those
    never asked); returns how many."""
    if not settings.ENRICHMENT_ENABLED:
        return 0
    now = timezone.now()
    with transaction.atomic():
        papers = list(
            Paper.objects.select_for_update(skip_locked=True)
            .filter(
                enrichment=Paper.Enrichment.PENDING,
                enrichment_retry_at__lt=now - LOST_ENRICHMENT_AFTER,
                merged_into__isnull=True,
            )
            .only("id", "enrichment")
            .order_by("enrichment_retry_at")[:REQUEUE_BATCH]
        )
        if papers:
            Paper.objects.filter(pk__in=[p.pk for p in papers]).update(enrichment_retry_at=now)
        for paper in papers:
            queue_enrichment(paper)
    return len(papers)


def sweep() -> dict[str, int]:
    return {
        "imports_resumed": resume_stalled_imports(),
        "enrichment_requeued": requeue_lost_enrichment(),
        # Not lost work, but due on a clock: the sweep is the worker's clock.
        "presenters_reminded": remind_presenters(),
        "notification_emails": send_due_emails(),
        "radars_queued": queue_due_radars(),
    }
