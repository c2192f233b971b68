"""Side by side with linkding: the same 10k library, one load generator, interleaved runs.

    DATABASE_URL=postgres://root@127.0.0.1:5432/postgres .venv/bin/python \
        bench/linkding_side_by_side.py --linkding /work/external/linkding \
        [--linkding-python /work/external/linkding-venv/bin/python] [--quick]

linkding (a checkout of github.com/sissbruecker/linkding, kept outside this project, with its
requirements in a venv of its own) runs with its production settings
(`bookmarks.settings.prod`, `LD_DB_ENGINE=postgres`) under gunicorn with the same workers and
threads as ours; its own uWSGI would differ from ours in the server as well as the app. Its
page scraping is blocked: HTTP(S)_PROXY points at a closed loopback port and saves carry
`?disable_scraping`. Both servers read the same generated library, built by `load.py`'s loader
in `readinglist_bench` and copied into `linkding_bench`, both dropped at the end.

Each scenario runs ours, then linkding, three times over at each concurrency (after a discarded
warm-up), so both sides see the same moments of a busy machine. The ratio is linkding's time
over ours, per pair, median of the pairs: above 1 means we are faster.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from enrichment import production_like_settings, throwaway_database
from load import free_port, load_library, stop_gunicorn

ROOT = Path(__file__).resolve().parents[1]
OUR_DB = "readinglist_bench"
LINKDING_DB = "linkding_bench"
EMAIL = "bench10k@example.org"
# In the generated library (the shared listing's 113 papers, cycled): "adrenal" is in one
# paper's abstract (under 1 % of the entries), "benchmark" in 44 % of them.
RARE_WORD = "adrenal"
COMMON_WORD = "benchmark"

# Runs inside linkding's venv, through its manage.py: the library this script dumped, as rows
# (bulk_create skips Bookmark.save(), so url_normalized is filled here), and an API token.
LINKDING_LOADER = """
import json, os
from datetime import timedelta
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from bookmarks.models import ApiToken, Bookmark, Tag
from bookmarks.utils import normalize_url

