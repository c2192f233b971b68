"""Background tasks: the entry points the worker runs (`manage.py worker`).

Each is a thin trampoline into the module that does the work; the services queue them
through `readinglist.services.queue`, never directly.
"""

from __future__ import annotations

from django.tasks import task


@task()
def enrich_paper(paper_id: int) -> None:
    """Ask the registries about a paper and apply what they say (`enrichment.worker`)."""
    # Imported on call: the worker's modules queue tasks themselves, so they import this one.
    from readinglist.enrichment.worker import run_enrichment

    run_enrichment(paper_id)


@task()
def run_import(job_id: int) -> None:
    """Run (or resume) an import job (`services.imports`)."""
    from readinglist.services.imports import run_import_job

    run_import_job(job_id)


@task()
def run_lab_radar(lab_id: int) -> None:
    """Fetch new arXiv papers for a lab's follows (`services.radar`); records, never raises."""
    from readinglist.services.radar import run_radar

    run_radar(lab_id)
