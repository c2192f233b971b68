"""How long a device's catch-up takes on the server, as the library grows.

For libraries of 1k, 10k and 100k entries (each with 2 tags and a reading state, bulk-inserted
at old versions), make 10 changes through the real services, then time
`GET /api/v1/libraries/{id}/changes?since=<version before the changes>` through Django's test
client (median and p95 over --runs, plus the SQL query count), and a full sync of the 10k
library from since=0 with limit=500. Catch-up should stay flat as the library grows.

Runs against PostgreSQL only, in a throwaway database it creates and drops itself (default
`bench_sync`, on the server named by DATABASE_URL); the database named in DATABASE_URL is only
used to reach the server, never read or written:

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/sync_catchup.py \
        [--sizes 1000,10000,100000] [--runs 30] [--explain]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
TAGS_PER_LIBRARY = 20
ROWS_PER_OLD_VERSION = 50  # old rows arrived in batches, 50 per library version
BATCH = 5000
FULL_SYNC_SIZE = 10_000
FULL_SYNC_LIMIT = 500


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="entries per library, a,b,c")
    parser.add_argument("--runs", type=int, default=30, help="timed catch-up requests per size")
    parser.add_argument("--db-name", default="bench_sync", help="throwaway database to create")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of the catch-up queries"
    )
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    return args


# The throwaway database.


def server_url_and_params() -> tuple[str, dict[str, Any]]:
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://user@host:port/db (the bench needs PostgreSQL).")
    return url, dj_database_url.parse(url)


@contextmanager
def throwaway_database(name: str) -> Iterator[None]:
    """Create `name` on the DATABASE_URL server, point Django at it, drop it afterwards."""
    import psycopg
    from psycopg import sql

    url, params = server_url_and_params()
    if params["NAME"] == name:
        sys.exit(f"DATABASE_URL already names {name!r}; the bench drops that database.")
    admin = {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
    }

    def run_admin(statement: sql.Composable) -> None:
        # Any database on the server will do to create or drop another one.
        for dbname in ("postgres", params["NAME"]):
            try:
                with psycopg.connect(dbname=dbname, autocommit=True, **admin) as connection:
                    connection.execute(statement)
                return
            except psycopg.OperationalError:
                if dbname == params["NAME"]:
                    raise

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    run_admin(drop)  # a crashed earlier run may have left it
    run_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        run_admin(drop)
        os.environ["DATABASE_URL"] = url


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from enrichment import production_like_settings

    # Production-like: no DEBUG query log, no HTTPS redirect for the in-process client.
    production_like_settings(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SSL_REDIRECT="0",
        DB_CONN_MAX_AGE="600",
    )
    # No collected static files here, and the API serves none.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # lets the test client's "testserver" host through
    call_command("migrate", verbosity=0)


# Building a library.


def build_library(size: int, block: int) -> tuple[Any, Any, list[Any]]:
    """A user whose personal library holds `size` entries at old versions."""
    from django.db import connection, transaction

    from readinglist.models import Entry, EntryTag, Paper, PaperIdentifier, ReadingState, Tag
    from readinglist.services.accounts import create_user, personal_library

    user = create_user(email=f"bench{size}@example.org", password=None, name=f"Bench {size}")
    library = personal_library(user)
    old_version = 1 + (size - 1) // ROWS_PER_OLD_VERSION
    statuses = ("unread", "reading", "read")
    with transaction.atomic():
        tags = Tag.objects.bulk_create(
            [
                Tag(library=library, name=f"tag-{n}", folded=f"tag-{n}", version=1)
                for n in range(TAGS_PER_LIBRARY)
            ]
        )
        entries: list[Any] = []
        for start in range(0, size, BATCH):
            numbers = range(start, min(start + BATCH, size))
            # Unique arXiv ids per library: 1501.NNNNN, 1502.NNNNN, ... (throwaway database).
            ids = [f"15{block:02d}.{n:05d}" for n in numbers]
            papers = Paper.objects.bulk_create(
                [Paper(title=f"Bench paper {i}", url=f"https://arxiv.org/abs/{i}") for i in ids]
            )
            PaperIdentifier.objects.bulk_create(
                [
                    PaperIdentifier(paper=paper, scheme="arxiv", value=i)
                    for paper, i in zip(papers, ids, strict=True)
                ]
            )
            batch = Entry.objects.bulk_create(
                [
                    Entry(
                        library=library,
                        paper=paper,
                        added_by=user,
                        version=1 + n // ROWS_PER_OLD_VERSION,
                        title=paper.title,
                        url=paper.url,
                    )
                    for paper, n in zip(papers, numbers, strict=True)
                ]
            )
            EntryTag.objects.bulk_create(
                [
                    EntryTag(entry=entry, tag=tags[(n + k * 7) % TAGS_PER_LIBRARY])
                    for entry, n in zip(batch, numbers, strict=True)
                    for k in (0, 1)
                ]
            )
            ReadingState.objects.bulk_create(
                [
                    ReadingState(
                        library=library,
                        entry=entry,
                        user=user,
                        status=statuses[n % 3],
                        version=entry.version,
                    )
                    for entry, n in zip(batch, numbers, strict=True)
                ]
            )
            entries.extend(batch)
        library.version = old_version
        library.save(update_fields=["version"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum would do after a bulk load
    return user, library, entries


def make_ten_changes(user: Any, entries: list[Any], block: int) -> None:
    """Ten writes through the real services: new saves, a re-save, tag and status edits."""
    from readinglist.services.entries import save_paper, update_entry

    picks = [entries[len(entries) * k // 7] for k in range(6)]  # spread over the library
    for n in range(4):
        url = f"arXiv:2501.{block:02d}{n:03d}"
        save_paper(user=user, url=url, tags=["new", "tag-1"], status="reading")
    save_paper(user=user, url=f"arXiv:{picks[0].paper.identifiers.get().value}")
    for entry in picks[1:4]:
        update_entry(user=user, entry=entry, add=["tag-3"], remove=["tag-0"])
    for entry in picks[4:6]:
        update_entry(user=user, entry=entry, state={"status": "read"})


# Measuring.


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def client_for(user: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user=user)
    return client


def time_catch_up(user: Any, library: Any, since: int, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(user)
    url = f"/api/v1/libraries/{library.pk}/changes"
    params = {"since": since}
    for _ in range(5):  # warm caches and the connection
        client.get(url, params)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, params)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url, params).json()
    assert body["next"] is None
    assert body["until"] == since + 10, body["until"]
    return {
        "median": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "queries": len(queries.captured_queries),
        "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "rows": len(body["changes"]),
        "sql": [q["sql"] for q in queries.captured_queries],
    }


def time_full_sync(user: Any, library: Any, repeats: int = 3) -> dict[str, Any]:
    client = client_for(user)
    url = f"/api/v1/libraries/{library.pk}/changes"
    totals, pages, rows = [], 0, 0
    for _ in range(repeats):
        pages = rows = 0
        params: dict[str, Any] = {"since": 0, "limit": FULL_SYNC_LIMIT}
        start = time.perf_counter()
        while True:
            body = client.get(url, params).json()
            pages += 1
            rows += len(body["changes"])
            if body["next"] is None:
                break
            params = {"cursor": body["next"], "limit": FULL_SYNC_LIMIT}
        totals.append(time.perf_counter() - start)
    return {"total": statistics.median(totals), "pages": pages, "rows": rows}


def explain(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            print("\n" + statement[:400] + (" ..." if len(statement) > 400 else ""))
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
            for (line,) in cursor.fetchall():
                print("    " + line)


def main() -> None:
    args = parse_args()
    server_url_and_params()  # fail early without PostgreSQL
    began = time.perf_counter()
    with throwaway_database(args.db_name):
        setup_django()
        from django.db import connection

        print(
            f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs,"
            f" Python {platform.python_version()}, {connection.vendor} "
            f"{connection.pg_version // 10000}, database {args.db_name!r} (dropped after)"
        )
        results = []
        for block, size in enumerate(args.sizes, start=1):
            load_start = time.perf_counter()
            user, library, entries = build_library(size, block)
            load_time = time.perf_counter() - load_start
            library.refresh_from_db()
            since = library.version
            make_ten_changes(user, entries, block)
            catch_up = time_catch_up(user, library, since, args.runs)
            full = time_full_sync(user, library) if size == FULL_SYNC_SIZE else None
            results.append((size, load_time, catch_up, full))
            print(f"# built {size:,} entries in {load_time:.1f} s", flush=True)

        print()
        print(f"Catch-up: GET changes?since=<version before 10 changes>, {args.runs} runs")
        header = ("entries", "feed rows", "median ms", "p95 ms", "SQL queries", "SQL ms")
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---:" for _ in header) + "|")
        for size, _, catch_up, _ in results:
            print(
                f"| {size:,} | {catch_up['rows']} | {catch_up['median'] * 1000:.1f} "
                f"| {catch_up['p95'] * 1000:.1f} | {catch_up['queries']} "
                f"| {catch_up['sql_ms']:.1f} |"
            )
        for size, _, _, full in results:
            if full is not None:
                print()
                print(
                    f"Full sync of {size:,} entries (since=0, limit={FULL_SYNC_LIMIT}): "
                    f"{full['pages']} pages, {full['rows']:,} changes, "
                    f"{full['total']:.2f} s (median of 3), "
                    f"{full['total'] / full['pages'] * 1000:.0f} ms per page"
                )
        smallest, largest = results[0][2]["median"], results[-1][2]["median"]
        ratio = largest / smallest
        print()
        print(f"Catch-up at {results[-1][0]:,} vs {results[0][0]:,} entries: x{ratio:.2f}")
        if args.explain or ratio > 3:
            print("\nEXPLAIN ANALYZE of the catch-up queries at the largest size:")
            explain(results[-1][2]["sql"])
    print(f"\n# total bench time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
