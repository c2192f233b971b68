"""Load benchmark: the API under gunicorn on PostgreSQL, measured on loopback.

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/load.py [--quick]

Creates a throwaway database (`bench_load`) on the server named in DATABASE_URL, loads a
10,000-entry library (and a 100,000-entry one for search and sync unless --quick), starts
gunicorn with the project's config, and drives each scenario with a bounded load generator
(keep-alive HTTP connections in threads, capped in requests and seconds) at concurrency 1
and 8. Prints requests/s, p50 and p99 (median of 3 runs) and queries per request (counted
in-process through Django's test client). Nothing leaves 127.0.0.1; the database is dropped
at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# BENCH_DB names the throwaway database, so two people measuring on one server do not collide.
BENCH_DB = os.environ.get("BENCH_DB", "bench_load")
WORDS = ["graph", "retrieval", "language", "vision", "benchmark", "agent", "diffusion", "speech"]
# With the shared Hugging Face listing, these two match 44-58 % of the 10k library and the
# rest 0-10 %; ranked search costs in proportion to the matches, so both halves are reported.
COMMON_WORDS = ["language", "benchmark"]
RARER_WORDS = [word for word in WORDS if word not in COMMON_WORDS]
# What a save from a paper page carries: an abstract of typical length (its search document is
# built in the INSERT), not just a title.
SAVE_ABSTRACT = " ".join(
    f"We study {word} models and show that a simple method improves {word} benchmarks."
    for word in WORDS * 2
)


def bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (postgres://user@host:port/db)")
    return urlparse(base)._replace(path=f"/{BENCH_DB}").geturl()


def recreate_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ["API_THROTTLE_SAVE"] = "off"
    os.environ["API_THROTTLE_LOOKUP"] = "off"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load_library(email: str, size: int, prefix: int) -> tuple[int, str]:
    """A user whose personal library holds `size` entries; returns (library id, API token)."""
    from django.db import connection

    from readinglist.demo import parse_listing
    from readinglist.models import Entry, EntryTag, Paper, PaperIdentifier, ReadingState, Tag
    from readinglist.services.accounts import create_user, personal_library
    from readinglist.services.tokens import create_api_token

    listing = ROOT.parent / "shared" / "fixtures" / "hf-papers-listing.txt"
    texts = (
        [(p.title, p.abstract) for p in parse_listing(listing.read_text())]
        if listing.exists()
        else [(f"A study of {w}", f"We study {w} at scale.") for w in WORDS]
    )
    if not listing.exists():
        print(f"{listing} is absent: short made-up texts, search figures not comparable")
    user = create_user(email=email, password=None, name=email.split("@")[0])
    library = personal_library(user)
    # Registry-known papers: the metadata is the paper's, and each entry shows it (the
    # entries' search vectors come from their own columns, by the trigger of migration 0007).
    papers = Paper.objects.bulk_create(
        [
            Paper(
                title=f"{texts[n % len(texts)][0]} ({n})",
                abstract=texts[n % len(texts)][1],
                authors=[f"Author {n % 97}", f"Writer {n % 89}"],
                url=f"https://arxiv.org/abs/{prefix}.{n:05d}",
                enrichment=Paper.Enrichment.DONE,
            )
            for n in range(size)
        ],
        batch_size=2000,
    )
    PaperIdentifier.objects.bulk_create(
        [
            PaperIdentifier(paper=p, scheme="arxiv", value=f"{prefix}.{n:05d}")
            for n, p in enumerate(papers)
        ],
        batch_size=5000,
    )
    tags = Tag.objects.bulk_create(
        [Tag(library=library, name=f"topic-{t}", folded=f"topic-{t}", version=1) for t in range(20)]
    )
    entries = Entry.objects.bulk_create(
        [
            Entry(
                library=library,
                paper=p,
                added_by=user,
                version=1 + n // 100,
                title=p.title,
                authors=p.authors,
                citekey=f"author{n % 97}{prefix}{n}",  # every entry has its key after an export
                abstract=p.abstract,
                url=p.url,
            )
            for n, p in enumerate(papers)
        ],
        batch_size=5000,
    )
    EntryTag.objects.bulk_create(
        [
            EntryTag(entry=e, tag=tags[(n + k) % len(tags)])
            for n, e in enumerate(entries)
            for k in (0, 7)
        ],
        batch_size=10000,
    )
    ReadingState.objects.bulk_create(
        [
            ReadingState(library=library, entry=e, user=user, status="read", version=e.version)
            for e in entries[::3]
        ],
        batch_size=5000,
    )
    library.version = 1 + size // 100
    library.save(update_fields=["version"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _, secret = create_api_token(user=user, name="bench")
    return library.pk, secret


def load_libraries(*, quick: bool) -> tuple[int, str, int, str]:
    from readinglist.models import User
    from readinglist.services.entries import save_paper

    started = time.perf_counter()
    small_lib, token = load_library("bench10k@example.org", 10_000, prefix=2010)
    big_size = 10_000 if quick else 100_000
    big_lib, big_token = load_library("bench100k@example.org", big_size, prefix=2011)
    big_owner = User.objects.get(email="bench100k@example.org")
    for n in range(10):  # the 10 changes a device catches up on
        save_paper(user=big_owner, url=f"https://example.org/bench/catchup/{n}", tags=["new"])
    print(f"loaded 10k + {big_size // 1000}k entries in {time.perf_counter() - started:.0f} s")
    return small_lib, token, big_lib, big_token


def reuse_library(email: str) -> tuple[int, str]:
    from readinglist.models import User
    from readinglist.services.accounts import personal_library
    from readinglist.services.tokens import create_api_token

    user = User.objects.get(email=email)
    _, secret = create_api_token(user=user, name=f"bench {uuid.uuid4().hex[:6]}")
    return personal_library(user).pk, secret


@dataclass
class Scenario:
    name: str
    method: str
    path: Callable[[int], str]
    body: Callable[[int], dict[str, object] | None] = lambda i: None
    as_big_owner: bool = False  # the changes feed reads the 100k library
    uncached: bool = False  # served with SEARCH_CACHE_SECONDS=0


def scenarios(small_lib: int, big_lib: int, version: int) -> list[Scenario]:
    run = uuid.uuid4().hex[:4]
    return [
        Scenario(
            "list 100", "GET", lambda i: f"/api/v1/entries/?library={small_lib}&page_size=100"
        ),
        Scenario(
            "search (10k)",
            "GET",
            lambda i: f"/api/v1/entries/?library={small_lib}&q={WORDS[i % len(WORDS)]}",
        ),
        # The same words on a server without the ranked-results cache: every search ranks.
        Scenario(
            "search (10k), uncached",
            "GET",
            lambda i: f"/api/v1/entries/?library={small_lib}&q={WORDS[i % len(WORDS)]}",
            uncached=True,
        ),
        Scenario(
            "search, rarer words, uncached",
            "GET",
            lambda i: f"/api/v1/entries/?library={small_lib}&q={RARER_WORDS[i % len(RARER_WORDS)]}",
            uncached=True,
        ),
        Scenario(
            "search, common words, uncached",
            "GET",
            lambda i: (
                f"/api/v1/entries/?library={small_lib}&q={COMMON_WORDS[i % len(COMMON_WORDS)]}"
            ),
            uncached=True,
        ),
        Scenario("lookup 1", "GET", lambda i: f"/api/v1/lookup?url=arXiv:2010.{i % 10000:05d}"),
        Scenario(
            "lookup batch 100",
            "POST",
            lambda i: "/api/v1/lookup",
            lambda i: {"items": [f"arXiv:2010.{(i * 100 + k) % 10000:05d}" for k in range(100)]},
        ),
        Scenario(
            "changes catch-up (10)",
            "GET",
            lambda i: f"/api/v1/libraries/{big_lib}/changes?since={version - 1}",
            as_big_owner=True,
        ),
        # Last: its thousands of new entries would otherwise grow the 10k library (and fill
        # the newest-first list with them) before the reads are measured.
        Scenario(
            "save (new paper, 3 tags)",
            "POST",
            lambda i: "/api/v1/save",
            lambda i: {
                "url": f"https://example.org/bench/{run}/{uuid.uuid4().hex}",  # never a re-save
                "metadata": {
                    "title": f"Bench paper {i}",
                    # Its own first author: citation keys collide no more than real ones do.
                    "authors": [f"Ada Writer{uuid.uuid4().hex[:8]}", "Grace Hopper"],
                    "published": "2024",
                    "abstract": SAVE_ABSTRACT,
                },
                "tags": ["bench", f"t{i % 5}", "load"],
            },
        ),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(database_url: str, port: int, *, uncached: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        "API_THROTTLE_SAVE": "off",
        "API_THROTTLE_LOOKUP": "off",
        "LOG_LEVEL": "WARNING",
        "SEARCH_CACHE_SECONDS": "0" if uncached else "60",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "backend/gunicorn.conf.py", "backend.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not start")


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _cpu_ticks(pid: int) -> int:
    """User + system clock ticks a process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _database_backends() -> list[int]:
    """The PostgreSQL backends serving the benchmark database (the server's connections)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [BENCH_DB],
        )
        return [pid for (pid,) in cursor.fetchall()]


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


@dataclass
class ServerCpu:
    """Where the cores went during a run: gunicorn (master + workers), the PostgreSQL
    backends of the benchmark database, and the machine as a whole (all of its cores)."""

    gunicorn: float = 0.0  # cores
    postgres: float = 0.0  # cores
    machine_busy: float = 0.0  # fraction of all cores

    @property
    def server_busy(self) -> float:
        """gunicorn + PostgreSQL as a fraction of the machine's cores."""
        return (self.gunicorn + self.postgres) / (os.cpu_count() or 1)


