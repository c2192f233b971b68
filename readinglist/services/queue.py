"""Queueing background work from inside a write: it starts once the write commits.

The tasks run on the worker (`manage.py worker`, django-tasks-db's queue in the project's
database). With that queue a task is a row written in the same transaction as the write that
wants it, so the two commit together or not at all; other backends are handed the task when
the write commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.tasks import Task
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from readinglist import tasks
from readinglist.models import Paper

# Schemes a registry answers for (`readinglist.enrichment`).
REGISTRY_SCHEMES = frozenset({"arxiv", "doi", "openreview", "acl", "pmid", "pmcid", "isbn"})


def _enqueue_on_commit(
    task: Task[..., None], *args: object, delay: timedelta | None = None
) -> None:
    backend = task.get_backend()
    if delay is not None:
        if not backend.supports_defer:
            return  # a backend that runs tasks at once cannot wait: the worker's sweep will
        task = task.using(run_after=timezone.now() + delay)
    if isinstance(backend, DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))


def queue_enrichment(paper: Paper, *, delay: timedelta | None = None) -> None:
    """Have the worker ask the registries about `paper` (now, or after `delay`).

    The paper's `enrichment` state says the registries are waiting; callers that did not
    just create the paper mark it with `mark_enrichment_pending` first.
    """
    if settings.ENRICHMENT_ENABLED and paper.enrichment == Paper.Enrichment.PENDING:
        _enqueue_on_commit(tasks.enrich_paper, paper.pk, delay=delay)


def queue_enrichment_of(papers: Sequence[Paper]) -> None:
    """`queue_enrichment` for many papers at once: one INSERT of their tasks with the
    project's database queue (an import queues hundreds per batch), else one hand-over each
    at commit."""
    waiting = [p.pk for p in papers if p.enrichment == Paper.Enrichment.PENDING]
    if not settings.ENRICHMENT_ENABLED or not waiting:
        return
    task = tasks.enrich_paper
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        for paper_id in waiting:
            _enqueue_on_commit(task, paper_id)
        return
    backend.validate_task(task)
    # The rows `DatabaseBackend.enqueue` writes one at a time (its pre_save handler's
    # "no run_after" is the far-future date, set here as bulk_create sends no signals).
    DBTaskResult.objects.bulk_create(
        [
            DBTaskResult(
                id=backend._get_id(),
                args_kwargs={"args": [paper_id], "kwargs": {}},
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after or get_date_max(),
                backend_name=backend.alias,
            )
            for paper_id in waiting
        ]
    )


def mark_enrichment_pending(paper: Paper, *, delay: timedelta | None = None) -> None:
    """Record that the registries will be asked (again) about `paper`, and queue it; a paper
    no registry knows is marked so instead."""
    if not paper.identifiers.filter(scheme__in=REGISTRY_SCHEMES).exists():
        Paper.objects.filter(pk=paper.pk).update(enrichment=Paper.Enrichment.NONE)
        paper.enrichment = Paper.Enrichment.NONE
        return
    paper.enrichment = Paper.Enrichment.PENDING
    paper.enrichment_retry_at = timezone.now() + (delay or timedelta())
    Paper.objects.filter(pk=paper.pk).update(
        enrichment=paper.enrichment, enrichment_retry_at=paper.enrichment_retry_at
    )
    queue_enrichment(paper, delay=delay)


def queue_import(job_id: int) -> None:
    _enqueue_on_commit(tasks.run_import, job_id)


def queue_radar(lab_id: int) -> None:
    """Have the worker fetch the lab's radar (`services.radar.run_radar`)."""
    _enqueue_on_commit(tasks.run_lab_radar, lab_id)
