"""The real worker process (`manage.py worker`) against PostgreSQL: it runs the queue, and a
worker killed with SIGKILL in the middle of an import leaves a job that another worker
finishes (bounded: a few thousand records, two worker processes, about half a minute)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from readinglist.io.formats import Format
from readinglist.models import Entry, ImportJob, User
from readinglist.services.accounts import personal_library
from readinglist.services.imports import start_import
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]

ROOT = Path(__file__).resolve().parents[2]
# 2,000 keeps CI quick; WORKER_KILL_RECORDS=5000 runs the size.
RECORDS = int(os.environ.get("WORKER_KILL_RECORDS", "2000"))


def generated_bib(count: int) -> str:
    return "\n".join(
        f"@article{{w{n}, title={{A study of thing number {n}}}, author={{Author, Number {n}}},"
        f" journal={{Journal of Tests}}, year={{{1990 + n % 30}}}}}"
        for n in range(count)
    )


def worker_environment() -> dict[str, str]:
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    return {
        **os.environ,
        "DATABASE_URL": url,  # the test database, where this test commits
        "IMPORT_STALE_SECONDS": "5",
        "ENRICHMENT_ENABLED": "false",
        "DJANGO_DEBUG": "true",
    }


@pytest.fixture
def start_worker() -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
                "--sweep-interval",
                "1",
            ],
            cwd=ROOT,
            env=worker_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def job_now(job: ImportJob) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)


def test_an_import_killed_with_its_worker_is_finished_by_another(
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    user: User = UserFactory(email="importer@example.org")
    library = personal_library(user)
    job = start_import(
        user=user, library=library, format=Format.BIBTEX, text=generated_bib(RECORDS), total=RECORDS
    )

    first = start_worker()
    wait_for(lambda: job_now(job).done >= 200, seconds=60)  # mid-import, progress reported
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed = job_now(job)
    assert killed.status == ImportJob.Status.RUNNING  # what a dead worker leaves behind
    # What it committed is exactly the batches it reported; the open batch died with it.
    assert Entry.objects.filter(library=library).count() == killed.done
    assert len(killed.report["items"]) == killed.done

    start_worker()  # another worker's sweep sees the heartbeat stop and runs it again
    wait_for(lambda: job_now(job).status == ImportJob.Status.DONE, seconds=60 + RECORDS / 20)

    finished = job_now(job)
    assert (finished.attempts, finished.done, finished.total) == (2, RECORDS, RECORDS)
    assert finished.report["added"] == RECORDS
    assert Entry.objects.filter(library=library).count() == RECORDS