@dataclass
class _Sample:
    workers: dict[int, int]  # gunicorn pid -> CPU ticks
    backends: dict[int, int]  # PostgreSQL backend pid -> CPU ticks
    machine: tuple[int, int]
    at: float


def _ticks_used(before: dict[int, int], after: dict[int, int]) -> int:
    """Ticks used between two samples by the processes alive at the end (one that started
    meanwhile counts from 0)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items())


class CpuMeter:
    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def _sample(self) -> _Sample:
        workers: list[int] = []
        if self.server_pid is not None:
            workers = [self.server_pid, *_children(self.server_pid)]
        return _Sample(
            {pid: _cpu_ticks(pid) for pid in workers},
            {pid: _cpu_ticks(pid) for pid in _database_backends()},
            _machine_ticks(),
            time.perf_counter(),
        )

    def __enter__(self) -> CpuMeter:
        self.before = self._sample()
        return self

    def __exit__(self, *exc: object) -> None:
        after, before = self._sample(), self.before
        seconds = (after.at - before.at) * os.sysconf("SC_CLK_TCK")
        busy = after.machine[0] - before.machine[0]
        total = after.machine[1] - before.machine[1]
        self.result = ServerCpu(
            _ticks_used(before.workers, after.workers) / seconds,
            _ticks_used(before.backends, after.backends) / seconds,
            busy / total if total else 0.0,
        )


def connection_spread(port: int) -> list[int]:
    """How many established client connections each gunicorn process holds, most first."""
    listing = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    per_pid: dict[str, int] = {}
    for line in listing.splitlines():
        if "pid=" in line:
            pid = line.split("pid=", 1)[1].split(",", 1)[0]
            per_pid[pid] = per_pid.get(pid, 0) + 1
    return sorted(per_pid.values(), reverse=True)


@dataclass
class Run:
    rps: float
    p50: float
    p99: float
    errors: int
    generator_cores: float
    cpu: ServerCpu
    spread: list[int]  # client connections per gunicorn worker, most first


def drive(
    port: int,
    token: str,
    scenario: Scenario,
    concurrency: int,
    seconds: float,
    cap: int,
    server_pid: int | None = None,
) -> Run:
    """Bounded closed-loop load: throughput, latency, errors and where the CPU went."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(cap))
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body = scenario.body(i)
            started = time.perf_counter()
            conn.request(
                scenario.method,
                scenario.path(i),
                body=json.dumps(body) if body is not None else None,
                headers=headers,
            )
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status >= 400:
                    errors += 1
        conn.close()

    spread: list[int] = []

    def look_at_spread() -> None:
        time.sleep(min(0.5, seconds / 4))  # every thread has connected by now
        spread.extend(connection_spread(port))

    with CpuMeter(server_pid) as meter:
        began, cpu_began = time.perf_counter(), time.process_time()
        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        threads.append(threading.Thread(target=look_at_spread))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    # The generator shares the machine's cores with gunicorn and PostgreSQL: report its cost.
    generator_cores = (time.process_time() - cpu_began) / wall
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return Run(len(latencies) / wall, p50, p99, errors, generator_cores, meter.result, spread)


