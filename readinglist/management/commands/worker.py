"""`manage.py worker`: run queued tasks (imports, enrichment) and sweep for abandoned work.

It is django-tasks-db's `db_worker` plus a sweep every `--sweep-interval` seconds
(`readinglist.services.housekeeping`). Run as many as you like, on any machines that reach the
database: they share the queue and never run one task twice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from readinglist.services.housekeeping import sweep

logger = logging.getLogger("readinglist.worker")


def _sweep_forever(interval: float) -> None:
    while True:
        try:
            done = sweep()
            if any(done.values()):
                logger.info("sweep: %s", done)
        except Exception:  # a sweep that fails must not stop the worker; the next one retries
            logger.exception("sweep failed")
        finally:
            connections.close_all()  # this thread's own connections
        time.sleep(interval)


class Command(DatabaseWorkerCommand):
    help = "Run the background worker: queued tasks, and a sweep for work whose worker died."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=30.0,
            help="Seconds between sweeps for abandoned imports and lost enrichment (default 30)",
        )
        parser.set_defaults(queue_name="*")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options.pop("sweep_interval")
        # With autoreload the parent only watches files; the child does the work.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            threading.Thread(
                target=_sweep_forever, args=(interval,), name="sweep", daemon=True
            ).start()
        super().handle(*args, **options)
