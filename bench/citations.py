"""Benchmark: formatting references and BibTeX (no database).

Usage: .venv/bin/python bench/citations.py [N]

Reads tests/io/fixtures/ml_references.bib (29 real-shaped references), repeats it to N
records (default 1,000) and prints, per citation style, the time to format them all (what a
list's "cite" answer costs) and per reference; then BibTeX write and parse times.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from readinglist.citations import CitationStyle, references
    from readinglist.io.bibtex import parse_bibtex, write_bibtex

    base = parse_bibtex((ROOT / "tests/io/fixtures/ml_references.bib").read_text())
    records = [
        replace(base[i % len(base)], citekey=f"{base[i % len(base)].citekey}-{i}") for i in range(n)
    ]
    print(f"{n} records ({len(base)} distinct shapes)")
    for style in CitationStyle:
        references(base[:1], style)  # parse the style once, as a running server has
        started = time.perf_counter()
        references(records, style)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        references(records, style)
        warm = time.perf_counter() - started
        print(
            f"  {style.value:8} first {cold * 1000:7.0f} ms ({cold / n * 1000:5.2f} ms each),"
            f" again from the cache {warm * 1000:5.0f} ms ({warm / n * 1000:5.3f} ms each)"
        )
    started = time.perf_counter()
    text = write_bibtex(records)
    written = time.perf_counter() - started
    started = time.perf_counter()
    parse_bibtex(text)
    parsed = time.perf_counter() - started
    ascii_started = time.perf_counter()
    write_bibtex(records, ascii=True)
    ascii_written = time.perf_counter() - ascii_started
    print(
        f"  bibtex write {written * 1000:.0f} ms, with LaTeX escapes {ascii_written * 1000:.0f} ms,"
        f" parse {parsed * 1000:.0f} ms ({len(text) // 1024} KiB)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