def queries_per_request(scenario: Scenario, email: str) -> int:
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from readinglist.models import User

    client = APIClient()
    client.force_authenticate(User.objects.get(email=email))

    def send() -> Any:
        path, body = scenario.path(10**9), scenario.body(10**9)
        if scenario.method == "GET":
            return client.get(path, HTTP_HOST="127.0.0.1")
        return client.post(path, body, format="json", HTTP_HOST="127.0.0.1")

    caches["search"].clear()
    if not scenario.uncached:
        send()  # the timed searches repeat: count one the results cache answers
    with CaptureQueriesContext(connection) as captured:
        response = send()
    if response.status_code >= 400:
        sys.exit(f"{scenario.name}: {response.status_code} {response.content[:200]!r}")
    return len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 run, 2 s each, no 100k library")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--load-only", action="store_true", help="load data, keep the database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure on the database --load-only kept"
    )
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    args = parser.parse_args()
    seconds, runs = (2.0, 1) if args.quick else (args.seconds, args.runs)
    admin_url = os.environ.get("DATABASE_URL", "")
    database_url = bench_database_url()
    if not args.reuse:
        recreate_database(admin_url)
    server: tuple[subprocess.Popen[bytes], int, bool] | None = None  # process, port, uncached
    try:
        setup_django(database_url)
        from readinglist.models import Library

        if args.reuse:
            small_lib, token = reuse_library("bench10k@example.org")
            big_lib, big_token = reuse_library("bench100k@example.org")
        else:
            small_lib, token, big_lib, big_token = load_libraries(quick=args.quick)
        version = Library.objects.get(pk=big_lib).version - 9
        if args.load_only:
            print(f"kept database {BENCH_DB}")
            return
        rows = []
        for scenario in scenarios(small_lib, big_lib, version):
            if args.only not in scenario.name:
                continue
            owner = "bench100k@example.org" if scenario.as_big_owner else "bench10k@example.org"
            queries = queries_per_request(scenario, owner)
            if server is None or server[2] != scenario.uncached:
                if server is not None:  # one server at a time: an idle one holds connections
                    stop_gunicorn(server[0])
                port = free_port()
                server = (
                    start_gunicorn(database_url, port, uncached=scenario.uncached),
                    port,
                    scenario.uncached,
                )
            port = server[1]
            key = big_token if scenario.as_big_owner else token
            # Discarded: connects the threads the measured runs will use and warms the workers.
            server_pid = server[0].pid
            drive(port, key, scenario, 8, 1.0, cap=50_000)
            for concurrency in (1, 8):
                results = [
                    drive(port, key, scenario, concurrency, seconds, 50_000, server_pid)
                    for _ in range(runs)
                ]
                rps = statistics.median(r.rps for r in results)
                p50 = statistics.median(r.p50 for r in results)
                p99 = statistics.median(r.p99 for r in results)
                errors = sum(r.errors for r in results)
                cores = statistics.median(r.generator_cores for r in results)
                busy = statistics.median(r.cpu.server_busy for r in results)
                machine = statistics.median(r.cpu.machine_busy for r in results)
                rows.append(
                    (scenario.name, concurrency, rps, p50, p99, queries, errors, cores, busy)
                )
                print(
                    f"{scenario.name:<24} c={concurrency}  {rps:8.1f} req/s  p50 {p50:7.1f} ms"
                    f"  p99 {p99:7.1f} ms  {queries:3d} queries  {errors} errors"
                    f"  generator {cores:.2f} cores  server busy {busy:.0%}"
                    f" (gunicorn {statistics.median(r.cpu.gunicorn for r in results):.2f}"
                    f" + postgres {statistics.median(r.cpu.postgres for r in results):.2f}"
                    f" cores; machine {machine:.0%})"
                    f"  connections per worker {[r.spread for r in results]}",
                    flush=True,
                )
        print()
        print(
            "| scenario | c | req/s | p50 ms | p99 ms | queries/req | errors | generator CPU"
            " | server busy |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for name, c, rps, p50, p99, queries, errors, cores, busy in rows:
            print(
                f"| {name} | {c} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {queries} | {errors}"
                f" | {cores:.2f} cores | {busy:.0%} |"
            )
    finally:
        if server is not None:
            stop_gunicorn(server[0])
        if not (args.load_only or args.reuse):
            from django.db import connections

            connections.close_all()
            drop_database(admin_url)


if __name__ == "__main__":
    random.seed(1)
    main()