data = json.load(open(os.environ["LD_BENCH_LIBRARY"]))
user = User.objects.get(username=os.environ["LD_SUPERUSER_NAME"])
now = timezone.now()
tags = {n: Tag(name=n, owner=user, date_added=now) for n in data["tags"]}
Tag.objects.bulk_create(tags.values())
rows = data["entries"]
marks = Bookmark.objects.bulk_create(
    [
        Bookmark(
            url=r["url"], url_normalized=normalize_url(r["url"]), title=r["title"],
            description=r["abstract"], owner=user,
            date_added=now - timedelta(seconds=len(rows) - n),
            date_modified=now - timedelta(seconds=len(rows) - n),
        )
        for n, r in enumerate(rows)
    ],
    batch_size=2000,
)
Through = Bookmark.tags.through
Through.objects.bulk_create(
    [Through(bookmark_id=b.id, tag_id=tags[t].id) for b, r in zip(marks, rows) for t in r["tags"]],
    batch_size=10000,
)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print("TOKEN", ApiToken.objects.create(user=user, name="bench").key)
"""


@dataclass
class Request:
    method: str
    path: str
    body: Mapping[str, object] | None = None


@dataclass
class Scenario:
    name: str
    ours: Callable[[int], Request]
    linkding: Callable[[int], Request]


def scenarios(library: int, papers: int) -> list[Scenario]:
    run = uuid.uuid4().hex[:6]

    def saved_url(i: int) -> str:
        return quote(f"https://arxiv.org/abs/2010.{i % papers:05d}", safe="")

    def new_paper(i: int) -> tuple[str, str, str, list[str]]:
        url = f"https://example.org/papers/{run}/{uuid.uuid4().hex}"  # never a re-save
        abstract = f"We evaluate paper {i} of run {run} on a held-out split. " * 6
        return url, f"Bench paper {i}", abstract, ["bench", f"t{i % 5}", "load"]

    def our_save(i: int) -> Request:
        url, title, abstract, tags = new_paper(i)
        body = {"url": url, "metadata": {"title": title, "abstract": abstract}, "tags": tags}
        return Request("POST", "/api/v1/save", body)

    def linkding_save(i: int) -> Request:
        url, title, abstract, tags = new_paper(i)
        body = {"url": url, "title": title, "description": abstract, "tag_names": tags}
        return Request("POST", "/api/bookmarks/?disable_scraping", body)

    def search(word: str) -> Scenario:
        return Scenario(
            f"search {word!r}, uncached",
            lambda i: Request("GET", f"/api/v1/entries/?library={library}&page_size=100&q={word}"),
            lambda i: Request("GET", f"/api/bookmarks/?limit=100&q={word}"),
        )

    return [
        Scenario(
            "is this URL saved?",
            lambda i: Request("GET", f"/api/v1/lookup?url={saved_url(i)}"),
            lambda i: Request("GET", f"/api/bookmarks/check/?url={saved_url(i)}"),
        ),
        Scenario(
            f"list 100 of {papers // 1000}k",
            lambda i: Request("GET", f"/api/v1/entries/?library={library}&page_size=100"),
            lambda i: Request("GET", "/api/bookmarks/?limit=100"),
        ),
        search(RARE_WORD),
        search(COMMON_WORD),
        # Last: the new entries grow both libraries.
        Scenario("save (3 tags, abstract)", our_save, linkding_save),
    ]


@dataclass
class Run:
    rps: float
    p50: float
    p95: float
    errors: int
    first_error: str


def drive(
    port: int,
    token: str,
    make: Callable[[int], Request],
    concurrency: int,
    seconds: float,
    cap: int,
) -> Run:
    """Closed-loop load on keep-alive connections, one thread per connection."""
    latencies: list[float] = []
    errors = 0
    first_error = ""
    lock = threading.Lock()
    counter = iter(range(cap))
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def worker() -> None:
        nonlocal errors, first_error
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            request = make(i)
            body = json.dumps(request.body) if request.body is not None else None
            started = time.perf_counter()
            conn.request(request.method, request.path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status >= 400:
                    errors += 1
                    first_error = first_error or f"{response.status} {content[:200]!r}"
        conn.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000
    return Run(len(latencies) / wall, p50, p95, errors, first_error)


def dump_library(library: int, path: Path) -> int:
    from readinglist.models import Entry, EntryTag

    entries = list(Entry.objects.filter(library_id=library).order_by("pk"))
    tags: dict[int, list[str]] = {}
    for entry_id, name in EntryTag.objects.filter(entry__library_id=library).values_list(
        "entry_id", "tag__name"
    ):
        tags.setdefault(entry_id, []).append(name)
    rows = [
        {"url": e.url, "title": e.title, "abstract": e.abstract, "tags": tags.get(e.pk, [])}
        for e in entries
    ]
    names = sorted({name for names in tags.values() for name in names})
    path.write_text(json.dumps({"tags": names, "entries": rows}))
    return len(rows)


def linkding_env(checkout: Path, admin_url: str, port: int, blocked: int) -> dict[str, str]:
    server = urlparse(admin_url)
    proxy = f"http://127.0.0.1:{blocked}"  # nothing listens there: every fetch fails at once
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    env.pop("DATABASE_URL", None)
    return env | {
        "DJANGO_SETTINGS_MODULE": "bookmarks.settings.prod",  # what its uwsgi.ini sets
        "LD_DB_ENGINE": "postgres",
        "LD_DB_HOST": server.hostname or "127.0.0.1",
        "LD_DB_PORT": str(server.port or 5432),
        "LD_DB_USER": server.username or "root",
        "LD_DB_DATABASE": LINKDING_DB,
        "LD_SUPERUSER_NAME": "bench",
        "LD_SUPERUSER_PASSWORD": uuid.uuid4().hex,
        "HTTP_PROXY": proxy,
        "HTTPS_PROXY": proxy,
        "http_proxy": proxy,
        "https_proxy": proxy,
        "PYTHONPATH": str(checkout),
    }


def set_up_linkding(python: str, checkout: Path, env: dict[str, str], library: Path) -> str:
    """Its bootstrap.sh's steps, then the library and a token; returns the token."""
    (checkout / "data" / "favicons").mkdir(parents=True, exist_ok=True)
    (checkout / "data" / "previews").mkdir(exist_ok=True)
    (checkout / "data" / "assets").mkdir(exist_ok=True)

    def manage(*args: str) -> str:
        done = subprocess.run(
            [python, "manage.py", *args],
            cwd=checkout,
            env=env | {"LD_BENCH_LIBRARY": str(library)},
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.exit(f"linkding manage.py {args[0]} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    for command in ("generate_secret_key", "migrate", "create_initial_superuser"):
        manage(command)
    out = manage("shell", "-c", LINKDING_LOADER)
    return next(line.split()[1] for line in out.splitlines() if line.startswith("TOKEN"))


def start_server(
    name: str, command: list[str], cwd: Path, env: dict[str, str], port: int, health: str, log: Path
) -> subprocess.Popen[bytes]:
    """Both sides start alike; a machine this busy can take a minute to boot four workers."""
    with log.open("wb") as errors:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", health)
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.kill()
    sys.exit(f"{name} did not start:\n{log.read_text(errors='replace')[-3000:]}")


def our_server_env(database_url: str, port: int) -> dict[str, str]:
    """load.py's production-like environment, results cache off."""
    return {
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
        "SEARCH_CACHE_SECONDS": "0",
    }


def probe(port: int, token: str, request: Request) -> dict[str, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", request.path, headers={"Authorization": f"Token {token}"})
    response = conn.getresponse()
    payload = json.loads(response.read())
    if response.status != 200:
        sys.exit(f"{request.path}: {response.status} {payload}")
    return dict(payload)


def check_same_work(scenario: Scenario, ours: dict[str, object], theirs: dict[str, object]) -> None:
    """Both sides must answer the reads alike: a hit for the lookup, as many rows for the rest."""
    if scenario.name.startswith("is this URL saved"):
        if not (ours.get("saved") and theirs.get("bookmark")):
            sys.exit(f"the lookup missed: ours {str(ours)[:200]}, linkding {str(theirs)[:200]}")
        print(f"{scenario.name}: found on both sides")
        return
    counts = [(p.get("count"), len(p.get("results") or ())) for p in (ours, theirs)]  # type: ignore[arg-type]
    print(
        f"{scenario.name}: ours {counts[0][0]} matches, {counts[0][1]} rows;"
        f" linkding {counts[1][0]} matches, {counts[1][1]} rows"
    )


def describe_code() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    commit = git("rev-parse", "--short", "HEAD").strip()
    return f"commit {commit}" + (
        " with uncommitted changes" if git("status", "--porcelain") else ""
    )


def describe_linkding(checkout: Path) -> str:
    version = (checkout / "version.txt").read_text().strip()
    return f"{version} under gunicorn, bookmarks.settings.prod, LD_DB_ENGINE=postgres"


def window() -> str:
    one, five, fifteen = os.getloadavg()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{stamp}, load average {one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--linkding", type=Path, required=True, help="a linkding checkout")
    parser.add_argument(
        "--linkding-python",
        default="/work/external/linkding-venv/bin/python",
        help="a Python with linkding's requirements and gunicorn",
    )
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="per run")
    parser.add_argument("--cap", type=int, default=20_000, help="requests per run at most")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers, both sides")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads, both sides")
    parser.add_argument("--quick", action="store_true", help="1 pair of 1 s runs")
    parser.add_argument("--only", default="", help="the scenarios whose name contains this")
    args = parser.parse_args()
    seconds, pairs = (1.0, 1) if args.quick else (args.seconds, args.pairs)
    checkout = args.linkding.resolve()
    admin_url = os.environ.get("DATABASE_URL", "")
    production_like_settings(
        API_THROTTLE_SAVE="off", API_THROTTLE_LOOKUP="off", SEARCH_CACHE_SECONDS="0"
    )
    os.environ["GUNICORN_WORKERS"] = str(args.workers)
    os.environ["GUNICORN_THREADS"] = str(args.threads)
    import psycopg

    servers: list[subprocess.Popen[bytes]] = []
    with (
        throwaway_database(OUR_DB),
        tempfile.TemporaryDirectory() as scratch,
        psycopg.connect(admin_url, autocommit=True) as admin,
    ):
        admin.execute(f"DROP DATABASE IF EXISTS {LINKDING_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {LINKDING_DB}")
        try:
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            started = time.perf_counter()
            library, our_token = load_library(EMAIL, args.papers, prefix=2010)
            dump = Path(scratch) / "library.json"
            size = dump_library(library, dump)
            our_port, ld_port = free_port(), free_port()
            env = linkding_env(checkout, admin_url, ld_port, blocked=free_port())
            ld_token = set_up_linkding(args.linkding_python, checkout, env, dump)
            print(f"loaded {size} papers into both in {time.perf_counter() - started:.0f} s")
            from django.db import connections

            connections.close_all()
            ours_command = [sys.executable, "-m", "gunicorn", "-c", "backend/gunicorn.conf.py"]
            servers.append(
                start_server(
                    "our gunicorn",
                    [*ours_command, "backend.wsgi"],
                    ROOT,
                    our_server_env(os.environ["DATABASE_URL"], our_port),
                    our_port,
                    "/healthz",
                    Path(scratch) / "ours.log",
                )
            )
            servers.append(
                start_server(
                    "linkding's gunicorn",
                    [
                        *(args.linkding_python, "-m", "gunicorn", "bookmarks.wsgi:application"),
                        *("--worker-class", "gthread", "--bind", f"127.0.0.1:{ld_port}"),
                        *("--workers", str(args.workers), "--threads", str(args.threads)),
                    ],
                    checkout,
                    env,
                    ld_port,
                    "/health",
                    Path(scratch) / "linkding.log",
                )
            )
            sides = (("ours", our_port, our_token), ("linkding", ld_port, ld_token))
            print(f"ours: {describe_code()}; linkding {describe_linkding(checkout)}")
            for scenario in scenarios(library, args.papers):
                if scenario.ours(0).method == "GET":
                    ours = probe(our_port, our_token, scenario.ours(0))
                    theirs = probe(ld_port, ld_token, scenario.linkding(0))
                    check_same_work(scenario, ours, theirs)
            measure(args, seconds, pairs, library, sides)
        finally:
            for server in servers:
                stop_gunicorn(server)
            admin.execute(f"DROP DATABASE IF EXISTS {LINKDING_DB} WITH (FORCE)")


def measure(
    args: argparse.Namespace,
    seconds: float,
    pairs: int,
    library: int,
    sides: tuple[tuple[str, int, str], ...],
) -> None:
    print(f"start: {window()}")
    print(f"gunicorn gthread, {args.workers} workers x {args.threads} threads on each side")
    print(f"{pairs} pairs of {seconds:g} s runs (at most {args.cap} requests) per row")
    rows = []
    for scenario in scenarios(library, args.papers):
        if args.only not in scenario.name:
            continue
        makers = {"ours": scenario.ours, "linkding": scenario.linkding}
        for name, port, token in sides:  # discarded: connects and warms the workers
            drive(port, token, makers[name], 8, 1.0, cap=args.cap)
        for concurrency in (1, 8):
            runs: dict[str, list[Run]] = {"ours": [], "linkding": []}
            for _ in range(pairs):
                for name, port, token in sides:
                    run = drive(port, token, makers[name], concurrency, seconds, args.cap)
                    runs[name].append(run)
                    if run.errors:
                        print(f"  {scenario.name} {name}: {run.errors} errors, {run.first_error}")
            ours, theirs = runs["ours"], runs["linkding"]
            row = (
                scenario.name,
                concurrency,
                statistics.median(t.p50 / o.p50 for o, t in zip(ours, theirs, strict=True)),
                statistics.median(o.rps / t.rps for o, t in zip(ours, theirs, strict=True)),
                *(statistics.median(getattr(r, f) for r in ours) for f in ("p50", "p95", "rps")),
                *(statistics.median(getattr(r, f) for r in theirs) for f in ("p50", "p95", "rps")),
                sum(r.errors for r in ours + theirs),
            )
            rows.append(row)
            print(
                f"{row[0]:<26} c={concurrency}  p50 ratio {row[2]:5.2f}  throughput ratio"
                f" {row[3]:5.2f}  ours {row[4]:.1f}/{row[5]:.1f} ms {row[6]:.0f}/s"
                f"  linkding {row[7]:.1f}/{row[8]:.1f} ms {row[9]:.0f}/s",
                flush=True,
            )
    print(f"end: {window()}")
    print()
    print(
        "| scenario | c | ratio p50 (linkding/ours) | ratio req/s (ours/linkding) "
        "| ours p50 / p95 ms | ours req/s | linkding p50 / p95 ms | linkding req/s | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, c, ratio, through, op50, op95, orps, lp50, lp95, lrps, errors in rows:
        print(
            f"| {name} | {c} | {ratio:.2f} | {through:.2f} | {op50:.1f} / {op95:.1f} | {orps:.0f}"
            f" | {lp50:.1f} / {lp95:.1f} | {lrps:.0f} | {errors} |"
        )


if __name__ == "__main__":
    # A killed run still stops both servers and drops both databases.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    main()
