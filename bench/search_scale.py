"""Does uncached search stay fast as a library grows? Rare and common words at 1k/10k/100k.

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/search_scale.py \
        [--sizes 1000,10000,100000] [--runs 30] [--db-name bench_search] [--explain]

Builds one personal library per size (entries made from the shared Hugging Face listing's
titles and abstracts, as bench/load.py does) in a throwaway database it drops, with the
ranked-results cache off (SEARCH_CACHE_SECONDS=0), then times, per size and word group:

- `api`: GET /api/v1/entries/?library=ID&q=WORD through Django in this process (the
  view, the ranked search, the page's rows and their serialization; no HTTP server);
- `sql`: the ranked search's page statement alone (`RankedSearch(...)[0:50]`).

Prints p50/p95 in milliseconds and how many entries matched. "Common" words match about
half of each library, "rare" ones 0-10 %.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from enrichment import production_like_settings, throwaway_database  # noqa: E402

RARE_WORDS = ["retrieval", "vision", "agent", "diffusion", "speech", "graph"]
COMMON_WORDS = ["language", "benchmark"]


def texts() -> list[tuple[str, str]]:
    from readinglist.demo import parse_listing

    listing = ROOT.parent / "shared" / "fixtures" / "hf-papers-listing.txt"
    if not listing.exists():
        sys.exit(f"{listing} is absent: the bench needs real titles and abstracts")
    return [(p.title, p.abstract) for p in parse_listing(listing.read_text())]


def load_library(size: int, prefix: int) -> tuple[int, str]:
    """A user whose personal library holds `size` entries: (library id, API token)."""
    from readinglist.models import Entry, Paper, PaperIdentifier
    from readinglist.services.accounts import create_user, personal_library
    from readinglist.services.tokens import create_api_token

    corpus = texts()
    email = f"search{size}@example.org"
    user = create_user(email=email, password=None, name=f"search {size}")
    library = personal_library(user)
    for first in range(0, size, 10_000):
        numbers = range(first, min(size, first + 10_000))
        papers = Paper.objects.bulk_create(
            [
                Paper(
                    url=f"https://arxiv.org/abs/{prefix}.{n:05d}",
                    enrichment=Paper.Enrichment.DONE,
                )
                for n in numbers
            ]
        )
        PaperIdentifier.objects.bulk_create(
            [
                PaperIdentifier(paper=p, scheme="arxiv", value=f"{prefix}.{n:05d}")
                for n, p in zip(numbers, papers, strict=True)
            ]
        )
        # Through the ORM's bulk insert, as imports write: the search documents come from
        # the database's own triggers.
        Entry.objects.bulk_create(
            [
                Entry(
                    library=library,
                    paper=p,
                    added_by=user,
                    version=1 + n // 100,
                    title=f"{corpus[n % len(corpus)][0]} ({n})",
                    abstract=corpus[n % len(corpus)][1],
                    authors=[f"Author {n % 97}", f"Writer {n % 89}"],
                    url=p.url,
                )
                for n, p in zip(numbers, papers, strict=True)
            ],
            batch_size=5000,
        )
    library.version = 1 + size // 100
    library.save(update_fields=["version"])
    _, secret = create_api_token(user=user, name="bench")
    return library.pk, secret


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(call: Callable[[], object], runs: int) -> list[float]:
    call()  # warm: the first run reads the pages into the caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db-name", default="bench_search")
    parser.add_argument("--explain", action="store_true", help="print one common word's plan")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    production_like_settings(
        SEARCH_CACHE_SECONDS="0",
        API_THROTTLE_LOOKUP="off",
        API_THROTTLE_SAVE="off",
        DJANGO_ALLOWED_HOSTS="bench.example.org",
    )
    with throwaway_database(args.db_name):
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from readinglist.search_pages import RankedSearch

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        libraries = {size: load_library(size, 3000 + n) for n, size in enumerate(sizes)}
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"loaded {sum(sizes):,} entries in {time.perf_counter() - started:.0f} s")
        client = Client(headers={"host": "bench.example.org"})
        print(
            f"{'size':>7} {'words':<7} {'matches':>8} {'api p50':>8} {'p95':>7} "
            f"{'sql p50':>8} {'p95':>7}"
        )
        for size, (library_id, token) in libraries.items():
            headers = {"Authorization": f"Token {token}"}
            for group, words in (("rare", RARE_WORDS), ("common", COMMON_WORDS)):
                turn = iter(range(10**9))

                def api(
                    words: list[str] = words,
                    turn: object = turn,
                    library_id: int = library_id,
                    headers: dict[str, str] = headers,
                ) -> object:
                    word = words[next(turn) % len(words)]  # type: ignore[call-overload]
                    response = client.get(
                        f"/api/v1/entries/?library={library_id}&q={word}",
                        headers=headers,
                        secure=True,  # production settings redirect plain HTTP
                    )
                    assert response.status_code == 200, response.content[:300]
                    return response.json()

                def sql(
                    words: list[str] = words, turn: object = turn, library_id: int = library_id
                ) -> object:
                    word = words[next(turn) % len(words)]  # type: ignore[call-overload]
                    return RankedSearch(word, library_ids=[library_id])[0:50]

                counts = [RankedSearch(word, library_ids=[library_id]) for word in words]
                matched = statistics.median(len(found) for found in counts)
                api_p50, api_p95 = percentiles(timed(api, args.runs))
                sql_p50, sql_p95 = percentiles(timed(sql, args.runs))
                print(
                    f"{size:>7,} {group:<7} {matched:>8,.0f} {api_p50:>8.1f} {api_p95:>7.1f}"
                    f" {sql_p50:>8.1f} {sql_p95:>7.1f}",
                    flush=True,
                )
        if args.explain:
            library_id = libraries[max(sizes)][0]
            sql_text, params = RankedSearch("language", library_ids=[library_id]).matches()
            with connection.cursor() as cursor:
                cursor.execute("SET enable_indexscan = off")
                cursor.execute(
                    f"EXPLAIN (ANALYZE, BUFFERS) {sql_text}"
                    " ORDER BY tier, rank DESC, added_at DESC, id DESC LIMIT 50",
                    params,
                )
                print("\n".join(line for (line,) in cursor.fetchall()))


if __name__ == "__main__":
    main()
