"""Benchmark: import a generated 5,000-entry .bib into a throwaway database and time it.

Usage: DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/import_bib.py [N]

On PostgreSQL it creates `bench_import` on the same server, runs the import there and drops
it afterwards (the `test` database's data is never touched); without DATABASE_URL it uses a
temporary SQLite file. Prints parse, import and re-import (dedupe) times and progress.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_import"


def generate(n: int) -> str:
    chunks = []
    for i in range(n):
        ident = (
            f"  eprint = {{{2001 + i // 99999 % 20:04d}.{i % 99999:05d}}},\n"
            "  archiveprefix = {arXiv},\n"
            if i % 2
            else f"  doi = {{10.{5000 + i % 50}/bench.{i}}},\n"
        )
        chunks.append(
            f"@article{{k{i},\n  title = {{Paper {i}: Caf{{\\'e}} na{{\\\"i}}ve methods}},\n"
            f'  author = {{Le Scao, Teven and M{{\\"u}}ller, J. and Author {i}}},\n'
            f"  year = {{{2000 + i % 25}}},\n  journal = {{Journal {i % 30}}},\n{ident}"
            f"  keywords = {{tag{i % 40}, bench}},\n}}\n"
        )
    return "\n".join(chunks)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    url = os.environ.get("DATABASE_URL", "")
    admin = None
    if url.startswith("postgres"):
        import psycopg

        parts = urlsplit(url)
        admin = psycopg.connect(url, autocommit=True)
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    try:
        run(n)
    finally:
        if admin is not None:
            from django.db import connections

            connections.close_all()
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            admin.close()


def run(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from readinglist.io.bibtex import parse_bibtex
    from readinglist.models import Entry, User
    from readinglist.services.accounts import personal_library
    from readinglist.services.imports import import_records

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.bib"
        path.write_text(generate(n))
        size = path.stat().st_size
        start = time.perf_counter()
        records = parse_bibtex(path.read_text())
        parsed = time.perf_counter() - start
    user = User.objects.create_user("bench@example.org", "x")
    library = personal_library(user)
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done % 1000 == 0 or done == total:
            print(f"  progress {done}/{total}", flush=True)

    start = time.perf_counter()
    report = import_records(user=user, library=library, records=records, progress=progress)
    imported = time.perf_counter() - start
    start = time.perf_counter()
    again = import_records(user=user, library=library, records=records)
    reimported = time.perf_counter() - start
    print(f"database: {django.db.connection.vendor}; file: {n} entries, {size / 1e6:.1f} MB")
    print(f"parse:    {parsed:.2f} s ({n / parsed:.0f} entries/s)")
    print(
        f"import:   {imported:.2f} s ({n / imported:.0f} entries/s); added {report.count('added')},"
        f" skipped {report.count('skipped')}, progress callbacks {len(seen)}"
    )
    print(
        f"re-import: {reimported:.2f} s; unchanged {again.count('unchanged')}, added 0 expected "
        f"-> {again.count('added')}"
    )
    assert Entry.objects.filter(library=library).count() == report.count("added")


if __name__ == "__main__":
    main()
