"""Benchmark: import a generated N-entry .bib (default 5,000) as the real import job.

The file goes through `import_file` (read once, queued as an `ImportJob`) and the worker's
task `run_import_job`, in this process, in a throwaway PostgreSQL database (created and
dropped on the server DATABASE_URL names; its own data is never touched). Prints the time to
read the file, the job's time and rate, its progress as stored on the job, the statements it
ran, and a re-import (every record "unchanged"). `--legacy` runs each batch record by record
through `save_paper` (the path before issue 19) for comparison.

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/import_bib.py \
        [--entries 5000] [--legacy] [--db-name bench_import]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.enrichment import production_like_settings, throwaway_database  # noqa: E402


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


def run(entries: int, legacy: bool) -> None:
    from django.db import connection

    from readinglist.io.formats import Format
    from readinglist.models import Entry, ImportJob
    from readinglist.services import bulk_import, imports
    from readinglist.services.accounts import create_user, personal_library

    if legacy:

        def record_by_record(**kwargs: Any) -> Any:
            raise bulk_import.ContendedIdentifier()

        setattr(imports, "import_batch", record_by_record)  # noqa: B010
        imports.IMPORT_BATCH_SIZE = 25
    text = generate(entries)
    user = create_user(email="bench@example.org", password=None)
    library = personal_library(user)
    statements = 0
    waited: dict[str, float] = {}

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = " ".join(sql.replace('"', "").split()[:3])[:48]
            waited[kind] = waited.get(kind, 0.0) + time.perf_counter() - started

    started = time.perf_counter()
    job = imports.import_file(user=user, library=library, text=text, filename="bench.bib")
    queued = time.perf_counter() - started
    pending = job.status
    assert isinstance(job, ImportJob), job
    progress: list[tuple[int, int]] = []
    record = imports._record_progress(job.pk)

    def watched(job_id: int) -> Any:
        def note(report: imports.ImportReport) -> None:
            record(report)
            progress.append(ImportJob.objects.values_list("done", "total").get(pk=job_id))

        return note

    setattr(imports, "_record_progress", watched)  # noqa: B010
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        imports.run_import_job(job.pk)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    job.refresh_from_db()
    assert job.status == "done", job.report
    assert Entry.objects.filter(library=library).count() == job.report["added"] == entries
    records, _ = imports.read_records(Format.BIBTEX, text, strict=False)
    started = time.perf_counter()
    again = imports.import_records(user=user, library=library, records=records)
    reimported = time.perf_counter() - started

    path = "record by record (legacy)" if legacy else "set-based batches"
    print(f"{entries} entries, {len(text) / 1e6:.1f} MB, {connection.vendor}, {path}")
    print(f"  upload (read once, queued): {queued:.2f} s; the answer said {pending!r}")
    print(f"  import job:                 {elapsed:.2f} s ({entries / elapsed:.0f} entries/s)")
    print(f"  of which this process' CPU: {cpu:.2f} s (the rest: the database, other load)")
    print(f"  upload and job together:    {queued + elapsed:.2f} s")
    print(f"  SQL statements:             {statements} ({statements / entries:.2f} per entry)")
    shown = ", ".join(f"{done}/{total}" for done, total in progress[:3])
    print(f"  progress on the job:        {len(progress)} updates ({shown}, ...)")
    print(f"  job at the end:             {job.status}, done {job.done}/{job.total}")
    slowest = sorted(waited.items(), key=lambda item: -item[1])[:6]
    print("  slowest statements (s):     " + "; ".join(f"{k} {v:.2f}" for k, v in slowest))
    print(f"  re-import:                  {reimported:.2f} s, {again.count('unchanged')} unchanged")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--legacy", action="store_true")
    parser.add_argument("--db-name", default="bench_import")
    args = parser.parse_args()
    production_like_settings()
    with throwaway_database(args.db_name):
        import logging

        import django

        django.setup()
        logging.getLogger("django.tasks").setLevel(logging.WARNING)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run(args.entries, args.legacy)


if __name__ == "__main__":
    main()
