"""Does a member's big import hold up everyone else's saves in the lab?

A lab's member imports a 5,000-record BibTeX file (the real import job, `run_import_job`, in
a thread of this process: batches, progress, one transaction per batch); while it runs, the
lab's owner saves new papers into the same library, one after another, through the real save
service in a second thread with its own connection. Prints how long the owner's saves took
(p50, p99, max: each includes any wait for the library's write lock), how many of them ran
during the import, and how long the import took. `--batch N` overrides the import's batch
size to compare.

Runs against PostgreSQL in a throwaway database it creates and drops (default
`bench_contention`, on the server DATABASE_URL names):

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/import_contention.py \
        [--records 5000] [--batch 25]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from enrichment import production_like_settings, throwaway_database  # noqa: E402  (needs the path above)


def generated_bib(count: int) -> str:
    return "\n".join(
        f"@article{{w{n}, title={{A study of thing number {n}}}, author={{Author, Number {n}}},"
        f" journal={{Journal of Tests}}, year={{{1990 + n % 30}}}, doi={{10.5555/bench.{n}}}}}"
        for n in range(count)
    )


def measure(records: int) -> None:
    from django.db import connection

    from readinglist.io.formats import Format
    from readinglist.models import Entry, ImportJob
    from readinglist.roles import Role
    from readinglist.services.accounts import create_user
    from readinglist.services.entries import save_paper
    from readinglist.services.imports import run_import_job, start_import
    from readinglist.services.labs import add_member, create_lab

    owner = create_user(email="owner@example.org", password=None)
    member = create_user(email="member@example.org", password=None)
    lab = create_lab(owner=owner, name="Bench lab")
    add_member(lab=lab, user=member, role=Role.MEMBER)
    job = start_import(
        user=member,
        library=lab.library,
        format=Format.BIBTEX,
        text=generated_bib(records),
        total=records,
    )
    finished = threading.Event()
    import_seconds = 0.0

    def run_import() -> None:
        nonlocal import_seconds
        started = time.perf_counter()
        try:
            run_import_job(job.pk)
        finally:
            import_seconds = time.perf_counter() - started
            finished.set()
            connection.close()

    saves: list[float] = []

    def owner_saves() -> None:
        try:
            n = 0
            while not finished.is_set():
                started = time.perf_counter()
                save_paper(user=owner, url=f"arXiv:2401.{n:05d}", library=lab.library)
                saves.append(time.perf_counter() - started)
                n += 1
                time.sleep(0.05)  # a person clicking, not a load generator
        finally:
            connection.close()

    importer = threading.Thread(target=run_import)
    saver = threading.Thread(target=owner_saves)
    importer.start()
    time.sleep(0.5)  # the import is under way
    saver.start()
    importer.join()
    saver.join()
    status = ImportJob.objects.get(pk=job.pk).status
    imported = Entry.objects.filter(library=lab.library, added_by=member).count()
    if status != ImportJob.Status.DONE or imported != records:
        sys.exit(f"the import ended {status} with {imported} of {records} entries")
    ms = sorted(1000 * s for s in saves)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    print(f"import of {records} records: {import_seconds:.1f} s ({records / import_seconds:.0f}/s)")
    print(f"owner's saves during it: {len(ms)}")
    print(f"  p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, max {ms[-1]:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=0, help="records per batch (0: the code's)")
    parser.add_argument("--db-name", default="bench_contention")
    args = parser.parse_args()
    production_like_settings(ENRICHMENT_ENABLED="false")  # the queue is not measured here
    with throwaway_database(args.db_name):
        import django

        django.setup()
        from django.core.management import call_command

        import readinglist.services.imports as imports

        call_command("migrate", verbosity=0)
        if args.batch:
            imports.IMPORT_BATCH_SIZE = args.batch
        print(f"batch size {imports.IMPORT_BATCH_SIZE}")
        measure(args.records)


if __name__ == "__main__":
    main()
