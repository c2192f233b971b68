"""Enrichment throughput of one worker, with recorded registry responses (no network).

Saves N papers by arXiv id (half of them in a second library too, so each answer reaches two
libraries), then runs the real queue in this process with django-tasks-db's `Worker` in batch
mode (claim under SKIP LOCKED, run, record the result), the registries answering from the
recorded arXiv response of tests/enrichment/fixtures (templated per id, with a journal DOI of
its own that then asks Crossref and DataCite, which answer "not found"). Prints papers per
second, milliseconds and SQL statements per paper. What it measures is the worker's own
cost: against the real registries their latency (and arXiv's 3-second courtesy delay) decides.

Runs against PostgreSQL in a throwaway database it creates and drops (default
`bench_enrichment`, on the server DATABASE_URL names):

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/enrichment.py \
        [--papers 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "enrichment" / "fixtures" / "arxiv_2108.04010.xml"
RECORDED_ID = "2108.04010"
RECORDED_DOI = "10.1088/1674-1137/ac66cc"
sys.path.insert(0, str(ROOT))


def production_like_settings(**overrides: str) -> None:
    """The environment every bench script's Django runs with: production settings (no debug,
    no query log), then `overrides`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 50)
    os.environ.setdefault("SITE_URL", "https://bench.example.org")
    os.environ.update(overrides)


@contextmanager
def throwaway_database(name: str) -> Iterator[None]:
    import dj_database_url
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://user@host:port/db (the bench needs PostgreSQL).")
    params = dj_database_url.parse(url)
    if params["NAME"] == name:
        sys.exit(f"DATABASE_URL already names {name!r}; the bench drops that database.")
    admin = {"host": params["HOST"] or None, "port": params["PORT"] or None}
    admin |= {"user": params["USER"] or None, "dbname": params["NAME"]}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def recorded_registries() -> Any:
    """arXiv answers every id with the recorded entry, renamed; everything else: not found."""
    from readinglist.enrichment.http import NotFound

    body = FIXTURE.read_text(encoding="utf-8")

    def get(url: str) -> bytes:
        if url.startswith("https://export.arxiv.org/api/query?id_list="):
            arxiv_id = url.rsplit("=", 1)[1]
            # One work per id: its own id, title and journal DOI (a shared DOI would merge them).
            own = body.replace(RECORDED_ID, arxiv_id).replace(RECORDED_DOI, f"10.5555/{arxiv_id}")
            return own.replace("Measurement of", f"Measurement {arxiv_id} of").encode()
        raise NotFound(url)

    return get


def one_run(papers: int, run: int) -> tuple[float, int]:
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    from readinglist.models import Entry
    from readinglist.services.accounts import create_user
    from readinglist.services.entries import save_paper

    first = create_user(email=f"bench{run}a@example.org", password=None)
    second = create_user(email=f"bench{run}b@example.org", password=None)
    for n in range(papers):
        url = f"arXiv:23{run % 12 + 1:02d}.{n:05d}"
        save_paper(user=first, url=url, tags=["bench"])
        if n % 2 == 0:
            save_paper(user=second, url=url)
    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"bench-{run}",
        excluded_queue_names=[],
    )
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        worker.run()
    elapsed = time.perf_counter() - started
    filled = Entry.objects.filter(library__owner=first).exclude(title="").count()
    if filled != papers:
        sys.exit(f"only {filled} of {papers} entries were filled")
    return elapsed, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db-name", default="bench_enrichment")
    args = parser.parse_args()
    production_like_settings()
    with throwaway_database(args.db_name):
        import logging

        import django

        django.setup()
        logging.getLogger("django.tasks").setLevel(logging.WARNING)
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        from django.core.management import call_command

        import readinglist.enrichment.http as http

        call_command("migrate", verbosity=0)
        http.fetch = recorded_registries()
        results = [one_run(args.papers, run) for run in range(args.runs)]
    seconds = statistics.median(elapsed for elapsed, _ in results)
    statements = statistics.median(count for _, count in results)
    print(f"{args.papers} papers, {args.runs} runs, median:")
    print(f"  {args.papers / seconds:.0f} papers/s per worker")
    print(f"  {1000 * seconds / args.papers:.1f} ms per paper")
    print(f"  {statements / args.papers:.1f} SQL statements per paper")


if __name__ == "__main__":
    main()
