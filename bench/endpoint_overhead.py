"""Each read endpoint's time beside the time its SQL takes: how much of a request is Python.

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/endpoint_overhead.py

Loads a 10,000-entry library (bench/load.py's generator, the shared Hugging Face listing's
texts) into a throwaway database, then sends each request in-process through Django's full
stack (middleware, token authentication, DRF, JSON rendering) with production settings and
the search results cache off. The SQL time is measured around every statement the request
runs (`connection.execute_wrapper`, so it includes the driver's round trip and row
decoding); the rest is the framework and the project's Python. Prints medians over --runs
requests per endpoint (after warm-up), queries per request and the ratio total / SQL.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from enrichment import production_like_settings, throwaway_database

BENCH_DB = "bench_overhead"


class SqlTimer:
    """An execute wrapper that adds up the time spent inside the database driver."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def measure(send: Callable[[], Any], runs: int) -> tuple[float, float, int]:
    from django.db import connection

    for _ in range(5):  # warm caches: Django's URL resolver, PostgreSQL's buffers and plans
        response = send()
        if response.status_code != 200:
            sys.exit(f"{response.status_code} {response.content[:300]!r}")
    totals: list[float] = []
    sqls: list[float] = []
    queries = 0
    for _ in range(runs):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = send()
            # A streaming or lazy body is rendered when read: count it in the request.
            _ = response.content
            totals.append(time.perf_counter() - started)
        sqls.append(timer.seconds)
        queries = timer.queries
    return statistics.median(totals) * 1000, statistics.median(sqls) * 1000, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()

    production_like_settings(
        SEARCH_CACHE_SECONDS="0", API_THROTTLE_SAVE="off", API_THROTTLE_LOOKUP="off"
    )
    with throwaway_database(BENCH_DB):
        import django

        django.setup()
        import load
        from django.core.management import call_command
        from django.test import Client

        from readinglist.models import Library

        call_command("migrate", verbosity=0)
        library_id, token = load.load_library("overhead@example.org", args.size, prefix=2010)
        version = Library.objects.get(pk=library_id).version
        client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")

        def get(path: str) -> Callable[[], Any]:
            return lambda: client.get(path, secure=True)

        counter = iter(range(10**9))
        endpoints: list[tuple[str, Callable[[], Any]]] = [
            ("list 100", get(f"/api/v1/entries/?library={library_id}&page_size=100")),
            ("search, rare word", get(f"/api/v1/entries/?library={library_id}&q=retrieval")),
            ("search, common word", get(f"/api/v1/entries/?library={library_id}&q=language")),
            (
                "lookup 1 (saved URL)",
                lambda: client.get(
                    f"/api/v1/lookup?url=arXiv:2010.{next(counter) % args.size:05d}", secure=True
                ),
            ),
            (
                "changes, first page (500)",
                get(f"/api/v1/libraries/{library_id}/changes?since=0"),
            ),
            (
                "changes, catch-up (100)",
                get(f"/api/v1/libraries/{library_id}/changes?since={version - 1}"),
            ),
        ]
        print(f"{args.size:,} entries, median of {args.runs} requests each, search cache off")
        print(f"{'endpoint':28} {'total ms':>9} {'SQL ms':>8} {'queries':>8} {'total/SQL':>10}")
        for name, send in endpoints:
            total, sql, queries = measure(send, args.runs)
            print(f"{name:28} {total:9.2f} {sql:8.2f} {queries:8d} {total / sql:9.1f}x")


if __name__ == "__main__":
    main()
